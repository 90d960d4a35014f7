/* `redis-vrrp-agent run`: the long-lived agent. One sd-event loop drives the local
 * Redis watch (-> track file), the peer watch, the VIP watch, the notify FIFO and the
 * control socket; notifications from the FIFO, the control socket and reconciliation
 * all go through submit_notification(), so ordering and superseding are the same
 * whatever the source. */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"
#include "run_dir.h"
#include "status.h"
#include "transition_plan.h"

/* Both nodes must look like masters this long before it is called a split brain:
 * a failover passes through a few milliseconds of it. */
#define SPLIT_BRAIN_CONFIRM_MS 1000
#define SPLIT_BRAIN_LOG_EVERY_MS 10000

static void start_transition(struct agent *a, enum vrrp_state target, const char *why);

static void run_dir_path(const struct agent *a, const char *name, char *out, size_t size) {
    snprintf(out, size, "%s/%s", a->cfg.agent.run_dir, name);
}

/* The peer is a master whose previous replication id is ours: it was promoted from
 * our history, so it is our successor. */
static bool peer_promoted_from_us(const struct agent *a) {
    return a->peer.reachable && a->peer.info.role == REDIS_ROLE_MASTER &&
           a->local.info.replid[0] && strcmp(a->peer.info.replid2, a->local.info.replid) == 0;
}

static void update_metrics(struct agent *a) {
    if (!a->cfg.metrics.textfile[0])
        return;
    int r = status_write_metrics(a, a->cfg.metrics.textfile);
    if (r < 0)
        log_warning("metrics textfile %s: %s", a->cfg.metrics.textfile, strerror(-r));
}

static void update_track_file(struct agent *a) {
    bool fail = a->maintenance || !a->local.health.healthy;
    int value = fail ? a->cfg.check.fail_value : a->cfg.check.healthy_value;
    int r = track_file_set(&a->track, value);
    if (r < 0)
        log_error("track file %s: %s (keepalived keeps the old value)", a->cfg.check.track_file,
                  strerror(-r));
    else if (r == TRACK_FILE_REMOVED)
        log_error("track file %s: cannot write 0: %s; removed it instead, which keepalived "
                  "reads as 0 (%s)", a->cfg.check.track_file, strerror(a->track.write_error),
                  a->maintenance ? "maintenance on" : a->local.last.reason);
    else if (r == TRACK_FILE_RESTORED)
        log_warning("track file %s was removed or changed behind the agent's back: wrote %d "
                    "again (%s)", a->cfg.check.track_file, value,
                    a->maintenance ? "maintenance on" : a->local.last.reason);
    else if (r > 0)
        log_state("track file %s = %d (%s)", a->cfg.check.track_file, value,
                  a->maintenance ? "maintenance on" : a->local.last.reason);
}

static void update_systemd_status(struct agent *a) {
    char status[200];
    snprintf(status, sizeof(status), "role=%s %s vip=%s%s%s",
             a->local.info_valid ? redis_role_to_string(a->local.info.role) : "unknown",
             a->local.health.healthy ? "healthy" : "unhealthy",
             !a->vip_watched ? "unwatched" : a->vip.here ? "here" : "elsewhere",
             a->maintenance ? " maintenance" : "", a->split_brain ? " SPLIT-BRAIN" : "");
    if (strcmp(status, a->last_status) == 0)
        return;
    snprintf(a->last_status, sizeof(a->last_status), "%s", status);
    sd_notifyf(0, "STATUS=%s", status);
}

/* Split brain: both Redis are masters. When their histories diverged (each took
 * writes the other lacks) it is one at once, whatever is running. When one merely
 * continues the other's history it is a failover under way, and only one if it
 * lasts SPLIT_BRAIN_CONFIRM_MS with no transition running here. */
