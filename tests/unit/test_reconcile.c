/* Unit tests for reconcile.c: the transition a situation calls for, one named case per
 * situation: where the VIP is, whether a transition runs, what the two Redis are. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>

#include "reconcile.h"

#define MASTER REDIS_ROLE_MASTER
#define REPLICA REDIS_ROLE_REPLICA
#define UNKNOWN REDIS_ROLE_UNKNOWN

struct reconcile_case {
    struct reconcile_input in;
    enum reconcile_action expected;
};

/* CASE(vip_known, vip_here, transition_running, local_role, peer_reachable, peer_role) */
#define CASE(vip_known_, vip_here_, running_, local_, peer_reachable_, peer_, expected_)      \
    { .in = { .vip_known = (vip_known_), .vip_here = (vip_here_),                           \
              .transition_running = (running_), .local_role = (local_),                     \
              .peer_reachable = (peer_reachable_), .peer_role = (peer_) },                  \
      .expected = (expected_) }

#define WATCHED true
#define NOT_WATCHED false
#define HERE true
#define ELSEWHERE false
#define RUNNING true
#define IDLE false
#define REACHABLE true
#define UNREACHABLE false

static const struct reconcile_case vip_not_watched_does_nothing =
    CASE(NOT_WATCHED, HERE, IDLE, REPLICA, REACHABLE, MASTER, RECONCILE_NONE);
static const struct reconcile_case vip_not_watched_does_nothing_between_two_masters =
    CASE(NOT_WATCHED, ELSEWHERE, IDLE, MASTER, REACHABLE, MASTER, RECONCILE_NONE);
static const struct reconcile_case running_transition_is_left_alone_with_vip_here =
    CASE(WATCHED, HERE, RUNNING, REPLICA, REACHABLE, MASTER, RECONCILE_NONE);
static const struct reconcile_case running_transition_is_left_alone_with_vip_elsewhere =
    CASE(WATCHED, ELSEWHERE, RUNNING, MASTER, REACHABLE, MASTER, RECONCILE_NONE);
static const struct reconcile_case unknown_local_role_does_nothing_with_vip_here =
    CASE(WATCHED, HERE, IDLE, UNKNOWN, REACHABLE, MASTER, RECONCILE_NONE);
static const struct reconcile_case unknown_local_role_does_nothing_with_vip_elsewhere =
    CASE(WATCHED, ELSEWHERE, IDLE, UNKNOWN, REACHABLE, MASTER, RECONCILE_NONE);
static const struct reconcile_case vip_here_and_local_replica_becomes_master =
    CASE(WATCHED, HERE, IDLE, REPLICA, REACHABLE, MASTER, RECONCILE_MASTER);
static const struct reconcile_case vip_here_and_local_replica_becomes_master_whatever_the_peer =
    CASE(WATCHED, HERE, IDLE, REPLICA, UNREACHABLE, UNKNOWN, RECONCILE_MASTER);
static const struct reconcile_case vip_here_and_local_master_does_nothing =
    CASE(WATCHED, HERE, IDLE, MASTER, REACHABLE, REPLICA, RECONCILE_NONE);
static const struct reconcile_case vip_here_and_local_master_does_nothing_beside_a_master_peer =
    CASE(WATCHED, HERE, IDLE, MASTER, REACHABLE, MASTER, RECONCILE_NONE);
static const struct reconcile_case vip_elsewhere_local_master_and_peer_master_becomes_backup =
    CASE(WATCHED, ELSEWHERE, IDLE, MASTER, REACHABLE, MASTER, RECONCILE_BACKUP);
/* Two nodes without a VIP anywhere must not demote each other. */
static const struct reconcile_case vip_elsewhere_local_master_and_peer_unreachable_does_nothing =
    CASE(WATCHED, ELSEWHERE, IDLE, MASTER, UNREACHABLE, UNKNOWN, RECONCILE_NONE);
static const struct reconcile_case vip_elsewhere_local_master_and_peer_last_seen_master_does_nothing =
    CASE(WATCHED, ELSEWHERE, IDLE, MASTER, UNREACHABLE, MASTER, RECONCILE_NONE);
static const struct reconcile_case vip_elsewhere_local_master_and_peer_replica_does_nothing =
    CASE(WATCHED, ELSEWHERE, IDLE, MASTER, REACHABLE, REPLICA, RECONCILE_NONE);
static const struct reconcile_case vip_elsewhere_local_master_and_peer_role_unknown_does_nothing =
    CASE(WATCHED, ELSEWHERE, IDLE, MASTER, REACHABLE, UNKNOWN, RECONCILE_NONE);
static const struct reconcile_case vip_elsewhere_and_local_replica_does_nothing =
    CASE(WATCHED, ELSEWHERE, IDLE, REPLICA, REACHABLE, MASTER, RECONCILE_NONE);
static const struct reconcile_case vip_elsewhere_and_local_replica_does_nothing_without_peer =
    CASE(WATCHED, ELSEWHERE, IDLE, REPLICA, UNREACHABLE, UNKNOWN, RECONCILE_NONE);

static void run_case(void **state) {
    const struct reconcile_case *c = *state;
    enum reconcile_action action = reconcile_decide(&c->in);
    if (action != c->expected)
        print_error("vip_known %d vip_here %d running %d local %s peer reachable %d %s: "
                    "%s, expected %s\n",
                    c->in.vip_known, c->in.vip_here, c->in.transition_running,
                    redis_role_to_string(c->in.local_role), c->in.peer_reachable,
                    redis_role_to_string(c->in.peer_role), reconcile_action_to_string(action),
                    reconcile_action_to_string(c->expected));
    assert_int_equal(action, c->expected);
}

/* One cmocka test per case, named for the behaviour it proves. */
#define CASE_TEST(c) \
    { .name = "test_reconcile_" #c, .test_func = run_case, .initial_state = (void *)&(c) }

static void test_action_names(void **state) {
    (void)state;
    assert_string_equal(reconcile_action_to_string(RECONCILE_NONE), "none");
    assert_string_equal(reconcile_action_to_string(RECONCILE_MASTER), "MASTER");
    assert_string_equal(reconcile_action_to_string(RECONCILE_BACKUP), "BACKUP");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        CASE_TEST(vip_not_watched_does_nothing),
        CASE_TEST(vip_not_watched_does_nothing_between_two_masters),
        CASE_TEST(running_transition_is_left_alone_with_vip_here),
        CASE_TEST(running_transition_is_left_alone_with_vip_elsewhere),
        CASE_TEST(unknown_local_role_does_nothing_with_vip_here),
        CASE_TEST(unknown_local_role_does_nothing_with_vip_elsewhere),
        CASE_TEST(vip_here_and_local_replica_becomes_master),
        CASE_TEST(vip_here_and_local_replica_becomes_master_whatever_the_peer),
        CASE_TEST(vip_here_and_local_master_does_nothing),
        CASE_TEST(vip_here_and_local_master_does_nothing_beside_a_master_peer),
        CASE_TEST(vip_elsewhere_local_master_and_peer_master_becomes_backup),
        CASE_TEST(vip_elsewhere_local_master_and_peer_unreachable_does_nothing),
        CASE_TEST(vip_elsewhere_local_master_and_peer_last_seen_master_does_nothing),
        CASE_TEST(vip_elsewhere_local_master_and_peer_replica_does_nothing),
        CASE_TEST(vip_elsewhere_local_master_and_peer_role_unknown_does_nothing),
        CASE_TEST(vip_elsewhere_and_local_replica_does_nothing),
        CASE_TEST(vip_elsewhere_and_local_replica_does_nothing_without_peer),
        cmocka_unit_test(test_action_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
