/* Split-brain detection, pure: from what the last checks saw of the two Redis (both
 * masters? on diverged histories?) and whether a transition runs here, decide when a
 * split brain starts, is still on, and is over, and when to log it. The caller logs
 * and keeps the wall-clock time for status. */
#ifndef RVA_SPLIT_BRAIN_H
#define RVA_SPLIT_BRAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "redis_info.h"

/* Both nodes must look like masters this long before it is called a split brain:
 * a failover passes through a few milliseconds of it. */
#define SPLIT_BRAIN_CONFIRM_MS 1000
/* While it lasts, the error line is repeated this often. */
#define SPLIT_BRAIN_LOG_EVERY_MS 10000

/* Zero-initialised is "no split brain". The monotonic clock is never 0 on a running
 * system, so since_usec 0 means "not both masters". */
struct split_brain {
    bool active;          /* confirmed, and not over yet */
    uint64_t since_usec;  /* when both were first seen as masters, 0 if not */
    uint64_t logged_usec; /* when the error line was last due */
};

/* What the last checks saw. An info is read only when its flag says it is valid. */
struct split_brain_input {
    bool local_answered; /* the local Redis answered INFO: `local` is valid */
    const struct redis_info *local;
    bool peer_reachable; /* the peer answered its last poll: `peer` is valid */
    const struct redis_info *peer;
    bool transition_running; /* a transition runs here */
};

/* What the caller must do after an update. */
struct split_brain_report {
    bool seen;     /* a split brain now: record the wall-clock time for status */
    bool started;  /* just confirmed: log "split brain: both nodes are masters" */
    bool ended;    /* just over: log "split brain over: one master again" */
    bool log_due;  /* log the error line with both offsets (at the start, then every
                    * SPLIT_BRAIN_LOG_EVERY_MS) */
    bool diverged; /* the two masters are on diverged histories: each took writes the
                    * other lacks */
};

/* Step the detection with one observation. Both masters on diverged histories is a
 * split brain at once, whatever is running. When one master's history continues the
 * other's it is a failover under way, and a split brain only once it has lasted
 * SPLIT_BRAIN_CONFIRM_MS with no transition running here; a transition starting
 * restarts that wait. Not both masters, or a transition running while one history
 * continues the other, ends it. */
struct split_brain_report split_brain_update(struct split_brain *state,
                                             const struct split_brain_input *in, uint64_t now_usec);

#endif
