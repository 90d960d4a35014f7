/* Notify FIFO reader. */
#include "notify_fifo.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

/* keepalived writes text; a NUL or another control byte means something else wrote
 * into the FIFO (tabs and a CR before the newline pass). */
static bool has_control_bytes(const char *line, size_t len) {
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
            return true;
    }
    return false;
}

static void dispatch_line(struct notify_fifo *f, const char *line, size_t len) {
    struct notification n;
    char err[400];
    if (has_control_bytes(line, len)) {
        f->malformed_lines++;
        log_warning("notify FIFO %s: a line of %zu bytes with control bytes, not text from "
                    "keepalived (skipped)",
                    f->path, len);
        return;
    }
    int r = notification_parse_fifo_line(line, &n, err, sizeof(err));
    if (r == -ENOENT) {
        log_debug("notify FIFO: ignoring non-VRRP line '%.200s'", line);
        return;
    }
    if (r < 0) {
        f->malformed_lines++;
        log_warning("notify FIFO %s: %s (skipped)", f->path, err);
        return;
    }
    f->on_notification(&n, f->userdata);
}

void notify_fifo_feed(struct notify_fifo *f, const char *data, size_t len) {
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (c == '\n') {
            f->buf[f->used] = '\0';
            if (!f->skipping && f->used > 0)
                dispatch_line(f, f->buf, f->used);
            f->used = 0;
            f->skipping = false;
        } else if (f->skipping) {
            continue;
        } else if (f->used == sizeof(f->buf) - 1) {
            /* An over-long line is garbage: drop it up to its newline. */
            f->malformed_lines++;
            f->skipping = true;
            log_warning("notify FIFO %s: line longer than %zu bytes (skipped)", f->path,
                        sizeof(f->buf) - 1);
        } else {
            f->buf[f->used++] = c;
        }
    }
}

/* Read everything buffered in fd now. */
static void drain(struct notify_fifo *f, int fd) {
    char data[4096];
    for (;;) {
        ssize_t n = read(fd, data, sizeof(data));
        if (n > 0) {
            notify_fifo_feed(f, data, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN)
            log_warning("notify FIFO %s: read: %s", f->path, strerror(errno));
        return;
    }
}

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
    (void)s;
    (void)revents;
    drain(userdata, fd);
    return 0;
}

/* Make sure a FIFO exists at the path and open it: its fd and event source. */
static int open_path(struct notify_fifo *f, int *fd_out, sd_event_source **source_out) {
    int fd = -1;
    for (int attempt = 0; fd < 0; attempt++) {
        if (attempt == 3)
            return -EAGAIN; /* it keeps vanishing and coming back: the next hint retries */
        if (mkfifo(f->path, 0600) < 0 && errno != EEXIST)
            return -errno;
        /* EEXIST: keepalived's, or ours from before. ENOENT on open: unlinked just
         * now, by a reload under way; try again. */
        fd = open(f->path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && errno != ENOENT)
            return -errno;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
        close(fd);
        return -EEXIST;
    }
    int r = sd_event_add_io(f->event, source_out, fd, EPOLLIN, on_readable, f);
    if (r < 0) {
        close(fd);
        return r;
    }
    *fd_out = fd;
    return 0;
}

static const char *open_error(int r) {
    return r == -EEXIST ? "exists and is not a FIFO" : strerror(-r);
}

static void close_fd(struct notify_fifo *f) {
    f->source = sd_event_source_disable_unref(f->source);
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}

