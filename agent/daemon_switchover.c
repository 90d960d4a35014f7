/* The preference file, the failback policy and the switchover requests. */
#include "daemon_switchover.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "number.h"
#include "run_dir.h"

static bool preference_configured(const struct agent *a) {
    return a->cfg.keepalived.preference_file[0] != '\0';
}

static void write_level(struct agent *a, int level, const char *why) {
    int r = track_file_set(&a->preference.file, level);
    if (r < 0) {
        log_error_errno(r, "preference file %s (keepalived keeps the old value)",
                        a->cfg.keepalived.preference_file);
        return;
    }
    a->preference.level = level;
    if (r & TRACK_FILE_RESTORED)
        log_warning("preference file %s was removed or changed behind the agent's back: "
                    "wrote %d",
                    a->cfg.keepalived.preference_file, level);
    if (r & (TRACK_FILE_WRITTEN | TRACK_FILE_REMOVED))
        log_state("preference file %s = %d (%s: %s)", a->cfg.keepalived.preference_file, level,
                  level == PREFERENCE_LEVEL_PREFERRED ? "preferred" : "yielding", why);
}

int preference_setup(struct agent *a) {
    if (!preference_configured(a))
        return 0;
    char err[600];
    int r = node_id_load(a->cfg.agent.state_dir, a->preference.node_id, err, sizeof(err));
    if (r < 0)
        return log_error("[agent] state_dir: %s", err), r;
    track_file_init(&a->preference.file, a->cfg.keepalived.preference_file);
    /* Until a record is read, the file keeps what the last one said (a missing file
     * reads as 0 to keepalived: preferred, the default of a new pair). */
    char text[16];
    a->preference.level =
        run_dir_read_file(a->cfg.keepalived.preference_file, text, sizeof(text)) == 0 &&
                int_prefix(text, 0) == 1
            ? PREFERENCE_LEVEL_YIELD
            : PREFERENCE_LEVEL_PREFERRED;
    write_level(a, a->preference.level, "as the file said at start");
    return 0;
}

/* A record is taken unless an older one than this node has written or seen. */
static void take_record(struct agent *a, const struct preference_record *r) {
    if (r->present && r->epoch >= a->preference.record.epoch)
        a->preference.record = *r;
}

void preference_update(struct agent *a) {
    if (!preference_configured(a))
        return;
    const char *error = a->local.record_error;
    if (error[0] && strcmp(error, a->preference.last_error) != 0)
        log_warning("preference record: %s (the preference file keeps %d)", error,
                    a->preference.level);
    snprintf(a->preference.last_error, sizeof(a->preference.last_error), "%s", error);
    if (a->local.record_read)
        take_record(a, &a->local.record);
    /* A running switchover sets the level itself, step by step. */
    if (a->switchover.running)
        return;
    char why[80];
    snprintf(why, sizeof(why), "record epoch %lld %s", a->preference.record.epoch,
             preference_describe(&a->preference.record, a->preference.node_id));
    write_level(a,
                preference_level(&a->preference.record, a->preference.node_id, a->preference.level),
                why);
}

static void on_record_written(const struct redis_result *r, void *userdata) {
    (void)userdata;
    if (!r->reply || r->reply->type != REDIS_REPLY_INTEGER)
        log_error("failback = manual: could not record this node as preferred: %s",
                  r->reply && r->reply->type == REDIS_REPLY_ERROR ? r->reply->str : r->error);
}

void preference_after_promotion(struct agent *a) {
    if (a->cfg.keepalived.failback != FAILBACK_MANUAL || a->switchover.running)
        return;
    struct preference_record *rec = &a->preference.record;
    if (preference_level(rec, a->preference.node_id, -1) == PREFERENCE_LEVEL_PREFERRED)
        return;
    struct preference_record next = { .present = true,
                                      .epoch = rec->epoch + 1,
                                      .verb = PREFERENCE_PREFER };
    memcpy(next.node, a->preference.node_id, sizeof(next.node));
    *rec = next;
    log_state("failback = manual: recording this node, the new master, as preferred "
              "(epoch %lld)",
              next.epoch);
    redis_link_command(&a->local_link, NULL, on_record_written, NULL,
                       "HSET %s epoch %lld verb prefer node %s at %lld", PREFERENCE_KEY, next.epoch,
                       next.node, (long long)time(NULL));
    write_level(a, PREFERENCE_LEVEL_PREFERRED, "this node was promoted");
}

