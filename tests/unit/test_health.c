/* Unit tests for health.c: how a reply to PING is classified (error texts as
 * redis-server 7.0.15 sends them), the rise/fall hysteresis as a table of scenarios,
 * the readiness gate that keeps a node off the VIP while it catches up, and the
 * summary of the peer that the gate reads, as tables of named cases. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "health.h"

/* ---- health_classify_ping ---- */

static void classify(int reply_type, const char *text, struct check_result *out) {
    memset(out, 0x5a, sizeof(*out)); /* stale garbage must be overwritten */
    health_classify_ping(reply_type, text, out);
}

static void assert_unhealthy_with(int reply_type, const char *text, const char *reason) {
    struct check_result r;
    classify(reply_type, text, &r);
    assert_false(r.healthy);
    assert_int_equal(r.evidence, HEALTH_EVIDENCE_AMBIGUOUS);
    assert_string_equal(r.reason, reason);
}

static void test_pong_status_is_healthy(void **state) {
    (void)state;
    struct check_result r;
    classify(REDIS_REPLY_STATUS, "PONG", &r);
    assert_true(r.healthy);
    assert_int_equal(r.evidence, HEALTH_EVIDENCE_AMBIGUOUS);
    assert_string_equal(r.reason, "ok");
}

static void test_pong_as_bulk_string_is_unhealthy(void **state) {
    (void)state;
    /* PING with an argument echoes it as a bulk string: not the server's own PONG. */
    assert_unhealthy_with(REDIS_REPLY_STRING, "PONG", "unhealthy: unexpected reply to PING: PONG");
}

static void test_other_status_is_unhealthy(void **state) {
    (void)state;
    assert_unhealthy_with(REDIS_REPLY_STATUS, "OK", "unhealthy: unexpected reply to PING: OK");
    assert_unhealthy_with(REDIS_REPLY_STATUS, "pong", "unhealthy: unexpected reply to PING: pong");
    assert_unhealthy_with(REDIS_REPLY_STATUS, "PONG ",
                          "unhealthy: unexpected reply to PING: PONG ");
}

static void test_missing_text_is_unhealthy_without_crashing(void **state) {
    (void)state;
    assert_unhealthy_with(REDIS_REPLY_NIL, NULL, "unhealthy: unexpected reply to PING: ");
    assert_unhealthy_with(REDIS_REPLY_STATUS, NULL, "unhealthy: unexpected reply to PING: ");
    assert_unhealthy_with(REDIS_REPLY_ERROR, NULL, "unhealthy: error reply to PING: ");
}

static void test_error_that_looks_like_a_known_one_is_not_it_as_status(void **state) {
    (void)state;
    /* Only error replies are matched against the known errors. */
    assert_unhealthy_with(REDIS_REPLY_STATUS, "LOADING Redis is loading the dataset in memory",
                          "unhealthy: unexpected reply to PING: "
                          "LOADING Redis is loading the dataset in memory");
}

static void test_loading_error_is_named(void **state) {
    (void)state;
    assert_unhealthy_with(REDIS_REPLY_ERROR, "LOADING Redis is loading the dataset in memory",
                          "unhealthy: LOADING dataset");
}

static void test_busy_error_is_named(void **state) {
    (void)state;
    assert_unhealthy_with(REDIS_REPLY_ERROR,
                          "BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
                          "SHUTDOWN NOSAVE.",
                          "unhealthy: BUSY running a script or function");
}

static void test_masterdown_error_is_named(void **state) {
    (void)state;
    assert_unhealthy_with(REDIS_REPLY_ERROR,
                          "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set "
                          "to 'no'.",
                          "unhealthy: MASTERDOWN link with master is down");
}

static void test_noauth_error_is_an_auth_failure(void **state) {
    (void)state;
    assert_unhealthy_with(REDIS_REPLY_ERROR, "NOAUTH Authentication required.",
                          "unhealthy: auth failed: NOAUTH authentication required");
}

static void test_wrongpass_error_is_an_auth_failure(void **state) {
    (void)state;
    assert_unhealthy_with(REDIS_REPLY_ERROR,
                          "WRONGPASS invalid username-password pair or user is disabled.",
                          "unhealthy: auth failed: WRONGPASS");
}

static void test_noperm_error_is_an_auth_failure(void **state) {
    (void)state;
    assert_unhealthy_with(REDIS_REPLY_ERROR,
                          "NOPERM this user has no permissions to run the 'ping' command",
                          "unhealthy: auth failed: NOPERM user may not run PING");
}

static void test_known_error_code_without_message_is_named(void **state) {
    (void)state;
    assert_unhealthy_with(REDIS_REPLY_ERROR, "LOADING", "unhealthy: LOADING dataset");
    assert_unhealthy_with(REDIS_REPLY_ERROR, "BUSY",
                          "unhealthy: BUSY running a script or function");
}

static void test_unknown_error_is_quoted(void **state) {
    (void)state;
    assert_unhealthy_with(REDIS_REPLY_ERROR,
                          "ERR unknown command 'PING', with args beginning with: ",
                          "unhealthy: error reply to PING: "
                          "ERR unknown command 'PING', with args beginning with: ");
}