int notify_fifo_follow_path(struct notify_fifo *f) {
    struct stat path_st, fd_st;
    bool missing = stat(f->path, &path_st) < 0;
    if (missing && errno != ENOENT) {
        int r = -errno;
        if (!f->follow_failing)
            log_error("notify FIFO %s: %s", f->path, strerror(-r));
        f->follow_failing = true;
        return r;
    }
    if (f->fd >= 0 && !missing && fstat(f->fd, &fd_st) == 0 && path_st.st_dev == fd_st.st_dev &&
        path_st.st_ino == fd_st.st_ino)
        return 0;
    /* The new one first: the old one stays open (keepalived may still write to it)
     * until there is something to read instead. */
    int fd = -1;
    sd_event_source *source = NULL;
    int r = open_path(f, &fd, &source);
    if (r < 0) {
        if (!f->follow_failing)
            log_error("notify FIFO %s: cannot reopen: %s (reading the old one until it can)",
                      f->path, open_error(r));
        f->follow_failing = true;
        return r;
    }
    /* Whatever keepalived wrote into the old one before it let go is still news; a
     * line it left half-written there will never be finished. */
    if (f->fd >= 0)
        drain(f, f->fd);
    close_fd(f);
    f->used = 0;
    f->skipping = false;
    f->fd = fd;
    f->source = source;
    f->follow_failing = false;
    log_info("notify FIFO %s %s (keepalived reloaded or stopped?): %s", f->path,
             missing ? "was removed" : "was replaced by another FIFO",
             missing ? "created it again and reading it" : "reading the new one");
    return 1;
}

static int on_dir_event(sd_event_source *s, const struct inotify_event *event, void *userdata) {
    (void)s;
    struct notify_fifo *f = userdata;
    const char *base = strrchr(f->path, '/');
    base = base ? base + 1 : f->path;
    if ((event->mask & IN_Q_OVERFLOW) || (event->len > 0 && strcmp(event->name, base) == 0))
        notify_fifo_follow_path(f);
    return 0;
}

/* Once a second: a stat and an fstat, for a hint the directory watch could miss (the
 * directory itself replaced, or a watch that could not be set up). */
#define FOLLOW_CHECK_INTERVAL_USEC 1000000u

static int on_check_timer(sd_event_source *s, uint64_t usec, void *userdata) {
    (void)usec;
    struct notify_fifo *f = userdata;
    notify_fifo_follow_path(f);
    int r = timer_arm(s, FOLLOW_CHECK_INTERVAL_USEC);
    if (r < 0)
        log_error("notify FIFO %s: cannot re-arm the once-a-second check: %s", f->path,
                  strerror(-r));
    return 0;
}

/* The directory part of path: "/run/x/fifo" -> "/run/x", "/fifo" -> "/", "fifo" -> ".". */
static void dir_of(const char *path, char *dir, size_t size) {
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, size, ".");
    else if (slash == path)
        snprintf(dir, size, "/");
    else
        snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

int notify_fifo_open(struct notify_fifo *f, sd_event *event, const char *path,
                     notify_fifo_fn on_notification, void *userdata) {
    memset(f, 0, sizeof(*f));
    f->fd = -1;
    f->path = path;
    f->event = event;
    f->on_notification = on_notification;
    f->userdata = userdata;
    int r = open_path(f, &f->fd, &f->source);
    if (r < 0)
        return r;
    char dir[4096];
    dir_of(path, dir, sizeof(dir));
    r = sd_event_add_inotify(event, &f->dir_watch, dir,
                             IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR,
                             on_dir_event, f);
    if (r < 0)
        log_warning("notify FIFO %s: cannot watch %s (%s): following the path once a second "
                    "only",
                    path, dir, strerror(-r));
    r = sd_event_add_time(event, &f->check_timer, CLOCK_MONOTONIC, 0, 0, on_check_timer, f);
    if (r >= 0)
        r = timer_arm(f->check_timer, FOLLOW_CHECK_INTERVAL_USEC);
    if (r < 0)
        notify_fifo_close(f);
    return r;
}

void notify_fifo_close(struct notify_fifo *f) {
    f->dir_watch = sd_event_source_disable_unref(f->dir_watch);
    f->check_timer = sd_event_source_disable_unref(f->check_timer);
    close_fd(f);
}
