/* Reconciliation decisions. */
#include "reconcile.h"

enum reconcile_action reconcile_decide(const struct reconcile_input *in) {
    if (!in->vip_known || in->transition_running || in->local_role == REDIS_ROLE_UNKNOWN)
        return RECONCILE_NONE;
    if (in->vip_here && in->local_role != REDIS_ROLE_MASTER)
        return RECONCILE_MASTER;
    if (!in->vip_here && in->local_role == REDIS_ROLE_MASTER && in->peer_reachable &&
        in->peer_role == REDIS_ROLE_MASTER)
        return RECONCILE_BACKUP;
    return RECONCILE_NONE;
}

const char *reconcile_action_to_string(enum reconcile_action action) {
    static const char *const names[] = { "none", "MASTER", "BACKUP" };
    return names[action];
}
