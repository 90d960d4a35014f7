/* The switchover (see switchover.h): the safety check, then one step at a time, each
 * sending its commands and returning; replies and one timer move it on. */
#include "switchover.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"

int switchover_plan(const struct switchover_view *v, bool here, const char *to,
                    enum switchover_direction *direction, char *why, size_t why_size) {
#define REFUSE(code, ...) return snprintf(why, why_size, __VA_ARGS__), (code)
    if (!v->preference_configured || !v->vip_configured)
        REFUSE(-EINVAL, "[keepalived] preference_file and vip must be set: the switchover "
                        "moves the VIP by preference");
    if (to && (strcmp(to, v->peer_host) != 0 && strcmp(to, "peer") != 0))
        REFUSE(-EINVAL, "--to %s: the peer is %s ([peer] host); this pair has no other node", to,
               v->peer_host);
    if (v->busy)
        REFUSE(-EBUSY, "a transition is running here (or queued, or the agent is reloading "
                       "or stopping); try again when it has ended");
    if (v->maintenance)
        REFUSE(-EBUSY, "maintenance is on here: turn it off first");
    if (v->split_brain)
        REFUSE(-EBUSY, "split brain: both nodes are masters");
    if (!v->local_healthy || !v->local_known)
        REFUSE(-EBUSY, "the local Redis/Valkey is not healthy");
    if (!v->peer_reachable)
        REFUSE(-EBUSY, "the peer's Redis/Valkey (%s:%d) does not answer", v->peer_host,
               v->peer_port);
    if (!v->record_read)
        REFUSE(-EBUSY, "the preference record (%s) could not be read here", PREFERENCE_KEY);

    const struct redis_info *master, *replica;
    if (v->local->role == REDIS_ROLE_MASTER && v->peer->role == REDIS_ROLE_REPLICA) {
        if (here)
            REFUSE(-EINVAL, "--here: this node is already the master");
        if (!v->vip_here)
            REFUSE(-EBUSY, "the local Redis is master but the VIP is not here");
        if (v->vrrp_known && !v->vrrp_master)
            REFUSE(-EBUSY, "keepalived here is not in MASTER state");
        *direction = SWITCHOVER_AWAY;
        master = v->local, replica = v->peer;
    } else if (v->local->role == REDIS_ROLE_REPLICA && v->peer->role == REDIS_ROLE_MASTER) {
        if (to)
            REFUSE(-EINVAL, "--to %s: the peer is already the master", to);
        if (v->vip_here)
            REFUSE(-EBUSY, "the local Redis is a replica but the VIP is here");
        if (v->vrrp_known && v->vrrp_master)
            REFUSE(-EBUSY, "keepalived here is in MASTER state but Redis is a replica");
        if (strcmp(v->local->master_host, v->peer_host) != 0 ||
            v->local->master_port != v->peer_port)
            REFUSE(-EBUSY, "the local Redis replicates from %s:%d, not from the peer",
                   v->local->master_host, v->local->master_port);
        *direction = SWITCHOVER_HERE;
        master = v->peer, replica = v->local;
    } else {
        REFUSE(-EBUSY, "roles: local %s, peer %s; a switchover needs one master and its replica",
               redis_role_to_string(v->local->role), redis_role_to_string(v->peer->role));
    }
    if (!replica->master_link_up || replica->master_sync_in_progress)
        REFUSE(-EBUSY, "the replica's link to the master is %s",
               replica->master_sync_in_progress ? "still syncing" : "down");
    long long lag = master->master_repl_offset - redis_info_data_offset(replica);
    if (lag > SWITCHOVER_MAX_LAG_BYTES)
        REFUSE(-EBUSY, "the replica is %lld bytes behind (at most %d)", lag,
               SWITCHOVER_MAX_LAG_BYTES);
    return 0;
#undef REFUSE
}

struct switchover {
    const struct config *cfg;
    struct redis_link *local, *peer;
    enum switchover_direction direction;
    struct redis_link *master, *replica; /* to the old master and to the new one */
    struct switchover_params p;
    struct switchover_hooks hooks;
    sd_event_source *timer;
    enum switchover_step step;
    bool finished, failed;
    bool refused; /* by the plan: nothing was changed */
    char to[CONFIG_NAME_MAX];
    enum switchover_step failed_step;
    char error[400];
    int owed;          /* replies still to come for this step */
    bool answer_ok[2]; /* this step's replies, in order */
    struct redis_info info[2];
    uint64_t deadline_usec;
    long long final_offset;
    bool vip_was_here;
    struct switchover_timeline tl;
    struct preference_record written; /* the last record sent */
};