/* ---- switchover ---- */

static void on_set_level(int level, void *userdata) {
    struct agent *a = userdata;
    write_level(a, level, "switchover");
}

static bool on_vip_here(uint64_t *changed_usec, void *userdata) {
    const struct agent *a = userdata;
    *changed_usec = a->vip_changed_usec;
    return a->vip.here;
}

static void on_switchover_done(void *userdata) {
    struct agent *a = userdata;
    struct agent_switchover *so = &a->switchover;
    so->ok = switchover_ok(so->running);
    switchover_format(so->running, so->report, sizeof(so->report));
    /* What it wrote last is the pair's record now: an older one, still on its way
     * through replication, must not undo it. */
    const struct preference_record *written = switchover_record(so->running);
    if (written->present)
        a->preference.record = *written;
    log_state("%s", so->report);
    switchover_free(so->running);
    so->running = NULL;
}

static void on_fill_view(struct switchover_view *v, void *userdata) {
    const struct agent *a = userdata;
    *v = (struct switchover_view){
        .preference_configured = preference_configured(a),
        .vip_configured = a->vip_watched,
        .busy = a->transition || a->has_pending || a->lifecycle != AGENT_RUNNING,
        .maintenance = a->maintenance,
        .split_brain = a->split_brain.active,
        .local_healthy = a->local.health.healthy,
        .local_known = a->local.info_valid,
        .local = &a->local.info,
        .peer_reachable = a->peer.reachable,
        .peer = &a->peer.info,
        .peer_host = a->cfg.peer.host,
        .peer_port = a->cfg.peer.port,
        .vip_here = a->vip.here,
        .vrrp_known = a->vrrp_known,
        .vrrp_master = a->vrrp_state == VRRP_STATE_MASTER,
        .record_read = a->local.record_read,
    };
}

void switchover_request(struct agent *a, const struct control_request *request, char *reply,
                        size_t size) {
    struct switchover_params params = {
        .here = request->here,
        .dry_run = request->dry_run,
        .to = request->to[0] ? request->to : NULL,
        .timeout_ms =
            request->timeout_ms ? request->timeout_ms : a->cfg.transition.switchover_timeout_ms,
        .node_id = a->preference.node_id,
        .record = a->preference.record,
        .level = a->preference.level,
    };
    if (a->switchover.running) {
        snprintf(reply, size,
                 "error: switchover refused: one is already running here "
                 "(s%lu); nothing was changed\n",
                 a->switchover.started);
        return;
    }
    struct switchover_hooks hooks = {
        .fill_view = on_fill_view,
        .set_level = on_set_level,
        .vip_here = on_vip_here,
        .done = on_switchover_done,
        .userdata = a,
    };
    int r = switchover_start(&a->switchover.running, a->event, &a->cfg, &a->local_link,
                             &a->peer_link, &params, &hooks);
    if (r < 0) {
        snprintf(reply, size, "error: switchover: %s\n", strerror(-r));
        return;
    }
    a->switchover.started++;
    snprintf(reply, size, "ok started s%lu\n", a->switchover.started);
}

void switchover_status_request(struct agent *a, const char *id, char *reply, size_t size) {
    char want[24];
    snprintf(want, sizeof(want), "s%lu", a->switchover.started);
    if (!id || strcmp(id, want) != 0) {
        snprintf(reply, size, "error: no switchover %s here (the last one is %s)\n",
                 id ? id : "(none given)", a->switchover.started ? want : "none");
        return;
    }
    if (a->switchover.running) {
        char report[2048];
        switchover_format(a->switchover.running, report, sizeof(report));
        snprintf(reply, size, "ok running\n%s", report);
        return;
    }
    snprintf(reply, size, "%s\n%s", a->switchover.ok ? "ok done" : "error: switchover failed",
             a->switchover.report);
}

void switchover_stop(struct agent *a) {
    if (!a->switchover.running)
        return;
    log_warning("stopping during a switchover: releasing its pause; the lock expires by itself");
    switchover_abandon(a->switchover.running);
    a->switchover.running = NULL;
}
