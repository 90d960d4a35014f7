/* The local Redis's process, watched for its exit (see process_watch.h). */
#include "process_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "number.h"

/* include/linux/sched.h: set by do_exit() before the task frees anything. */
#define TASK_FLAG_EXITING 0x00000004ul

int process_stat_parse(const char *text, struct process_stat *out) {
    memset(out, 0, sizeof(*out));
    const char *open = strchr(text, '(');
    const char *close = strrchr(text, ')');
    if (!open || !close || close < open)
        return -EBADMSG;
    size_t len = (size_t)(close - open - 1);
    if (len >= sizeof(out->comm))
        len = sizeof(out->comm) - 1;
    memcpy(out->comm, open + 1, len);
    out->comm[len] = '\0';
    /* After the name: state ppid pgrp session tty_nr tpgid flags ... */
    const char *p = close + 1;
    if (*p++ != ' ' || !*p || p[1] != ' ')
        return -EBADMSG;
    out->state = *p;
    p += 2;
    for (int skipped = 0; skipped < 5; skipped++) {
        p = strchr(p, ' ');
        if (!p)
            return -EBADMSG;
        p++;
    }
    long long flags = number_prefix(p, 0, (long long)0xffffffff, -1);
    if (flags < 0)
        return -EBADMSG;
    out->flags = (unsigned long)flags;
    return 0;
}

bool process_stat_exiting(const struct process_stat *stat) {
    return (stat->flags & TASK_FLAG_EXITING) || stat->state == 'Z' || stat->state == 'X' ||
           stat->state == 'x';
}

/* Read the followed process's stat through the fd opened when following began: the
 * fd stays bound to that task, so a reused pid can never answer for it. Returns 0,
 * -ESRCH once the task is gone, or another negative errno. */
static int read_stat(int fd, struct process_stat *out) {
    memset(out, 0, sizeof(*out)); /* defined on every path */
    char text[1024];
    ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
    if (n < 0)
        return -errno;
    if (n == 0)
        return -ESRCH;
    text[n] = '\0';
    return process_stat_parse(text, out);
}

static void unfollow(struct process_watch *pw) {
    if (pw->stat_fd >= 0)
        close(pw->stat_fd);
    pw->stat_fd = -1;
    pw->pid = 0;
    pw->comm[0] = '\0';
    if (pw->timer)
        sd_event_source_set_enabled(pw->timer, SD_EVENT_OFF);
}

static int on_poll(sd_event_source *s, uint64_t usec, void *userdata) {
    (void)s;
    (void)usec;
    struct process_watch *pw = userdata;
    struct process_stat stat;
    int r = read_stat(pw->stat_fd, &stat);
    if (r == 0 && !process_stat_exiting(&stat)) {
        timer_arm_or_exit(pw->timer, PROCESS_WATCH_POLL_USEC);
        return 0;
    }
    char why[160];
    if (r == 0)
        snprintf(why, sizeof(why), "process %d (%s) is exiting (state %c)", (int)pw->pid, pw->comm,
                 stat.state);
    else
        snprintf(why, sizeof(why), "process %d (%s) is gone (/proc/%d/stat: %s)", (int)pw->pid,
                 pw->comm, (int)pw->pid, strerror(-r));
    unfollow(pw);
    pw->on_exit(pw, why, pw->userdata);
    return 0;
}

void process_watch_init(struct process_watch *pw, sd_event *event, process_exit_fn on_exit,
                        void *userdata) {
    memset(pw, 0, sizeof(*pw));
    pw->event = event;
    pw->stat_fd = -1;
    pw->on_exit = on_exit;
    pw->userdata = userdata;
}

/* Logs why a process is not followed, once per distinct reason. */
static void refuse(struct process_watch *pw, const char *why) {
    if (strcmp(why, pw->not_followed) != 0)
        log_info("local Redis/Valkey process not watched: %s; a crash is seen when its "
                 "sockets close",
                 why);
    snprintf(pw->not_followed, sizeof(pw->not_followed), "%s", why);
}

void process_watch_follow(struct process_watch *pw, long long pid, const char *executable) {
    if (pid > 0 && pid == (long long)pw->pid)
        return;
    unfollow(pw);
    char why[200];
    if (pid <= 0 || pid > 0x3fffffff || !executable[0]) {
        refuse(pw, "INFO server names no process_id and executable");
        return;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/%lld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, sizeof(why), "%s: %s", path, strerror(errno));
        refuse(pw, why);
        return;
    }
    struct process_stat stat;
    int r = read_stat(fd, &stat);
    /* The kernel names a task after the file it executed, cut to 15 bytes. */
    const char *slash = strrchr(executable, '/');
    char name[sizeof(stat.comm)];
    snprintf(name, sizeof(name), "%s", slash ? slash + 1 : executable);
    if (r < 0 || strcmp(stat.comm, name) != 0 || process_stat_exiting(&stat)) {
        if (r < 0)
            snprintf(why, sizeof(why), "%s: %s", path, strerror(-r));
        else if (strcmp(stat.comm, name) != 0)
            snprintf(why, sizeof(why), "pid %lld is '%s' here, not '%s' (another PID namespace?)",
                     pid, stat.comm, name);
        else
            snprintf(why, sizeof(why), "pid %lld is exiting already", pid);
        close(fd);
        refuse(pw, why);
        return;
    }
    if (!pw->timer) {
        r = sd_event_add_time(pw->event, &pw->timer, CLOCK_MONOTONIC, 0, 1000, on_poll, pw);
        if (r < 0) {
            close(fd);
            log_error_errno(r, "process watch timer");
            return;
        }
    }
    pw->stat_fd = fd;
    pw->pid = (pid_t)pid;
    snprintf(pw->comm, sizeof(pw->comm), "%s", stat.comm);
    pw->not_followed[0] = '\0';
    log_info("local Redis/Valkey process %d (%s) watched for its exit every %u ms", (int)pw->pid,
             pw->comm, PROCESS_WATCH_POLL_USEC / 1000u);
    timer_arm_or_exit(pw->timer, PROCESS_WATCH_POLL_USEC);
}

void process_watch_stop(struct process_watch *pw) {
    unfollow(pw);
    pw->timer = sd_event_source_disable_unref(pw->timer);
}
