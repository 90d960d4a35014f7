/* The MASTER / BACKUP / FAULT / STOP transition: a state machine stepped by sd-event,
 * like Sentinel's failover. A step issues its commands over the shared asynchronous
 * links and returns; the step runs again when every answer has arrived, or polls
 * again after poll_interval_ms. No step ever blocks. Every wait has a name and a
 * deadline, and the links bound every command. The same code runs in the daemon and
 * for an inline `notify` (on its own loop and links). */
#ifndef RVA_TRANSITION_H
#define RVA_TRANSITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "notification.h"
#include "redis_link.h"

enum transition_outcome {
    TRANSITION_RUNNING,
    TRANSITION_OK,
    TRANSITION_FAILED,
    TRANSITION_SUPERSEDED,
};

struct transition_result {
    char id[40];
    enum vrrp_state target;
    enum transition_outcome outcome;
    char summary[1024]; /* "MASTER: peer ... master offset=...; REPLICAOF peer; ..." */
    char error[300];
    uint64_t duration_usec;
};

struct transition_hooks {
    /* Once, from the loop, whatever the outcome; may free the transition. */
    void (*done)(const struct transition_result *result, void *userdata);
    /* Optional, asked before every step: true when a newer notification has arrived
     * by a way the transition cannot be told of (inline notify's run_dir files). */
    bool (*superseded)(void *userdata);
    /* Optional: true (with the reason) when a continuous observer already knows the
     * peer is gone, so the transition need not ask it. */
    bool (*peer_gone)(void *userdata, char *why, size_t why_size);
    void *userdata;
};

struct transition;

/* Start a transition; its first step runs from the loop. SIGCHLD must be blocked (a
 * snapshot is copied in a child process). Returns 0 and *out, or a negative errno. */
int transition_start(struct transition **out, sd_event *event, const struct config *cfg,
                     struct redis_link *local, struct redis_link *peer, enum vrrp_state target,
                     const char *id, const struct transition_hooks *hooks);

/* Stop it now, even mid-command: its outstanding answers are forgotten, its fences
 * released, and done() runs from the loop with TRANSITION_SUPERSEDED. */
void transition_cancel(struct transition *t);

/* The result so far (outcome TRANSITION_RUNNING until done). */
const struct transition_result *transition_result(const struct transition *t);

/* Free it (after done(), or to abandon it at shutdown: done() is then not called). */
void transition_free(struct transition *t);

const char *transition_outcome_to_string(enum transition_outcome outcome);

#endif
