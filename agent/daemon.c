/* `redis-vrrp-agent run`: the long-lived agent, wiring and lifecycle only. One
 * sd-event loop drives two asynchronous Redis links (local and peer), the local watch
 * (-> track file), the peer watch, the VIP watch, the notify FIFO and the control
 * socket; no callback blocks. Notifications from the FIFO, the control socket and
 * reconciliation all go through submit_notification(), so ordering and superseding
 * are the same whatever the source. The decisions (health, split brain,
 * reconciliation, transition plans) are pure functions in their own modules. */
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
#include "clock.h"
#include "control_request.h"
#include "daemon_switchover.h"
#include "log.h"
#include "run_dir.h"
#include "status.h"
#include "transition_plan.h"

static void start_transition(struct agent *a, enum vrrp_state target, const char *why);

static void run_dir_path(const struct agent *a, const char *name, char *out, size_t size) {
    snprintf(out, size, "%s/%s", a->cfg.agent.run_dir, name);
}

/* Our INFO with our key count, for the decisions that compare data sets. */
static struct redis_info local_info_with_keys(const struct agent *a) {
    struct redis_info ours = a->local.info;
    ours.keys = a->local.keys;
    return ours;
}

/* restarted_without_data_of() between the peer and us, both in view: whether the peer
 * restarted without our data, or (peer_is_restarted false) we without the peer's. */
static bool restarted_without_data(const struct agent *a, bool peer_is_restarted) {
    if (!a->peer.reachable || !a->local.info_valid)
        return false;
    struct redis_info ours = local_info_with_keys(a);
    return peer_is_restarted ? restarted_without_data_of(&a->peer.info, &ours)
                             : restarted_without_data_of(&ours, &a->peer.info);
}

static bool peer_promoted_from_us(const struct agent *a) {
    return health_peer_promoted_from_us(&a->local.info, a->peer.reachable, &a->peer.info);
}

static void update_metrics(struct agent *a) {
    if (!a->cfg.metrics.textfile[0])
        return;
    int r = status_write_metrics(a, a->cfg.metrics.textfile);
    if (r < 0)
        log_warning_errno(r, "metrics textfile %s", a->cfg.metrics.textfile);
}

/* Why the track file holds its value: maintenance and the witness outrank health. */
static const char *track_reason(const struct agent *a) {
    if (a->maintenance)
        return "maintenance on";
    if (a->witness_holding)
        return a->witness.verdict == WITNESS_PEER_ALIVE
                   ? "held back: the witness reaches the peer, this node is cut off from it"
                   : "held back: neither the peer nor the witness answers";
    return a->local.last.reason;
}

static void update_track_file(struct agent *a) {
    bool fail = a->maintenance || !a->local.health.healthy || a->witness_holding;
    int value = fail ? a->cfg.check.fail_value : a->cfg.check.healthy_value;
    int r = track_file_set(&a->track, value);
    if (r < 0) {
        log_error_errno(r, "track file %s (keepalived keeps the old value)",
                        a->cfg.check.track_file);
        return;
    }
    if (r & TRACK_FILE_REMOVED)
        log_error("track file %s: cannot write 0: %s; removed it instead, which keepalived "
                  "reads as 0 (%s)",
                  a->cfg.check.track_file, strerror(a->track.write_error), track_reason(a));
    if (r & TRACK_FILE_RESTORED)
        log_warning("track file %s was removed or changed behind the agent's back: wrote %d "
                    "(%s)",
                    a->cfg.check.track_file, value, track_reason(a));
    if (r & TRACK_FILE_WRITTEN)
        log_state("track file %s = %d (%s)", a->cfg.check.track_file, value, track_reason(a));
}

/* ---- witness ---- */

static bool vip_here(const struct agent *a) {
    return a->vip_watched ? a->vip.here : a->vrrp_known && a->vrrp_state == VRRP_STATE_MASTER;
}