static void test_prefix_lookalike_is_not_the_known_error(void **state) {
    (void)state;
    assert_unhealthy_with(REDIS_REPLY_ERROR, "LOADINGX foo",
                          "unhealthy: error reply to PING: LOADINGX foo");
    assert_unhealthy_with(
        REDIS_REPLY_ERROR, "BUSYKEY Target key name already exists.",
        "unhealthy: error reply to PING: BUSYKEY Target key name already exists.");
    assert_unhealthy_with(REDIS_REPLY_ERROR, "NOAUTHX", "unhealthy: error reply to PING: NOAUTHX");
}

static void test_known_error_is_matched_case_sensitively_at_the_start(void **state) {
    (void)state;
    assert_unhealthy_with(REDIS_REPLY_ERROR, "loading dataset",
                          "unhealthy: error reply to PING: loading dataset");
    assert_unhealthy_with(REDIS_REPLY_ERROR, "ERR LOADING",
                          "unhealthy: error reply to PING: ERR LOADING");
}

static void test_long_reply_is_quoted_up_to_200_characters(void **state) {
    (void)state;
    char text[400], expected[300];
    memset(text, 'e', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    snprintf(expected, sizeof(expected), "unhealthy: error reply to PING: %.200s", text);
    assert_unhealthy_with(REDIS_REPLY_ERROR, text, expected);
    snprintf(expected, sizeof(expected), "unhealthy: unexpected reply to PING: %.200s", text);
    assert_unhealthy_with(REDIS_REPLY_STRING, text, expected);
}

/* ---- health_update: scenarios of results and the expected state after each ---- */

enum { OK, FAIL, GONE }; /* a healthy result, an ambiguous failure, a definitive failure */

struct step {
    int result;
    bool changed; /* health_update's return */
    bool healthy; /* state.healthy afterwards */
};

struct scenario {
    int rise, fall;
    int n_steps;
    struct step steps[12];
};

#define S(...) \
    { __VA_ARGS__ }
#define N_STEPS(...) (int)(sizeof((struct step[]){ __VA_ARGS__ }) / sizeof(struct step))
#define SCENARIO(rise_, fall_, ...)                                                   \
    {                                                                                 \
        .rise = (rise_), .fall = (fall_), .n_steps = N_STEPS(__VA_ARGS__), .steps = { \
            __VA_ARGS__                                                               \
        }                                                                             \
    }
#define CHANGED   true
#define SAME      false
#define HEALTHY   true
#define UNHEALTHY false

static const struct scenario first_healthy_result_decides_at_once =
    SCENARIO(3, 3, S(OK, CHANGED, HEALTHY), S(OK, SAME, HEALTHY));

static const struct scenario first_ambiguous_failure_decides_at_once =
    SCENARIO(3, 3, S(FAIL, CHANGED, UNHEALTHY), S(FAIL, SAME, UNHEALTHY));

static const struct scenario first_definitive_failure_decides_at_once =
    SCENARIO(3, 3, S(GONE, CHANGED, UNHEALTHY));

static const struct scenario healthy_turns_unhealthy_after_fall_failures =
    SCENARIO(2, 3, S(OK, CHANGED, HEALTHY), S(FAIL, SAME, HEALTHY), S(FAIL, SAME, HEALTHY),
             S(FAIL, CHANGED, UNHEALTHY), S(FAIL, SAME, UNHEALTHY));

static const struct scenario unhealthy_turns_healthy_after_rise_successes =
    SCENARIO(3, 2, S(FAIL, CHANGED, UNHEALTHY), S(OK, SAME, UNHEALTHY), S(OK, SAME, UNHEALTHY),
             S(OK, CHANGED, HEALTHY), S(OK, SAME, HEALTHY));

static const struct scenario interrupted_runs_start_counting_again =
    SCENARIO(2, 2, S(OK, CHANGED, HEALTHY), S(FAIL, SAME, HEALTHY), S(OK, SAME, HEALTHY),
             S(FAIL, SAME, HEALTHY), S(FAIL, CHANGED, UNHEALTHY), S(OK, SAME, UNHEALTHY),
             S(FAIL, SAME, UNHEALTHY), S(OK, SAME, UNHEALTHY), S(OK, CHANGED, HEALTHY));

static const struct scenario definitive_failure_flips_at_once_whatever_fall_says =
    SCENARIO(2, 5, S(OK, CHANGED, HEALTHY), S(OK, SAME, HEALTHY), S(GONE, CHANGED, UNHEALTHY),
             S(GONE, SAME, UNHEALTHY), S(OK, SAME, UNHEALTHY), S(OK, CHANGED, HEALTHY));

static const struct scenario definitive_failure_after_ambiguous_ones_flips_at_once =
    SCENARIO(2, 5, S(OK, CHANGED, HEALTHY), S(FAIL, SAME, HEALTHY), S(GONE, CHANGED, UNHEALTHY));

static const struct scenario rise_and_fall_of_one_follow_every_result =
    SCENARIO(1, 1, S(OK, CHANGED, HEALTHY), S(FAIL, CHANGED, UNHEALTHY), S(OK, CHANGED, HEALTHY),
             S(OK, SAME, HEALTHY), S(FAIL, CHANGED, UNHEALTHY), S(FAIL, SAME, UNHEALTHY));

static const struct scenario failures_while_unhealthy_change_nothing =
    SCENARIO(2, 2, S(FAIL, CHANGED, UNHEALTHY), S(FAIL, SAME, UNHEALTHY), S(GONE, SAME, UNHEALTHY),
             S(FAIL, SAME, UNHEALTHY));

static void run_scenario(void **state) {
    const struct scenario *sc = *state;
    struct health_state hs = { 0 };
    for (int i = 0; i < sc->n_steps; i++) {
        const struct step *st = &sc->steps[i];
        struct check_result result = { 0 };
        result.healthy = st->result == OK;
        result.evidence =
            st->result == GONE ? HEALTH_EVIDENCE_DEFINITIVE : HEALTH_EVIDENCE_AMBIGUOUS;
        bool changed = health_update(&hs, &result, sc->rise, sc->fall);
        if (changed != st->changed || hs.healthy != st->healthy || !hs.known)
            print_error("step %d (rise %d, fall %d): changed %d healthy %d known %d, "
                        "expected changed %d healthy %d\n",
                        i + 1, sc->rise, sc->fall, changed, hs.healthy, hs.known, st->changed,
                        st->healthy);
        assert_true(hs.known);
        assert_int_equal(changed, st->changed);
        assert_int_equal(hs.healthy, st->healthy);
    }
}

/* One cmocka test per scenario, named for the behaviour it proves. */
#define SCENARIO_TEST(sc) \
    { .name = "test_health_update_" #sc, .test_func = run_scenario, .initial_state = (void *)&(sc) }

/* ---- health_ready ---- */

static struct redis_info replica_info(bool link_up, bool sync_in_progress) {
    struct redis_info info;
    memset(&info, 0, sizeof(info));
    info.role = REDIS_ROLE_REPLICA;
    info.master_link_up = link_up;
    info.master_sync_in_progress = sync_in_progress;
    info.slave_repl_offset = 100;
    info.master_repl_offset = 100;
    return info;
}

static struct redis_info master_info(void) {
    struct redis_info info;
    memset(&info, 0, sizeof(info));
    info.role = REDIS_ROLE_MASTER;
    info.master_repl_offset = 100;
    return info;
}

static const struct peer_summary reachable_master = { .reachable = true,
                                                      .role = REDIS_ROLE_MASTER,
                                                      .keys = 10 };
static const struct peer_summary reachable_replica = { .reachable = true,
                                                       .role = REDIS_ROLE_REPLICA,
                                                       .keys = 10 };
static const struct peer_summary reachable_unknown = { .reachable = true,
                                                       .role = REDIS_ROLE_UNKNOWN,
                                                       .keys = -1 };
static const struct peer_summary unreachable = { .reachable = false,
                                                 .role = REDIS_ROLE_UNKNOWN,
                                                 .keys = -1 };
static const struct peer_summary unreachable_last_seen_master = { .reachable = false,
                                                                  .role = REDIS_ROLE_MASTER,
                                                                  .keys = 10 };

static void test_ready_replica_in_sync_with_reachable_master_peer(void **state) {
    (void)state;
    struct redis_info info = replica_info(true, false);
    char reason[128] = "";
    assert_true(health_ready(&info, 10, &reachable_master, reason, sizeof(reason)));
}

static void test_not_ready_while_loading(void **state) {
    (void)state;
    struct redis_info info = replica_info(true, false);
    info.loading = true;
    char reason[128] = "";
    assert_false(health_ready(&info, -1, &reachable_master, reason, sizeof(reason)));
    assert_string_equal(reason, "unhealthy: LOADING dataset");
}

static void test_not_ready_while_loading_even_as_master(void **state) {
    (void)state;
    struct redis_info info = master_info();
    info.loading = true;
    char reason[128] = "";
    assert_false(health_ready(&info, 10, &reachable_replica, reason, sizeof(reason)));
    assert_string_equal(reason, "unhealthy: LOADING dataset");
}

static void test_not_ready_replica_in_full_sync_with_reachable_master_peer(void **state) {
    (void)state;
    struct redis_info info = replica_info(false, true);
    char reason[128] = "";
    assert_false(health_ready(&info, 0, &reachable_master, reason, sizeof(reason)));
    assert_string_equal(reason, "unhealthy: full sync from master in progress");
}

static void test_not_ready_replica_with_link_down_to_reachable_master_peer(void **state) {
    (void)state;
    struct redis_info info = replica_info(false, false);
    char reason[128] = "";
    assert_false(health_ready(&info, 10, &reachable_master, reason, sizeof(reason)));
    assert_string_equal(reason, "unhealthy: replica link to master is down");
}

static void test_full_sync_reason_wins_over_link_down(void **state) {
    (void)state;
    /* A full sync always has its link down; the sync is the more useful reason. */
    struct redis_info info = replica_info(false, true);
    char reason[128] = "";
    assert_false(health_ready(&info, 0, &reachable_master, reason, sizeof(reason)));
    assert_string_equal(reason, "unhealthy: full sync from master in progress");
}

static void test_ready_when_peer_unreachable_even_in_full_sync(void **state) {
    (void)state;
    char reason[128] = "";
    struct redis_info info = replica_info(false, true);
    assert_true(health_ready(&info, 0, &unreachable, reason, sizeof(reason)));
    assert_true(health_ready(&info, 0, &unreachable_last_seen_master, reason, sizeof(reason)));
    info = replica_info(false, false);
    assert_true(health_ready(&info, 10, &unreachable, reason, sizeof(reason)));
}

static void test_ready_when_peer_is_not_a_master(void **state) {
    (void)state;
    struct redis_info info = replica_info(false, true);
    char reason[128] = "";
    assert_true(health_ready(&info, 0, &reachable_replica, reason, sizeof(reason)));
    assert_true(health_ready(&info, 0, &reachable_unknown, reason, sizeof(reason)));
}

static void test_ready_local_master_with_data(void **state) {
    (void)state;
    struct redis_info info = master_info();
    char reason[128] = "";
    assert_true(health_ready(&info, 10, &reachable_master, reason, sizeof(reason)));
    assert_true(health_ready(&info, 10, &reachable_replica, reason, sizeof(reason)));
    assert_true(health_ready(&info, 10, &unreachable, reason, sizeof(reason)));
}

static void test_not_ready_empty_master_while_peer_master_has_keys(void **state) {
    (void)state;
    struct redis_info info = master_info();
    char reason[160] = "";
    assert_false(health_ready(&info, 0, &reachable_master, reason, sizeof(reason)));
    assert_string_equal(reason, "unhealthy: empty master while the peer is a master with 10 keys "
                                "(must refill from it first)");
}

static void test_ready_empty_master_when_peer_has_nothing_to_refill_from(void **state) {
    (void)state;
    struct redis_info info = master_info();
    char reason[160] = "";
    const struct peer_summary empty_peer = { .reachable = true,
                                             .role = REDIS_ROLE_MASTER,
                                             .keys = 0 };
    const struct peer_summary peer_keys_unknown = { .reachable = true,
                                                    .role = REDIS_ROLE_MASTER,
                                                    .keys = -1 };
    assert_true(health_ready(&info, 0, &empty_peer, reason, sizeof(reason)));
    assert_true(health_ready(&info, 0, &peer_keys_unknown, reason, sizeof(reason)));
    assert_true(health_ready(&info, 0, &unreachable_last_seen_master, reason, sizeof(reason)));
}

/* Restarted without its data before its replica was promoted: that replica holds
 * everything, and must not refill from us. */
static void test_not_ready_empty_master_while_peer_replica_has_keys(void **state) {
    (void)state;
    struct redis_info info = master_info();
    char reason[160] = "";
    assert_false(health_ready(&info, 0, &reachable_replica, reason, sizeof(reason)));
    assert_string_equal(reason, "unhealthy: empty master while the peer is a replica with 10 keys "
                                "(must refill from it first)");
}

/* Restarted with less than its peer holds (written to since, or from an old
 * snapshot): the peer's data is the reference, whatever its role. */
static void test_not_ready_master_restarted_without_the_peers_data(void **state) {
    (void)state;
    struct redis_info info = master_info();
    char reason[160] = "";
    struct peer_summary peer = reachable_replica;
    peer.restarted_without_peer_data = true;
    assert_false(health_ready(&info, 3, &peer, reason, sizeof(reason)));
    assert_string_equal(reason, "unhealthy: restarted master while the peer is a replica with 10 "
                                "keys (must refill from it first)");
    assert_true(health_ready(&info, 3, &reachable_replica, reason, sizeof(reason)));
}

static void test_ready_master_whose_key_count_is_unknown(void **state) {
    (void)state;
    struct redis_info info = master_info();
    char reason[160] = "";
    assert_true(health_ready(&info, -1, &reachable_master, reason, sizeof(reason)));
}

static void test_not_ready_reason_is_cut_to_its_buffer(void **state) {
    (void)state;
    struct redis_info info = replica_info(false, false);
    char reason[12];
    memset(reason, 'Z', sizeof(reason));
    assert_false(health_ready(&info, 10, &reachable_master, reason, 10));
    assert_string_equal(reason, "unhealthy");
    assert_int_equal(reason[10], 'Z');
}

static void test_not_ready_empty_while_peer_unseen_since_start(void **state) {
    (void)state;
    const struct peer_summary unseen = {
        .reachable = false, .role = REDIS_ROLE_UNKNOWN, .keys = -1, .unseen_at_start = true
    };
    struct redis_info info = master_info();
    char reason[128] = "";
    assert_false(health_ready(&info, 0, &unseen, reason, sizeof(reason)));
    assert_string_equal(reason,
                        "unhealthy: no data, and the peer not seen since start (waiting for it)");
    /* With data of its own, or once the wait is over, it may serve. */
    assert_true(health_ready(&info, 5, &unseen, reason, sizeof(reason)));
    assert_true(health_ready(&info, 0, &unreachable, reason, sizeof(reason)));
}

static void test_not_ready_master_whose_peer_was_promoted_from_it(void **state) {
    (void)state;
    /* It hung or was cut off and was failed over: the peer has writes it lacks. */
    const struct peer_summary successor = {
        .reachable = true, .role = REDIS_ROLE_MASTER, .keys = 10, .promoted_from_us = true
    };
    struct redis_info info = master_info();
    char reason[160] = "";
    assert_false(health_ready(&info, 10, &successor, reason, sizeof(reason)));
    assert_non_null(strstr(reason, "promoted from our history"));
    assert_true(health_ready(&info, 10, &reachable_master, reason, sizeof(reason)));
}

/* ---- health_peer_promoted_from_us ---- */

/* Replication ids as INFO prints them; NONE is what Redis shows for "no replid2". */
#define REPLID_A    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define REPLID_B    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define REPLID_NONE "0000000000000000000000000000000000000000"
#define OURS        REPLID_A
#define REACHABLE   true
#define UNREACHABLE false

static struct redis_info info_with(enum redis_role role, const char *replid, const char *replid2,
                                   long long keys) {
    struct redis_info info;
    memset(&info, 0, sizeof(info));
    info.role = role;
    snprintf(info.replid, sizeof(info.replid), "%s", replid);
    snprintf(info.replid2, sizeof(info.replid2), "%s", replid2);
    info.keys = keys;
    return info;
}

struct promoted_case {
    const char *local_replid;
    bool peer_reachable;
    enum redis_role peer_role;
    const char *peer_replid2;
    long long peer_writes_since_promotion_bytes;
    bool expected;
};

/* The peer's own history starts at this offset (its second_repl_offset). */
#define PROMOTED_AT_OFFSET 1001

static const struct promoted_case master_whose_replid2_is_ours_was_promoted_from_us = {
    OURS, REACHABLE, REDIS_ROLE_MASTER, OURS, 50, true
};
static const struct promoted_case unreachable_peer_is_not_taken_for_our_successor = {
    OURS, UNREACHABLE, REDIS_ROLE_MASTER, OURS, 50, false
};
static const struct promoted_case replica_with_our_replid2_is_not_our_successor = {
    OURS, REACHABLE, REDIS_ROLE_REPLICA, OURS, 50, false
};
static const struct promoted_case peer_of_unknown_role_is_not_our_successor = {
    OURS, REACHABLE, REDIS_ROLE_UNKNOWN, OURS, 50, false
};
static const struct promoted_case master_promoted_from_another_history_is_not_our_successor = {
    OURS, REACHABLE, REDIS_ROLE_MASTER, REPLID_B, 50, false
};
static const struct promoted_case master_never_promoted_is_not_our_successor = {
    OURS, REACHABLE, REDIS_ROLE_MASTER, REPLID_NONE, 50, false
};
/* Two ids that were never parsed are equal, and prove nothing. */
static const struct promoted_case unknown_replid_of_ours_matches_no_peer = {
    "", REACHABLE, REDIS_ROLE_MASTER, "", 50, false
};

/* A node that caught up from us and was promoted while we kept the VIP: what it
 * holds is a prefix of our history, and it rejoins us. */
static const struct promoted_case master_promoted_from_us_without_a_write_since_is_no_successor = {
    OURS, REACHABLE, REDIS_ROLE_MASTER, OURS, 0, false
};
/* Its first write since is its own history's first byte. */
static const struct promoted_case master_promoted_from_us_with_one_write_since_is_our_successor = {
    OURS, REACHABLE, REDIS_ROLE_MASTER, OURS, 1, true
};

static void run_promoted_case(void **state) {
    const struct promoted_case *c = *state;
    struct redis_info local = info_with(REDIS_ROLE_MASTER, c->local_replid, REPLID_NONE, 10);
    struct redis_info peer = info_with(c->peer_role, REPLID_B, c->peer_replid2, 10);
    peer.second_repl_offset = PROMOTED_AT_OFFSET;
    peer.master_repl_offset = PROMOTED_AT_OFFSET - 1 + c->peer_writes_since_promotion_bytes;
    bool promoted = health_peer_promoted_from_us(&local, c->peer_reachable, &peer);
    if (promoted != c->expected)
        print_error("ours '%s', peer reachable %d %s replid2 '%s': %d, expected %d\n",
                    c->local_replid, c->peer_reachable, redis_role_to_string(c->peer_role),
                    c->peer_replid2, promoted, c->expected);
    assert_int_equal(promoted, c->expected);
}

#define PROMOTED_CASE_TEST(c)                                                     \
    {                                                                             \
        .name = "test_peer_promoted_from_us_" #c, .test_func = run_promoted_case, \
        .initial_state = (void *)&(c)                                             \
    }

/* ---- health_summarize_peer ---- */

struct summary_case {
    bool peer_reachable;
    struct redis_info peer; /* its last INFO */
    bool peer_seen;         /* answered or refused since the agent started */
    long long since_start_ms;
    long long empty_start_wait_ms;
    struct peer_summary expected;
};

/* A peer with writes since its last promotion (PROMOTED_AT_OFFSET). */
#define PEER_INFO(role_, replid2_, keys_)                                                       \
    {                                                                                           \
        .role = (role_), .replid = REPLID_B, .replid2 = replid2_, .keys = (keys_),              \
        .second_repl_offset = PROMOTED_AT_OFFSET, .master_repl_offset = PROMOTED_AT_OFFSET + 49 \
    }
#define NEVER_ANSWERED \
    { .role = REDIS_ROLE_UNKNOWN }
#define SEEN    true
#define UNSEEN  false
#define WAIT_MS 10000 /* the default empty_start_wait_ms */
#define SUMMARY(reachable_, role_, keys_, unseen_, promoted_)                                      \
    {                                                                                              \
        .reachable = (reachable_), .role = (role_), .keys = (keys_), .unseen_at_start = (unseen_), \
        .promoted_from_us = (promoted_)                                                            \
    }

static const struct summary_case reachable_master_is_summarized_with_its_keys = {
    REACHABLE, PEER_INFO(REDIS_ROLE_MASTER, REPLID_NONE, 10),     SEEN, 0,
    WAIT_MS,   SUMMARY(true, REDIS_ROLE_MASTER, 10, false, false)
};
static const struct summary_case reachable_replica_is_summarized_with_its_keys = {
    REACHABLE, PEER_INFO(REDIS_ROLE_REPLICA, REPLID_NONE, 0),     SEEN, 0,
    WAIT_MS,   SUMMARY(true, REDIS_ROLE_REPLICA, 0, false, false)
};
static const struct summary_case reachable_successor_is_summarized_as_promoted_from_us = {
    REACHABLE, PEER_INFO(REDIS_ROLE_MASTER, OURS, 10),           SEEN, 0,
    WAIT_MS,   SUMMARY(true, REDIS_ROLE_MASTER, 10, false, true)
};
/* health_ready looks at reachability first; the keys of a silent peer are not known. */
static const struct summary_case unreachable_peer_keeps_its_last_role_with_keys_unknown = {
    UNREACHABLE, PEER_INFO(REDIS_ROLE_MASTER, OURS, 10),
    SEEN,        2 * WAIT_MS,
    WAIT_MS,     SUMMARY(false, REDIS_ROLE_MASTER, -1, false, false)
};
static const struct summary_case peer_never_seen_within_the_start_wait_is_unseen_at_start = {
    UNREACHABLE, NEVER_ANSWERED, UNSEEN,
    WAIT_MS - 1, WAIT_MS,        SUMMARY(false, REDIS_ROLE_UNKNOWN, -1, true, false)
};
static const struct summary_case peer_never_seen_is_waited_for_from_the_start = {
    UNREACHABLE, NEVER_ANSWERED, UNSEEN,
    0,           WAIT_MS,        SUMMARY(false, REDIS_ROLE_UNKNOWN, -1, true, false)
};
static const struct summary_case peer_never_seen_is_no_longer_waited_for_at_the_end_of_the_wait = {
    UNREACHABLE, NEVER_ANSWERED, UNSEEN,
    WAIT_MS,     WAIT_MS,        SUMMARY(false, REDIS_ROLE_UNKNOWN, -1, false, false)
};
/* A refused connection counts as seen: nothing listens there, so nothing hides data. */
static const struct summary_case peer_seen_within_the_start_wait_is_not_waited_for = {
    UNREACHABLE, NEVER_ANSWERED, SEEN,
    0,           WAIT_MS,        SUMMARY(false, REDIS_ROLE_UNKNOWN, -1, false, false)
};
static const struct summary_case no_start_wait_never_waits_for_the_peer = {
    UNREACHABLE, NEVER_ANSWERED, UNSEEN, 0, 0, SUMMARY(false, REDIS_ROLE_UNKNOWN, -1, false, false)
};

/* A monotonic time well after boot, as the daemon sees. */
#define STARTED_USEC 7000000ull

static void run_summary_case(void **state) {
    const struct summary_case *c = *state;
    struct redis_info local = info_with(REDIS_ROLE_MASTER, OURS, REPLID_NONE, 10);
    struct peer_summary out;
    memset(&out, 0x5a, sizeof(out)); /* stale garbage must be overwritten */
    health_summarize_peer(&out, &local, c->peer_reachable, &c->peer, c->peer_seen,
                          STARTED_USEC + (uint64_t)c->since_start_ms * 1000u, STARTED_USEC,
                          (uint64_t)c->empty_start_wait_ms * 1000u);
    const struct peer_summary *e = &c->expected;
    if (out.reachable != e->reachable || out.role != e->role || out.keys != e->keys ||
        out.unseen_at_start != e->unseen_at_start || out.promoted_from_us != e->promoted_from_us)
        print_error("reachable %d role %s keys %lld unseen_at_start %d promoted_from_us %d, "
                    "expected %d %s %lld %d %d\n",
                    out.reachable, redis_role_to_string(out.role), out.keys, out.unseen_at_start,
                    out.promoted_from_us, e->reachable, redis_role_to_string(e->role), e->keys,
                    e->unseen_at_start, e->promoted_from_us);
    assert_int_equal(out.reachable, e->reachable);
    assert_int_equal(out.role, e->role);
    assert_int_equal(out.keys, e->keys);
    assert_int_equal(out.unseen_at_start, e->unseen_at_start);
    assert_int_equal(out.promoted_from_us, e->promoted_from_us);
}

#define SUMMARY_CASE_TEST(c)                                              \
    {                                                                     \
        .name = "test_summarize_peer_" #c, .test_func = run_summary_case, \
        .initial_state = (void *)&(c)                                     \
    }

/* ---- stall_watch ---- */

#define MS 1000u

static struct redis_info master_at(long long offset) {
    struct redis_info info = master_info();
    info.master_repl_offset = offset;
    return info;
}

static struct redis_info replica_at(long long offset) {
    struct redis_info info = replica_info(true, false);
    info.slave_repl_offset = offset;
    return info;
}

static void test_stall_is_judged_only_once_the_sample_is_old_enough(void **state) {
    (void)state;
    struct stall_watch s;
    stall_watch_init(&s);
    struct redis_info peer = master_at(500), behind = replica_at(400);
    stall_watch_sample(&s, &peer, 1000 * MS);
    stall_watch_judge(&s, &behind, true, 1999 * MS, 1000 * MS);
    assert_false(s.stalled); /* too early: the bytes may be on their way */
    stall_watch_judge(&s, &behind, true, 2000 * MS, 1000 * MS);
    assert_true(s.stalled);
    assert_int_equal(s.behind_bytes, 100);
    assert_int_equal(s.behind_ms, 1000);
}

static void test_a_replica_that_reached_the_sample_is_not_stalled(void **state) {
    (void)state;
    struct stall_watch s;
    stall_watch_init(&s);
    struct redis_info peer = master_at(500), level = replica_at(500), ahead = replica_at(900);
    stall_watch_sample(&s, &peer, 0);
    stall_watch_judge(&s, &level, true, 1500 * MS, 1000 * MS);
    assert_false(s.stalled);
    stall_watch_sample(&s, &peer, 1500 * MS);
    stall_watch_judge(&s, &ahead, true, 3000 * MS, 1000 * MS);
    assert_false(s.stalled);
}

static void test_a_stall_stands_until_the_next_sample_is_judged(void **state) {
    (void)state;
    struct stall_watch s;
    stall_watch_init(&s);
    struct redis_info peer = master_at(500), behind = replica_at(400), caught_up = replica_at(800);
    stall_watch_sample(&s, &peer, 0);
    stall_watch_judge(&s, &behind, true, 1000 * MS, 1000 * MS);
    assert_true(s.stalled);
    /* The master goes silent: no new sample, the verdict stays. */
    stall_watch_judge(&s, &caught_up, true, 9000 * MS, 1000 * MS);
    assert_true(s.stalled);
    struct redis_info later = master_at(800);
    stall_watch_sample(&s, &later, 9000 * MS);
    stall_watch_judge(&s, &caught_up, true, 10000 * MS, 1000 * MS);
    assert_false(s.stalled);
}

static void test_a_pending_sample_is_kept_and_a_replica_peer_is_not_sampled(void **state) {
    (void)state;
    struct stall_watch s;
    stall_watch_init(&s);
    struct redis_info first = master_at(500), second = master_at(700);
    struct redis_info replica_peer = replica_at(900);
    stall_watch_sample(&s, &replica_peer, 0);
    assert_true(s.sample_offset < 0);
    stall_watch_sample(&s, &first, 0);
    stall_watch_sample(&s, &second, 500 * MS);
    assert_int_equal(s.sample_offset, 500);
}

static void test_not_a_replica_of_the_peer_is_never_stalled(void **state) {
    (void)state;
    struct stall_watch s;
    stall_watch_init(&s);
    struct redis_info peer = master_at(500), behind = replica_at(400);
    stall_watch_sample(&s, &peer, 0);
    stall_watch_judge(&s, &behind, true, 1000 * MS, 1000 * MS);
    assert_true(s.stalled);
    struct redis_info promoted = master_at(400);
    stall_watch_judge(&s, &promoted, false, 1100 * MS, 1000 * MS);
    assert_false(s.stalled);
    assert_true(s.sample_offset < 0);
}

static void test_not_ready_while_replication_is_stalled_even_with_the_peer_silent(void **state) {
    (void)state;
    struct redis_info info = replica_info(true, false);
    struct peer_summary silent = { .reachable = false,
                                   .keys = -1,
                                   .replica_stalled = true,
                                   .stalled_bytes = 52000,
                                   .stalled_ms = 1200 };
    char reason[300];
    assert_false(health_ready(&info, 10, &silent, reason, sizeof(reason)));
    assert_string_equal(reason, "unhealthy: replication stalled: 52000 bytes short of the "
                                "master's offset of 1200 ms ago (the link reads up, nothing "
                                "arrives)");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stall_is_judged_only_once_the_sample_is_old_enough),
        cmocka_unit_test(test_a_replica_that_reached_the_sample_is_not_stalled),
        cmocka_unit_test(test_a_stall_stands_until_the_next_sample_is_judged),
        cmocka_unit_test(test_a_pending_sample_is_kept_and_a_replica_peer_is_not_sampled),
        cmocka_unit_test(test_not_a_replica_of_the_peer_is_never_stalled),
        cmocka_unit_test(test_not_ready_while_replication_is_stalled_even_with_the_peer_silent),
        cmocka_unit_test(test_not_ready_master_whose_peer_was_promoted_from_it),
        cmocka_unit_test(test_not_ready_empty_while_peer_unseen_since_start),
        cmocka_unit_test(test_pong_status_is_healthy),
        cmocka_unit_test(test_pong_as_bulk_string_is_unhealthy),
        cmocka_unit_test(test_other_status_is_unhealthy),
        cmocka_unit_test(test_missing_text_is_unhealthy_without_crashing),
        cmocka_unit_test(test_error_that_looks_like_a_known_one_is_not_it_as_status),
        cmocka_unit_test(test_loading_error_is_named),
        cmocka_unit_test(test_busy_error_is_named),
        cmocka_unit_test(test_masterdown_error_is_named),
        cmocka_unit_test(test_noauth_error_is_an_auth_failure),
        cmocka_unit_test(test_wrongpass_error_is_an_auth_failure),
        cmocka_unit_test(test_noperm_error_is_an_auth_failure),
        cmocka_unit_test(test_known_error_code_without_message_is_named),
        cmocka_unit_test(test_unknown_error_is_quoted),
        cmocka_unit_test(test_prefix_lookalike_is_not_the_known_error),
        cmocka_unit_test(test_known_error_is_matched_case_sensitively_at_the_start),
        cmocka_unit_test(test_long_reply_is_quoted_up_to_200_characters),
        SCENARIO_TEST(first_healthy_result_decides_at_once),
        SCENARIO_TEST(first_ambiguous_failure_decides_at_once),
        SCENARIO_TEST(first_definitive_failure_decides_at_once),
        SCENARIO_TEST(healthy_turns_unhealthy_after_fall_failures),
        SCENARIO_TEST(unhealthy_turns_healthy_after_rise_successes),
        SCENARIO_TEST(interrupted_runs_start_counting_again),
        SCENARIO_TEST(definitive_failure_flips_at_once_whatever_fall_says),
        SCENARIO_TEST(definitive_failure_after_ambiguous_ones_flips_at_once),
        SCENARIO_TEST(rise_and_fall_of_one_follow_every_result),
        SCENARIO_TEST(failures_while_unhealthy_change_nothing),
        cmocka_unit_test(test_ready_replica_in_sync_with_reachable_master_peer),
        cmocka_unit_test(test_not_ready_while_loading),
        cmocka_unit_test(test_not_ready_while_loading_even_as_master),
        cmocka_unit_test(test_not_ready_replica_in_full_sync_with_reachable_master_peer),
        cmocka_unit_test(test_not_ready_replica_with_link_down_to_reachable_master_peer),
        cmocka_unit_test(test_full_sync_reason_wins_over_link_down),
        cmocka_unit_test(test_ready_when_peer_unreachable_even_in_full_sync),
        cmocka_unit_test(test_ready_when_peer_is_not_a_master),
        cmocka_unit_test(test_ready_local_master_with_data),
        cmocka_unit_test(test_not_ready_empty_master_while_peer_master_has_keys),
        cmocka_unit_test(test_ready_empty_master_when_peer_has_nothing_to_refill_from),
        cmocka_unit_test(test_not_ready_empty_master_while_peer_replica_has_keys),
        cmocka_unit_test(test_not_ready_master_restarted_without_the_peers_data),
        cmocka_unit_test(test_ready_master_whose_key_count_is_unknown),
        cmocka_unit_test(test_not_ready_reason_is_cut_to_its_buffer),
        PROMOTED_CASE_TEST(master_whose_replid2_is_ours_was_promoted_from_us),
        PROMOTED_CASE_TEST(master_promoted_from_us_without_a_write_since_is_no_successor),
        PROMOTED_CASE_TEST(master_promoted_from_us_with_one_write_since_is_our_successor),
        PROMOTED_CASE_TEST(unreachable_peer_is_not_taken_for_our_successor),
        PROMOTED_CASE_TEST(replica_with_our_replid2_is_not_our_successor),
        PROMOTED_CASE_TEST(peer_of_unknown_role_is_not_our_successor),
        PROMOTED_CASE_TEST(master_promoted_from_another_history_is_not_our_successor),
        PROMOTED_CASE_TEST(master_never_promoted_is_not_our_successor),
        PROMOTED_CASE_TEST(unknown_replid_of_ours_matches_no_peer),
        SUMMARY_CASE_TEST(reachable_master_is_summarized_with_its_keys),
        SUMMARY_CASE_TEST(reachable_replica_is_summarized_with_its_keys),
        SUMMARY_CASE_TEST(reachable_successor_is_summarized_as_promoted_from_us),
        SUMMARY_CASE_TEST(unreachable_peer_keeps_its_last_role_with_keys_unknown),
        SUMMARY_CASE_TEST(peer_never_seen_within_the_start_wait_is_unseen_at_start),
        SUMMARY_CASE_TEST(peer_never_seen_is_waited_for_from_the_start),
        SUMMARY_CASE_TEST(peer_never_seen_is_no_longer_waited_for_at_the_end_of_the_wait),
        SUMMARY_CASE_TEST(peer_seen_within_the_start_wait_is_not_waited_for),
        SUMMARY_CASE_TEST(no_start_wait_never_waits_for_the_peer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