static void check_split_brain(struct agent *a) {
    bool both_masters = a->local.info_valid && a->local.info.role == REDIS_ROLE_MASTER &&
                        a->peer.reachable && a->peer.info.role == REDIS_ROLE_MASTER;
    bool diverged = both_masters &&
                    !peer_history_continues_ours(&a->local.info, &a->peer.info) &&
                    !peer_history_continues_ours(&a->peer.info, &a->local.info);
    uint64_t now = monotonic_usec();
    if (!both_masters || (!diverged && a->transition_running)) {
        if (a->split_brain)
            log_state("split brain over: one master again");
        a->split_brain = false;
        a->split_brain_since_usec = 0;
        return;
    }
    if (!a->split_brain_since_usec)
        a->split_brain_since_usec = now;
    if (!diverged && now - a->split_brain_since_usec < SPLIT_BRAIN_CONFIRM_MS * 1000u)
        return;
    a->split_brain_last_seen = time(NULL);
    if (!a->split_brain)
        log_state("split brain: both nodes are masters%s",
                  diverged ? ", on diverged histories" : "");
    if (!a->split_brain || now - a->split_brain_logged_usec >= SPLIT_BRAIN_LOG_EVERY_MS * 1000u) {
        log_error("split brain: the local Redis/Valkey and the peer are both masters (local offset "
                  "%lld, peer offset %lld, VIP %s)", a->local.info.master_repl_offset,
                  a->peer.info.master_repl_offset, a->vip_watched && a->vip.here ? "here" : "not here");
        a->split_brain_logged_usec = now;
    }
    a->split_brain = true;
}

static void reconcile(struct agent *a) {
    struct reconcile_input in = {
        .vip_known = a->vip_watched,
        .vip_here = a->vip.here,
        .transition_running = a->transition_running || a->has_pending,
        .local_role = a->local.info_valid ? a->local.info.role : REDIS_ROLE_UNKNOWN,
        .peer_reachable = a->peer.reachable,
        .peer_role = a->peer.info.role,
    };
    enum reconcile_action action = reconcile_decide(&in);
    uint64_t now = monotonic_usec();
    if (action != a->reconcile_seen) {
        a->reconcile_seen = action;
        a->reconcile_since_usec = now;
        return;
    }
    /* An empty master (restarted without data) loses nothing by becoming a replica,
     * and one whose peer was promoted from its history must yield anyway: the sooner
     * either rejoins, the sooner it may hold the VIP again. No grace for them. */
    bool must_yield = action == RECONCILE_BACKUP &&
                      (a->local.keys == 0 || peer_promoted_from_us(a));
    if (action == RECONCILE_NONE ||
        (!must_yield &&
         now - a->reconcile_since_usec < (uint64_t)a->cfg.keepalived.reconcile_grace_ms * 1000u))
        return;
    char why[200];
    snprintf(why, sizeof(why), "reconcile: VIP %s and local Redis %s for %ld ms: %s due",
             a->vip.here ? "here" : "not here", redis_role_to_string(a->local.info.role),
             (long)((now - a->reconcile_since_usec) / 1000u), reconcile_action_to_string(action));
    a->reconcile_seen = RECONCILE_NONE;
    start_transition(a, action == RECONCILE_MASTER ? VRRP_STATE_MASTER : VRRP_STATE_BACKUP, why);
}

static void on_local_check(struct local_watch *lw, bool changed, void *userdata) {
    (void)lw;
    struct agent *a = userdata;
    update_track_file(a);
    if (!a->ready_sent) {
        sd_notify(0, "READY=1");
        a->ready_sent = true;
    }
    check_split_brain(a);
    reconcile(a);
    update_systemd_status(a);
    if (changed)
        update_metrics(a);
}

static void fill_peer_summary(struct peer_summary *out, void *userdata) {
    const struct agent *a = userdata;
    out->reachable = a->peer.reachable;
    out->role = a->peer.info.role;
    out->keys = a->peer.reachable ? a->peer.info.keys : -1;
    out->promoted_from_us = peer_promoted_from_us(a);
    bool seen = a->peer.last_answer_usec != 0 || a->peer.refused;
    out->unseen_at_start = !seen && monotonic_usec() - a->started_usec <
                                        (uint64_t)a->cfg.check.empty_start_wait_ms * 1000u;
}

static void on_peer_update(struct peer_watch *pw, void *userdata) {
    struct agent *a = userdata;
    if (a->local.checks == 0 && pw->polled)
        local_watch_check_soon(&a->local);
}

static void on_vip_change(bool here, void *userdata) {
    struct agent *a = userdata;
    log_state("VIP %s %s this host", a->cfg.keepalived.vip, here ? "is on" : "left");
    update_systemd_status(a);
    update_metrics(a);
}

/* ---- transitions ---- */

/* Ask the running transition to stop, and wake it now: it may be parked in a long
 * wait (an operator's settle delay). */
static void request_supersede(struct agent *a) {
    a->supersede_requested = true;
    if (a->transition.timer)
        timer_arm(a->transition.timer, 0);
}

