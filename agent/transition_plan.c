/* Transition decisions. Offsets, replication ids and link state decide; never time. */
#include "transition_plan.h"

#include <stdio.h>
#include <string.h>

bool replicates_from_peer(const struct redis_info *local, const struct peer_view *peer) {
    return local->role == REDIS_ROLE_REPLICA && strcmp(local->master_host, peer->host) == 0 &&
           local->master_port == peer->port;
}

bool peer_history_continues_ours(const struct redis_info *local, const struct redis_info *peer) {
    long long ours = redis_info_data_offset(local);
    if (!local->replid[0] || ours < 0)
        return false;
    /* Same history, at or past our offset. */
    if (strcmp(peer->replid, local->replid) == 0 && peer->master_repl_offset >= ours)
        return true;
    /* The peer was promoted from our history after it had everything we have:
     * its previous id is ours and it switched ids past our offset. */
    if (strcmp(peer->replid2, local->replid) == 0 && peer->second_repl_offset > ours)
        return true;
    /* We were promoted from the peer's history and took no write since (a MASTER
     * superseded right after REPLICAOF NO ONE): what we hold is a prefix of its. */
    return local->role == REDIS_ROLE_MASTER && strcmp(local->replid2, peer->replid) == 0 &&
           local->second_repl_offset == ours + 1 && peer->master_repl_offset >= ours;
}

/* Either id of one is an id of the other: one history continues, or forked from, the
 * other's. An unset replid2 is all zeros and matches no replid. */
static bool histories_related(const struct redis_info *a, const struct redis_info *b) {
    return strcmp(a->replid, b->replid) == 0 || strcmp(a->replid, b->replid2) == 0 ||
           strcmp(a->replid2, b->replid) == 0;
}

bool restarted_without_data_of(const struct redis_info *node, const struct redis_info *other) {
    /* Other's data came through replication: it is a replica, or was promoted. A
     * master that never was (restarted itself, from its own snapshot) proves nothing
     * against node: a node that deleted keys since holds fewer, and is the reference. */
    bool other_replicated = other->role == REDIS_ROLE_REPLICA || other->second_repl_offset > 0;
    return node->role == REDIS_ROLE_MASTER && node->second_repl_offset < 0 && node->replid[0] &&
           other->replid[0] && other_replicated && node->keys >= 0 && other->keys > node->keys &&
           !histories_related(node, other);
}

bool promoted_from_peer_with_writes_since(const struct redis_info *local,
                                          const struct redis_info *peer) {
    /* second_repl_offset is the first byte of our own history: any offset at or past
     * it was written here after the fork. */
    return local->role == REDIS_ROLE_MASTER && peer->replid[0] &&
           strcmp(local->replid2, peer->replid) == 0 && local->second_repl_offset > 0 &&
           local->master_repl_offset >= local->second_repl_offset;
}

bool resync_would_lose_data(const struct redis_info *local, const struct peer_view *peer) {
    if (local->keys <= 0)
        return false;
    if (!peer->reachable || peer->info.role != REDIS_ROLE_MASTER)
        return true;
    return !peer_history_continues_ours(local, &peer->info);
}

bool replica_link_settled(const struct redis_info *local, const struct peer_view *peer) {
    return replicates_from_peer(local, peer) && local->master_link_up &&
           !local->master_sync_in_progress;
}

bool peer_may_still_take_our_writes(const struct redis_info *local, const struct peer_view *peer) {
    return !peer->reachable || peer->info.role != REDIS_ROLE_MASTER ||
           promoted_from_peer_with_writes_since(local, &peer->info);
}

bool peer_has_our_writes(const struct redis_info *local, const struct peer_view *peer) {
    return peer->reachable && peer->info.role == REDIS_ROLE_MASTER &&
           peer_history_continues_ours(local, &peer->info);
}

