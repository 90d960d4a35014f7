/* A view of the peer Redis: INFO replication and INFO keyspace every
 * peer_interval_ms over the shared asynchronous link to the peer, each poll bounded
 * by the link's connect and command deadlines. */
#ifndef RVA_PEER_WATCH_H
#define RVA_PEER_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "redis_info.h"
#include "redis_link.h"

struct peer_watch;
typedef void (*peer_watch_fn)(struct peer_watch *pw, void *userdata);

struct peer_watch {
    int interval_ms;
    struct redis_link *link;
    sd_event_source *poll_timer;
    bool in_flight;
    uint64_t sent_usec; /* when the poll in flight was sent */

    /* The view. */
    bool polled;    /* at least one poll has finished */
    bool reachable; /* the last poll was answered */
    bool refused;   /* the last connect was refused: nothing listens there */
    uint64_t last_answer_usec;
    struct redis_info info;    /* from the last answer */
    struct redis_info pending; /* the poll in flight, until its last reply */
    bool pending_failed;
    char error[256]; /* why the last poll failed */

    peer_watch_fn on_update; /* after every finished poll */
    void *userdata;
};

int peer_watch_start(struct peer_watch *pw, sd_event *event, struct redis_link *link,
                     int interval_ms, peer_watch_fn on_update, void *userdata);
void peer_watch_stop(struct peer_watch *pw);

/* True when the view says the peer is gone, with the reason: its last connect was
 * refused, its last poll failed, a poll has been unanswered for longer than
 * silent_ms (an answer on a LAN takes well under a millisecond), or it has not
 * answered for longer than one interval plus silent_ms. False before the first
 * poll finished: no evidence either way. */
bool peer_watch_gone(const struct peer_watch *pw, int silent_ms, char *why, size_t why_size);

#endif
