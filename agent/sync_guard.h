/* The sync guard: our Redis never replaces its data with the smaller dataset of a
 * peer restarted without it (no persistence, or an older snapshot). Such a peer
 * comes back as a master on a new history; our Redis, its replica, reconnects at
 * once and asks for a full sync that would wipe every key we hold (the hazard the
 * Redis documentation warns of for masters without persistence). No VIP moves for
 * it, so no transition runs: the guard watches for it at every check, maintenance
 * or not (it only ever keeps data). The peer's full-sync delay (diskless sync with
 * repl-diskless-sync-delay, 5 s by default) holds the sync back long enough for us
 * to cut it off with REPLICAOF NO ONE, which keeps our data. The peer then fails
 * its own health (restarted without the data its peer holds), keepalived moves the
 * VIP here, and it refills from us; until then neither reconcile nor a BACKUP
 * transition replicates from it (restarted_without_data_of()). */
#ifndef RVA_SYNC_GUARD_H
#define RVA_SYNC_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "redis_link.h"
#include "transition_plan.h"

/* True when our Redis, holding local_keys keys, replicates from the peer with its link
 * down (reconnecting, or waiting for a full sync) while the peer is a reachable
 * master restarted without our data (pure). `why` says so. */
bool sync_guard_must_refuse(const struct redis_info *local, long long local_keys,
                            const struct peer_view *peer, char *why, size_t why_size);

struct sync_guard {
    struct redis_link *link; /* to the local Redis */
    bool sending;            /* a REPLICAOF NO ONE in flight */
    int attempts;            /* REPLICAOF NO ONE sent since the guard last had no cause */
    char why[200];
};

void sync_guard_init(struct sync_guard *g, struct redis_link *link);

/* After every local check (outside transitions, which own replication): refuse the
 * sync when sync_guard_must_refuse() says so. */
void sync_guard_update(struct sync_guard *g, const struct redis_info *local, long long local_keys,
                       const struct peer_view *peer);

/* Cancel a command in flight (before the link goes). */
void sync_guard_stop(struct sync_guard *g);

#endif
