/* Role transitions. The driver runs one step per timer tick; a step either moves on
 * (set t->step, return STEP_NEXT), polls again later (STEP_WAIT, after
 * next_poll_usec), or ends the transition. Waits carry a name and a deadline, and
 * their measured duration goes into the log and the summary. */
#include "transition.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "snapshot.h"

enum step_result { STEP_NEXT, STEP_WAIT, STEP_DONE, STEP_FAILED };

/* How long a promoted node may take to report role:master before we call it failed. */
#define VERIFY_MASTER_TIMEOUT_MS 2000
/* Cap on steps run back to back in one tick, against a bug looping between steps. */
#define MAX_STEPS_PER_TICK 32

static long ms_since(uint64_t usec) { return (long)((monotonic_usec() - usec) / 1000u); }

const char *transition_outcome_to_string(enum transition_outcome outcome) {
    static const char *const names[] = { "running", "ok", "failed", "superseded" };
    return names[outcome];
}

/* One step's line: into the state log, and appended to the summary. */
static void note(struct transition *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct transition *t, const char *fmt, ...) {
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    log_state("%s: %s", vrrp_state_to_string(t->target), text);
    size_t used = strlen(t->summary);
    if (used < sizeof(t->summary))
        snprintf(t->summary + used, sizeof(t->summary) - used, "%s%s", used ? "; " : "", text);
}

static enum step_result fail(struct transition *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static enum step_result fail(struct transition *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->error, sizeof(t->error), fmt, ap);
    va_end(ap);
    return STEP_FAILED;
}

static void go(struct transition *t, enum transition_step step) {
    t->step = step;
    t->waiting = false;
}

/* Begin (once) a named wait with a deadline; returns true when the deadline passed. */
static bool wait_expired(struct transition *t, const char *what, long timeout_ms) {
    if (!t->waiting) {
        t->waiting = true;
        t->wait_start_usec = monotonic_usec();
        t->wait_deadline_usec = t->wait_start_usec + (uint64_t)timeout_ms * 1000u;
        snprintf(t->wait_what, sizeof(t->wait_what), "%s", what);
        log_debug("%s: waiting for %s (deadline %ld ms)", vrrp_state_to_string(t->target), what,
                  timeout_ms);
    }
    return monotonic_usec() >= t->wait_deadline_usec;
}

static long wait_ms(const struct transition *t) { return ms_since(t->wait_start_usec); }

/* Run a command whose reply only needs to be "not an error". */
static int simple_command(struct redis_conn *conn, char *why, size_t why_size, const char *fmt,
                          ...) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *reply = redis_conn_vcommand(conn, fmt, ap);
    va_end(ap);
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        snprintf(why, why_size, "%s", conn->error);
        if (reply)
            freeReplyObject(reply);
        return -1;
    }
    freeReplyObject(reply);
    return 0;
}

/* INFO (all default sections or one) into *info; -1 with the reason on failure.
 * One section refreshes only its own fields: the version (which decides how to
 * pause and unpause) and the key count are kept from the last full INFO. */
static int fetch_info(struct redis_conn *conn, const char *section, struct redis_info *info,
                      char *why, size_t why_size) {
    struct redis_info fresh;
    redisReply *reply = section ? redis_conn_command(conn, "INFO %s", section)
                                : redis_conn_command(conn, "INFO");
    if (!reply) {
        snprintf(why, why_size, "%s", conn->error);
        return -1;
    }
    int r = -1;
    if (reply->type != REDIS_REPLY_STRING)
        snprintf(why, why_size, "INFO: %s", reply->type == REDIS_REPLY_ERROR ? reply->str
                                                                              : "unexpected reply");
    else if (redis_info_parse(reply->str, &fresh) < 0)
        snprintf(why, why_size, "INFO: garbage reply");
    else
        r = 0;
    freeReplyObject(reply);
    if (r == 0 && section) {
        fresh.version_major = info->version_major;
        fresh.version_minor = info->version_minor;
        fresh.version_patch = info->version_patch;
        fresh.keys = info->keys;
    }
    if (r == 0)
        *info = fresh;
    return r;
}