static const char *const step_names[] = {
    "observe", "lock", "pause", "catch up", "record", "move", "settle", "done",
};

const char *switchover_step_name(enum switchover_step step) { return step_names[step]; }

static void tick_soon(struct switchover *s, uint64_t delay_usec) {
    timer_arm_or_exit(s->timer, delay_usec);
}

/* Once the preference is recorded, the VIP and the roles are watched more closely
 * than poll_interval_ms: the timeline is the switchover's report. */
#define SWITCHOVER_WATCH_POLL_USEC 1000u

static void poll_later(struct switchover *s) {
    tick_soon(s, s->tl.recorded ? SWITCHOVER_WATCH_POLL_USEC
                                : (uint64_t)s->cfg->transition.poll_interval_ms * 1000u);
}

static int restored_level(const struct switchover *s) {
    /* The old master is preferred again. */
    return s->direction == SWITCHOVER_AWAY ? PREFERENCE_LEVEL_PREFERRED : PREFERENCE_LEVEL_YIELD;
}

static void write_record(struct switchover *s, struct redis_link *link, const void *owner,
                         redis_reply_fn fn, long long epoch, bool towards_new) {
    /* The writer names itself: "avoid me" when it gives the role away, "prefer me"
     * when it takes it. */
    bool away = s->direction == SWITCHOVER_AWAY;
    const char *verb = away == towards_new ? "avoid" : "prefer";
    s->written = (struct preference_record){
        .present = true,
        .epoch = epoch,
        .verb = away == towards_new ? PREFERENCE_AVOID : PREFERENCE_PREFER,
    };
    memcpy(s->written.node, s->p.node_id, sizeof(s->written.node));
    redis_link_command(link, owner, fn, s, "HSET %s epoch %lld verb %s node %s at %lld",
                       PREFERENCE_KEY, epoch, verb, s->p.node_id, (long long)time(NULL));
}

static void ignore_reply(const struct redis_result *r, void *userdata) {
    (void)r;
    (void)userdata;
}

/* Undo what was changed, fire and forget (owned by no one: the releases outlive the
 * switchover). */
static void roll_back(struct switchover *s) {
    if (s->tl.paused && !s->tl.released)
        redis_link_command(s->master, NULL, ignore_reply, NULL, "CLIENT UNPAUSE");
    if (s->tl.recorded) {
        s->hooks.set_level(restored_level(s), s->hooks.userdata);
        /* Whichever is master takes it (a replica answers READONLY). */
        write_record(s, s->master, NULL, ignore_reply, s->p.record.epoch + 2, false);
        write_record(s, s->replica, NULL, ignore_reply, s->p.record.epoch + 2, false);
    }
    if (s->tl.locked) {
        redis_link_command(s->master, NULL, ignore_reply, NULL, "DEL %s", SWITCHOVER_LOCK_KEY);
        redis_link_command(s->replica, NULL, ignore_reply, NULL, "DEL %s", SWITCHOVER_LOCK_KEY);
    }
}

static void finish(struct switchover *s) {
    s->finished = true;
    s->tl.ended = monotonic_usec();
    s->step = SWITCHOVER_DONE;
    tick_soon(s, 0); /* done() from the loop */
}

static void fail(struct switchover *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct switchover *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->error, sizeof(s->error), fmt, ap);
    va_end(ap);
    s->failed = true;
    s->failed_step = s->step;
    if (s->step == SWITCHOVER_OBSERVE || s->step == SWITCHOVER_LOCK) {
        s->refused = true; /* nothing was changed yet */
        log_warning("switchover refused: %s", s->error);
    } else {
        log_error("switchover failed at %s: %s; rolling back", step_names[s->step], s->error);
        roll_back(s);
    }
    finish(s);
}

static bool expired(const struct switchover *s) { return monotonic_usec() >= s->deadline_usec; }

/* ---- steps ---- */

static void send_step(struct switchover *s);

static void next(struct switchover *s, enum switchover_step step) {
    s->step = step;
    send_step(s);
}

static bool info_answer(const struct redis_result *r, struct redis_info *out);