static void set_witness_holding(struct agent *a, bool holding) {
    if (holding == a->witness_holding)
        return;
    a->witness_holding = holding;
    if (holding)
        log_state("witness %s: %s (%s): holding back from the VIP", a->witness.address,
                  a->witness.verdict == WITNESS_PEER_ALIVE ? "the peer's Redis answers it"
                                                           : "no answer",
                  a->witness.detail);
    else
        log_state("witness %s: no longer holding back (%s)", a->witness.address,
                  a->witness.verdict == WITNESS_PEER_GONE ? "it does not reach the peer either"
                  : vip_here(a)                           ? "the VIP is here"
                                                          : "the peer answers again");
    update_track_file(a);
}

/* While the peer is gone and the VIP is elsewhere, keep asking the witness (once per
 * check or peer poll, one question at a time); once the peer answers again, or the
 * VIP is here (this node serves: nothing to hold back from), forget its verdict. */
static void consult_witness(struct agent *a) {
    if (!a->witness_open)
        return;
    char why[256];
    if (!vip_here(a) && peer_watch_gone(&a->peer, a->cfg.check.peer_silent_ms, why, sizeof(why))) {
        witness_client_ask(&a->witness, a->cfg.peer.host, a->cfg.peer.port);
        return;
    }
    witness_client_forget(&a->witness);
    set_witness_holding(a, false);
}

static void on_witness_verdict(struct witness_client *w, void *userdata) {
    struct agent *a = userdata;
    set_witness_holding(a, witness_says_hold(w));
}

static void update_systemd_status(struct agent *a) {
    char status[200];
    snprintf(status, sizeof(status), "role=%s %s vip=%s%s%s",
             a->local.info_valid ? redis_role_to_string(a->local.info.role) : "unknown",
             a->local.health.healthy ? "healthy" : "unhealthy",
             !a->vip_watched ? "unwatched"
             : a->vip.here   ? "here"
                             : "elsewhere",
             a->maintenance ? " maintenance" : "", a->split_brain.active ? " SPLIT-BRAIN" : "");
    if (strcmp(status, a->last_status) == 0)
        return;
    snprintf(a->last_status, sizeof(a->last_status), "%s", status);
    sd_notifyf(0, "STATUS=%s", status);
}

static void check_split_brain(struct agent *a) {
    struct split_brain_input in = {
        .local_answered = a->local.info_valid,
        .local = &a->local.info,
        .peer_reachable = a->peer.reachable,
        .peer = &a->peer.info,
        .transition_running = a->transition != NULL,
    };
    struct split_brain_report report = split_brain_update(&a->split_brain, &in, monotonic_usec());
    if (report.ended)
        log_state("split brain over: one master again");
    if (report.seen)
        a->split_brain_last_seen = time(NULL);
    if (report.started)
        log_state("split brain: both nodes are masters%s",
                  report.diverged ? ", on diverged histories" : "");
    if (report.log_due)
        log_error("split brain: the local Redis/Valkey and the peer are both masters (local offset "
                  "%lld, peer offset %lld, VIP %s)",
                  a->local.info.master_repl_offset, a->peer.info.master_repl_offset,
                  a->vip_watched && a->vip.here ? "here" : "not here");
}

static void reconcile(struct agent *a) {
    struct reconcile_input in = {
        .vip_known = a->vip_watched,
        .vip_here = a->vip.here,
        .transition_running = a->transition != NULL || a->has_pending,
        .local_role = a->local.info_valid ? a->local.info.role : REDIS_ROLE_UNKNOWN,
        .peer_reachable = a->peer.reachable,
        .peer_role = a->peer.info.role,
        .local_keys = a->local.keys,
        .peer_promoted_from_us = peer_promoted_from_us(a),
        .peer_restarted_without_our_data = restarted_without_data(a, true),
    };
    uint64_t lasted_usec = 0;
    enum reconcile_action action =
        reconcile_due(&a->reconcile, &in, monotonic_usec(),
                      (uint64_t)a->cfg.keepalived.reconcile_grace_ms * 1000u, &lasted_usec);
    if (action == RECONCILE_NONE)
        return;
    char why[200];
    snprintf(why, sizeof(why), "reconcile: VIP %s and local Redis %s for %ld ms: %s due",
             a->vip.here ? "here" : "not here", redis_role_to_string(a->local.info.role),
             (long)(lasted_usec / 1000u), reconcile_action_to_string(action));
    start_transition(a, action == RECONCILE_MASTER ? VRRP_STATE_MASTER : VRRP_STATE_BACKUP, why);
}