/* Refresh the peer view; a peer that does not answer is unreachable. */
static void observe_peer(struct transition *t, const char *section) {
    char why[300];
    t->peer_view.reachable = fetch_info(&t->peer, section, &t->peer_view.info, why,
                                        sizeof(why)) == 0;
    if (!t->peer_view.reachable)
        log_debug("peer: %s", why);
}

static char *peer_name(const struct transition *t, char *buf, size_t size) {
    return (char *)redis_endpoint_name(&t->cfg->peer, buf, size);
}

/* CLIENT PAUSE ... WRITE where supported (6.2+): it blocks writes only, so INFO and
 * REPLICAOF still work on the paused node. Older servers pause every client. */
static int pause_writes(struct redis_conn *conn, const struct redis_info *info, long ms,
                        char *why, size_t why_size) {
    if (redis_info_version_at_least(info, 6, 2))
        return simple_command(conn, why, why_size, "CLIENT PAUSE %ld WRITE", ms);
    return simple_command(conn, why, why_size, "CLIENT PAUSE %ld", ms);
}

static void unpause_writes(struct redis_conn *conn, const struct redis_info *info,
                           const char *whose) {
    char why[300];
    if (!redis_info_version_at_least(info, 6, 2))
        return; /* no CLIENT UNPAUSE before 6.2: the pause runs out on its own */
    if (simple_command(conn, why, sizeof(why), "CLIENT UNPAUSE") < 0)
        log_warning("CLIENT UNPAUSE on %s failed: %s (the pause runs out on its own)", whose, why);
}

/* ---- shared steps ---- */

static enum step_result step_settle(struct transition *t) {
    long delay_ms = t->target == VRRP_STATE_MASTER   ? t->cfg->transition.master_delay_ms
                    : t->target == VRRP_STATE_BACKUP ? t->cfg->transition.backup_delay_ms
                                                     : 0;
    if (delay_ms == 0) {
        go(t, STEP_OBSERVE);
        return STEP_NEXT;
    }
    if (!t->waiting)
        note(t, "settle delay %ld ms (operator option %s_delay_ms)", delay_ms,
             t->target == VRRP_STATE_MASTER ? "master" : "backup");
    if (!wait_expired(t, "operator settle delay", delay_ms)) {
        uint64_t now = monotonic_usec();
        t->next_poll_usec = t->wait_deadline_usec > now ? t->wait_deadline_usec - now : 0;
        return STEP_WAIT;
    }
    go(t, STEP_OBSERVE);
    return STEP_NEXT;
}

static enum step_result step_observe(struct transition *t) {
    char why[300], peer[CONFIG_NAME_MAX + 16];
    if (fetch_info(&t->local, NULL, &t->local_info, why, sizeof(why)) < 0) {
        /* A FAULT usually means exactly this: there is nothing to re-point. */
        if (t->target == VRRP_STATE_FAULT || t->target == VRRP_STATE_STOP) {
            note(t, "local Redis/Valkey not answering (%s): nothing to do", why);
            return STEP_DONE;
        }
        return fail(t, "local Redis/Valkey: %s", why);
    }
    char gone[160] = "";
    if (t->peer_gone && t->peer_gone(t->userdata, gone, sizeof(gone))) {
        /* The daemon saw the peer refuse or go silent: asking again would only spend
         * a connect timeout on a dead host. */
        t->peer_view.reachable = false;
        snprintf(t->peer.error, sizeof(t->peer.error), "%s", gone);
    } else {
        observe_peer(t, NULL);
    }
    peer_name(t, peer, sizeof(peer));

    const struct redis_info *l = &t->local_info, *p = &t->peer_view.info;
    if (t->peer_view.reachable)
        note(t, "local %s offset=%lld keys=%lld; peer %s %s offset=%lld",
             redis_role_to_string(l->role), redis_info_data_offset(l), l->keys, peer,
             redis_role_to_string(p->role), redis_info_data_offset(p));
    else
        note(t, "local %s offset=%lld keys=%lld; peer %s unreachable (%s)",
             redis_role_to_string(l->role), redis_info_data_offset(l), l->keys, peer,
             t->peer.error);

