/* Split-brain detection. Replication ids and offsets say whether it is a failover
 * under way or two histories; the clock only confirms the former. */
#include "split_brain.h"

#include "transition_plan.h"

struct split_brain_report split_brain_update(struct split_brain *state,
                                             const struct split_brain_input *in,
                                             uint64_t now_usec) {
    struct split_brain_report report = { 0 };
    bool both_masters = in->local_answered && in->local->role == REDIS_ROLE_MASTER &&
                        in->peer_reachable && in->peer->role == REDIS_ROLE_MASTER;
    report.diverged = both_masters && !peer_history_continues_ours(in->local, in->peer) &&
                      !peer_history_continues_ours(in->peer, in->local);
    if (!both_masters || (!report.diverged && in->transition_running)) {
        report.ended = state->active;
        state->active = false;
        state->since_usec = 0;
        return report;
    }
    if (!state->since_usec)
        state->since_usec = now_usec;
    /* An active split brain whose histories stopped diverging stays active, unseen,
     * until the continuing one is confirmed too (or it ends). */
    if (!report.diverged && now_usec - state->since_usec < (uint64_t)SPLIT_BRAIN_CONFIRM_MS * 1000u)
        return report;
    report.seen = true;
    report.started = !state->active;
    report.log_due = !state->active ||
                     now_usec - state->logged_usec >= (uint64_t)SPLIT_BRAIN_LOG_EVERY_MS * 1000u;
    if (report.log_due)
        state->logged_usec = now_usec;
    state->active = true;
    return report;
}