static void on_observed(const struct redis_result *r, void *userdata, int which) {
    struct switchover *s = userdata;
    s->answer_ok[which] = info_answer(r, &s->info[which]);
    if (--s->owed > 0)
        return;
    struct switchover_view v;
    s->hooks.fill_view(&v, s->hooks.userdata);
    v.local_known = v.local_known && s->answer_ok[0];
    v.local = &s->info[0];
    v.peer_reachable = s->answer_ok[1];
    v.peer = &s->info[1];
    char why[300];
    if (switchover_plan(&v, s->p.here, s->p.to[0] ? s->p.to : NULL, &s->direction, why,
                        sizeof(why)) < 0) {
        fail(s, "%s", why);
        return;
    }
    bool away = s->direction == SWITCHOVER_AWAY;
    s->master = away ? s->local : s->peer;
    s->replica = away ? s->peer : s->local;
    s->vip_was_here = away;
    if (s->p.dry_run) {
        finish(s);
        return;
    }
    log_state("switchover: moving the master %s (timeout %d ms)",
              away ? "from this node to the peer" : "from the peer to this node", s->p.timeout_ms);
    next(s, SWITCHOVER_LOCK);
}

static void on_local_observed(const struct redis_result *r, void *u) { on_observed(r, u, 0); }
static void on_peer_observed(const struct redis_result *r, void *u) { on_observed(r, u, 1); }

static void on_lock(const struct redis_result *r, void *userdata) {
    struct switchover *s = userdata;
    if (!r->reply || r->reply->type == REDIS_REPLY_ERROR) {
        fail(s, "SET %s on the master: %s", SWITCHOVER_LOCK_KEY,
             r->reply ? r->reply->str : r->error);
        return;
    }
    if (r->reply->type == REDIS_REPLY_NIL) {
        fail(s, "another switchover is running (the master holds %s)", SWITCHOVER_LOCK_KEY);
        return;
    }
    s->tl.locked = monotonic_usec();
    next(s, SWITCHOVER_PAUSE);
}

static bool info_answer(const struct redis_result *r, struct redis_info *out) {
    return r->reply && r->reply->type == REDIS_REPLY_STRING &&
           redis_info_parse(r->reply->str, out) == 0;
}

static void on_pause(const struct redis_result *r, void *userdata) {
    struct switchover *s = userdata;
    s->answer_ok[0] = r->reply && r->reply->type == REDIS_REPLY_STATUS;
    if (s->answer_ok[0])
        s->tl.paused = monotonic_usec();
    else
        snprintf(s->error, sizeof(s->error), "CLIENT PAUSE on the master: %s",
                 r->reply ? r->reply->str : r->error);
    s->owed--;
}

static void on_final_offset(const struct redis_result *r, void *userdata) {
    struct switchover *s = userdata;
    bool ok = info_answer(r, &s->info[0]);
    if (--s->owed, !s->answer_ok[0]) {
        fail(s, "%s", s->error);
        return;
    }
    if (!ok) {
        fail(s, "INFO replication on the master: %s", r->reply ? "garbage" : r->error);
        return;
    }
    s->final_offset = s->info[0].master_repl_offset;
    next(s, SWITCHOVER_CATCH_UP);
}

static void on_replica_offset(const struct redis_result *r, void *userdata) {
    struct switchover *s = userdata;
    struct redis_info info;
    if (!info_answer(r, &info)) {
        fail(s, "INFO replication on the replica: %s", r->reply ? "garbage" : r->error);
        return;
    }
    long long behind = s->final_offset - redis_info_data_offset(&info);
    if (behind <= 0) {
        s->tl.caught_up = monotonic_usec();
        redis_link_command(s->master, NULL, ignore_reply, NULL, "CLIENT UNPAUSE");
        s->tl.released = monotonic_usec();
        next(s, SWITCHOVER_RECORD);
        return;
    }
    if (expired(s)) {
        fail(s,
             "the replica did not catch up: %lld bytes behind the paused master "
             "after %d ms",
             behind, s->p.timeout_ms);
        return;
    }
    poll_later(s);
}