static bool is_superseded(void *userdata) {
    const struct agent *a = userdata;
    return a->supersede_requested;
}

static void apply_reload(struct agent *a);

static bool peer_known_gone(void *userdata, char *why, size_t why_size) {
    const struct agent *a = userdata;
    return peer_watch_gone(&a->peer, a->cfg.check.peer_silent_ms, why, why_size);
}

static void on_transition_done(struct transition *t, void *userdata) {
    struct agent *a = userdata;
    struct last_transition *last = &a->last;
    last->valid = true;
    snprintf(last->id, sizeof(last->id), "%s", t->id);
    last->target = t->target;
    last->outcome = t->outcome;
    last->duration_ms = (long)(t->duration_usec / 1000u);
    last->ended = time(NULL);
    snprintf(last->summary, sizeof(last->summary), "%s", t->summary);
    snprintf(last->error, sizeof(last->error), "%s", t->error);
    transition_release(t);
    a->transition_running = false;
    a->supersede_requested = false;
    update_metrics(a);

    if (a->quitting) {
        sd_event_exit(a->event, 0);
        return;
    }
    if (a->has_pending) {
        a->has_pending = false;
        start_transition(a, a->pending.state, "queued notification");
        return;
    }
    if (a->reload_requested)
        apply_reload(a);
}

static void start_transition(struct agent *a, enum vrrp_state target, const char *why) {
    char id[40];
    snprintf(id, sizeof(id), "t%lu", a->transitions_started + 1);
    log_state("starting %s transition %s (%s)", vrrp_state_to_string(target), id, why);
    int r = transition_start(&a->transition, a->event, &a->cfg, target, id, on_transition_done,
                             is_superseded, peer_known_gone, a);
    if (r < 0) {
        log_error("cannot start the %s transition: %s", vrrp_state_to_string(target),
                  strerror(-r));
        return;
    }
    a->transitions_started++;
    a->transition_running = true;
    a->supersede_requested = false;
}

/* Every notification, whatever its source, goes through here. */
static void submit_notification(struct agent *a, const struct notification *n,
                                const char *source) {
    char text[200];
    notification_format(n, text, sizeof(text));
    if (!notification_matches(n, a->cfg.keepalived.instance)) {
        log_info("ignoring %s from %s: not about instance %s", text, source,
                 a->cfg.keepalived.instance);
        return;
    }
    log_state("notification %s (from %s)", text, source);
    a->vrrp_known = true;
    a->vrrp_state = n->state;
    a->reconcile_seen = RECONCILE_NONE;
    if (a->transition_running) {
        /* The running one stops at its next step; on_transition_done starts this. */
        a->pending = *n;
        a->has_pending = true;
        request_supersede(a);
        return;
    }
    start_transition(a, n->state, text);
}

static void on_fifo_notification(const struct notification *n, void *userdata) {
    submit_notification(userdata, n, "notify FIFO");
}

/* ---- control socket ---- */

static int set_maintenance(struct agent *a, bool on) {
    char path[CONFIG_PATH_MAX + 32];
    run_dir_path(a, "maintenance", path, sizeof(path));
    /* The state file makes maintenance survive a restart of the daemon. */
    int r = on ? run_dir_write_file(path, "on") : (unlink(path) < 0 && errno != ENOENT ? -errno : 0);
    if (r < 0)
        return r;
    if (a->maintenance != on)
        log_state("maintenance %s", on ? "on: reporting unhealthy so the VIP moves away"
                                       : "off");
    a->maintenance = on;
    update_track_file(a);
    update_systemd_status(a);
    return 0;
}

/* Split a request line into words (no quoting: requests are words and numbers). */
static int split_request(char *line, char **words, int max) {
    int n = 0;
    for (char *save = NULL, *w = strtok_r(line, " \t", &save); w && n < max;
         w = strtok_r(NULL, " \t", &save))
        words[n++] = w;
    return n;
}

