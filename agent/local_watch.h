/* The daemon's continuous check of the local Redis: a check every interval_ms with
 * rise/fall hysteresis and readiness gating, over the shared asynchronous link, plus
 * event-driven crash detection: when the server's process is exiting, or the server
 * closes the link's connection (killed), health fails at once or the next check runs
 * at once instead of at the next interval. No call blocks: a
 * check is sent, and judged when its last reply (or its failure) arrives. */
#ifndef RVA_LOCAL_WATCH_H
#define RVA_LOCAL_WATCH_H

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "health.h"
#include "preference.h"
#include "process_watch.h"
#include "redis_info.h"
#include "redis_link.h"

struct local_watch;
/* Called after every check; `changed` when the healthy/unhealthy state flipped. */
typedef void (*local_watch_fn)(struct local_watch *lw, bool changed, void *userdata);
/* Asked at every check for what gating needs to know of the peer. */
typedef void (*peer_summary_fn)(struct peer_summary *out, void *userdata);

struct local_watch {
    const struct config *cfg;
    struct redis_link *link;
    sd_event_source *timer;

    struct health_state health;
    struct check_result last; /* the last check, gating applied */
    struct redis_info info;   /* valid when last answered INFO */
    bool info_valid;
    long long keys; /* -1 unless the peer is in view (gating, the sync guard) or unseen */
    unsigned long checks;
    int quick_rechecks; /* left after the server closed our connection */
    /* The server's process, watched for its exit: a SIGKILLed server with a large
     * data set closes its sockets only after the kernel has freed its memory. */
    struct process_watch process;
    bool process_asked; /* INFO server asked on this connection */
    /* With [keepalived] preference_file: the preference record, read at every check. */
    bool record_read;                /* the last check read it (present or not) */
    struct preference_record record; /* the last one read */
    char record_error[256];          /* why the last check could not read it; "" if it did */

    /* The check in flight (while replies are owed): its replies so far. */
    int replies_owed;
    struct peer_summary peer; /* as it was when the check was sent */
    struct check_result result;
    struct redis_info fresh;
    long long fresh_keys;
    bool fresh_record_read;
    struct preference_record fresh_record;
    char fresh_record_error[256];

    local_watch_fn on_check;
    peer_summary_fn peer_summary;
    void *userdata;
};

/* The first check runs after first_delay_usec, or earlier through
 * local_watch_check_soon(). */
int local_watch_start(struct local_watch *lw, sd_event *event, struct redis_link *link,
                      const struct config *cfg, uint64_t first_delay_usec, local_watch_fn on_check,
                      peer_summary_fn peer_summary, void *userdata);

/* Run the next check at once (e.g. the first, as soon as the peer has been seen). */
void local_watch_check_soon(struct local_watch *lw);

/* The link lost its connection (the daemon forwards the link's on_lost here). */
void local_watch_connection_lost(struct local_watch *lw);

void local_watch_stop(struct local_watch *lw);

#endif