enum master_plan plan_master(const struct redis_info *local, const struct peer_view *peer,
                             char *why, size_t why_size) {
    if (!peer->reachable) {
        snprintf(why, why_size, "peer unreachable: nothing to catch up from");
        return MASTER_PLAN_PROMOTE_NOW;
    }
    if (peer->info.role != REDIS_ROLE_MASTER) {
        snprintf(why, why_size, "peer is a replica (of %s:%d): nothing to catch up from",
                 peer->info.master_host, peer->info.master_port);
        return MASTER_PLAN_PROMOTE_NOW;
    }
    if (restarted_without_data_of(&peer->info, local)) {
        snprintf(why, why_size,
                 "peer is a master restarted without our data (%lld keys on a new history, "
                 "we hold %lld): nothing to catch up from",
                 peer->info.keys, local->keys);
        return MASTER_PLAN_PROMOTE_NOW;
    }
    /* We are a master that continues the peer's history (we were promoted from it,
     * and it came back stale): it holds nothing we lack, and catching up from it
     * would discard what we took since. */
    if (local->role == REDIS_ROLE_MASTER && peer_history_continues_ours(&peer->info, local)) {
        snprintf(why, why_size,
                 "peer is a stale master whose history ours continues: "
                 "nothing to catch up from");
        return MASTER_PLAN_PROMOTE_NOW;
    }
    /* We took over from the peer and took writes since; the peer, back as a master on
     * the old history (a partition healed), holds at most a split brain's tail, which
     * its own BACKUP transition keeps in a snapshot. Catching up from it would
     * discard every write clients made since the failover. */
    if (promoted_from_peer_with_writes_since(local, &peer->info)) {
        snprintf(why, why_size,
                 "we were promoted from the peer's history at offset %lld and took writes "
                 "since (offset %lld): ours is the reference",
                 local->second_repl_offset - 1, local->master_repl_offset);
        return MASTER_PLAN_PROMOTE_NOW;
    }
    /* A master peer may hold writes we lack: whether we are its replica, a master
     * restarted empty, or the survivor of a split brain, its data is the reference. */
    snprintf(why, why_size, "peer is master at offset %lld, we are %s at offset %lld",
             peer->info.master_repl_offset, redis_role_to_string(local->role),
             redis_info_data_offset(local));
    return MASTER_PLAN_CATCH_UP;
}

enum backup_plan plan_backup(const struct redis_info *local, const struct peer_view *peer,
                             char *why, size_t why_size) {
    if (replicates_from_peer(local, peer)) {
        snprintf(why, why_size, "already a replica of the peer");
        return BACKUP_PLAN_ALREADY_REPLICA;
    }
    /* Told BACKUP beside a peer that lost our data (its agent, which would have
     * failed its health, may be down): keep ours, as the sync guard does. */
    if (peer->reachable && restarted_without_data_of(&peer->info, local)) {
        snprintf(why, why_size,
                 "peer is a master restarted without our data (%lld keys on a new history, "
                 "we hold %lld): holding ours, it must refill from us",
                 peer->info.keys, local->keys);
        return BACKUP_PLAN_HOLD;
    }
    /* Even when the peer does not answer: keepalived made us BACKUP because it hears
     * a MASTER, so the peer is up and its Redis is most likely a reconnect away (a
     * healed partition: VRRP resumes before our link does). Replicating at once
     * would throw away every write we took; the pause fences us just as well. */
    if (local->role == REDIS_ROLE_MASTER && local->keys > 0) {
        snprintf(why, why_size,
                 "we are master at offset %lld with %lld keys: wait for the "
                 "peer%s to take them",
                 local->master_repl_offset, local->keys, peer->reachable ? "" : " (unreachable)");
        return BACKUP_PLAN_WAIT_PEER;
    }
    if (!peer->reachable) {
        snprintf(why, why_size, "peer unreachable: replicate from it to fence this node");
        return BACKUP_PLAN_REPLICATE_NOW;
    }
    snprintf(why, why_size, "no writes of ours to hand over");
    return BACKUP_PLAN_REPLICATE_NOW;
}
