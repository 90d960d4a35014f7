/* Inline notifications. Ordering between processes: each notification first writes
 * its id to run_dir/notify.latest, then queues on run_dir/transition.lock. The
 * running transition reads notify.latest before each step and stops when a newer id
 * is there; a queued one that is no longer the latest when it gets the lock ends at
 * once. So the last notification always runs, and runs last. */
#include "notify_inline.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "run_dir.h"
#include "transition.h"

/* SIGALRM only interrupts the lock wait; the handler needs to do nothing. */
static void on_lock_deadline(int sig) { (void)sig; }

struct inline_run {
    sd_event *event;
    bool done;
    char id[40];
    char latest_path[CONFIG_PATH_MAX + 32];
    int exit_status;
};

static bool is_superseded(void *userdata) {
    struct inline_run *run = userdata;
    char latest[64];
    if (run_dir_read_file(run->latest_path, latest, sizeof(latest)) < 0)
        return false; /* unreadable: no evidence of a newer notification */
    return strcmp(latest, run->id) != 0;
}

static void on_done(const struct transition_result *result, void *userdata) {
    struct inline_run *run = userdata;
    run->exit_status = result->outcome == TRANSITION_FAILED ? 1 : 0;
    run->done = true;
}

/* Wait for the transition lock; a notification that waits longer than every budget
 * of the transition ahead of it combined is stuck behind a hung process. */
static int take_lock(const struct config *cfg, const char *path, int *fd_out) {
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    long budget_ms = cfg->transition.catchup_timeout_ms + cfg->transition.backup_wait_timeout_ms +
                     cfg->transition.master_delay_ms + cfg->transition.backup_delay_ms + 60000;
    /* Block on the lock itself (woken the moment it is released), with the deadline
     * as an alarm: flock() then fails with EINTR. No SA_RESTART, on purpose. */
    struct sigaction sa = { .sa_handler = on_lock_deadline }, old_sa;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old_sa);
    uint64_t start = monotonic_usec();
    alarm((unsigned)((budget_ms + 999) / 1000));
    int r = flock(fd, LOCK_EX) < 0 ? -errno : 0;
    alarm(0);
    sigaction(SIGALRM, &old_sa, NULL);
    if (r < 0) {
        close(fd);
        return r == -EINTR ? -ETIMEDOUT : r;
    }
    long waited_ms = (long)((monotonic_usec() - start) / 1000u);
    if (waited_ms > 0)
        log_info("waited %ld ms for the transition in progress to stop", waited_ms);
    *fd_out = fd;
    return 0;
}

int notify_run_inline(const struct config *cfg, const struct notification *n) {
    signal(SIGPIPE, SIG_IGN); /* a Redis closing as we write is an error, not a kill */
    struct inline_run run = { .exit_status = 1 };
    char lock_path[CONFIG_PATH_MAX + 32], text[200];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(run.id, sizeof(run.id), "%lld.%06ld-%d", (long long)now.tv_sec, now.tv_nsec / 1000,
             (int)getpid());
    notification_format(n, text, sizeof(text));

    int r = ensure_directory(cfg->agent.run_dir, 0755);
    if (r < 0) {
        log_error("run_dir %s: %s", cfg->agent.run_dir, strerror(-r));
        return 1;
    }
    snprintf(run.latest_path, sizeof(run.latest_path), "%s/notify.latest", cfg->agent.run_dir);
    snprintf(lock_path, sizeof(lock_path), "%s/transition.lock", cfg->agent.run_dir);
    r = run_dir_write_file(run.latest_path, run.id);
    if (r < 0) {
        log_error("%s: %s", run.latest_path, strerror(-r));
        return 1;
    }
    log_state("notification %s (id %s)", text, run.id);

    int lock_fd = -1;
    r = take_lock(cfg, lock_path, &lock_fd);
    if (r < 0) {
        log_error("%s: %s: %s", text, lock_path,
                  r == -ETIMEDOUT ? "timed out waiting for the transition in progress"
                                  : strerror(-r));
        return 1;
    }
    if (is_superseded(&run)) {
        log_state("%s superseded before it started", text);
        close(lock_fd);
        return 0;
    }

    /* The daemon's machinery on a loop of its own: the same links and transition. */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD); /* sd-event's rule for child sources (the snapshot copy) */
    sigprocmask(SIG_BLOCK, &mask, NULL);
    struct redis_link local = { 0 }, peer = { 0 }; /* zeroed: read only after init succeeds */
    struct transition *t = NULL;
    struct transition_hooks hooks = { .done = on_done,
                                      .superseded = is_superseded,
                                      .userdata = &run };
    bool links = false;
    r = sd_event_new(&run.event);
    if (r >= 0)
        r = redis_link_init(&local, run.event, &cfg->redis, "[redis] host", NULL, NULL);
    if (r >= 0) {
        r = redis_link_init(&peer, run.event, &cfg->peer, "[peer] host", NULL, NULL);
        if (r < 0)
            redis_link_close(&local);
        links = r >= 0;
    }
    /* A host name is resolved off the loop even here: wait for it (bounded by the
     * connect timeout), or the transition's first commands would fail for it. */
    uint64_t resolve_deadline_usec =
        monotonic_usec() + (uint64_t)cfg->peer.connect_timeout_ms * 1000u;
    while (r >= 0 && (redis_link_resolving(&local) || redis_link_resolving(&peer)) &&
           monotonic_usec() < resolve_deadline_usec)
        r = sd_event_run(run.event, resolve_deadline_usec - monotonic_usec());
    if (r >= 0)
        r = transition_start(&t, run.event, cfg, &local, &peer, n->state, run.id, &hooks);
    /* Until the transition is done and the links have delivered what it sent last. */
    while (r >= 0 && (!run.done || redis_link_busy(&local) || redis_link_busy(&peer)))
        r = sd_event_run(run.event, UINT64_MAX);
    if (r < 0)
        log_error_errno(r, "%s: event loop", text);
    transition_free(t);
    if (links) {
        redis_link_close(&local);
        redis_link_close(&peer);
    }
    sd_event_unref(run.event);
    close(lock_fd);
    return r < 0 ? 1 : run.exit_status;
}
