/* Reconciliation, pure: from whether the VIP is here and what the local and peer
 * Redis are, decide whether a transition is missing (a daemon restarted mid-way, a
 * lost notification, a node restarted empty), and once it has been missing long
 * enough, that it is due. */
#ifndef RVA_RECONCILE_H
#define RVA_RECONCILE_H

#include <stdbool.h>
#include <stdint.h>

#include "redis_info.h"

enum reconcile_action { RECONCILE_NONE, RECONCILE_MASTER, RECONCILE_BACKUP };

struct reconcile_input {
    bool vip_known; /* a VIP is configured and watched */
    bool vip_here;
    bool transition_running;    /* one runs, or a notification waits for it to stop */
    enum redis_role local_role; /* unknown when the local Redis did not answer */
    long long local_keys;       /* -1 when unknown, 0 when empty */
    bool peer_reachable;
    enum redis_role peer_role;
    bool peer_promoted_from_us; /* health_peer_promoted_from_us() */
    /* restarted_without_data_of(peer, local): a BACKUP would replicate from it. */
    bool peer_restarted_without_our_data;
};

/* The action the situation calls for, ignoring how long it has lasted:
 * VIP here and the local Redis not master -> MASTER; VIP elsewhere, the local Redis
 * master and the peer a reachable master (so someone else takes writes) -> BACKUP.
 * Without that last condition two nodes with no VIP anywhere would demote each other.
 * Never BACKUP beside a peer restarted without our data: we hold what it lost. */
enum reconcile_action reconcile_decide(const struct reconcile_input *in);

/* How long the same action has been called for. Zero-initialised is the start state. */
struct reconcile_timer {
    enum reconcile_action seen; /* what the last check called for */
    uint64_t since_usec;        /* since when */
};

/* Step the timer with one check's situation. Returns the action once the situation
 * has called for it for grace_usec (its notification may still be on the way), and
 * writes how long that was into lasted_usec; then the timer starts over. A BACKUP
 * that must yield is due without grace: the local Redis is empty, or the peer was
 * promoted from its history. Any other result is RECONCILE_NONE, and a change of
 * action starts the grace again, so the first check of an action never returns it. */
enum reconcile_action reconcile_due(struct reconcile_timer *timer, const struct reconcile_input *in,
                                    uint64_t now_usec, uint64_t grace_usec, uint64_t *lasted_usec);

/* Start over: a notification arrived, so keepalived has spoken for itself. */
void reconcile_reset(struct reconcile_timer *timer);

const char *reconcile_action_to_string(enum reconcile_action action);

#endif
