/* Unit tests for reconcile.c: the transition a situation calls for, one named case per
 * situation: where the VIP is, whether a transition runs, what the two Redis are; then
 * scenarios of checks over time: when the grace is over, who yields without it, and
 * what starts it again. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>

#include "reconcile.h"

#define MASTER  REDIS_ROLE_MASTER
#define REPLICA REDIS_ROLE_REPLICA
#define UNKNOWN REDIS_ROLE_UNKNOWN

struct reconcile_case {
    struct reconcile_input in;
    enum reconcile_action expected;
};

/* CASE(vip_known, vip_here, transition_running, local_role, peer_reachable, peer_role) */
#define CASE(vip_known_, vip_here_, running_, local_, peer_reachable_, peer_, expected_) \
    {                                                                                    \
        .in = { .vip_known = (vip_known_),                                               \
                .vip_here = (vip_here_),                                                 \
                .transition_running = (running_),                                        \
                .local_role = (local_),                                                  \
                .peer_reachable = (peer_reachable_),                                     \
                .peer_role = (peer_) },                                                  \
        .expected = (expected_)                                                          \
    }

#define WATCHED     true
#define NOT_WATCHED false
#define HERE        true
#define ELSEWHERE   false
#define RUNNING     true
#define IDLE        false
#define REACHABLE   true
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
static const struct reconcile_case
    vip_elsewhere_local_master_and_peer_last_seen_master_does_nothing =
        CASE(WATCHED, ELSEWHERE, IDLE, MASTER, UNREACHABLE, MASTER, RECONCILE_NONE);
static const struct reconcile_case vip_elsewhere_local_master_and_peer_replica_does_nothing =
    CASE(WATCHED, ELSEWHERE, IDLE, MASTER, REACHABLE, REPLICA, RECONCILE_NONE);
static const struct reconcile_case vip_elsewhere_local_master_and_peer_role_unknown_does_nothing =
    CASE(WATCHED, ELSEWHERE, IDLE, MASTER, REACHABLE, UNKNOWN, RECONCILE_NONE);
static const struct reconcile_case vip_elsewhere_and_local_replica_does_nothing =
    CASE(WATCHED, ELSEWHERE, IDLE, REPLICA, REACHABLE, MASTER, RECONCILE_NONE);
static const struct reconcile_case vip_elsewhere_and_local_replica_does_nothing_without_peer =
    CASE(WATCHED, ELSEWHERE, IDLE, REPLICA, UNREACHABLE, UNKNOWN, RECONCILE_NONE);

/* We hold what the peer lost in its restart (the sync guard kept it): replicating
 * from it would wipe that. */
static const struct reconcile_case vip_elsewhere_beside_a_peer_restarted_without_our_data_holds = {
    .in = { .vip_known = true,
            .vip_here = false,
            .local_role = MASTER,
            .peer_reachable = true,
            .peer_role = MASTER,
            .peer_restarted_without_our_data = true },
    .expected = RECONCILE_NONE
};

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

/* ---- reconcile_due: scenarios of checks and the action due after each ---- */

/* What a check sees, or NOTIFIED: a notification arrived instead (reconcile_reset). */
enum situation {
    NOTHING_MISSING,      /* VIP here, local master */
    MASTER_MISSING,       /* VIP here, local replica with keys */
    MASTER_MISSING_EMPTY, /* VIP here, local replica without keys */
    BACKUP_MISSING,       /* VIP elsewhere, both masters, keys here */
    BACKUP_MISSING_KEYS_UNKNOWN,
    BACKUP_MISSING_EMPTY,         /* VIP elsewhere, both masters, no keys here */
    BACKUP_MISSING_TO_SUCCESSOR,  /* VIP elsewhere, the peer a master promoted from us */
    MASTER_MISSING_WHILE_RUNNING, /* VIP here, local replica, a transition runs */
    NOTIFIED,
};

#define VIP_HERE      .vip_known = true, .vip_here = true
#define VIP_ELSEWHERE .vip_known = true, .vip_here = false
#define PEER(role_)   .peer_reachable = true, .peer_role = (role_)

