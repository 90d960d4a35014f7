/* The sync guard: see sync_guard.h. */
#include "sync_guard.h"

#include <stdio.h>

#include "log.h"

bool sync_guard_must_refuse(const struct redis_info *local, long long local_keys,
                            const struct peer_view *peer, char *why, size_t why_size) {
    /* Link down: our Redis is reconnecting, in the handshake (a full sync the master
     * delays shows nowhere else on our side) or receiving the payload. Until that
     * arrives, INFO still counts our old keys, and our replid is the old master's. */
    if (local->master_link_up || !replicates_from_peer(local, peer) || !peer->reachable)
        return false;
    struct redis_info ours = *local;
    ours.keys = local_keys;
    if (!restarted_without_data_of(&peer->info, &ours))
        return false;
    snprintf(why, why_size,
             "a full sync from the peer, a master restarted without our data (%lld keys on a "
             "new history), would wipe our %lld keys",
             peer->info.keys, local_keys);
    return true;
}

void sync_guard_init(struct sync_guard *g, struct redis_link *link) {
    *g = (struct sync_guard){ .link = link };
}

static void on_replicaof(const struct redis_result *result, void *userdata) {
    struct sync_guard *g = userdata;
    g->sending = false;
    if (result->status != REDIS_STATUS_OK) {
        if (g->attempts == 1)
            log_error("sync guard: REPLICAOF NO ONE failed: %s (trying again at every check)",
                      result->error);
        return;
    }
    log_state("sync guard: REPLICAOF NO ONE: refused %s; our data stays, and the peer must "
              "refill from it",
              g->why);
}

void sync_guard_update(struct sync_guard *g, const struct redis_info *local, long long local_keys,
                       const struct peer_view *peer) {
    if (g->sending)
        return;
    if (!sync_guard_must_refuse(local, local_keys, peer, g->why, sizeof(g->why))) {
        g->attempts = 0;
        return;
    }
    /* The first attempt of an episode is logged, and its failure once: a Redis that
     * keeps refusing would otherwise fill the log at every check. */
    if (g->attempts++ == 0)
        log_error("sync guard: %s: cutting the sync off", g->why);
    g->sending = true;
    if (redis_link_command(g->link, g, on_replicaof, g, "REPLICAOF NO ONE") < 0)
        g->sending = false;
}

void sync_guard_stop(struct sync_guard *g) {
    if (g->link)
        redis_link_cancel(g->link, g);
    g->sending = false;
}
