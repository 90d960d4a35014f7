/* Unit tests for transition_plan.c: every decision of a transition as a table of
 * named cases, built from what INFO reports on the two servers (replication ids,
 * offsets, keys, the replica's master), so that each case reads like a situation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "transition_plan.h"

#define LOCAL_HOST "192.0.2.11"
#define PEER_HOST  "192.0.2.12"
#define PORT       6379

/* Replication ids as INFO prints them; NONE is what Redis shows for "no replid2". */
#define REPLID_A    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define REPLID_B    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define REPLID_C    "cccccccccccccccccccccccccccccccccccccccc"
#define REPLID_NONE "0000000000000000000000000000000000000000"

/* What INFO says about one server, in the few fields the decisions read. */
struct node {
    enum redis_role role;
    const char *master_host; /* replicas only */
    int master_port;
    const char *replid;
    long long offset; /* master_repl_offset of a master, slave_repl_offset of a replica */
    const char *replid2;
    long long second_repl_offset;
    long long keys;
};

#define MASTER(replid_, offset_, keys_)                                      \
    {                                                                        \
        .role = REDIS_ROLE_MASTER, .replid = (replid_), .offset = (offset_), \
        .replid2 = REPLID_NONE, .second_repl_offset = -1, .keys = (keys_)    \
    }
/* A master promoted at `promoted_at` from history `old_replid` (REPLICAOF NO ONE). */
#define PROMOTED(replid_, offset_, old_replid_, promoted_at_, keys_)                        \
    {                                                                                       \
        .role = REDIS_ROLE_MASTER, .replid = (replid_), .offset = (offset_),                \
        .replid2 = (old_replid_), .second_repl_offset = (promoted_at_) + 1, .keys = (keys_) \
    }
#define REPLICA_OF(host_, port_, replid_, offset_, keys_)                           \
    {                                                                               \
        .role = REDIS_ROLE_REPLICA, .master_host = (host_), .master_port = (port_), \
        .replid = (replid_), .offset = (offset_), .replid2 = REPLID_NONE,           \
        .second_repl_offset = -1, .keys = (keys_)                                   \
    }
/* The local node replicating from the peer, and the peer replicating from us. */
#define LOCAL_REPLICA(replid_, offset_, keys_) REPLICA_OF(PEER_HOST, PORT, replid_, offset_, keys_)
#define PEER_REPLICA(replid_, offset_, keys_)  REPLICA_OF(LOCAL_HOST, PORT, replid_, offset_, keys_)

static struct redis_info info_of(const struct node *node) {
    struct redis_info info;
    memset(&info, 0, sizeof(info));
    info.role = node->role;
    snprintf(info.replid, sizeof(info.replid), "%s", node->replid ? node->replid : "");
    snprintf(info.replid2, sizeof(info.replid2), "%s", node->replid2 ? node->replid2 : "");
    info.second_repl_offset = node->second_repl_offset;
    info.keys = node->keys;
    if (node->role == REDIS_ROLE_REPLICA) {
        snprintf(info.master_host, sizeof(info.master_host), "%s", node->master_host);
        info.master_port = node->master_port;
        info.master_link_up = true;
        info.slave_repl_offset = node->offset;
        info.master_repl_offset = node->offset;
    } else {
        info.slave_repl_offset = -1;
        info.master_repl_offset = node->offset;
    }
    return info;
}

/* The peer as configured; when unreachable, `node` is what was last seen of it. */
static struct peer_view peer_of(bool reachable, const struct node *node) {
    struct peer_view peer;
    memset(&peer, 0, sizeof(peer));
    peer.reachable = reachable;
    peer.host = PEER_HOST;
    peer.port = PORT;
    peer.info = info_of(node);
    return peer;
}

#define REACHABLE   true
#define UNREACHABLE false

/* ---- plan_master ---- */

struct master_case {
    struct node local;
    bool peer_reachable;
    struct node peer;
    enum master_plan expected;
};

static const struct master_case peer_unreachable_promotes_now = { LOCAL_REPLICA(REPLID_A, 100, 10),
                                                                  UNREACHABLE,
                                                                  MASTER(REPLID_A, 150, 10),
                                                                  MASTER_PLAN_PROMOTE_NOW };
static const struct master_case peer_unreachable_promotes_an_empty_master_now = {
    MASTER(REPLID_B, 0, 0), UNREACHABLE, MASTER(REPLID_A, 150, 10), MASTER_PLAN_PROMOTE_NOW
};
static const struct master_case peer_replica_promotes_now = { MASTER(REPLID_A, 100, 10), REACHABLE,
                                                              PEER_REPLICA(REPLID_A, 100, 10),
                                                              MASTER_PLAN_PROMOTE_NOW };
static const struct master_case peer_replica_promotes_a_replica_now = {
    LOCAL_REPLICA(REPLID_A, 100, 10), REACHABLE, PEER_REPLICA(REPLID_A, 100, 10),
    MASTER_PLAN_PROMOTE_NOW
};
static const struct master_case peer_master_is_caught_up_with_by_its_replica = {
    LOCAL_REPLICA(REPLID_A, 100, 10), REACHABLE, MASTER(REPLID_A, 150, 12), MASTER_PLAN_CATCH_UP
};
static const struct master_case peer_master_is_caught_up_with_by_an_empty_master = {
    MASTER(REPLID_B, 0, 0), REACHABLE, MASTER(REPLID_A, 150, 12), MASTER_PLAN_CATCH_UP
};
/* Our master restarted without its data before we were promoted (a fresh history,
 * fewer keys): a full sync from it would wipe us. */