static const struct reconcile_input situations[] = {
    [NOTHING_MISSING] = { VIP_HERE, .local_role = MASTER, .local_keys = 10, PEER(REPLICA) },
    [MASTER_MISSING] = { VIP_HERE, .local_role = REPLICA, .local_keys = 10, PEER(MASTER) },
    [MASTER_MISSING_EMPTY] = { VIP_HERE, .local_role = REPLICA, .local_keys = 0, PEER(MASTER) },
    [BACKUP_MISSING] = { VIP_ELSEWHERE, .local_role = MASTER, .local_keys = 10, PEER(MASTER) },
    [BACKUP_MISSING_KEYS_UNKNOWN] = { VIP_ELSEWHERE, .local_role = MASTER, .local_keys = -1,
                                      PEER(MASTER) },
    [BACKUP_MISSING_EMPTY] = { VIP_ELSEWHERE, .local_role = MASTER, .local_keys = 0, PEER(MASTER) },
    [BACKUP_MISSING_TO_SUCCESSOR] = { VIP_ELSEWHERE, .local_role = MASTER, .local_keys = 10,
                                      PEER(MASTER), .peer_promoted_from_us = true },
    [MASTER_MISSING_WHILE_RUNNING] = { VIP_HERE, .transition_running = true, .local_role = REPLICA,
                                       .local_keys = 10, PEER(MASTER) },
};

struct timed_step {
    long long at_ms; /* since the scenario started */
    enum situation situation;
    enum reconcile_action expected;
    long long lasted_ms; /* how long it was missing, when an action is due */
};

struct timed_scenario {
    long long grace_ms;
    int n_steps;
    struct timed_step steps[12];
};

#define S(...) \
    { __VA_ARGS__ }
#define N_STEPS(...) (int)(sizeof((struct timed_step[]){ __VA_ARGS__ }) / sizeof(struct timed_step))
#define SCENARIO(grace_ms_, ...)                                                           \
    {                                                                                      \
        .grace_ms = (grace_ms_), .n_steps = N_STEPS(__VA_ARGS__), .steps = { __VA_ARGS__ } \
    }
#define NOT_DUE  RECONCILE_NONE, 0
#define GRACE_MS 3000 /* the default reconcile_grace_ms */

static const struct timed_scenario master_is_due_once_missing_for_the_grace =
    SCENARIO(GRACE_MS, S(0, MASTER_MISSING, NOT_DUE), S(GRACE_MS - 1, MASTER_MISSING, NOT_DUE),
             S(GRACE_MS, MASTER_MISSING, RECONCILE_MASTER, GRACE_MS));

static const struct timed_scenario backup_is_due_once_missing_for_the_grace =
    SCENARIO(GRACE_MS, S(0, BACKUP_MISSING, NOT_DUE), S(GRACE_MS - 1, BACKUP_MISSING, NOT_DUE),
             S(GRACE_MS, BACKUP_MISSING, RECONCILE_BACKUP, GRACE_MS));

/* Only a key count of 0 says the master is empty. */
static const struct timed_scenario backup_with_unknown_key_count_waits_the_grace =
    SCENARIO(GRACE_MS, S(0, BACKUP_MISSING_KEYS_UNKNOWN, NOT_DUE),
             S(1, BACKUP_MISSING_KEYS_UNKNOWN, NOT_DUE),
             S(GRACE_MS - 1, BACKUP_MISSING_KEYS_UNKNOWN, NOT_DUE),
             S(GRACE_MS, BACKUP_MISSING_KEYS_UNKNOWN, RECONCILE_BACKUP, GRACE_MS));

/* Even without grace, the first check of an action only starts its timer. */
static const struct timed_scenario empty_master_yields_from_its_second_check = SCENARIO(
    GRACE_MS, S(0, BACKUP_MISSING_EMPTY, NOT_DUE), S(1, BACKUP_MISSING_EMPTY, RECONCILE_BACKUP, 1));

static const struct timed_scenario failed_over_master_yields_from_its_second_check =
    SCENARIO(GRACE_MS, S(0, BACKUP_MISSING_TO_SUCCESSOR, NOT_DUE),
             S(1, BACKUP_MISSING_TO_SUCCESSOR, RECONCILE_BACKUP, 1));