static void on_record(const struct redis_result *r, void *userdata) {
    struct switchover *s = userdata;
    if (!r->reply || r->reply->type != REDIS_REPLY_INTEGER) {
        fail(s, "HSET %s on the master: %s", PREFERENCE_KEY, r->reply ? r->reply->str : r->error);
        return;
    }
    s->tl.recorded = monotonic_usec();
    /* This side now; the other agent reads the record at its next check. */
    s->hooks.set_level(s->direction == SWITCHOVER_AWAY ? PREFERENCE_LEVEL_YIELD
                                                       : PREFERENCE_LEVEL_PREFERRED,
                       s->hooks.userdata);
    next(s, SWITCHOVER_MOVE);
}

static void on_settle_info(const struct redis_result *r, void *userdata, int which) {
    struct switchover *s = userdata;
    s->answer_ok[which] = info_answer(r, &s->info[which]);
    if (--s->owed > 0)
        return;
    const struct redis_info *old = &s->info[0], *new = &s->info[1];
    if (s->answer_ok[1] && new->role == REDIS_ROLE_MASTER && !s->tl.writable)
        s->tl.writable = monotonic_usec();
    if (s->tl.writable && s->answer_ok[0] && old->role == REDIS_ROLE_REPLICA &&
        old->master_link_up && !old->master_sync_in_progress &&
        strcmp(old->replid, new->replid) == 0) {
        s->tl.replicating = monotonic_usec();
        redis_link_command(s->replica, NULL, ignore_reply, NULL, "DEL %s", SWITCHOVER_LOCK_KEY);
        finish(s);
        return;
    }
    if (expired(s)) {
        fail(s, "the VIP moved, but within %d ms %s", s->p.timeout_ms,
             !s->tl.writable ? "the new master did not take writes"
                             : "the old master did not replicate from the new one");
        return;
    }
    poll_later(s);
}

static void on_old_master_info(const struct redis_result *r, void *u) { on_settle_info(r, u, 0); }
static void on_new_master_info(const struct redis_result *r, void *u) { on_settle_info(r, u, 1); }

static void send_step(struct switchover *s) {
    switch (s->step) {
    case SWITCHOVER_OBSERVE:
        s->owed = 2;
        redis_link_command(s->local, s, on_local_observed, s, "INFO replication");
        redis_link_command(s->peer, s, on_peer_observed, s, "INFO replication");
        return;
    case SWITCHOVER_LOCK:
        redis_link_command(s->master, s, on_lock, s, "SET %s %s NX PX %d", SWITCHOVER_LOCK_KEY,
                           s->p.node_id, s->p.timeout_ms + 1000);
        return;
    case SWITCHOVER_PAUSE:
        /* The pause ends by itself at the deadline if this daemon dies. */
        s->owed = 2;
        redis_link_command(s->master, s, on_pause, s, "CLIENT PAUSE %d WRITE", s->p.timeout_ms);
        redis_link_command(s->master, s, on_final_offset, s, "INFO replication");
        return;
    case SWITCHOVER_CATCH_UP:
        redis_link_command(s->replica, s, on_replica_offset, s, "INFO replication");
        return;
    case SWITCHOVER_RECORD:
        write_record(s, s->master, s, on_record, s->p.record.epoch + 1, true);
        return;
    case SWITCHOVER_MOVE: {
        uint64_t changed_usec = 0;
        if (s->hooks.vip_here(&changed_usec, s->hooks.userdata) != s->vip_was_here) {
            s->tl.vip_moved = changed_usec ? changed_usec : monotonic_usec();
            next(s, SWITCHOVER_SETTLE);
            return;
        }
        if (expired(s)) {
            fail(s,
                 "the VIP did not move within %d ms: is keepalived running on both "
                 "nodes, tracking the preference file with a weight larger than their "
                 "priority gap?",
                 s->p.timeout_ms);
            return;
        }
        poll_later(s);
        return;
    }
    case SWITCHOVER_SETTLE:
        s->owed = 2;
        redis_link_command(s->master, s, on_old_master_info, s, "INFO replication");
        redis_link_command(s->replica, s, on_new_master_info, s, "INFO replication");
        return;
    case SWITCHOVER_DONE: return;
    }
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata) {
    (void)src;
    (void)usec;
    struct switchover *s = userdata;
    if (s->step == SWITCHOVER_DONE) {
        if (s->hooks.done)
            s->hooks.done(s->hooks.userdata); /* may free s */
        return 0;
    }
    send_step(s);
    return 0;
}