    switch (t->target) {
    case VRRP_STATE_MASTER:
        if (plan_master(l, &t->peer_view, why, sizeof(why)) == MASTER_PLAN_PROMOTE_NOW) {
            note(t, "%s", why);
            go(t, STEP_PROMOTE);
        } else {
            note(t, "%s: catching up first", why);
            t->catchup_deadline_usec =
                monotonic_usec() + (uint64_t)t->cfg->transition.catchup_timeout_ms * 1000u;
            go(t, STEP_REPLICATE_FROM_PEER);
        }
        return STEP_NEXT;
    case VRRP_STATE_BACKUP:
        switch (plan_backup(l, &t->peer_view, why, sizeof(why))) {
        case BACKUP_PLAN_ALREADY_REPLICA:
            note(t, "%s", why);
            unpause_writes(&t->local, &t->local_info, "the local Redis/Valkey");
            return STEP_DONE;
        case BACKUP_PLAN_WAIT_PEER:
            note(t, "%s", why);
            go(t, STEP_FENCE_LOCAL);
            return STEP_NEXT;
        case BACKUP_PLAN_REPLICATE_NOW:
            note(t, "%s", why);
            go(t, STEP_PREPARE_REPLICATE);
            return STEP_NEXT;
        }
        return STEP_NEXT;
    case VRRP_STATE_FAULT:
    case VRRP_STATE_STOP:
        if (t->cfg->transition.fence_on_fault && l->role == REDIS_ROLE_MASTER) {
            note(t, "fence_on_fault: demoting the local master to a replica of the peer");
            go(t, l->keys > 0 && t->peer_view.reachable ? STEP_FENCE_LOCAL
                                                       : STEP_PREPARE_REPLICATE);
            return STEP_NEXT;
        }
        note(t, "replication left as it is (local %s)", redis_role_to_string(l->role));
        return STEP_DONE;
    }
    return STEP_DONE;
}

/* Take a snapshot, then continue at `then`. */
static enum step_result snapshot_then(struct transition *t, enum transition_step then) {
    t->after_snapshot = then;
    go(t, STEP_SNAPSHOT_START);
    return STEP_NEXT;
}

static long snapshot_timeout_ms(const struct transition *t) {
    /* A BGSAVE of a large dataset is slow; give it the larger of the two budgets. */
    long a = t->cfg->transition.catchup_timeout_ms, b = t->cfg->transition.backup_wait_timeout_ms;
    return (a > b ? a : b) + 30000;
}

static enum step_result step_snapshot_start(struct transition *t) {
    char why[300];
    if (!t->waiting)
        note(t, "local data would be discarded by the resync: saving a snapshot first");
    if (wait_expired(t, "BGSAVE to start", snapshot_timeout_ms(t)))
        return fail(t, "not switching: snapshot could not start within %ld ms", wait_ms(t));
    int r = snapshot_start(&t->local, why, sizeof(why));
    if (r < 0)
        return fail(t, "not switching: snapshot failed: %s", why);
    if (r == 0)
        return STEP_WAIT; /* another save is running: ask again when it is done */
    go(t, STEP_SNAPSHOT_WAIT);
    return STEP_NEXT;
}

static enum step_result step_snapshot_wait(struct transition *t) {
    char why[300], path[700];
    bool expired = wait_expired(t, "BGSAVE to finish", snapshot_timeout_ms(t));
    int r = snapshot_save_finished(&t->local, why, sizeof(why));
    if (r < 0)
        return fail(t, "not switching: snapshot failed: %s", why);
    if (r == 0)
        return expired ? fail(t, "not switching: BGSAVE still running after %ld ms", wait_ms(t))
                       : STEP_WAIT;
    if (snapshot_copy(&t->local, t->cfg->transition.snapshot_dir, t->local_info.replid,
                      t->peer_view.reachable ? t->peer_view.info.replid : "", path, sizeof(path),
                      why, sizeof(why)) < 0)
        return fail(t, "not switching: snapshot failed: %s", why);
    note(t, "snapshot of %lld keys saved to %s (BGSAVE took %ld ms)", t->local_info.keys, path,
         wait_ms(t));
    t->snapshot_taken = true;
    go(t, t->after_snapshot);
    return STEP_NEXT;
}