/* Yielding is judged at every check: the count of keys may be known only later. */
static const struct timed_scenario master_found_empty_during_the_grace_yields_at_once =
    SCENARIO(GRACE_MS, S(0, BACKUP_MISSING, NOT_DUE), S(1000, BACKUP_MISSING, NOT_DUE),
             S(1001, BACKUP_MISSING_EMPTY, RECONCILE_BACKUP, 1001));

/* Only a BACKUP yields: an empty replica under the VIP loses nothing by waiting. */
static const struct timed_scenario empty_replica_under_the_vip_waits_the_grace =
    SCENARIO(GRACE_MS, S(0, MASTER_MISSING_EMPTY, NOT_DUE), S(1, MASTER_MISSING_EMPTY, NOT_DUE),
             S(GRACE_MS - 1, MASTER_MISSING_EMPTY, NOT_DUE),
             S(GRACE_MS, MASTER_MISSING_EMPTY, RECONCILE_MASTER, GRACE_MS));

static const struct timed_scenario nothing_missing_is_never_due =
    SCENARIO(GRACE_MS, S(0, NOTHING_MISSING, NOT_DUE), S(GRACE_MS, NOTHING_MISSING, NOT_DUE),
             S(10 * GRACE_MS, NOTHING_MISSING, NOT_DUE));

/* If the transition could not start, the situation persists: another grace first. */
static const struct timed_scenario due_action_starts_over_once_returned =
    SCENARIO(GRACE_MS, S(0, MASTER_MISSING, NOT_DUE),
             S(GRACE_MS, MASTER_MISSING, RECONCILE_MASTER, GRACE_MS),
             S(GRACE_MS + 1, MASTER_MISSING, NOT_DUE), S(2 * GRACE_MS, MASTER_MISSING, NOT_DUE),
             S(2 * GRACE_MS + 1, MASTER_MISSING, RECONCILE_MASTER, GRACE_MS));

static const struct timed_scenario change_of_action_starts_the_grace_again =
    SCENARIO(GRACE_MS, S(0, MASTER_MISSING, NOT_DUE), S(GRACE_MS - 1, BACKUP_MISSING, NOT_DUE),
             S(2 * GRACE_MS - 2, BACKUP_MISSING, NOT_DUE),
             S(2 * GRACE_MS - 1, BACKUP_MISSING, RECONCILE_BACKUP, GRACE_MS));

static const struct timed_scenario situation_resolved_within_the_grace_starts_it_again =
    SCENARIO(GRACE_MS, S(0, MASTER_MISSING, NOT_DUE), S(1000, NOTHING_MISSING, NOT_DUE),
             S(1500, MASTER_MISSING, NOT_DUE), S(1500 + GRACE_MS - 1, MASTER_MISSING, NOT_DUE),
             S(1500 + GRACE_MS, MASTER_MISSING, RECONCILE_MASTER, GRACE_MS));

static const struct timed_scenario running_transition_starts_the_grace_again = SCENARIO(
    GRACE_MS, S(0, MASTER_MISSING, NOT_DUE), S(GRACE_MS - 1, MASTER_MISSING_WHILE_RUNNING, NOT_DUE),
    S(GRACE_MS, MASTER_MISSING, NOT_DUE), S(2 * GRACE_MS - 1, MASTER_MISSING, NOT_DUE),
    S(2 * GRACE_MS, MASTER_MISSING, RECONCILE_MASTER, GRACE_MS));

static const struct timed_scenario notification_starts_the_grace_again =
    SCENARIO(GRACE_MS, S(0, MASTER_MISSING, NOT_DUE), S(GRACE_MS - 1, NOTIFIED, NOT_DUE),
             S(GRACE_MS, MASTER_MISSING, NOT_DUE), S(2 * GRACE_MS - 1, MASTER_MISSING, NOT_DUE),
             S(2 * GRACE_MS, MASTER_MISSING, RECONCILE_MASTER, GRACE_MS));

static const struct timed_scenario notification_starts_the_yield_of_an_empty_master_again =
    SCENARIO(GRACE_MS, S(0, BACKUP_MISSING_EMPTY, NOT_DUE), S(0, NOTIFIED, NOT_DUE),
             S(1, BACKUP_MISSING_EMPTY, NOT_DUE), S(2, BACKUP_MISSING_EMPTY, RECONCILE_BACKUP, 1));

