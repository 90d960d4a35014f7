/* Health decisions, pure: classify what Redis answered to a check, turn a run of
 * check results into a healthy/unhealthy state with rise/fall hysteresis, and gate
 * readiness on what is known of the peer. */
#ifndef RVA_HEALTH_H
#define RVA_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "redis_info.h"

/* How sure a failed check is. A refused connection after the server closed ours is
 * definitive (Redis is gone); a timeout or an error reply may pass. */
enum health_evidence { HEALTH_EVIDENCE_AMBIGUOUS, HEALTH_EVIDENCE_DEFINITIVE };

struct check_result {
    bool healthy;
    enum health_evidence evidence; /* for failures */
    enum redis_role role;
    char reason[300]; /* "ok role=master", "unhealthy: LOADING dataset", ... */
};

/* Classify the reply to PING: a status "PONG" is healthy; known error replies get a
 * short named reason (LOADING, BUSY, MASTERDOWN, auth); anything else is unhealthy
 * with the reply quoted. reply_type is a hiredis REDIS_REPLY_* value. */
void health_classify_ping(int reply_type, const char *text, struct check_result *out);

/* The hysteresis. The first result decides the state at once, so a restarted agent
 * does not report a healthy master as failed while it counts to `rise`. */
struct health_state {
    bool known;
    bool healthy;
    int ok_in_a_row;
    int failed_in_a_row;
};

/* Feed one result; returns true when the healthy/unhealthy state changed.
 * A definitive failure turns the state unhealthy at once, whatever `fall` says. */
bool health_update(struct health_state *state, const struct check_result *result, int rise,
                   int fall);

/* What readiness gating knows of the peer. */
struct peer_summary {
    bool reachable;
    enum redis_role role;
    long long keys; /* -1 when unknown */
    /* Neither answered nor refused since the agent started, and the start wait
     * ([check] empty_start_wait_ms) is not over: it may hold data we cannot see. */
    bool unseen_at_start;
    /* The peer is a master promoted from our replication history (its replid2 is
     * our replid): it is the successor, and took writes we do not have. */
    bool promoted_from_us;
    /* We are a master restarted without data the peer holds (restarted_without_data_of
     * in transition_plan.h): whatever its role, its data is the reference. */
    bool restarted_without_peer_data;
    /* We replicate from the peer and our stream has stalled (struct stall_watch):
     * stale data, even after the peer has gone silent. */
    bool replica_stalled;
    long long stalled_bytes; /* how far short of the peer's sampled offset */
    long stalled_ms;         /* how long after that sample */
};

/* Is a replica keeping up? A replica's link can read "up" while nothing flows: after
 * a partition heals, TCP may wait seconds before its next retransmission, and the
 * replica would take over with data missing. So the master's offset, sampled from a
 * poll of the peer, is compared with ours once judge_after has passed: still short
 * of it means the stream has stalled. The verdict stands until the next judgement
 * (a replica stalled when its master went silent holds stale data). */
struct stall_watch {
    long long sample_offset; /* -1: no sample pending */
    uint64_t sample_usec;
    bool stalled;
    long long behind_bytes;
    long behind_ms;
};

void stall_watch_init(struct stall_watch *s);

/* After a poll of the peer, answered at at_usec: take a sample of a master's offset,
 * unless one is pending. */
void stall_watch_sample(struct stall_watch *s, const struct redis_info *peer, uint64_t at_usec);

/* Judge a pending sample at least judge_after_usec old against our offset (from a
 * check later than the sample). Not a replica of the peer: never stalled. */
void stall_watch_judge(struct stall_watch *s, const struct redis_info *local, bool replica_of_peer,
                       uint64_t now_usec, uint64_t judge_after_usec);

/* True when the peer is a reachable master whose previous replication id is our
 * replication id and that took writes since: it was promoted from our history, so it
 * is our successor. Our id must be known: an unparsed one is empty, and so may the
 * peer's replid2 be. */
bool health_peer_promoted_from_us(const struct redis_info *local, bool peer_reachable,
                                  const struct redis_info *peer);

/* Fill the summary from the peer watch's view: its last INFO (peer), whether its last
 * poll was answered, and whether it has been seen since the agent started (peer_seen:
 * it answered, or refused the connection, so nothing there hides data). When
 * unreachable the role is the last one seen and the keys are -1. The start wait runs
 * for empty_start_wait_usec from started_usec. */
void health_summarize_peer(struct peer_summary *out, const struct redis_info *local,
                           bool peer_reachable, const struct redis_info *peer, bool peer_seen,
                           uint64_t now_usec, uint64_t started_usec,
                           uint64_t empty_start_wait_usec);

/* Readiness gating: whether a Redis that answers PING must still be reported
 * unhealthy because it has to catch up before it may hold the VIP:
 *  - it is loading;
 *  - it is a replica in a full sync, or with its link down, while the peer is a
 *    reachable master;
 *  - it is an empty master (no keys, restarted without data) while the peer, of
 *    either role, is reachable and has keys, or a master restarted with less than
 *    the peer on a history of its own (peer->restarted_without_peer_data): it must
 *    refill from the peer first;
 *  - it has no keys and the peer has not been seen since the agent started (a
 *    rebooted host whose network is not up yet): the peer may hold the data;
 *  - it is a master and the peer is a master promoted from its history (this node
 *    hung or was cut off, and was failed over): it must rejoin as a replica first.
 * When the peer is unreachable a running Redis is always ready, so that someone
 * holds the VIP. local_keys is -1 when unknown. Writes the reason when not ready. */
bool health_ready(const struct redis_info *local, long long local_keys,
                  const struct peer_summary *peer, char *reason, int reason_size);

#endif