/* ---- MASTER ---- */

static enum step_result catchup_expired(struct transition *t, long long offset) {
    long long behind = t->target_offset > 0 && offset >= 0 ? t->target_offset - offset : -1;
    log_error("MASTER: catch-up from the peer timed out after %d ms waiting for %s "
              "(offset %lld of %lld, %lld bytes behind)", t->cfg->transition.catchup_timeout_ms,
              t->wait_what, offset, t->target_offset, behind);
    if (t->cfg->transition.on_catchup_timeout == CATCHUP_TIMEOUT_PROMOTE) {
        note(t, "catch-up timed out %lld bytes behind: promoting anyway (on_catchup_timeout=promote)",
             behind);
        go(t, STEP_PROMOTE);
        return STEP_NEXT;
    }
    return fail(t, "catch-up timed out %lld bytes behind: staying a replica "
                   "(on_catchup_timeout=stay)", behind);
}

static bool catchup_deadline_passed(const struct transition *t) {
    return monotonic_usec() >= t->catchup_deadline_usec;
}

static enum step_result step_replicate_from_peer(struct transition *t) {
    char why[300];
    if (replicates_from_peer(&t->local_info, &t->peer_view)) {
        go(t, STEP_WAIT_LINK);
        return STEP_NEXT;
    }
    /* We are a master that must first catch up from the peer: writes taken now would
     * be wiped by the resync (and missed by a snapshot already under way). Clients
     * that reach us through the VIP wait on the pause instead of being acknowledged,
     * until REPLICAOF makes us refuse them (READONLY). The pause must end there: a
     * paused replica does not even complete its sync. */
    if (t->local_info.role == REDIS_ROLE_MASTER && !t->paused_local) {
        long pause_ms = t->cfg->transition.catchup_timeout_ms + snapshot_timeout_ms(t);
        if (pause_writes(&t->local, &t->local_info, pause_ms, why, sizeof(why)) < 0)
            return fail(t, "CLIENT PAUSE on the local Redis/Valkey failed: %s", why);
        t->paused_local = true;
        note(t, "paused local writes: this master must catch up before it takes any");
    }
    if (!t->snapshot_taken && resync_would_lose_data(&t->local_info, &t->peer_view))
        return snapshot_then(t, STEP_REPLICATE_FROM_PEER);
    if (simple_command(&t->local, why, sizeof(why), "REPLICAOF %s %d", t->cfg->peer.host,
                       t->cfg->peer.port) < 0)
        return fail(t, "REPLICAOF peer failed: %s", why);
    if (t->paused_local) {
        unpause_writes(&t->local, &t->local_info, "the local Redis/Valkey");
        t->paused_local = false;
    }
    note(t, "REPLICAOF peer to catch up");
    go(t, STEP_WAIT_LINK);
    return STEP_NEXT;
}

static enum step_result step_wait_link(struct transition *t) {
    char why[300];
    wait_expired(t, "replication link up and sync done", t->cfg->transition.catchup_timeout_ms);
    if (fetch_info(&t->local, "replication", &t->local_info, why, sizeof(why)) < 0)
        return fail(t, "local Redis/Valkey: %s", why);
    if (replica_link_settled(&t->local_info, &t->peer_view)) {
        note(t, "link up and synced in %ld ms", wait_ms(t));
        go(t, STEP_PAUSE_PEER);
        return STEP_NEXT;
    }
    if (catchup_deadline_passed(t))
        return catchup_expired(t, t->local_info.slave_repl_offset);
    return STEP_WAIT;
}

