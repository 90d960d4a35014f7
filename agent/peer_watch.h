/* A view of the peer Redis that never blocks the event loop: an asynchronous
 * connection polled with INFO replication every peer_interval_ms, each poll bounded
 * by the peer's connect + command timeouts. */
#ifndef RVA_PEER_WATCH_H
#define RVA_PEER_WATCH_H

#include <hiredis/async.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "redis_info.h"

struct peer_watch;
typedef void (*peer_watch_fn)(struct peer_watch *pw, void *userdata);

struct peer_watch {
    const struct redis_endpoint *endpoint;
    int interval_ms;
    sd_event *event;
    redisAsyncContext *ac;
    sd_event_source *poll_timer, *deadline_timer;
    bool in_flight;

    /* The view. */
    bool polled;              /* at least one poll has finished */
    bool reachable;           /* the last poll was answered */
    bool refused;             /* the last connect was refused: nothing listens there */
    uint64_t last_answer_usec;
    struct redis_info info;   /* from the last answer */
    struct redis_info pending; /* the poll in flight, until its last reply */
    char error[256];          /* why the last poll failed */

    peer_watch_fn on_update;  /* after every finished poll */
    void *userdata;
};

int peer_watch_start(struct peer_watch *pw, sd_event *event, const struct redis_endpoint *ep,
                     int interval_ms, peer_watch_fn on_update, void *userdata);
void peer_watch_stop(struct peer_watch *pw);

/* True when the view says the peer is gone: refused, or silent for longer than
 * `silent_ms` (or never answered since start once a poll finished). */
bool peer_watch_gone(const struct peer_watch *pw, int silent_ms);

#endif
