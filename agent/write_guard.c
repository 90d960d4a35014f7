/* The write guard: decide min-replicas-to-write from the peer's view, and set it on
 * the local Redis over the daemon's link when it changes. */
#include "write_guard.h"

#include <stdio.h>

#include "log.h"

int write_guard_min_replicas(const struct peer_watch *peer, char *why, size_t why_size) {
    if (peer->refused) {
        snprintf(why, why_size,
                 "the peer's Redis refused the connection: gone, writes need "
                 "no replica");
        return 0;
    }
    if (!peer->polled || !peer->reachable) {
        snprintf(why, why_size, "the peer is %s: it may still be alive, writes need a replica",
                 peer->polled ? "silent" : "not seen yet");
        return 1;
    }
    const struct redis_info *p = &peer->info;
    if (p->role == REDIS_ROLE_REPLICA && p->master_link_up && !p->master_sync_in_progress) {
        snprintf(why, why_size, "the peer is our replica in sync: writes need it");
        return 1;
    }
    snprintf(why, why_size, "the peer answers as a %s%s: in view, writes need no replica",
             redis_role_to_string(p->role),
             p->role != REDIS_ROLE_REPLICA ? ""
             : p->master_sync_in_progress  ? " in a full sync"
                                           : " with its link down");
    return 0;
}

void write_guard_init(struct write_guard *g, const struct config *cfg, struct redis_link *link) {
    g->cfg = cfg;
    g->link = link;
    g->applied = -1;
    g->sending = -1;
    g->why[0] = '\0';
}

static void on_config_set(const struct redis_result *result, void *userdata) {
    struct write_guard *g = userdata;
    int value = g->sending;
    g->sending = -1;
    if (result->status != REDIS_STATUS_OK) {
        log_error("write guard: CONFIG SET min-replicas-to-write %d failed: %s (trying again "
                  "at the next check)",
                  value, result->error);
        return;
    }
    g->applied = value;
    log_info("write guard: min-replicas-to-write %d (%s)", value, g->why);
}

void write_guard_update(struct write_guard *g, const struct peer_watch *peer) {
    if (g->sending >= 0)
        return;
    char why[sizeof(g->why)];
    int wanted;
    if (g->cfg->write_guard.enabled) {
        wanted = write_guard_min_replicas(peer, why, sizeof(why));
    } else if (g->applied > 0) {
        /* Turned off by a reload: lift what we set. Never touched otherwise, so an
         * operator's own min-replicas settings stay theirs. */
        wanted = 0;
        snprintf(why, sizeof(why), "the write guard was turned off");
    } else {
        return;
    }
    if (wanted == g->applied)
        return;
    snprintf(g->why, sizeof(g->why), "%s", why);
    g->sending = wanted;
    /* Both in one CONFIG SET (Redis 7 and later, Valkey): the lag is ours too. */
    if (redis_link_command(g->link, g, on_config_set, g,
                           "CONFIG SET min-replicas-to-write %d min-replicas-max-lag %d", wanted,
                           g->cfg->write_guard.max_lag_s) < 0)
        g->sending = -1;
}

void write_guard_forget(struct write_guard *g) { g->applied = -1; }

void write_guard_stop(struct write_guard *g) {
    if (g->link)
        redis_link_cancel(g->link, g);
    g->sending = -1;
}