static enum step_result step_pause_peer(struct transition *t) {
    char why[300];
    uint64_t now = monotonic_usec();
    long left_ms = t->catchup_deadline_usec > now
                       ? (long)((t->catchup_deadline_usec - now) / 1000u) : 0;
    long pause_ms = left_ms + t->cfg->transition.backup_wait_timeout_ms + 1;
    /* Freeze the peer's writes so its offset is final; it stays paused after we are
     * promoted (fenced) until its own BACKUP makes it our replica or the pause ends. */
    if (pause_writes(&t->peer, &t->peer_view.info, pause_ms, why, sizeof(why)) < 0) {
        /* An answer that refuses (an ACL without +client, say) is no dead peer:
         * promoting would skip the writes it still has. */
        if (t->peer.status == REDIS_STATUS_REPLY || t->peer.status == REDIS_STATUS_AUTH)
            return fail(t, "CLIENT PAUSE refused by the peer: %s", why);
        note(t, "peer stopped answering during catch-up (%s): promoting at offset %lld", why,
             t->local_info.slave_repl_offset);
        go(t, STEP_PROMOTE);
        return STEP_NEXT;
    }
    t->paused_peer = true;
    observe_peer(t, "replication");
    if (!t->peer_view.reachable || t->peer_view.info.role != REDIS_ROLE_MASTER) {
        if (t->peer_view.reachable) /* a paused replica would not even apply its stream */
            unpause_writes(&t->peer, &t->peer_view.info, "the peer");
        note(t, "peer %s after pausing it: promoting at offset %lld",
             t->peer_view.reachable ? "is no longer master" : "stopped answering",
             t->local_info.slave_repl_offset);
        go(t, STEP_PROMOTE);
        return STEP_NEXT;
    }
    t->target_offset = t->peer_view.info.master_repl_offset;
    note(t, "paused peer writes at offset %lld", t->target_offset);
    go(t, STEP_WAIT_OFFSET);
    return STEP_NEXT;
}

static enum step_result step_wait_offset(struct transition *t) {
    char why[300];
    wait_expired(t, "our offset to reach the peer's", t->cfg->transition.catchup_timeout_ms);
    if (fetch_info(&t->local, "replication", &t->local_info, why, sizeof(why)) < 0)
        return fail(t, "local Redis/Valkey: %s", why);
    if (t->local_info.slave_repl_offset >= t->target_offset) {
        note(t, "caught up to offset %lld in %ld ms", t->target_offset, wait_ms(t));
        go(t, STEP_PROMOTE);
        return STEP_NEXT;
    }
    if (catchup_deadline_passed(t))
        return catchup_expired(t, t->local_info.slave_repl_offset);
    return STEP_WAIT;
}

static enum step_result step_promote(struct transition *t) {
    char why[300];
    if (simple_command(&t->local, why, sizeof(why), "REPLICAOF NO ONE") < 0)
        return fail(t, "REPLICAOF NO ONE failed: %s", why);
    t->promoted = true;
    /* A pause the peer left on us while we were its master would block our writes. */
    unpause_writes(&t->local, &t->local_info, "the local Redis/Valkey");
    go(t, STEP_VERIFY_MASTER);
    return STEP_NEXT;
}

static enum step_result step_verify_master(struct transition *t) {
    char why[300];
    bool expired = wait_expired(t, "role:master", VERIFY_MASTER_TIMEOUT_MS);
    if (fetch_info(&t->local, "replication", &t->local_info, why, sizeof(why)) == 0 &&
        t->local_info.role == REDIS_ROLE_MASTER) {
        note(t, "REPLICAOF NO ONE; writable after %ld ms", ms_since(t->start_usec));
        return STEP_DONE;
    }
    return expired ? fail(t, "role:master not reported %ld ms after REPLICAOF NO ONE", wait_ms(t))
                   : STEP_WAIT;
}

/* ---- BACKUP ---- */

static enum step_result step_fence_local(struct transition *t) {
    char why[300];
    /* Long enough for the wait and a snapshot after it; REPLICAOF lifts it earlier. */
    long pause_ms = t->cfg->transition.backup_wait_timeout_ms + snapshot_timeout_ms(t);
    if (pause_writes(&t->local, &t->local_info, pause_ms, why, sizeof(why)) < 0)
        return fail(t, "CLIENT PAUSE on the local Redis/Valkey failed: %s", why);
    t->paused_local = true;
    /* Our offset is final only once writes are paused. */
    if (fetch_info(&t->local, NULL, &t->local_info, why, sizeof(why)) < 0)
        return fail(t, "local Redis/Valkey: %s", why);
    note(t, "paused local writes at offset %lld", t->local_info.master_repl_offset);
    go(t, STEP_WAIT_PEER_TAKES_WRITES);
    return STEP_NEXT;
}