/* Transitions own replication: the guard acts only between them. */
static void refuse_sync_from_restarted_peer(struct agent *a) {
    if (a->transition || !a->local.info_valid)
        return;
    const struct peer_view peer = { .reachable = a->peer.reachable,
                                    .host = a->cfg.peer.host,
                                    .port = a->cfg.peer.port,
                                    .info = a->peer.info };
    sync_guard_update(&a->sync_guard, &a->local.info, a->local.keys, &peer);
}

static void on_local_check(struct local_watch *lw, bool changed, void *userdata) {
    (void)lw;
    struct agent *a = userdata;
    /* The preference first: a node that has just refilled must yield before
     * keepalived reads it as healthy. */
    preference_update(a);
    consult_witness(a);
    update_track_file(a);
    write_guard_update(&a->guard, &a->peer);
    refuse_sync_from_restarted_peer(a);
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
    struct agent *a = userdata; /* the stall watch is judged here */
    uint64_t now = monotonic_usec();
    health_summarize_peer(out, &a->local.info, a->peer.reachable, &a->peer.info,
                          a->peer.last_answer_usec != 0 || a->peer.refused, now, a->started_usec,
                          (uint64_t)a->cfg.check.empty_start_wait_ms * 1000u);
    const struct redis_info *l = &a->local.info;
    const struct peer_view configured_peer = { .host = a->cfg.peer.host, .port = a->cfg.peer.port };
    bool replica_of_peer = a->local.info_valid && replicates_from_peer(l, &configured_peer);
    /* Plus one check interval: the local INFO judged is then from after the sample. */
    stall_watch_judge(&a->stall, l, replica_of_peer, now,
                      (uint64_t)(a->cfg.check.replica_stall_ms + a->cfg.check.interval_ms) * 1000u);
    out->restarted_without_peer_data = restarted_without_data(a, false);
    out->replica_stalled = a->stall.stalled;
    out->stalled_bytes = a->stall.behind_bytes;
    out->stalled_ms = a->stall.behind_ms;
}

static void on_peer_update(struct peer_watch *pw, void *userdata) {
    struct agent *a = userdata;
    if (a->local.checks == 0 && pw->polled)
        local_watch_check_soon(&a->local);
    if (pw->reachable)
        stall_watch_sample(&a->stall, &pw->info, pw->last_answer_usec);
    consult_witness(a);
}

static void on_vip_change(bool here, void *userdata) {
    struct agent *a = userdata;
    a->vip_changed_usec = monotonic_usec();
    log_state("VIP %s %s this host", a->cfg.keepalived.vip, here ? "is on" : "left");
    update_systemd_status(a);
    update_metrics(a);
}

/* ---- transitions ---- */

static void apply_reload(struct agent *a);

static bool peer_known_gone(void *userdata, char *why, size_t why_size) {
    const struct agent *a = userdata;
    return peer_watch_gone(&a->peer, a->cfg.check.peer_silent_ms, why, why_size);
}

static void on_transition_done(const struct transition_result *result, void *userdata) {
    struct agent *a = userdata;
    a->last.valid = true;
    a->last.result = *result;
    a->last.ended = time(NULL);
    transition_free(a->transition);
    a->transition = NULL;
    /* `result` lived in the transition just freed: read the copy. */
    if (a->last.result.target == VRRP_STATE_MASTER && a->last.result.outcome == TRANSITION_OK)
        preference_after_promotion(a);
    update_metrics(a);

    if (a->lifecycle == AGENT_QUITTING)
        return; /* run_loop() ends once the links have sent the transition's releases */
    if (a->has_pending) {
        a->has_pending = false;
        start_transition(a, a->pending.state, "queued notification");
    }
    /* A pending reload waits in run_loop() for the links to deliver what this
     * transition sent last. */
}

