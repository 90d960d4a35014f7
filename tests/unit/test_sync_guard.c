/* Unit tests for sync_guard_must_refuse(): our Redis, holding keys, must never take a
 * full sync from a peer that came back as an empty master; any other sync is the
 * replication's own business. Its link down is the sign: reconnecting, or waiting
 * for a full sync the master delays. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sync_guard.h"

#define PEER_HOST "192.0.2.12"
#define PORT      6379
#define OUR_KEYS  20000
/* The history we replicated, and the one the peer's restart began. */
#define OLD_REPLID "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define NEW_REPLID "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define NO_REPLID  "0000000000000000000000000000000000000000"

/* Our Redis: a replica of the peer on the old history, its link up or down
 * (reconnecting, syncing). */
static struct redis_info replica_of(const char *host, bool link_down) {
    struct redis_info info;
    memset(&info, 0, sizeof(info));
    info.role = REDIS_ROLE_REPLICA;
    snprintf(info.master_host, sizeof(info.master_host), "%s", host);
    info.master_port = PORT;
    info.master_link_up = !link_down;
    snprintf(info.replid, sizeof(info.replid), "%s", OLD_REPLID);
    snprintf(info.replid2, sizeof(info.replid2), "%s", NO_REPLID);
    info.second_repl_offset = -1;
    return info;
}

/* The peer, on the history its restart began (replid) or on ours (OLD_REPLID). */
static struct peer_view peer_on(const char *replid, bool reachable, enum redis_role role,
                                long long keys) {
    struct peer_view p;
    memset(&p, 0, sizeof(p));
    p.reachable = reachable;
    p.host = PEER_HOST;
    p.port = PORT;
    p.info.role = role;
    p.info.keys = keys;
    snprintf(p.info.replid, sizeof(p.info.replid), "%s", replid);
    snprintf(p.info.replid2, sizeof(p.info.replid2), "%s", NO_REPLID);
    p.info.second_repl_offset = -1;
    return p;
}

static struct peer_view peer(bool reachable, enum redis_role role, long long keys) {
    return peer_on(NEW_REPLID, reachable, role, keys);
}

static bool refuses(const struct redis_info *local, long long keys, const struct peer_view *p) {
    char why[200] = "";
    bool refused = sync_guard_must_refuse(local, keys, p, why, sizeof(why));
    if (refused)
        assert_non_null(strstr(why, "would wipe our"));
    return refused;
}

static void test_a_full_sync_from_an_empty_master_peer_is_refused(void **state) {
    (void)state;
    struct redis_info local = replica_of(PEER_HOST, true);
    struct peer_view empty_master = peer(true, REDIS_ROLE_MASTER, 0);
    char why[200] = "";
    assert_true(sync_guard_must_refuse(&local, OUR_KEYS, &empty_master, why, sizeof(why)));
    assert_string_equal(why, "a full sync from the peer, a master restarted without our data (0 "
                             "keys on a new history), would wipe our 20000 keys");
}

/* Restarted empty, then written to through the VIP before its agent failed it. */
static void test_a_restarted_master_with_a_few_writes_is_refused_too(void **state) {
    (void)state;
    struct redis_info local = replica_of(PEER_HOST, true);
    struct peer_view written_to = peer(true, REDIS_ROLE_MASTER, 3);
    assert_true(refuses(&local, OUR_KEYS, &written_to));
}

/* Our own master, reconnecting after it flushed its data: the stream is the same
 * history, and a resync brings the flush. */
static void test_a_master_on_our_history_is_never_refused(void **state) {
    (void)state;
    struct redis_info local = replica_of(PEER_HOST, true);
    struct peer_view flushed = peer_on(OLD_REPLID, true, REDIS_ROLE_MASTER, 0);
    assert_false(refuses(&local, OUR_KEYS, &flushed));
}

/* A refill of an empty node, or a resync from a peer that holds more: Redis's own. */
static void test_a_sync_that_wipes_nothing_or_brings_data_is_left_alone(void **state) {
    (void)state;
    struct redis_info syncing = replica_of(PEER_HOST, true);
    struct peer_view empty_master = peer(true, REDIS_ROLE_MASTER, 0);
    struct peer_view master_with_keys = peer(true, REDIS_ROLE_MASTER, OUR_KEYS + 5);
    assert_false(refuses(&syncing, 0, &empty_master));
    assert_false(refuses(&syncing, -1, &empty_master)); /* our keys unknown */
    assert_false(refuses(&syncing, OUR_KEYS, &master_with_keys));
}

/* A master that flushed its keys: the stream carries the flush, no sync is due. */
static void test_a_replica_streaming_from_an_empty_master_is_left_alone(void **state) {
    (void)state;
    struct redis_info streaming = replica_of(PEER_HOST, false);
    struct peer_view empty_master = peer(true, REDIS_ROLE_MASTER, 0);
    assert_false(refuses(&streaming, OUR_KEYS, &empty_master));
}

/* Keys unknown (-1) are not fewer, and a peer not in view or not a master proves nothing. */
static void test_the_peer_must_be_seen_as_an_empty_master(void **state) {
    (void)state;
    struct redis_info syncing = replica_of(PEER_HOST, true);
    struct peer_view silent = peer(false, REDIS_ROLE_MASTER, 0);
    struct peer_view empty_replica = peer(true, REDIS_ROLE_REPLICA, 0);
    struct peer_view keys_unknown = peer(true, REDIS_ROLE_MASTER, -1);
    assert_false(refuses(&syncing, OUR_KEYS, &silent));
    assert_false(refuses(&syncing, OUR_KEYS, &empty_replica));
    assert_false(refuses(&syncing, OUR_KEYS, &keys_unknown));
}

static void test_a_sync_from_another_master_is_not_ours_to_refuse(void **state) {
    (void)state;
    struct redis_info syncing_elsewhere = replica_of("192.0.2.13", true);
    struct peer_view empty_master = peer(true, REDIS_ROLE_MASTER, 0);
    assert_false(refuses(&syncing_elsewhere, OUR_KEYS, &empty_master));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_full_sync_from_an_empty_master_peer_is_refused),
        cmocka_unit_test(test_a_restarted_master_with_a_few_writes_is_refused_too),
        cmocka_unit_test(test_a_master_on_our_history_is_never_refused),
        cmocka_unit_test(test_a_sync_that_wipes_nothing_or_brings_data_is_left_alone),
        cmocka_unit_test(test_a_replica_streaming_from_an_empty_master_is_left_alone),
        cmocka_unit_test(test_the_peer_must_be_seen_as_an_empty_master),
        cmocka_unit_test(test_a_sync_from_another_master_is_not_ours_to_refuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
