/* Reconciliation, pure: from whether the VIP is here and what the local and peer
 * Redis are, decide whether a transition is missing (a daemon restarted mid-way, a
 * lost notification, a node restarted empty). */
#ifndef RVA_RECONCILE_H
#define RVA_RECONCILE_H

#include <stdbool.h>

#include "redis_info.h"

enum reconcile_action { RECONCILE_NONE, RECONCILE_MASTER, RECONCILE_BACKUP };

struct reconcile_input {
    bool vip_known;             /* a VIP is configured and watched */
    bool vip_here;
    bool transition_running;
    enum redis_role local_role; /* unknown when the local Redis did not answer */
    bool peer_reachable;
    enum redis_role peer_role;
};

/* The action the situation calls for, ignoring how long it has lasted:
 * VIP here and the local Redis not master -> MASTER; VIP elsewhere, the local Redis
 * master and the peer a reachable master (so someone else takes writes) -> BACKUP.
 * Without that last condition two nodes with no VIP anywhere would demote each other. */
enum reconcile_action reconcile_decide(const struct reconcile_input *in);

const char *reconcile_action_to_string(enum reconcile_action action);

#endif
