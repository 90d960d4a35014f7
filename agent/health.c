/* Health classification, hysteresis, and readiness gating. */
#include "health.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <string.h>

struct known_error {
    const char *prefix;
    const char *reason;
};

static const struct known_error known_errors[] = {
    { "LOADING", "LOADING dataset" },
    { "BUSY", "BUSY running a script or function" },
    { "MASTERDOWN", "MASTERDOWN link with master is down" },
    { "NOAUTH", "auth failed: NOAUTH authentication required" },
    { "WRONGPASS", "auth failed: WRONGPASS" },
    { "NOPERM", "auth failed: NOPERM user may not run PING" },
};

void health_classify_ping(int reply_type, const char *text, struct check_result *out) {
    out->evidence = HEALTH_EVIDENCE_AMBIGUOUS;
    if (!text)
        text = "";
    if (reply_type == REDIS_REPLY_STATUS && strcmp(text, "PONG") == 0) {
        out->healthy = true;
        snprintf(out->reason, sizeof(out->reason), "ok");
        return;
    }
    out->healthy = false;
    if (reply_type == REDIS_REPLY_ERROR) {
        for (size_t i = 0; i < sizeof(known_errors) / sizeof(known_errors[0]); i++) {
            size_t len = strlen(known_errors[i].prefix);
            if (strncmp(text, known_errors[i].prefix, len) == 0 &&
                (text[len] == ' ' || text[len] == '\0')) {
                snprintf(out->reason, sizeof(out->reason), "unhealthy: %s", known_errors[i].reason);
                return;
            }
        }
        snprintf(out->reason, sizeof(out->reason), "unhealthy: error reply to PING: %.200s", text);
        return;
    }
    snprintf(out->reason, sizeof(out->reason), "unhealthy: unexpected reply to PING: %.200s", text);
}

bool health_update(struct health_state *state, const struct check_result *result, int rise,
                   int fall) {
    bool before = state->healthy, was_known = state->known;
    if (result->healthy) {
        state->ok_in_a_row++;
        state->failed_in_a_row = 0;
    } else {
        state->failed_in_a_row++;
        state->ok_in_a_row = 0;
    }
    if (!state->known) {
        state->known = true;
        state->healthy = result->healthy;
    } else if (result->healthy && state->ok_in_a_row >= rise) {
        state->healthy = true;
    } else if (!result->healthy &&
               (state->failed_in_a_row >= fall || result->evidence == HEALTH_EVIDENCE_DEFINITIVE)) {
        state->healthy = false;
    }
    return !was_known || before != state->healthy;
}

bool health_ready(const struct redis_info *local, long long local_keys,
                  const struct peer_summary *peer, char *reason, int reason_size) {
    if (local->loading) {
        snprintf(reason, (size_t)reason_size, "unhealthy: LOADING dataset");
        return false;
    }
    if (!peer->reachable && peer->unseen_at_start && local_keys == 0) {
        snprintf(reason, (size_t)reason_size,
                 "unhealthy: no data, and the peer not seen since start (waiting for it)");
        return false;
    }
    if (local->role == REDIS_ROLE_REPLICA && peer->replica_stalled) {
        snprintf(reason, (size_t)reason_size,
                 "unhealthy: replication stalled: %lld bytes short of the master's offset of "
                 "%ld ms ago (the link reads up, nothing arrives)",
                 peer->stalled_bytes, peer->stalled_ms);
        return false;
    }
    /* Whatever the peer's role: an empty master beside a peer that holds keys, or
     * one restarted with less than the peer on a history of its own, lost data the
     * peer holds, and the peer's Redis, its replica, may be about to resync from it
     * (the sync guard cuts that off on the peer's side). */
    if (peer->reachable && local->role == REDIS_ROLE_MASTER &&
        ((local_keys == 0 && peer->keys > 0) || peer->restarted_without_peer_data)) {
        snprintf(reason, (size_t)reason_size,
                 "unhealthy: %s master while the peer is a %s with %lld keys "
                 "(must refill from it first)",
                 local_keys == 0 ? "empty" : "restarted", redis_role_to_string(peer->role),
                 peer->keys);
        return false;
    }
    if (!peer->reachable || peer->role != REDIS_ROLE_MASTER)
        return true;
    if (local->role == REDIS_ROLE_MASTER) {
        if (peer->promoted_from_us) {
            snprintf(reason, (size_t)reason_size,
                     "unhealthy: the peer was promoted from our history (failed over from us): "
                     "must rejoin it as a replica first");
            return false;
        }
        return true;
    }
    if (local->master_sync_in_progress) {
        snprintf(reason, (size_t)reason_size, "unhealthy: full sync from master in progress");
        return false;
    }
    if (!local->master_link_up) {
        snprintf(reason, (size_t)reason_size, "unhealthy: replica link to master is down");
        return false;
    }
    return true;
}

bool health_peer_promoted_from_us(const struct redis_info *local, bool peer_reachable,
                                  const struct redis_info *peer) {
    /* Only a successor that took writes since its promotion (its offset reached the
     * first byte of its own history) supersedes us. One that took none holds a prefix
     * of our history, as a node does that caught up from us and was promoted while we
     * kept the VIP: ours stays the reference, and it rejoins us as a replica. Its
     * offset also moves without clients: keys expiring there stream DELs, so an idle
     * successor with TTL-heavy data counts as one that took writes. */
    return peer_reachable && peer->role == REDIS_ROLE_MASTER && local->replid[0] &&
           strcmp(peer->replid2, local->replid) == 0 && peer->second_repl_offset > 0 &&
           peer->master_repl_offset >= peer->second_repl_offset;
}

void health_summarize_peer(struct peer_summary *out, const struct redis_info *local,
                           bool peer_reachable, const struct redis_info *peer, bool peer_seen,
                           uint64_t now_usec, uint64_t started_usec,
                           uint64_t empty_start_wait_usec) {
    out->reachable = peer_reachable;
    out->role = peer->role;
    out->keys = peer_reachable ? peer->keys : -1;
    out->promoted_from_us = health_peer_promoted_from_us(local, peer_reachable, peer);
    out->unseen_at_start = !peer_seen && now_usec - started_usec < empty_start_wait_usec;
}

void stall_watch_init(struct stall_watch *s) { *s = (struct stall_watch){ .sample_offset = -1 }; }

void stall_watch_sample(struct stall_watch *s, const struct redis_info *peer, uint64_t at_usec) {
    if (s->sample_offset >= 0 || peer->role != REDIS_ROLE_MASTER || peer->master_repl_offset < 0)
        return;
    s->sample_offset = peer->master_repl_offset;
    s->sample_usec = at_usec;
}

void stall_watch_judge(struct stall_watch *s, const struct redis_info *local, bool replica_of_peer,
                       uint64_t now_usec, uint64_t judge_after_usec) {
    if (!replica_of_peer) {
        stall_watch_init(s);
        return;
    }
    if (s->sample_offset < 0 || now_usec - s->sample_usec < judge_after_usec)
        return;
    long long ours = redis_info_data_offset(local);
    s->stalled = ours < s->sample_offset;
    s->behind_bytes = s->stalled ? s->sample_offset - ours : 0;
    s->behind_ms = (long)((now_usec - s->sample_usec) / 1000u);
    s->sample_offset = -1; /* the next poll takes a new one */
}