static enum step_result step_wait_peer_takes_writes(struct transition *t) {
    bool expired = wait_expired(t, "the peer to be master with our writes",
                                t->cfg->transition.backup_wait_timeout_ms);
    observe_peer(t, "replication");
    if (peer_has_our_writes(&t->local_info, &t->peer_view)) {
        note(t, "peer is master with our writes (offset %lld) after %ld ms",
             t->peer_view.info.master_repl_offset, wait_ms(t));
        go(t, STEP_PREPARE_REPLICATE);
        return STEP_NEXT;
    }
    if (!peer_may_still_take_our_writes(&t->peer_view)) {
        note(t, "peer is a master on another history (promoted at offset %lld, ours %lld): it "
             "will not take our writes", t->peer_view.info.second_repl_offset - 1,
             t->local_info.master_repl_offset);
        go(t, STEP_PREPARE_REPLICATE);
        return STEP_NEXT;
    }
    if (!expired)
        return STEP_WAIT;
    log_error("BACKUP: the peer did not take our writes within %d ms (peer %s, offset %lld; "
              "ours %lld)", t->cfg->transition.backup_wait_timeout_ms,
              t->peer_view.reachable ? redis_role_to_string(t->peer_view.info.role)
                                     : "unreachable",
              redis_info_data_offset(&t->peer_view.info), t->local_info.master_repl_offset);
    note(t, "peer did not take our writes within %ld ms", wait_ms(t));
    go(t, STEP_PREPARE_REPLICATE);
    return STEP_NEXT;
}

static enum step_result step_prepare_replicate(struct transition *t) {
    if (!t->snapshot_taken && resync_would_lose_data(&t->local_info, &t->peer_view))
        return snapshot_then(t, STEP_PREPARE_REPLICATE);
    go(t, STEP_REPLICATE_PEER);
    return STEP_NEXT;
}

static enum step_result step_replicate_peer(struct transition *t) {
    char why[300];
    if (simple_command(&t->local, why, sizeof(why), "REPLICAOF %s %d", t->cfg->peer.host,
                       t->cfg->peer.port) < 0)
        return fail(t, "REPLICAOF peer failed: %s", why);
    t->switched = true;
    /* Whoever paused us (our own fence, or a peer's MASTER catching up from us): a
     * paused replica does not apply its stream, so a replica must never stay paused. */
    unpause_writes(&t->local, &t->local_info, "the local Redis/Valkey");
    note(t, "REPLICAOF peer: read-only replica after %ld ms", ms_since(t->start_usec));
    return STEP_DONE;
}

typedef enum step_result (*step_fn)(struct transition *t);

static const step_fn steps[] = {
    [STEP_SETTLE] = step_settle,
    [STEP_OBSERVE] = step_observe,
    [STEP_REPLICATE_FROM_PEER] = step_replicate_from_peer,
    [STEP_WAIT_LINK] = step_wait_link,
    [STEP_PAUSE_PEER] = step_pause_peer,
    [STEP_WAIT_OFFSET] = step_wait_offset,
    [STEP_PROMOTE] = step_promote,
    [STEP_VERIFY_MASTER] = step_verify_master,
    [STEP_FENCE_LOCAL] = step_fence_local,
    [STEP_WAIT_PEER_TAKES_WRITES] = step_wait_peer_takes_writes,
    [STEP_PREPARE_REPLICATE] = step_prepare_replicate,
    [STEP_REPLICATE_PEER] = step_replicate_peer,
    [STEP_SNAPSHOT_START] = step_snapshot_start,
    [STEP_SNAPSHOT_WAIT] = step_snapshot_wait,
};

/* ---- driver ---- */

