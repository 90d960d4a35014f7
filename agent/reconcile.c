/* Reconciliation decisions. */
#include "reconcile.h"

enum reconcile_action reconcile_decide(const struct reconcile_input *in) {
    if (!in->vip_known || in->transition_running || in->local_role == REDIS_ROLE_UNKNOWN)
        return RECONCILE_NONE;
    if (in->vip_here && in->local_role != REDIS_ROLE_MASTER)
        return RECONCILE_MASTER;
    if (!in->vip_here && in->local_role == REDIS_ROLE_MASTER && in->peer_reachable &&
        in->peer_role == REDIS_ROLE_MASTER && !in->peer_restarted_without_our_data)
        return RECONCILE_BACKUP;
    return RECONCILE_NONE;
}

enum reconcile_action reconcile_due(struct reconcile_timer *timer, const struct reconcile_input *in,
                                    uint64_t now_usec, uint64_t grace_usec, uint64_t *lasted_usec) {
    enum reconcile_action action = reconcile_decide(in);
    if (action != timer->seen) {
        timer->seen = action;
        timer->since_usec = now_usec;
        return RECONCILE_NONE;
    }
    /* An empty master (restarted without data) loses nothing by becoming a replica,
     * and one whose peer was promoted from its history must yield anyway: the sooner
     * either rejoins, the sooner it may hold the VIP again. No grace for them. */
    bool must_yield =
        action == RECONCILE_BACKUP && (in->local_keys == 0 || in->peer_promoted_from_us);
    if (action == RECONCILE_NONE || (!must_yield && now_usec - timer->since_usec < grace_usec))
        return RECONCILE_NONE;
    *lasted_usec = now_usec - timer->since_usec;
    reconcile_reset(timer);
    return action;
}

void reconcile_reset(struct reconcile_timer *timer) {
    timer->seen = RECONCILE_NONE; /* since_usec is read only for an action */
}

const char *reconcile_action_to_string(enum reconcile_action action) {
    static const char *const names[] = { "none", "MASTER", "BACKUP" };
    return names[action];
}