static void start_transition(struct agent *a, enum vrrp_state target, const char *why) {
    char id[40];
    snprintf(id, sizeof(id), "t%lu", a->transitions_started + 1);
    log_state("starting %s transition %s (%s)", vrrp_state_to_string(target), id, why);
    struct transition_hooks hooks = {
        .done = on_transition_done,
        .peer_gone = peer_known_gone,
        .userdata = a,
    };
    int r = transition_start(&a->transition, a->event, &a->cfg, &a->local_link, &a->peer_link,
                             target, id, &hooks);
    if (r < 0) {
        log_error_errno(r, "cannot start the %s transition", vrrp_state_to_string(target));
        return;
    }
    a->transitions_started++;
}

/* Every notification, whatever its source, goes through here. */
static void submit_notification(struct agent *a, const struct notification *n, const char *source) {
    char text[200];
    notification_format(n, text, sizeof(text));
    if (!notification_matches(n, a->cfg.keepalived.instance)) {
        log_info("ignoring %s from %s: not about instance %s", text, source,
                 a->cfg.keepalived.instance);
        return;
    }
    if (a->lifecycle == AGENT_QUITTING) {
        log_info("ignoring %s from %s: the agent is stopping", text, source);
        return;
    }
    log_state("notification %s (from %s)", text, source);
    a->vrrp_known = true;
    a->vrrp_state = n->state;
    reconcile_reset(&a->reconcile);
    if (a->transition) {
        /* The running one stops now; on_transition_done starts this. */
        a->pending = *n;
        a->has_pending = true;
        transition_cancel(a->transition);
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
    int r =
        on ? run_dir_write_file(path, "on") : (unlink(path) < 0 && errno != ENOENT ? -errno : 0);
    if (r < 0)
        return r;
    if (a->maintenance != on)
        log_state("maintenance %s", on ? "on: reporting unhealthy so the VIP moves away" : "off");
    a->maintenance = on;
    update_track_file(a);
    update_systemd_status(a);
    return 0;
}

static void on_control_request(const char *line, char *reply, size_t size, void *userdata) {
    struct agent *a = userdata;
    struct control_request request;
    char err[400];
    if (control_request_parse(line, &request, err, sizeof(err)) < 0) {
        snprintf(reply, size, "error: %s\n", err);
        return;
    }
    switch (request.verb) {
    case CONTROL_STATUS:
        snprintf(reply, size, "ok\n");
        (request.json ? status_format_json : status_format_text)(a, reply + 3, size - 3);
        break;
    case CONTROL_NOTIFY:
        submit_notification(a, &request.note, "control socket");
        snprintf(reply, size, "ok queued\n");
        break;
    case CONTROL_SWITCHOVER: switchover_request(a, &request, reply, size); break;
    case CONTROL_SWITCHOVER_STATUS:
        switchover_status_request(a, request.id[0] ? request.id : NULL, reply, size);
        break;
    case CONTROL_MAINTENANCE: {
        int r = set_maintenance(a, request.maintenance_on);
        if (r < 0)
            snprintf(reply, size, "error: maintenance state file: %s\n", strerror(-r));
        else
            snprintf(reply, size, "ok maintenance %s\n", request.maintenance_on ? "on" : "off");
        break;
    }
    }
}

/* ---- lifecycle ---- */

static void stop_components(struct agent *a) {
    local_watch_stop(&a->local);
    peer_watch_stop(&a->peer);
    if (a->witness_open)
        witness_client_close(&a->witness);
    a->witness_open = false;
    write_guard_stop(&a->guard);
    sync_guard_stop(&a->sync_guard);
    redis_link_close(&a->local_link);
    redis_link_close(&a->peer_link);
    if (a->vip_watched)
        vip_watch_close(&a->vip);
    a->vip_watched = false;
    if (a->fifo_open)
        notify_fifo_close(&a->fifo);
    a->fifo_open = false;
}

static void on_local_link_lost(void *userdata) {
    struct agent *a = userdata;
    local_watch_connection_lost(&a->local);
    write_guard_forget(&a->guard);
}

static int start_components(struct agent *a) {
    int r;
    track_file_init(&a->track, a->cfg.check.track_file);
    r = redis_link_init(&a->local_link, a->event, &a->cfg.redis, "[redis] host", on_local_link_lost,
                        a);
    if (r >= 0)
        r = redis_link_init(&a->peer_link, a->event, &a->cfg.peer, "[peer] host", NULL, NULL);
    if (r < 0)
        return log_error_errno(r, "Redis links");
    /* The first local check waits for the first word from the peer (at most one
     * poll's budget): readiness gating needs to know whether the peer holds data. */
    uint64_t peer_budget_usec =
        (uint64_t)(a->cfg.peer.connect_timeout_ms + a->cfg.peer.command_timeout_ms) * 1000u;
    write_guard_init(&a->guard, &a->cfg, &a->local_link);
    sync_guard_init(&a->sync_guard, &a->local_link);
    stall_watch_init(&a->stall);
    r = local_watch_start(&a->local, a->event, &a->local_link, &a->cfg, peer_budget_usec,
                          on_local_check, fill_peer_summary, a);
    if (r < 0)
        return log_error_errno(r, "local watch");
    r = peer_watch_start(&a->peer, a->event, &a->peer_link, a->cfg.check.peer_interval_ms,
                         on_peer_update, a);
    if (r < 0)
        return log_error_errno(r, "peer watch");
    if (a->cfg.witness.address[0]) {
        r = witness_client_open(&a->witness, a->event, a->cfg.witness.address, a->cfg.witness.port,
                                a->cfg.witness.timeout_ms, on_witness_verdict, a);
        if (r < 0)
            return log_error_errno(r, "%s: [witness] address = %s", a->cfg.path,
                                   a->cfg.witness.address);
        a->witness_open = true;
    }
    if (a->cfg.keepalived.vip[0]) {
        r = vip_watch_open(&a->vip, a->event, a->cfg.keepalived.vip, on_vip_change, a);
        if (r == -EINVAL)
            return log_error("%s: [keepalived] vip = %s: not an IPv4 or IPv6 address", a->cfg.path,
                             a->cfg.keepalived.vip),
                   r;
        if (r < 0)
            return log_error_errno(r, "%s: [keepalived] vip = %s", a->cfg.path,
                                   a->cfg.keepalived.vip);
        a->vip_watched = true;
        log_state("VIP %s %s this host", a->cfg.keepalived.vip,
                  a->vip.here ? "is on" : "is not on");
    }
    if (a->cfg.keepalived.notify_fifo[0]) {
        r = notify_fifo_open(&a->fifo, a->event, a->cfg.keepalived.notify_fifo,
                             on_fifo_notification, a);
        if (r == -EEXIST)
            return log_error("notify FIFO %s: exists and is not a FIFO",
                             a->cfg.keepalived.notify_fifo),
                   r;
        if (r < 0)
            return log_error_errno(r, "notify FIFO %s", a->cfg.keepalived.notify_fifo);
        a->fifo_open = true;
    }
    return 0;
}

/* No transition or switchover runs and the links owe nothing: the releases a
 * transition sent as it ended (CLIENT UNPAUSE) have reached the servers, so the
 * links may close (a reload) or the process exit (quitting). */
static bool settled(const struct agent *a) {
    return !a->transition && !a->switchover.running && !redis_link_busy(&a->local_link) &&
           !redis_link_busy(&a->peer_link);
}

/* sd_event_loop(), one dispatch at a time, so that each callback's duration is
 * measured (sd_event_dispatch runs exactly one event source). Returns the exit code
 * given to sd_event_exit(), 0 after a signal to stop, or a negative errno. */
static int run_loop(struct agent *a) {
    while (!(a->lifecycle == AGENT_QUITTING && settled(a))) {
        if (a->lifecycle == AGENT_RELOAD_PENDING && settled(a))
            apply_reload(a);
        int r = sd_event_prepare(a->event);
        if (r == 0)
            r = sd_event_wait(a->event, UINT64_MAX);
        if (r > 0) {
            uint64_t start = monotonic_usec(), cpu_start = thread_cpu_usec();
            r = sd_event_dispatch(a->event);
            loop_stats_record(&a->loop, monotonic_usec() - start, thread_cpu_usec() - cpu_start);
        }
        if (r < 0)
            return log_error_errno(r, "event loop");
        if (sd_event_get_state(a->event) == SD_EVENT_FINISHED) {
            int code = 0;
            r = sd_event_get_exit_code(a->event, &code);
            if (r >= 0 && code == EVENT_SOURCE_FAILED_EXIT)
                log_error("event loop: an event source could not be armed (out of memory?); "
                          "exiting so that the service manager restarts the daemon");
            return r < 0 ? r : code;
        }
    }
    return 0;
}

static void apply_reload(struct agent *a) {
    struct config next;
    char err[1024];
    a->lifecycle = AGENT_RUNNING;
    if (config_load(&next, a->config_path, err, sizeof(err)) < 0) {
        log_error("reload: %s (keeping the running config)", err);
        return;
    }
    if (strcmp(next.agent.run_dir, a->cfg.agent.run_dir) != 0) {
        log_warning("reload: [agent] run_dir changes only on restart (keeping %s)",
                    a->cfg.agent.run_dir);
        snprintf(next.agent.run_dir, sizeof(next.agent.run_dir), "%s", a->cfg.agent.run_dir);
    }
    /* What the write guard set stays set in Redis across our reconnect: remember it,
     * so that a reload that turns the guard off lifts it. */
    int guard_applied = a->guard.applied;
    stop_components(a);
    a->cfg = next;
    log_setup(a->cfg.log.target, a->cfg.log.level, a->cfg.log.state_log);
    if (preference_setup(a) < 0 || start_components(a) < 0) {
        log_error("reload: could not start with the new config; exiting");
        sd_event_exit(a->event, 1);
        return;
    }
    a->guard.applied = guard_applied;
    log_state("configuration reloaded from %s", a->config_path);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
    (void)s;
    struct agent *a = userdata;
    if (si->ssi_signo == SIGHUP) {
        log_info("SIGHUP: reloading %s", a->config_path);
        /* Reload between transitions, so that a running one keeps one config. */
        if (a->lifecycle != AGENT_QUITTING)
            a->lifecycle = AGENT_RELOAD_PENDING; /* applied by run_loop() */
        return 0;
    }
    log_info("%s: stopping", strsignal((int)si->ssi_signo));
    sd_notify(0, "STOPPING=1");
    a->lifecycle = AGENT_QUITTING;
    /* No new checks or polls: what is owed is all the exit waits for. */
    local_watch_stop(&a->local);
    peer_watch_stop(&a->peer);
    if (a->transition)
        transition_cancel(a->transition); /* it releases its fences, then we exit */
    switchover_stop(a);
    return 0;
}

/* One daemon per run_dir: the lock lives as long as the process. */
static int lock_run_dir(struct agent *a) {
    char path[CONFIG_PATH_MAX + 32];
    int r = ensure_directory(a->cfg.agent.run_dir, 0755);
    if (r < 0)
        return log_error_errno(r, "run_dir %s", a->cfg.agent.run_dir);
    run_dir_path(a, "daemon.lock", path, sizeof(path));
    a->run_dir_lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (a->run_dir_lock_fd < 0 || flock(a->run_dir_lock_fd, LOCK_EX | LOCK_NB) < 0) {
        r = -errno;
        log_error("%s: %s", path,
                  r == -EWOULDBLOCK ? "another daemon runs with this run_dir" : strerror(-r));
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

    if (lock_run_dir(a) < 0 || preference_setup(a) < 0)
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
    sigaddset(&mask, SIGCHLD); /* sd-event's rule for child sources (the snapshot copy) */
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
        log_error_errno(r, "event loop setup");
    if (r >= 0)
        r = start_components(a);
    if (r >= 0) {
        log_state("agent started (config %s, run_dir %s)", config_path, a->cfg.agent.run_dir);
        r = run_loop(a);
    }
    transition_free(a->transition);
    a->transition = NULL;
    switchover_stop(a);
    stop_components(a);
    control_server_close(&a->control);
    a->event = sd_event_unref(a->event);
    close(a->run_dir_lock_fd);
    log_state("agent stopped");
    return r < 0 ? 1 : r;
}