/* Undo fences that only made sense if the transition completed. The peer's pause
 * goes too when we were superseded after promoting: the next transition decides who
 * takes writes, and a paused peer would only stall it. */
static void release_fences(struct transition *t) {
    if (t->paused_peer)
        unpause_writes(&t->peer, &t->peer_view.info, "the peer");
    if (t->paused_local && !t->switched)
        unpause_writes(&t->local, &t->local_info, "the local Redis/Valkey");
}

static void finish(struct transition *t, enum transition_outcome outcome) {
    t->outcome = outcome;
    t->duration_usec = monotonic_usec() - t->start_usec;
    if (outcome != TRANSITION_OK)
        release_fences(t);
    long ms = (long)(t->duration_usec / 1000u);
    const char *state = vrrp_state_to_string(t->target);
    if (outcome == TRANSITION_OK)
        log_state("%s done in %ld ms: %s", state, ms, t->summary);
    else if (outcome == TRANSITION_SUPERSEDED)
        log_state("%s superseded by a newer notification after %ld ms, while waiting for %s", state, ms,
                  t->waiting ? t->wait_what : "its next step");
    else {
        log_error("%s failed after %ld ms: %s", state, ms, t->error);
        log_state("%s failed after %ld ms: %s", state, ms, t->error);
    }
    sd_event_source_set_enabled(t->timer, SD_EVENT_OFF);
    redis_conn_close(&t->local);
    redis_conn_close(&t->peer);
    log_set_transition_id(NULL);
    if (t->on_done)
        t->on_done(t, t->userdata);
}

static int schedule(struct transition *t, uint64_t delay_usec);

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
    (void)s;
    (void)usec;
    struct transition *t = userdata;
    log_set_transition_id(t->id);
    for (int i = 0; i < MAX_STEPS_PER_TICK; i++) {
        if (t->superseded && t->superseded(t->userdata)) {
            finish(t, TRANSITION_SUPERSEDED);
            return 0;
        }
        t->next_poll_usec = (uint64_t)t->cfg->transition.poll_interval_ms * 1000u;
        switch (steps[t->step](t)) {
        case STEP_NEXT:
            continue;
        case STEP_WAIT:
            schedule(t, t->next_poll_usec);
            log_set_transition_id(NULL);
            return 0;
        case STEP_DONE:
            finish(t, TRANSITION_OK);
            return 0;
        case STEP_FAILED:
            finish(t, TRANSITION_FAILED);
            return 0;
        }
    }
    /* Not reached by a correct machine: yield to the loop and go on next tick. */
    schedule(t, 0);
    return 0;
}

static int schedule(struct transition *t, uint64_t delay_usec) {
    if (!t->timer)
        /* Accuracy 1 µs: the default 250 ms slack would dominate every wait. */
        return sd_event_add_time(t->event, &t->timer, CLOCK_MONOTONIC,
                                 monotonic_usec() + delay_usec, 1, on_tick, t);
    return timer_arm(t->timer, delay_usec);
}

int transition_start(struct transition *t, sd_event *event, const struct config *cfg,
                     enum vrrp_state target, const char *id, transition_done_fn on_done,
                     transition_superseded_fn superseded, transition_peer_gone_fn peer_gone,
                     void *userdata) {
    memset(t, 0, sizeof(*t));
    t->peer_gone = peer_gone;
    t->cfg = cfg;
    t->event = event;
    t->target = target;
    snprintf(t->id, sizeof(t->id), "%s", id);
    t->on_done = on_done;
    t->superseded = superseded;
    t->userdata = userdata;
    redis_conn_init(&t->local, &cfg->redis);
    redis_conn_init(&t->peer, &cfg->peer);
    t->peer_view.host = cfg->peer.host;
    t->peer_view.port = cfg->peer.port;
    t->start_usec = monotonic_usec();
    t->outcome = TRANSITION_RUNNING;
    go(t, STEP_SETTLE);
    return schedule(t, 0);
}

void transition_release(struct transition *t) {
    t->timer = sd_event_source_disable_unref(t->timer);
    redis_conn_close(&t->local);
    redis_conn_close(&t->peer);
}