static const struct master_case restarted_peer_is_not_caught_up_with_by_its_replica = {
    LOCAL_REPLICA(REPLID_A, 100, 10), REACHABLE, MASTER(REPLID_B, 30, 3), MASTER_PLAN_PROMOTE_NOW
};
static const struct master_case restarted_peer_is_caught_up_with_by_an_empty_node = {
    LOCAL_REPLICA(REPLID_A, 0, 0), REACHABLE, MASTER(REPLID_B, 0, 0), MASTER_PLAN_CATCH_UP
};
static const struct master_case peer_master_is_caught_up_with_after_a_split_brain = {
    MASTER(REPLID_B, 500, 20), REACHABLE, MASTER(REPLID_A, 150, 12), MASTER_PLAN_CATCH_UP
};
/* We were promoted from the peer's history and it came back a stale master: catching
 * up from it would discard what we took since. */
static const struct master_case
    stale_peer_master_whose_history_we_continue_is_not_caught_up_with = {
        PROMOTED(REPLID_B, 200, REPLID_A, 100, 12), REACHABLE, MASTER(REPLID_A, 100, 10),
        MASTER_PLAN_PROMOTE_NOW
    };
/* A partition healed: we took over from the peer and took writes since, while the
 * peer, isolated, stayed master and moved on (pings to its lost replica, or a split
 * brain's writes). Our history is the reference. */
static const struct master_case successor_with_writes_is_not_caught_up_with_by_its_predecessor = {
    PROMOTED(REPLID_B, 200, REPLID_A, 100, 12), REACHABLE, MASTER(REPLID_A, 150, 11),
    MASTER_PLAN_PROMOTE_NOW
};
/* Promoted, but nothing written since: the peer's tail is the only new data. */
static const struct master_case successor_without_writes_catches_up_with_a_peer_that_moved_on = {
    PROMOTED(REPLID_B, 100, REPLID_A, 100, 10), REACHABLE, MASTER(REPLID_A, 180, 12),
    MASTER_PLAN_CATCH_UP
};

static void run_master_case(void **state) {
    const struct master_case *c = *state;
    struct redis_info local = info_of(&c->local);
    struct peer_view peer = peer_of(c->peer_reachable, &c->peer);
    char why[256] = "";
    enum master_plan plan = plan_master(&local, &peer, why, sizeof(why));
    if (plan != c->expected)
        print_error("plan %d (%s), expected %d\n", plan, why, c->expected);
    assert_int_equal(plan, c->expected);
    assert_true(why[0] != '\0');
}

