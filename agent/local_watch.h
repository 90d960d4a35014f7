/* The daemon's continuous check of the local Redis: a check every interval_ms with
 * rise/fall hysteresis and readiness gating, plus event-driven crash detection: the
 * idle connection is watched by the event loop, so a server that closes it (killed)
 * is re-checked at once instead of at the next interval. */
#ifndef RVA_LOCAL_WATCH_H
#define RVA_LOCAL_WATCH_H

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "health.h"
#include "redis_conn.h"
#include "redis_info.h"

struct local_watch;
/* Called after every check; `changed` when the healthy/unhealthy state flipped. */
typedef void (*local_watch_fn)(struct local_watch *lw, bool changed, void *userdata);
/* Asked at every check for what gating needs to know of the peer. */
typedef void (*peer_summary_fn)(struct peer_summary *out, void *userdata);

struct local_watch {
    const struct config *cfg;
    sd_event *event;
    struct redis_conn conn;
    sd_event_source *timer, *fd_watch;

    struct health_state health;
    struct check_result last;   /* the last check, gating applied */
    struct redis_info info;     /* valid when last answered INFO */
    bool info_valid;
    long long keys;             /* -1 unless gating needed it */
    unsigned long checks;
    int quick_rechecks;         /* left after the server closed our connection */

    local_watch_fn on_check;
    peer_summary_fn peer_summary;
    void *userdata;
};

/* The first check runs after first_delay_usec, or earlier through
 * local_watch_check_soon(). */
int local_watch_start(struct local_watch *lw, sd_event *event, const struct config *cfg,
                      uint64_t first_delay_usec, local_watch_fn on_check,
                      peer_summary_fn peer_summary, void *userdata);

/* Run the next check at once (e.g. the first, as soon as the peer has been seen). */
void local_watch_check_soon(struct local_watch *lw);
void local_watch_stop(struct local_watch *lw);

#endif
