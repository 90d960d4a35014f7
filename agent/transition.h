/* The MASTER / BACKUP / FAULT / STOP transition: a state machine stepped by sd-event.
 * Each step issues a command or polls a condition with a deadline; a newer
 * notification stops it at its next step. The same code runs inline for `notify`
 * and inside the daemon. */
#ifndef RVA_TRANSITION_H
#define RVA_TRANSITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "clock.h"
#include "config.h"
#include "notification.h"
#include "redis_conn.h"
#include "redis_info.h"
#include "transition_plan.h"

enum transition_step {
    STEP_SETTLE,             /* operator's master_delay_ms / backup_delay_ms */
    STEP_OBSERVE,            /* INFO on both servers, then plan */
    /* MASTER */
    STEP_REPLICATE_FROM_PEER,
    STEP_WAIT_LINK,          /* link up, no sync running */
    STEP_PAUSE_PEER,         /* CLIENT PAUSE WRITE on the peer, read its final offset */
    STEP_WAIT_OFFSET,        /* our offset reaches the peer's */
    STEP_PROMOTE,            /* REPLICAOF NO ONE */
    STEP_VERIFY_MASTER,      /* role:master */
    /* BACKUP (and FAULT/STOP with fence_on_fault) */
    STEP_FENCE_LOCAL,        /* CLIENT PAUSE WRITE here so our offset stops moving */
    STEP_WAIT_PEER_TAKES_WRITES,
    STEP_PREPARE_REPLICATE,  /* snapshot first if the resync would lose data */
    STEP_REPLICATE_PEER,     /* REPLICAOF peer: read-only from here on */
    /* shared */
    STEP_SNAPSHOT_START,
    STEP_SNAPSHOT_WAIT,
};

enum transition_outcome {
    TRANSITION_RUNNING,
    TRANSITION_OK,
    TRANSITION_FAILED,
    TRANSITION_SUPERSEDED,
};

struct transition;
typedef void (*transition_done_fn)(struct transition *t, void *userdata);
/* Asked before every step: true when a newer notification has arrived. */
typedef bool (*transition_superseded_fn)(void *userdata);

/* Optional: true (with the reason) when a continuous observer already knows the peer
 * is gone, so the transition need not ask it. */
typedef bool (*transition_peer_gone_fn)(void *userdata, char *why, size_t why_size);

struct transition {
    const struct config *cfg;
    sd_event *event;
    enum vrrp_state target;
    char id[40];
    transition_done_fn on_done;
    transition_superseded_fn superseded;
    transition_peer_gone_fn peer_gone;
    void *userdata;

    struct redis_conn local, peer;
    sd_event_source *timer;

    enum transition_step step;
    enum transition_step after_snapshot;
    bool waiting;            /* the current step has begun its wait */
    char wait_what[96];
    uint64_t start_usec, wait_start_usec, wait_deadline_usec, catchup_deadline_usec;
    uint64_t next_poll_usec; /* delay before the current step runs again */
    struct redis_info local_info;
    struct peer_view peer_view;
    long long target_offset;
    bool paused_peer, paused_local, promoted, switched, snapshot_taken;

    enum transition_outcome outcome;
    char summary[1024];      /* "MASTER: peer ... master offset=...; REPLICAOF peer; ..." */
    char error[300];
    uint64_t duration_usec;
};

/* Start a transition on `event`; on_done is called once it ends (any outcome), from
 * the event loop. Returns 0 or a negative errno. */
int transition_start(struct transition *t, sd_event *event, const struct config *cfg,
                     enum vrrp_state target, const char *id, transition_done_fn on_done,
                     transition_superseded_fn superseded, transition_peer_gone_fn peer_gone,
                     void *userdata);

/* Release connections and the timer (after on_done, or to abandon it). */
void transition_release(struct transition *t);

const char *transition_outcome_to_string(enum transition_outcome outcome);

#endif
