/* The decisions of a role transition, pure functions of what was observed on the two
 * Redis servers, so every branch is unit-tested with tables. transition.c does the I/O. */
#ifndef RVA_TRANSITION_PLAN_H
#define RVA_TRANSITION_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "redis_info.h"

/* What a node that is becoming MASTER does first. */
enum master_plan {
    MASTER_PLAN_PROMOTE_NOW, /* nothing to catch up from: peer down, a replica, stale, or
                                restarted without our data */
    MASTER_PLAN_CATCH_UP,    /* peer is a master: replicate from it until level, then promote */
};

/* What a node that is becoming BACKUP waits for before it replicates from the peer. */
enum backup_plan {
    BACKUP_PLAN_ALREADY_REPLICA, /* already replicating from the peer: nothing to do */
    BACKUP_PLAN_WAIT_PEER,       /* we are a master with writes: let the peer take them first */
    BACKUP_PLAN_REPLICATE_NOW,   /* nothing of ours to hand over (or the peer is unreachable) */
    BACKUP_PLAN_HOLD, /* the peer restarted without our data: replicating would wipe ours */
};

struct peer_view {
    bool reachable;
    const char *host; /* as configured, the name REPLICAOF uses */
    int port;
    struct redis_info info; /* valid when reachable */
};

/* Decide the MASTER path; writes a short reason for the log into why. */
enum master_plan plan_master(const struct redis_info *local, const struct peer_view *peer,
                             char *why, size_t why_size);

enum backup_plan plan_backup(const struct redis_info *local, const struct peer_view *peer,
                             char *why, size_t why_size);

/* True when `local` replicates from the peer's configured address. */
bool replicates_from_peer(const struct redis_info *local, const struct peer_view *peer);

/* True when the peer's replication history continues ours, so that replicating from
 * it keeps every write we hold (a partial resync, or a full one of a superset). */
bool peer_history_continues_ours(const struct redis_info *local, const struct redis_info *peer);

/* True when switching to replicate from the peer could discard data only we hold:
 * we have keys and the peer's history cannot be shown to continue ours. */
bool resync_would_lose_data(const struct redis_info *local, const struct peer_view *peer);

/* True when a replica's link to the peer is up and no sync is running. */
bool replica_link_settled(const struct redis_info *local, const struct peer_view *peer);

/* True when `node` is a master restarted without part of the data `other` holds: on a
 * history of its own (a fresh replication id, never promoted since its start: no
 * second offset), unrelated to other's, with fewer keys (both counts known), while
 * other holds data it replicated (a replica, or promoted). A full sync from node
 * would replace other's data with less. Keys alone would mistake a master that
 * flushed its data (same history) for one restarted empty, and miss one restarted
 * empty that took a few writes since. */
bool restarted_without_data_of(const struct redis_info *node, const struct redis_info *other);

/* True when we are a master promoted from the peer's history (our replid2 is its
 * replid) that has taken writes since: after a healed partition, the successor. */
bool promoted_from_peer_with_writes_since(const struct redis_info *local,
                                          const struct redis_info *peer);

/* True while waiting can still end with the peer holding our writes: it is a
 * replica (of us, catching up before its promotion), it does not answer (yet), or it
 * is the master we took over from, which as MASTER catches up from us. Any other
 * master on another history never will. */
bool peer_may_still_take_our_writes(const struct redis_info *local, const struct peer_view *peer);

/* True when the peer, seen as master, has taken every write we hold. */
bool peer_has_our_writes(const struct redis_info *local, const struct peer_view *peer);

#endif
