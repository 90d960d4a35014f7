/* The write guard, for pairs without a witness: the local Redis takes writes only
 * while a replica is in sync with it (Redis's own min-replicas-to-write and
 * min-replicas-max-lag), unless the peer's Redis is known to be gone. A master cut
 * off from its replica then stops taking writes within max_lag_s by itself, agent or
 * no agent, so a partition between the nodes cannot make it take writes that the
 * other side's takeover would throw away. The price: when the peer's host really
 * dies (silence, not a refusal), the survivor takes no writes until it is back. */
#ifndef RVA_WRITE_GUARD_H
#define RVA_WRITE_GUARD_H

#include <stdbool.h>

#include "config.h"
#include "peer_watch.h"
#include "redis_link.h"

/* min-replicas-to-write for the local Redis, from the view of the peer (pure):
 * 0 once its connection is refused (its host is up and nothing listens: a crashed
 * Redis, definitive), and while it answers but is not an in-sync replica (a refill,
 * a split brain the transitions resolve: it is in view); 1 while it is our in-sync
 * replica, and while it is silent or not yet seen (a dead host and a cut link look
 * alike). `why` names the reason for the log and status. */
int write_guard_min_replicas(const struct peer_watch *peer, char *why, size_t why_size);

struct write_guard {
    const struct config *cfg;
    struct redis_link *link; /* to the local Redis */
    int applied;             /* min-replicas-to-write last set; -1: unknown */
    int sending;             /* the value of the CONFIG SET in flight; -1: none */
    char why[200];           /* the reason for `applied` */
};

void write_guard_init(struct write_guard *g, const struct config *cfg, struct redis_link *link);

/* After every local check: set what the peer's view calls for, when it differs from
 * what is set. Unless [write_guard] enabled, does nothing (but lift what it set
 * before a reload turned it off). */
void write_guard_update(struct write_guard *g, const struct peer_watch *peer);

/* The local connection was lost: Redis may have restarted with its own config, so
 * the next update sets the guard again. */
void write_guard_forget(struct write_guard *g);

/* Cancel a CONFIG SET in flight (before the link goes). */
void write_guard_stop(struct write_guard *g);

#endif