static const struct timed_scenario zero_grace_is_due_from_the_second_check =
    SCENARIO(0, S(0, MASTER_MISSING, NOT_DUE), S(0, MASTER_MISSING, RECONCILE_MASTER, 0),
             S(5, BACKUP_MISSING, NOT_DUE), S(5, BACKUP_MISSING, RECONCILE_BACKUP, 0));

/* A monotonic time well after boot, as the daemon sees. */
#define START_USEC 7000000ull
/* What lasted_usec holds unless an action is due. */
#define UNTOUCHED UINT64_MAX

static void run_timed_scenario(void **state) {
    const struct timed_scenario *sc = *state;
    struct reconcile_timer timer = { 0 };
    uint64_t grace_usec = (uint64_t)sc->grace_ms * 1000u;
    for (int i = 0; i < sc->n_steps; i++) {
        const struct timed_step *st = &sc->steps[i];
        if (st->situation == NOTIFIED) {
            reconcile_reset(&timer);
            continue;
        }
        uint64_t lasted_usec = UNTOUCHED;
        uint64_t expected_lasted_usec =
            st->expected == RECONCILE_NONE ? UNTOUCHED : (uint64_t)st->lasted_ms * 1000u;
        enum reconcile_action action =
            reconcile_due(&timer, &situations[st->situation],
                          START_USEC + (uint64_t)st->at_ms * 1000u, grace_usec, &lasted_usec);
        if (action != st->expected || lasted_usec != expected_lasted_usec)
            print_error("step %d (at %lld ms, grace %lld ms): %s after %lld usec, expected %s "
                        "after %lld ms\n",
                        i + 1, st->at_ms, sc->grace_ms, reconcile_action_to_string(action),
                        lasted_usec == UNTOUCHED ? -1LL : (long long)lasted_usec,
                        reconcile_action_to_string(st->expected), st->lasted_ms);
        assert_int_equal(action, st->expected);
        assert_true(lasted_usec == expected_lasted_usec);
    }
}

/* One cmocka test per scenario, named for the behaviour it proves. */
#define SCENARIO_TEST(sc)                                                   \
    {                                                                       \
        .name = "test_reconcile_due_" #sc, .test_func = run_timed_scenario, \
        .initial_state = (void *)&(sc)                                      \
    }

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
        CASE_TEST(vip_elsewhere_beside_a_peer_restarted_without_our_data_holds),
        CASE_TEST(vip_elsewhere_local_master_and_peer_unreachable_does_nothing),
        CASE_TEST(vip_elsewhere_local_master_and_peer_last_seen_master_does_nothing),
        CASE_TEST(vip_elsewhere_local_master_and_peer_replica_does_nothing),
        CASE_TEST(vip_elsewhere_local_master_and_peer_role_unknown_does_nothing),
        CASE_TEST(vip_elsewhere_and_local_replica_does_nothing),
        CASE_TEST(vip_elsewhere_and_local_replica_does_nothing_without_peer),
        SCENARIO_TEST(master_is_due_once_missing_for_the_grace),
        SCENARIO_TEST(backup_is_due_once_missing_for_the_grace),
        SCENARIO_TEST(backup_with_unknown_key_count_waits_the_grace),
        SCENARIO_TEST(empty_master_yields_from_its_second_check),
        SCENARIO_TEST(failed_over_master_yields_from_its_second_check),
        SCENARIO_TEST(master_found_empty_during_the_grace_yields_at_once),
        SCENARIO_TEST(empty_replica_under_the_vip_waits_the_grace),
        SCENARIO_TEST(nothing_missing_is_never_due),
        SCENARIO_TEST(due_action_starts_over_once_returned),
        SCENARIO_TEST(change_of_action_starts_the_grace_again),
        SCENARIO_TEST(situation_resolved_within_the_grace_starts_it_again),
        SCENARIO_TEST(running_transition_starts_the_grace_again),
        SCENARIO_TEST(notification_starts_the_grace_again),
        SCENARIO_TEST(notification_starts_the_yield_of_an_empty_master_again),
        SCENARIO_TEST(zero_grace_is_due_from_the_second_check),
        cmocka_unit_test(test_action_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