static void on_control_request(const char *request, char *reply, size_t size, void *userdata) {
    struct agent *a = userdata;
    char line[1024], *words[8];
    snprintf(line, sizeof(line), "%s", request);
    int n = split_request(line, words, 8);
    if (n >= 1 && strcmp(words[0], "status") == 0) {
        bool json = n >= 2 && strcmp(words[1], "--json") == 0;
        snprintf(reply, size, "ok\n");
        (json ? status_format_json : status_format_text)(a, reply + 3, size - 3);
    } else if (n >= 1 && strcmp(words[0], "notify") == 0) {
        struct notification note;
        char err[300];
        if (notification_parse_args(n - 1, words + 1, &note, err, sizeof(err)) < 0) {
            snprintf(reply, size, "error: %s\n", err);
            return;
        }
        submit_notification(a, &note, "control socket");
        snprintf(reply, size, "ok queued\n");
    } else if (n == 2 && strcmp(words[0], "maintenance") == 0 &&
               (strcmp(words[1], "on") == 0 || strcmp(words[1], "off") == 0)) {
        int r = set_maintenance(a, strcmp(words[1], "on") == 0);
        snprintf(reply, size, r < 0 ? "error: maintenance state file: %s\n" : "ok maintenance %s\n",
                 r < 0 ? strerror(-r) : words[1]);
    } else {
        snprintf(reply, size, "error: unknown request '%.200s'\n", request);
    }
}

/* ---- lifecycle ---- */

static void stop_components(struct agent *a) {
    local_watch_stop(&a->local);
    peer_watch_stop(&a->peer);
    if (a->vip_watched)
        vip_watch_close(&a->vip);
    a->vip_watched = false;
    if (a->fifo_open)
        notify_fifo_close(&a->fifo);
    a->fifo_open = false;
}

static int start_components(struct agent *a) {
    int r;
    track_file_init(&a->track, a->cfg.check.track_file);
    /* The first local check waits for the first word from the peer (at most one
     * poll's budget): readiness gating needs to know whether the peer holds data. */
    uint64_t peer_budget_usec =
        (uint64_t)(a->cfg.peer.connect_timeout_ms + a->cfg.peer.command_timeout_ms) * 1000u;
    r = local_watch_start(&a->local, a->event, &a->cfg, peer_budget_usec, on_local_check,
                          fill_peer_summary, a);
    if (r < 0)
        return log_error("local watch: %s", strerror(-r)), r;
    r = peer_watch_start(&a->peer, a->event, &a->cfg.peer, a->cfg.check.peer_interval_ms,
                         on_peer_update, a);
    if (r < 0)
        return log_error("peer watch: %s", strerror(-r)), r;
    if (a->cfg.keepalived.vip[0]) {
        r = vip_watch_open(&a->vip, a->event, a->cfg.keepalived.vip, on_vip_change, a);
        if (r < 0)
            return log_error("%s: [keepalived] vip = %s: %s", a->cfg.path, a->cfg.keepalived.vip,
                             r == -EINVAL ? "not an IPv4 or IPv6 address" : strerror(-r)), r;
        a->vip_watched = true;
        log_state("VIP %s %s this host", a->cfg.keepalived.vip, a->vip.here ? "is on" : "is not on");
    }
    if (a->cfg.keepalived.notify_fifo[0]) {
        r = notify_fifo_open(&a->fifo, a->event, a->cfg.keepalived.notify_fifo,
                             on_fifo_notification, a);
        if (r < 0)
            return log_error("notify FIFO %s: %s", a->cfg.keepalived.notify_fifo,
                             r == -EEXIST ? "exists and is not a FIFO" : strerror(-r)), r;
        a->fifo_open = true;
    }
    return 0;
}

/* sd_event_loop(), one dispatch at a time, so that each callback's duration is
 * measured (sd_event_dispatch runs exactly one event source). Returns the exit code
 * given to sd_event_exit(), or a negative errno. */
static int run_loop(struct agent *a) {
    for (;;) {
        int r = sd_event_prepare(a->event);
        if (r == 0)
            r = sd_event_wait(a->event, UINT64_MAX);
        if (r > 0) {
            uint64_t start = monotonic_usec();
            r = sd_event_dispatch(a->event);
            loop_stats_record(&a->loop, monotonic_usec() - start);
        }
        if (r < 0)
            return log_error("event loop: %s", strerror(-r)), r;
        if (sd_event_get_state(a->event) == SD_EVENT_FINISHED) {
            int code = 0;
            r = sd_event_get_exit_code(a->event, &code);
            return r < 0 ? r : code;
        }
    }
}