#define MASTER_CASE_TEST(c) \
    { .name = "test_plan_master_" #c, .test_func = run_master_case, .initial_state = (void *)&(c) }

static void test_plan_master_reason_names_both_offsets(void **state) {
    (void)state;
    const struct node local_node = LOCAL_REPLICA(REPLID_A, 100, 10);
    const struct node peer_node = MASTER(REPLID_A, 150, 12);
    struct redis_info local = info_of(&local_node);
    local.master_repl_offset = 90; /* a replica is measured by what it processed */
    struct peer_view peer = peer_of(REACHABLE, &peer_node);
    char why[256];
    assert_int_equal(plan_master(&local, &peer, why, sizeof(why)), MASTER_PLAN_CATCH_UP);
    assert_string_equal(why, "peer is master at offset 150, we are replica at offset 100");
}

static void test_plan_master_reason_names_the_peer_replicas_master(void **state) {
    (void)state;
    const struct node local_node = MASTER(REPLID_A, 100, 10);
    const struct node peer_node = PEER_REPLICA(REPLID_A, 100, 10);
    struct redis_info local = info_of(&local_node);
    struct peer_view peer = peer_of(REACHABLE, &peer_node);
    char why[256];
    assert_int_equal(plan_master(&local, &peer, why, sizeof(why)), MASTER_PLAN_PROMOTE_NOW);
    assert_string_equal(why,
                        "peer is a replica (of " LOCAL_HOST ":6379): nothing to catch up from");
}

/* ---- plan_backup ---- */

struct backup_case {
    struct node local;
    bool peer_reachable;
    struct node peer;
    enum backup_plan expected;
};

static const struct backup_case replica_of_the_peer_does_nothing = {
    LOCAL_REPLICA(REPLID_A, 100, 10), REACHABLE, MASTER(REPLID_A, 100, 10),
    BACKUP_PLAN_ALREADY_REPLICA
};
static const struct backup_case replica_of_the_unreachable_peer_does_nothing = {
    LOCAL_REPLICA(REPLID_A, 100, 10), UNREACHABLE, MASTER(REPLID_A, 100, 10),
    BACKUP_PLAN_ALREADY_REPLICA
};
static const struct backup_case replica_of_another_host_replicates_now = {
    REPLICA_OF("192.0.2.99", PORT, REPLID_A, 100, 10), REACHABLE, MASTER(REPLID_A, 100, 10),
    BACKUP_PLAN_REPLICATE_NOW
};
static const struct backup_case replica_of_another_port_of_the_peer_replicates_now = {
    REPLICA_OF(PEER_HOST, 6380, REPLID_A, 100, 10), REACHABLE, MASTER(REPLID_A, 100, 10),
    BACKUP_PLAN_REPLICATE_NOW
};
/* keepalived hears a MASTER, so the peer is up: its Redis is a reconnect away. */
static const struct backup_case master_with_keys_waits_for_an_unreachable_peer = {
    MASTER(REPLID_A, 100, 10), UNREACHABLE, MASTER(REPLID_A, 100, 10), BACKUP_PLAN_WAIT_PEER
};
static const struct backup_case empty_master_replicates_now_when_peer_unreachable = {
    MASTER(REPLID_A, 0, 0), UNREACHABLE, MASTER(REPLID_A, 100, 10), BACKUP_PLAN_REPLICATE_NOW
};
static const struct backup_case master_with_keys_waits_for_the_peer_master = {
    MASTER(REPLID_B, 200, 10), REACHABLE, MASTER(REPLID_A, 100, 10), BACKUP_PLAN_WAIT_PEER
};
static const struct backup_case master_with_keys_waits_for_the_peer_replica = {
    MASTER(REPLID_A, 200, 10), REACHABLE, PEER_REPLICA(REPLID_A, 150, 10), BACKUP_PLAN_WAIT_PEER
};
static const struct backup_case master_without_keys_replicates_now = {
    MASTER(REPLID_A, 100, 0), REACHABLE, MASTER(REPLID_B, 300, 10), BACKUP_PLAN_REPLICATE_NOW
};
/* The sync guard promoted us beside our master restarted empty (its agent down, say):
 * told BACKUP, we keep what it lost. */
static const struct backup_case guarded_data_is_held_beside_a_restarted_peer = {
    PROMOTED(REPLID_C, 100, REPLID_A, 100, 10), REACHABLE, MASTER(REPLID_B, 0, 0), BACKUP_PLAN_HOLD
};
static const struct backup_case master_without_keys_replicates_now_from_a_replica_peer = {
    MASTER(REPLID_A, 100, 0), REACHABLE, PEER_REPLICA(REPLID_A, 100, 0), BACKUP_PLAN_REPLICATE_NOW
};

static void run_backup_case(void **state) {
    const struct backup_case *c = *state;
    struct redis_info local = info_of(&c->local);
    struct peer_view peer = peer_of(c->peer_reachable, &c->peer);
    char why[256] = "";
    enum backup_plan plan = plan_backup(&local, &peer, why, sizeof(why));
    if (plan != c->expected)
        print_error("plan %d (%s), expected %d\n", plan, why, c->expected);
    assert_int_equal(plan, c->expected);
    assert_true(why[0] != '\0');
}

#define BACKUP_CASE_TEST(c) \
    { .name = "test_plan_backup_" #c, .test_func = run_backup_case, .initial_state = (void *)&(c) }

static void test_plan_backup_reason_names_what_must_be_handed_over(void **state) {
    (void)state;
    const struct node local_node = MASTER(REPLID_B, 200, 10);
    const struct node peer_node = MASTER(REPLID_A, 100, 10);
    struct redis_info local = info_of(&local_node);
    struct peer_view peer = peer_of(REACHABLE, &peer_node);
    char why[256];
    assert_int_equal(plan_backup(&local, &peer, why, sizeof(why)), BACKUP_PLAN_WAIT_PEER);
    assert_string_equal(why, "we are master at offset 200 with 10 keys: wait for the peer to "
                             "take them");
}

/* ---- replicates_from_peer ---- */

static bool replicates(const struct node *local_node) {
    const struct node peer_node = MASTER(REPLID_A, 100, 10);
    struct redis_info local = info_of(local_node);
    struct peer_view peer = peer_of(REACHABLE, &peer_node);
    return replicates_from_peer(&local, &peer);
}

static void test_replica_of_the_peer_host_and_port_replicates_from_it(void **state) {
    (void)state;
    const struct node node = LOCAL_REPLICA(REPLID_A, 100, 10);
    assert_true(replicates(&node));
}

static void test_replica_of_the_peer_host_on_another_port_does_not(void **state) {
    (void)state;
    const struct node node = REPLICA_OF(PEER_HOST, 6380, REPLID_A, 100, 10);
    assert_false(replicates(&node));
}

static void test_replica_of_another_host_on_the_peer_port_does_not(void **state) {
    (void)state;
    const struct node other = REPLICA_OF("192.0.2.13", PORT, REPLID_A, 100, 10);
    const struct node longer = REPLICA_OF(PEER_HOST "0", PORT, REPLID_A, 100, 10);
    const struct node shorter = REPLICA_OF("192.0.2.1", PORT, REPLID_A, 100, 10);
    assert_false(replicates(&other));
    assert_false(replicates(&longer));
    assert_false(replicates(&shorter));
}

static void test_master_with_stale_master_fields_does_not_replicate(void **state) {
    (void)state;
    const struct node node = MASTER(REPLID_A, 100, 10);
    const struct node peer_node = MASTER(REPLID_A, 100, 10);
    struct redis_info local = info_of(&node);
    snprintf(local.master_host, sizeof(local.master_host), "%s", PEER_HOST);
    local.master_port = PORT;
    struct peer_view peer = peer_of(REACHABLE, &peer_node);
    assert_false(replicates_from_peer(&local, &peer));
}

/* ---- peer_history_continues_ours ---- */

struct history_case {
    struct node local;
    struct node peer;
    bool expected;
};

static const struct history_case same_history_at_our_offset_continues = { MASTER(REPLID_A, 100, 10),
                                                                          MASTER(REPLID_A, 100, 10),
                                                                          true };
static const struct history_case same_history_past_our_offset_continues = {
    LOCAL_REPLICA(REPLID_A, 100, 10), MASTER(REPLID_A, 150, 10), true
};
static const struct history_case same_history_behind_us_does_not_continue = {
    LOCAL_REPLICA(REPLID_A, 100, 10), MASTER(REPLID_A, 99, 10), false
};
static const struct history_case peer_promoted_after_our_offset_continues = {
    LOCAL_REPLICA(REPLID_A, 100, 10), PROMOTED(REPLID_B, 120, REPLID_A, 100, 10), true
};
static const struct history_case peer_promoted_well_after_our_offset_continues = {
    LOCAL_REPLICA(REPLID_A, 100, 10), PROMOTED(REPLID_B, 300, REPLID_A, 250, 10), true
};
/* second_repl_offset == our offset: the peer switched ids one byte before our end. */
static const struct history_case peer_promoted_before_our_last_write_does_not_continue = {
    LOCAL_REPLICA(REPLID_A, 100, 10), PROMOTED(REPLID_B, 120, REPLID_A, 99, 10), false
};
static const struct history_case peer_promoted_from_a_third_history_does_not_continue = {
    LOCAL_REPLICA(REPLID_A, 100, 10), PROMOTED(REPLID_B, 120, REPLID_C, 100, 10), false
};
static const struct history_case we_were_promoted_from_the_peer_without_writes_continues = {
    PROMOTED(REPLID_B, 100, REPLID_A, 100, 10), MASTER(REPLID_A, 100, 10), true
};
static const struct history_case we_were_promoted_from_a_peer_that_moved_on_continues = {
    PROMOTED(REPLID_B, 100, REPLID_A, 100, 10), MASTER(REPLID_A, 180, 12), true
};
static const struct history_case we_were_promoted_from_a_peer_behind_us_does_not_continue = {
    PROMOTED(REPLID_B, 100, REPLID_A, 100, 10), MASTER(REPLID_A, 99, 10), false
};
static const struct history_case we_were_promoted_and_took_writes_does_not_continue = {
    PROMOTED(REPLID_B, 130, REPLID_A, 100, 11), MASTER(REPLID_A, 180, 12), false
};
static const struct history_case we_were_promoted_and_took_one_write_does_not_continue = {
    PROMOTED(REPLID_B, 101, REPLID_A, 100, 11), MASTER(REPLID_A, 180, 12), false
};
static const struct history_case different_histories_do_not_continue = { MASTER(REPLID_B, 100, 10),
                                                                         MASTER(REPLID_A, 500, 10),
                                                                         false };
static const struct history_case different_histories_as_replica_do_not_continue = {
    LOCAL_REPLICA(REPLID_B, 100, 10), MASTER(REPLID_A, 500, 10), false
};
static const struct history_case empty_replid_does_not_continue = { MASTER("", 100, 10),
                                                                    MASTER("", 100, 10), false };
static const struct history_case empty_replid_of_ours_does_not_continue_a_peer_history = {
    MASTER("", 100, 10), MASTER(REPLID_A, 100, 10), false
};
static const struct history_case unknown_offset_of_ours_does_not_continue = {
    MASTER(REPLID_A, -1, 10), MASTER(REPLID_A, 100, 10), false
};

static void run_history_case(void **state) {
    const struct history_case *c = *state;
    struct redis_info local = info_of(&c->local);
    struct redis_info peer = info_of(&c->peer);
    bool continues = peer_history_continues_ours(&local, &peer);
    if (continues != c->expected)
        print_error("local %s %s/%lld (replid2 %s/%lld), peer %s %s/%lld (replid2 %s/%lld): "
                    "continues %d, expected %d\n",
                    redis_role_to_string(local.role), local.replid, redis_info_data_offset(&local),
                    local.replid2, local.second_repl_offset, redis_role_to_string(peer.role),
                    peer.replid, peer.master_repl_offset, peer.replid2, peer.second_repl_offset,
                    continues, c->expected);
    assert_int_equal(continues, c->expected);
}

#define HISTORY_CASE_TEST(c) \
    { .name = "test_history_" #c, .test_func = run_history_case, .initial_state = (void *)&(c) }

/* restarted_without_data_of(node, other): .local is `other` (the one holding data),
 * .peer is `node`. */
static const struct history_case empty_master_beside_its_replica_restarted_without_its_data = {
    LOCAL_REPLICA(REPLID_A, 100, 10), MASTER(REPLID_B, 0, 0), true
};
static const struct history_case master_with_a_few_writes_since_its_empty_restart_still_is = {
    LOCAL_REPLICA(REPLID_A, 100, 10), MASTER(REPLID_B, 40, 3), true
};
static const struct history_case master_beside_the_replica_the_guard_promoted_restarted_too = {
    PROMOTED(REPLID_C, 100, REPLID_A, 100, 10), MASTER(REPLID_B, 0, 0), true
};
/* Same history: a FLUSHALL streamed to the replica, not a restart. */
static const struct history_case master_that_flushed_its_data_on_the_same_history_is_not = {
    LOCAL_REPLICA(REPLID_A, 100, 10), MASTER(REPLID_A, 120, 0), false
};
static const struct history_case promoted_master_is_not_restarted = {
    LOCAL_REPLICA(REPLID_A, 100, 10), PROMOTED(REPLID_B, 120, REPLID_C, 50, 3), false
};
/* The other restarted from its own snapshot (a master never promoted): it may hold
 * keys the node deleted since, and proves nothing. */
static const struct history_case master_beside_a_peer_restarted_from_its_own_snapshot_is_not = {
    MASTER(REPLID_A, 100, 10), MASTER(REPLID_B, 200, 3), false
};
static const struct history_case master_holding_as_many_keys_is_not = {
    LOCAL_REPLICA(REPLID_A, 100, 10), MASTER(REPLID_B, 0, 10), false
};
static const struct history_case master_whose_keys_are_unknown_is_not = {
    LOCAL_REPLICA(REPLID_A, 100, 10), MASTER(REPLID_B, 0, -1), false
};
static const struct history_case master_whose_id_the_other_was_promoted_from_is_not = {
    PROMOTED(REPLID_C, 100, REPLID_B, 100, 10), MASTER(REPLID_B, 100, 3), false
};
static const struct history_case replica_is_not_a_restarted_master = {
    LOCAL_REPLICA(REPLID_A, 100, 10), PEER_REPLICA(REPLID_B, 0, 0), false
};

static void run_restarted_case(void **state) {
    const struct history_case *c = *state;
    struct redis_info other = info_of(&c->local);
    struct redis_info node = info_of(&c->peer);
    bool restarted = restarted_without_data_of(&node, &other);
    if (restarted != c->expected)
        print_error("node %s %s (replid2 %s/%lld) %lld keys, other %s %s (replid2 %s/%lld) %lld "
                    "keys: %d, expected %d\n",
                    redis_role_to_string(node.role), node.replid, node.replid2,
                    node.second_repl_offset, node.keys, redis_role_to_string(other.role),
                    other.replid, other.replid2, other.second_repl_offset, other.keys, restarted,
                    c->expected);
    assert_int_equal(restarted, c->expected);
}

#define RESTARTED_CASE_TEST(c) \
    { .name = "test_restarted_" #c, .test_func = run_restarted_case, .initial_state = (void *)&(c) }

/* redis_info_data_offset: a replica is measured by slave_repl_offset, not by
 * master_repl_offset; build the two apart to prove which one is read. */
static void test_replica_history_is_measured_at_its_processed_offset(void **state) {
    (void)state;
    const struct node local_node = LOCAL_REPLICA(REPLID_A, 100, 10);
    const struct node peer_node = MASTER(REPLID_A, 80, 10);
    struct redis_info local = info_of(&local_node);
    struct redis_info peer = info_of(&peer_node);
    local.master_repl_offset = 50;
    assert_false(peer_history_continues_ours(&local, &peer));
    local.slave_repl_offset = 80;
    local.master_repl_offset = 200;
    assert_true(peer_history_continues_ours(&local, &peer));
}

static void test_master_history_is_measured_at_its_own_offset(void **state) {
    (void)state;
    const struct node local_node = MASTER(REPLID_A, 100, 10);
    const struct node peer_node = MASTER(REPLID_A, 80, 10);
    struct redis_info local = info_of(&local_node);
    struct redis_info peer = info_of(&peer_node);
    local.slave_repl_offset = 50;
    assert_false(peer_history_continues_ours(&local, &peer));
}

static void test_promoted_replica_shape_does_not_count_as_ours(void **state) {
    (void)state;
    /* "We were promoted from the peer's history" holds only for a master. */
    const struct node local_node = LOCAL_REPLICA(REPLID_B, 100, 10);
    const struct node peer_node = MASTER(REPLID_A, 100, 10);
    struct redis_info local = info_of(&local_node);
    struct redis_info peer = info_of(&peer_node);
    snprintf(local.replid2, sizeof(local.replid2), "%s", REPLID_A);
    local.second_repl_offset = 101;
    assert_false(peer_history_continues_ours(&local, &peer));
}

/* ---- resync_would_lose_data ---- */

struct resync_case {
    struct node local;
    bool peer_reachable;
    struct node peer;
    bool expected;
};

static const struct resync_case no_keys_never_lose_data_to_an_unreachable_peer = {
    MASTER(REPLID_A, 100, 0), UNREACHABLE, MASTER(REPLID_B, 0, 0), false
};
static const struct resync_case no_keys_never_lose_data_to_a_diverged_peer = {
    MASTER(REPLID_A, 100, 0), REACHABLE, MASTER(REPLID_B, 50, 10), false
};
static const struct resync_case no_keys_never_lose_data_to_a_replica_peer = {
    MASTER(REPLID_A, 100, 0), REACHABLE, PEER_REPLICA(REPLID_A, 50, 0), false
};
static const struct resync_case keys_are_lost_to_an_unreachable_peer = {
    MASTER(REPLID_A, 100, 10), UNREACHABLE, MASTER(REPLID_A, 200, 10), true
};
static const struct resync_case keys_are_lost_to_a_replica_peer = {
    MASTER(REPLID_A, 100, 10), REACHABLE, PEER_REPLICA(REPLID_A, 100, 10), true
};
static const struct resync_case keys_are_kept_by_a_peer_on_our_history = {
    LOCAL_REPLICA(REPLID_A, 100, 10), REACHABLE, MASTER(REPLID_A, 100, 10), false
};
static const struct resync_case keys_are_kept_by_a_peer_promoted_from_our_history = {
    LOCAL_REPLICA(REPLID_A, 100, 10), REACHABLE, PROMOTED(REPLID_B, 150, REPLID_A, 100, 12), false
};
static const struct resync_case keys_are_kept_when_we_were_promoted_from_the_peer = {
    PROMOTED(REPLID_B, 100, REPLID_A, 100, 10), REACHABLE, MASTER(REPLID_A, 100, 10), false
};
static const struct resync_case keys_are_lost_to_a_diverged_peer = {
    MASTER(REPLID_B, 100, 10), REACHABLE, MASTER(REPLID_A, 500, 10), true
};
static const struct resync_case keys_are_lost_to_a_peer_behind_us = {
    LOCAL_REPLICA(REPLID_A, 100, 10), REACHABLE, MASTER(REPLID_A, 99, 10), true
};
static const struct resync_case keys_written_since_our_promotion_are_lost = {
    PROMOTED(REPLID_B, 130, REPLID_A, 100, 11), REACHABLE, MASTER(REPLID_A, 180, 12), true
};

static void run_resync_case(void **state) {
    const struct resync_case *c = *state;
    struct redis_info local = info_of(&c->local);
    struct peer_view peer = peer_of(c->peer_reachable, &c->peer);
    assert_int_equal(resync_would_lose_data(&local, &peer), c->expected);
}

#define RESYNC_CASE_TEST(c) \
    { .name = "test_resync_" #c, .test_func = run_resync_case, .initial_state = (void *)&(c) }

/* ---- replica_link_settled ---- */

static void test_replica_link_to_the_peer_up_without_sync_is_settled(void **state) {
    (void)state;
    const struct node local_node = LOCAL_REPLICA(REPLID_A, 100, 10);
    const struct node peer_node = MASTER(REPLID_A, 100, 10);
    struct redis_info local = info_of(&local_node);
    struct peer_view peer = peer_of(REACHABLE, &peer_node);
    assert_true(replica_link_settled(&local, &peer));
}

static void test_replica_link_down_is_not_settled(void **state) {
    (void)state;
    const struct node local_node = LOCAL_REPLICA(REPLID_A, 100, 10);
    const struct node peer_node = MASTER(REPLID_A, 100, 10);
    struct redis_info local = info_of(&local_node);
    struct peer_view peer = peer_of(REACHABLE, &peer_node);
    local.master_link_up = false;
    assert_false(replica_link_settled(&local, &peer));
}

static void test_replica_in_a_sync_is_not_settled(void **state) {
    (void)state;
    const struct node local_node = LOCAL_REPLICA(REPLID_A, 100, 10);
    const struct node peer_node = MASTER(REPLID_A, 100, 10);
    struct redis_info local = info_of(&local_node);
    struct peer_view peer = peer_of(REACHABLE, &peer_node);
    local.master_sync_in_progress = true;
    assert_false(replica_link_settled(&local, &peer));
    local.master_link_up = false;
    assert_false(replica_link_settled(&local, &peer));
}

static void test_replica_of_another_master_is_not_settled(void **state) {
    (void)state;
    const struct node local_node = REPLICA_OF("192.0.2.99", PORT, REPLID_A, 100, 10);
    const struct node peer_node = MASTER(REPLID_A, 100, 10);
    struct redis_info local = info_of(&local_node);
    struct peer_view peer = peer_of(REACHABLE, &peer_node);
    assert_false(replica_link_settled(&local, &peer));
}

static void test_master_is_not_settled_as_a_replica(void **state) {
    (void)state;
    const struct node local_node = MASTER(REPLID_A, 100, 10);
    const struct node peer_node = MASTER(REPLID_A, 100, 10);
    struct redis_info local = info_of(&local_node);
    struct peer_view peer = peer_of(REACHABLE, &peer_node);
    snprintf(local.master_host, sizeof(local.master_host), "%s", PEER_HOST);
    local.master_port = PORT;
    local.master_link_up = true;
    assert_false(replica_link_settled(&local, &peer));
}

/* ---- peer_has_our_writes, peer_may_still_take_our_writes ---- */

typedef bool (*writes_judge)(const struct redis_info *local, const struct peer_view *peer);

static bool judge(writes_judge fn, const struct node *local_node, bool reachable,
                  const struct node *peer_node) {
    struct redis_info local = info_of(local_node);
    struct peer_view peer = peer_of(reachable, peer_node);
    return fn(&local, &peer);
}

static bool peer_has_them(const struct node *local_node, bool reachable,
                          const struct node *peer_node) {
    return judge(peer_has_our_writes, local_node, reachable, peer_node);
}

static void test_peer_master_on_our_history_has_our_writes(void **state) {
    (void)state;
    const struct node local = MASTER(REPLID_A, 100, 10);
    const struct node promoted = PROMOTED(REPLID_B, 100, REPLID_A, 100, 10);
    const struct node ahead = MASTER(REPLID_A, 120, 10);
    assert_true(peer_has_them(&local, REACHABLE, &promoted));
    assert_true(peer_has_them(&local, REACHABLE, &ahead));
}

static void test_peer_master_behind_us_lacks_our_writes(void **state) {
    (void)state;
    const struct node local = MASTER(REPLID_A, 100, 10);
    const struct node behind = MASTER(REPLID_A, 99, 10);
    const struct node promoted_early = PROMOTED(REPLID_B, 100, REPLID_A, 99, 10);
    assert_false(peer_has_them(&local, REACHABLE, &behind));
    assert_false(peer_has_them(&local, REACHABLE, &promoted_early));
}

static void test_peer_master_on_another_history_lacks_our_writes(void **state) {
    (void)state;
    const struct node local = MASTER(REPLID_B, 100, 10);
    const struct node diverged = MASTER(REPLID_A, 500, 10);
    assert_false(peer_has_them(&local, REACHABLE, &diverged));
}

static void test_peer_replica_does_not_have_our_writes_as_a_master(void **state) {
    (void)state;
    /* A replica level with us holds the data, but it is not taking writes: not yet. */
    const struct node local = MASTER(REPLID_A, 100, 10);
    const struct node level = PEER_REPLICA(REPLID_A, 100, 10);
    assert_false(peer_has_them(&local, REACHABLE, &level));
}

static void test_unreachable_peer_does_not_have_our_writes(void **state) {
    (void)state;
    /* What was last seen of it no longer counts. */
    const struct node local = MASTER(REPLID_A, 100, 10);
    const struct node last_seen = PROMOTED(REPLID_B, 100, REPLID_A, 100, 10);
    assert_false(peer_has_them(&local, UNREACHABLE, &last_seen));
}

static bool peer_may_take_them(const struct node *local_node, bool reachable,
                               const struct node *peer_node) {
    return judge(peer_may_still_take_our_writes, local_node, reachable, peer_node);
}

static void test_peer_replica_or_silent_peer_may_still_take_our_writes(void **state) {
    (void)state;
    const struct node local = MASTER(REPLID_B, 100, 10);
    const struct node catching_up = PEER_REPLICA(REPLID_B, 50, 10);
    const struct node last_seen = MASTER(REPLID_A, 500, 10);
    assert_true(peer_may_take_them(&local, REACHABLE, &catching_up));
    assert_true(peer_may_take_them(&local, UNREACHABLE, &last_seen));
}

static void test_master_we_took_over_from_may_still_take_our_writes(void **state) {
    (void)state;
    /* A healed partition: the peer preempts the VIP, and as MASTER it catches up
     * from us; giving up now would throw away every write since the failover. */
    const struct node successor = PROMOTED(REPLID_B, 200, REPLID_A, 100, 12);
    const struct node predecessor = MASTER(REPLID_A, 150, 11);
    assert_true(peer_may_take_them(&successor, REACHABLE, &predecessor));
}

static void test_master_on_another_history_will_not_take_our_writes(void **state) {
    (void)state;
    const struct node local = MASTER(REPLID_B, 200, 12);
    const struct node unrelated = MASTER(REPLID_A, 150, 11);
    /* We took over from the peer but wrote nothing since: nothing to hand over. */
    const struct node idle_successor = PROMOTED(REPLID_B, 100, REPLID_A, 100, 10);
    const struct node successor_of_a_third = PROMOTED(REPLID_B, 200, REPLID_C, 100, 12);
    assert_false(peer_may_take_them(&local, REACHABLE, &unrelated));
    assert_false(peer_may_take_them(&idle_successor, REACHABLE, &unrelated));
    assert_false(peer_may_take_them(&successor_of_a_third, REACHABLE, &unrelated));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        MASTER_CASE_TEST(peer_unreachable_promotes_now),
        MASTER_CASE_TEST(peer_unreachable_promotes_an_empty_master_now),
        MASTER_CASE_TEST(peer_replica_promotes_now),
        MASTER_CASE_TEST(peer_replica_promotes_a_replica_now),
        MASTER_CASE_TEST(peer_master_is_caught_up_with_by_its_replica),
        MASTER_CASE_TEST(peer_master_is_caught_up_with_by_an_empty_master),
        MASTER_CASE_TEST(restarted_peer_is_not_caught_up_with_by_its_replica),
        MASTER_CASE_TEST(restarted_peer_is_caught_up_with_by_an_empty_node),
        MASTER_CASE_TEST(peer_master_is_caught_up_with_after_a_split_brain),
        MASTER_CASE_TEST(stale_peer_master_whose_history_we_continue_is_not_caught_up_with),
        MASTER_CASE_TEST(successor_with_writes_is_not_caught_up_with_by_its_predecessor),
        MASTER_CASE_TEST(successor_without_writes_catches_up_with_a_peer_that_moved_on),
        cmocka_unit_test(test_plan_master_reason_names_both_offsets),
        cmocka_unit_test(test_plan_master_reason_names_the_peer_replicas_master),
        BACKUP_CASE_TEST(replica_of_the_peer_does_nothing),
        BACKUP_CASE_TEST(replica_of_the_unreachable_peer_does_nothing),
        BACKUP_CASE_TEST(replica_of_another_host_replicates_now),
        BACKUP_CASE_TEST(replica_of_another_port_of_the_peer_replicates_now),
        BACKUP_CASE_TEST(master_with_keys_waits_for_an_unreachable_peer),
        BACKUP_CASE_TEST(empty_master_replicates_now_when_peer_unreachable),
        BACKUP_CASE_TEST(master_with_keys_waits_for_the_peer_master),
        BACKUP_CASE_TEST(master_with_keys_waits_for_the_peer_replica),
        BACKUP_CASE_TEST(master_without_keys_replicates_now),
        BACKUP_CASE_TEST(guarded_data_is_held_beside_a_restarted_peer),
        BACKUP_CASE_TEST(master_without_keys_replicates_now_from_a_replica_peer),
        cmocka_unit_test(test_plan_backup_reason_names_what_must_be_handed_over),
        cmocka_unit_test(test_replica_of_the_peer_host_and_port_replicates_from_it),
        cmocka_unit_test(test_replica_of_the_peer_host_on_another_port_does_not),
        cmocka_unit_test(test_replica_of_another_host_on_the_peer_port_does_not),
        cmocka_unit_test(test_master_with_stale_master_fields_does_not_replicate),
        RESTARTED_CASE_TEST(empty_master_beside_its_replica_restarted_without_its_data),
        RESTARTED_CASE_TEST(master_with_a_few_writes_since_its_empty_restart_still_is),
        RESTARTED_CASE_TEST(master_beside_the_replica_the_guard_promoted_restarted_too),
        RESTARTED_CASE_TEST(master_that_flushed_its_data_on_the_same_history_is_not),
        RESTARTED_CASE_TEST(promoted_master_is_not_restarted),
        RESTARTED_CASE_TEST(master_beside_a_peer_restarted_from_its_own_snapshot_is_not),
        RESTARTED_CASE_TEST(master_holding_as_many_keys_is_not),
        RESTARTED_CASE_TEST(master_whose_keys_are_unknown_is_not),
        RESTARTED_CASE_TEST(master_whose_id_the_other_was_promoted_from_is_not),
        RESTARTED_CASE_TEST(replica_is_not_a_restarted_master),
        HISTORY_CASE_TEST(same_history_at_our_offset_continues),
        HISTORY_CASE_TEST(same_history_past_our_offset_continues),
        HISTORY_CASE_TEST(same_history_behind_us_does_not_continue),
        HISTORY_CASE_TEST(peer_promoted_after_our_offset_continues),
        HISTORY_CASE_TEST(peer_promoted_well_after_our_offset_continues),
        HISTORY_CASE_TEST(peer_promoted_before_our_last_write_does_not_continue),
        HISTORY_CASE_TEST(peer_promoted_from_a_third_history_does_not_continue),
        HISTORY_CASE_TEST(we_were_promoted_from_the_peer_without_writes_continues),
        HISTORY_CASE_TEST(we_were_promoted_from_a_peer_that_moved_on_continues),
        HISTORY_CASE_TEST(we_were_promoted_from_a_peer_behind_us_does_not_continue),
        HISTORY_CASE_TEST(we_were_promoted_and_took_writes_does_not_continue),
        HISTORY_CASE_TEST(we_were_promoted_and_took_one_write_does_not_continue),
        HISTORY_CASE_TEST(different_histories_do_not_continue),
        HISTORY_CASE_TEST(different_histories_as_replica_do_not_continue),
        HISTORY_CASE_TEST(empty_replid_does_not_continue),
        HISTORY_CASE_TEST(empty_replid_of_ours_does_not_continue_a_peer_history),
        HISTORY_CASE_TEST(unknown_offset_of_ours_does_not_continue),
        cmocka_unit_test(test_replica_history_is_measured_at_its_processed_offset),
        cmocka_unit_test(test_master_history_is_measured_at_its_own_offset),
        cmocka_unit_test(test_promoted_replica_shape_does_not_count_as_ours),
        RESYNC_CASE_TEST(no_keys_never_lose_data_to_an_unreachable_peer),
        RESYNC_CASE_TEST(no_keys_never_lose_data_to_a_diverged_peer),
        RESYNC_CASE_TEST(no_keys_never_lose_data_to_a_replica_peer),
        RESYNC_CASE_TEST(keys_are_lost_to_an_unreachable_peer),
        RESYNC_CASE_TEST(keys_are_lost_to_a_replica_peer),
        RESYNC_CASE_TEST(keys_are_kept_by_a_peer_on_our_history),
        RESYNC_CASE_TEST(keys_are_kept_by_a_peer_promoted_from_our_history),
        RESYNC_CASE_TEST(keys_are_kept_when_we_were_promoted_from_the_peer),
        RESYNC_CASE_TEST(keys_are_lost_to_a_diverged_peer),
        RESYNC_CASE_TEST(keys_are_lost_to_a_peer_behind_us),
        RESYNC_CASE_TEST(keys_written_since_our_promotion_are_lost),
        cmocka_unit_test(test_replica_link_to_the_peer_up_without_sync_is_settled),
        cmocka_unit_test(test_replica_link_down_is_not_settled),
        cmocka_unit_test(test_replica_in_a_sync_is_not_settled),
        cmocka_unit_test(test_replica_of_another_master_is_not_settled),
        cmocka_unit_test(test_master_is_not_settled_as_a_replica),
        cmocka_unit_test(test_peer_master_on_our_history_has_our_writes),
        cmocka_unit_test(test_peer_master_behind_us_lacks_our_writes),
        cmocka_unit_test(test_peer_master_on_another_history_lacks_our_writes),
        cmocka_unit_test(test_peer_replica_does_not_have_our_writes_as_a_master),
        cmocka_unit_test(test_unreachable_peer_does_not_have_our_writes),
        cmocka_unit_test(test_peer_replica_or_silent_peer_may_still_take_our_writes),
        cmocka_unit_test(test_master_we_took_over_from_may_still_take_our_writes),
        cmocka_unit_test(test_master_on_another_history_will_not_take_our_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