int switchover_start(struct switchover **out, sd_event *event, const struct config *cfg,
                     struct redis_link *local, struct redis_link *peer,
                     const struct switchover_params *params, const struct switchover_hooks *hooks) {
    struct switchover *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->cfg = cfg;
    s->p = *params;
    snprintf(s->to, sizeof(s->to), "%s", params->to ? params->to : "");
    s->p.to = s->to;
    s->hooks = *hooks;
    s->local = local;
    s->peer = peer;
    s->tl.started = monotonic_usec();
    s->deadline_usec = s->tl.started + (uint64_t)params->timeout_ms * 1000u;
    int r = sd_event_add_time(event, &s->timer, CLOCK_MONOTONIC, UINT64_MAX, 1, on_timer, s);
    if (r < 0) {
        free(s);
        return r;
    }
    s->step = SWITCHOVER_OBSERVE;
    send_step(s);
    *out = s;
    return 0;
}

void switchover_free(struct switchover *s) {
    if (!s)
        return;
    redis_link_cancel(s->local, s);
    redis_link_cancel(s->peer, s);
    sd_event_source_disable_unref(s->timer);
    free(s);
}

void switchover_abandon(struct switchover *s) {
    if (!s->finished && s->tl.paused && !s->tl.released)
        redis_link_command(s->master, NULL, ignore_reply, NULL, "CLIENT UNPAUSE");
    switchover_free(s);
}

const struct preference_record *switchover_record(const struct switchover *s) {
    return &s->written;
}
bool switchover_ok(const struct switchover *s) { return s->finished && !s->failed; }

static void line(char *out, size_t size, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void line(char *out, size_t size, size_t *used, const char *fmt, ...) {
    if (*used >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *used, size - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used += (size_t)n;
}

void switchover_format(const struct switchover *s, char *out, size_t size) {
    const struct switchover_timeline *t = &s->tl;
    size_t used = 0;
    out[0] = '\0';
    const char *way = s->direction == SWITCHOVER_AWAY ? "from this node to the peer"
                                                      : "from the peer to this node";
    if (s->refused) {
        line(out, size, &used, "switchover refused: %s; nothing was changed\n", s->error);
        return;
    }
    if (s->p.dry_run) {
        line(out, size, &used,
             "dry run: safe now; would move the master %s within %d ms:\n"
             "  lock %s on the master; pause its writes until the replica has its final "
             "offset, then release them\n"
             "  record the new preference (%s epoch %lld) and write this node's preference "
             "file\n"
             "  keepalived moves the VIP at the master's next advert; the new master catches "
             "up and promotes, the old one replicates from it\n"
             "  any failure or timeout: release the pause, record the old master as preferred "
             "again, drop the lock\n",
             way, s->p.timeout_ms, SWITCHOVER_LOCK_KEY, PREFERENCE_KEY, s->p.record.epoch + 1);
        return;
    }
    if (s->step == SWITCHOVER_OBSERVE) {
        line(out, size, &used, "switchover: observing both servers\n");
        return;
    }
    line(out, size, &used, "switchover %s: %s", way,
         !s->finished ? "running"
         : s->failed  ? "FAILED, rolled back"
                      : "done");
    if (s->finished)
        line(out, size, &used, " in %.1f ms", (double)(t->ended - t->started) / 1000.0);
    line(out, size, &used, "\n");
    const struct {
        const char *name;
        uint64_t at;
    } points[] = {
        { "locked", t->locked },       { "paused", t->paused },
        { "caught up", t->caught_up }, { "released", t->released },
        { "recorded", t->recorded },   { "VIP moved", t->vip_moved },
        { "writable", t->writable },   { "replicating", t->replicating },
    };
    for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++)
        if (points[i].at)
            line(out, size, &used, "  %-12s %9.1f ms\n", points[i].name,
                 (double)(points[i].at - t->started) / 1000.0);
    if (t->released)
        line(out, size, &used,
             "  writes paused %8.1f ms (the probe; the new master's own "
             "transition pauses the old one again for its last catch-up)\n",
             (double)(t->released - t->paused) / 1000.0);
    if (t->writable)
        line(out, size, &used,
             "  write outage %9.1f ms (VIP moved -> new master writable, "
             "as seen from here)\n",
             (double)(t->writable - t->vip_moved) / 1000.0);
    if (s->failed)
        line(out, size, &used, "failed at %s: %s\n", step_names[s->failed_step], s->error);
}