static void apply_reload(struct agent *a) {
    struct config next;
    char err[1024];
    a->reload_requested = false;
    if (config_load(&next, a->config_path, err, sizeof(err)) < 0) {
        log_error("reload: %s (keeping the running config)", err);
        return;
    }
    if (strcmp(next.agent.run_dir, a->cfg.agent.run_dir) != 0) {
        log_warning("reload: [agent] run_dir changes only on restart (keeping %s)",
                    a->cfg.agent.run_dir);
        snprintf(next.agent.run_dir, sizeof(next.agent.run_dir), "%s", a->cfg.agent.run_dir);
    }
    stop_components(a);
    a->cfg = next;
    log_setup(a->cfg.log.target, a->cfg.log.level, a->cfg.log.state_log);
    if (start_components(a) < 0) {
        log_error("reload: could not start with the new config; exiting");
        sd_event_exit(a->event, 1);
        return;
    }
    log_state("configuration reloaded from %s", a->config_path);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
    (void)s;
    struct agent *a = userdata;
    if (si->ssi_signo == SIGHUP) {
        log_info("SIGHUP: reloading %s", a->config_path);
        /* Reload between transitions, so that a running one keeps one config. */
        a->reload_requested = true;
        if (!a->transition_running)
            apply_reload(a);
        return 0;
    }
    log_info("%s: stopping", strsignal((int)si->ssi_signo));
    sd_notify(0, "STOPPING=1");
    a->quitting = true;
    if (a->transition_running)
        request_supersede(a); /* it stops after its current step */
    else
        sd_event_exit(a->event, 0);
    return 0;
}

/* One daemon per run_dir: the lock lives as long as the process. */
static int lock_run_dir(struct agent *a) {
    char path[CONFIG_PATH_MAX + 32];
    int r = ensure_directory(a->cfg.agent.run_dir, 0755);
    if (r < 0)
        return log_error("run_dir %s: %s", a->cfg.agent.run_dir, strerror(-r)), r;
    run_dir_path(a, "daemon.lock", path, sizeof(path));
    a->run_dir_lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (a->run_dir_lock_fd < 0 || flock(a->run_dir_lock_fd, LOCK_EX | LOCK_NB) < 0) {
        r = -errno;
        log_error("%s: %s", path, r == -EWOULDBLOCK ? "another daemon runs with this run_dir"
                                                    : strerror(-r));
        return r;
    }
    return 0;
}

int daemon_run(const struct config *cfg, const char *config_path) {
    static struct agent agent; /* large; lives for the whole process */
    struct agent *a = &agent;
    int r;
    memset(a, 0, sizeof(*a));
    a->cfg = *cfg;
    a->config_path = config_path;
    a->run_dir_lock_fd = -1;
    a->started_usec = monotonic_usec();

    if ((r = lock_run_dir(a)) < 0)
        return 1;
    char path[CONFIG_PATH_MAX + 32], state[8];
    run_dir_path(a, "maintenance", path, sizeof(path));
    a->maintenance = run_dir_read_file(path, state, sizeof(state)) == 0;
    if (a->maintenance)
        log_state("maintenance is on (from %s)", path);

    /* A control client that hangs up before its reply, or a Redis that closes as we
     * write, must be an EPIPE to handle, not a signal that kills the daemon. */
    signal(SIGPIPE, SIG_IGN);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);

    r = sd_event_new(&a->event);
    if (r >= 0)
        r = sd_event_add_signal(a->event, NULL, SIGTERM, on_signal, a);
    if (r >= 0)
        r = sd_event_add_signal(a->event, NULL, SIGINT, on_signal, a);
    if (r >= 0)
        r = sd_event_add_signal(a->event, NULL, SIGHUP, on_signal, a);
    if (r >= 0)
        r = sd_event_set_watchdog(a->event, true); /* WATCHDOG=1 when WatchdogSec= is set */
    if (r >= 0)
        r = control_server_open(&a->control, a->event, a->cfg.agent.run_dir, on_control_request, a);
    if (r < 0)
        log_error("event loop setup: %s", strerror(-r));
    if (r >= 0)
        r = start_components(a);
    if (r >= 0) {
        log_state("agent started (config %s, run_dir %s)", config_path, a->cfg.agent.run_dir);
        r = run_loop(a);
    }
    if (a->transition_running)
        transition_release(&a->transition);
    stop_components(a);
    control_server_close(&a->control);
    a->event = sd_event_unref(a->event);
    close(a->run_dir_lock_fd);
    log_state("agent stopped");
    return r < 0 ? 1 : r;
}
