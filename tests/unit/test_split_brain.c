/* Unit tests for split_brain.c: scenarios of checks over time, each step a situation
 * of the two Redis (one master, a failover's two masters, two diverged masters, one
 * side silent) and what the caller must then do: log the start, the reminder, the end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "split_brain.h"

/* Replication ids as INFO prints them; NONE is what Redis shows for "no replid2". */
#define REPLID_A    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define REPLID_B    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define REPLID_NONE "0000000000000000000000000000000000000000"

/* What the detection tells apart. */
enum situation {
    ONE_MASTER,         /* we are master, the peer replicates from us */
    PEER_IS_THE_MASTER, /* the peer is master, we replicate from it */
    FAILOVER,           /* both masters: the peer was promoted from our history */
    STALE_PEER,         /* both masters: we were promoted from the peer's history */
    DIVERGED,           /* both masters on two histories */
    LOCAL_SILENT,       /* DIVERGED as last seen, but the local Redis did not answer */
    PEER_UNREACHABLE,   /* DIVERGED as last seen, but the peer did not answer */
};

static struct redis_info master_of(const char *replid, long long offset, const char *replid2,
                                   long long second_repl_offset) {
    struct redis_info info;
    memset(&info, 0, sizeof(info));
    info.role = REDIS_ROLE_MASTER;
    snprintf(info.replid, sizeof(info.replid), "%s", replid);
    snprintf(info.replid2, sizeof(info.replid2), "%s", replid2);
    info.master_repl_offset = offset;
    info.slave_repl_offset = -1;
    info.second_repl_offset = second_repl_offset;
    return info;
}

static struct redis_info replica_of(const char *replid, long long offset) {
    struct redis_info info = master_of(replid, offset, REPLID_NONE, -1);
    info.role = REDIS_ROLE_REPLICA;
    info.slave_repl_offset = offset;
    info.master_link_up = true;
    return info;
}

/* A master of its own history at `offset`, and one promoted at `promoted_at` from
 * history `old_replid` (REPLICAOF NO ONE), now at `offset`. */
#define MASTER(replid_, offset_) master_of((replid_), (offset_), REPLID_NONE, -1)
#define PROMOTED(replid_, offset_, old_replid_, promoted_at_) \
    master_of((replid_), (offset_), (old_replid_), (promoted_at_) + 1)

static struct split_brain_input input_of(enum situation situation, bool running,
                                         struct redis_info *local, struct redis_info *peer) {
    struct split_brain_input in = { .local_answered = true,
                                    .local = local,
                                    .peer_reachable = true,
                                    .peer = peer,
                                    .transition_running = running };
    *local = MASTER(REPLID_A, 100);
    switch (situation) {
    case ONE_MASTER: *peer = replica_of(REPLID_A, 100); break;
    case PEER_IS_THE_MASTER:
        *local = replica_of(REPLID_A, 100);
        *peer = MASTER(REPLID_A, 100);
        break;
    case FAILOVER: *peer = PROMOTED(REPLID_B, 150, REPLID_A, 100); break;
    case STALE_PEER:
        *local = PROMOTED(REPLID_B, 150, REPLID_A, 100);
        *peer = MASTER(REPLID_A, 100);
        break;
    case DIVERGED:
    case LOCAL_SILENT:
    case PEER_UNREACHABLE:
        *peer = MASTER(REPLID_B, 200);
        in.local_answered = situation != LOCAL_SILENT;
        in.peer_reachable = situation != PEER_UNREACHABLE;
        break;
    }
    return in;
}

/* What a step expects: the report's flags, and ACTIVE for the state afterwards. */
enum {
    NOTHING = 0,
    SEEN = 1 << 0,
    STARTED = 1 << 1,
    ENDED = 1 << 2,
    LOG = 1 << 3,
    DIVERGES = 1 << 4,
    ACTIVE = 1 << 5,
};
/* What a newly confirmed split brain reports, and one that goes on. */
#define BEGINS  (SEEN | STARTED | LOG | ACTIVE)
#define GOES_ON (SEEN | ACTIVE)

struct step {
    long long at_ms; /* since the scenario started */
    enum situation situation;
    bool running; /* a transition runs here */
    unsigned expected;
};

struct scenario {
    int n_steps;
    struct step steps[12];
};

#define S(...) \
    { __VA_ARGS__ }
#define N_STEPS(...) (int)(sizeof((struct step[]){ __VA_ARGS__ }) / sizeof(struct step))
#define SCENARIO(...)                                             \
    {                                                             \
        .n_steps = N_STEPS(__VA_ARGS__), .steps = { __VA_ARGS__ } \
    }
#define RUNNING      true
#define IDLE         false
#define CONFIRM_MS   SPLIT_BRAIN_CONFIRM_MS
#define LOG_EVERY_MS SPLIT_BRAIN_LOG_EVERY_MS

static const struct scenario one_master_is_no_split_brain =
    SCENARIO(S(0, ONE_MASTER, IDLE, NOTHING), S(CONFIRM_MS, ONE_MASTER, IDLE, NOTHING),
             S(LOG_EVERY_MS, ONE_MASTER, RUNNING, NOTHING));

static const struct scenario replica_of_a_master_peer_is_no_split_brain = SCENARIO(
    S(0, PEER_IS_THE_MASTER, IDLE, NOTHING), S(CONFIRM_MS, PEER_IS_THE_MASTER, IDLE, NOTHING));

/* A side that does not answer is not counted, whatever it was last seen as. */
static const struct scenario silent_side_is_no_split_brain =
    SCENARIO(S(0, LOCAL_SILENT, IDLE, NOTHING), S(CONFIRM_MS, LOCAL_SILENT, IDLE, NOTHING),
             S(CONFIRM_MS + 1, PEER_UNREACHABLE, IDLE, NOTHING),
             S(2 * CONFIRM_MS, PEER_UNREACHABLE, IDLE, NOTHING));

static const struct scenario failover_masters_are_a_split_brain_once_they_last_the_confirm_time =
    SCENARIO(S(0, FAILOVER, IDLE, NOTHING), S(CONFIRM_MS - 1, FAILOVER, IDLE, NOTHING),
             S(CONFIRM_MS, FAILOVER, IDLE, BEGINS), S(CONFIRM_MS + 1, FAILOVER, IDLE, GOES_ON));

/* The history test runs both ways: here ours continues the peer's. */
static const struct scenario stale_peer_master_is_confirmed_like_a_failover =
    SCENARIO(S(0, STALE_PEER, IDLE, NOTHING), S(CONFIRM_MS - 1, STALE_PEER, IDLE, NOTHING),
             S(CONFIRM_MS, STALE_PEER, IDLE, BEGINS));

static const struct scenario error_line_is_repeated_every_log_period =
    SCENARIO(S(0, FAILOVER, IDLE, NOTHING), S(CONFIRM_MS, FAILOVER, IDLE, BEGINS),
             S(CONFIRM_MS + LOG_EVERY_MS - 1, FAILOVER, IDLE, GOES_ON),
             S(CONFIRM_MS + LOG_EVERY_MS, FAILOVER, IDLE, GOES_ON | LOG),
             S(CONFIRM_MS + 2 * LOG_EVERY_MS - 1, FAILOVER, IDLE, GOES_ON),
             S(CONFIRM_MS + 2 * LOG_EVERY_MS, FAILOVER, IDLE, GOES_ON | LOG));

static const struct scenario diverged_masters_are_a_split_brain_at_once =
    SCENARIO(S(0, DIVERGED, IDLE, BEGINS | DIVERGES), S(1, DIVERGED, IDLE, GOES_ON | DIVERGES),
             S(LOG_EVERY_MS - 1, DIVERGED, IDLE, GOES_ON | DIVERGES),
             S(LOG_EVERY_MS, DIVERGED, IDLE, GOES_ON | LOG | DIVERGES));

/* No failover ends in two histories: a running transition excuses nothing. */
static const struct scenario diverged_masters_are_a_split_brain_even_while_a_transition_runs =
    SCENARIO(S(0, DIVERGED, RUNNING, BEGINS | DIVERGES),
             S(CONFIRM_MS, DIVERGED, RUNNING, GOES_ON | DIVERGES));

static const struct scenario failover_masters_wait_for_the_transition_then_the_confirm_time =
    SCENARIO(S(0, FAILOVER, RUNNING, NOTHING), S(5 * CONFIRM_MS, FAILOVER, RUNNING, NOTHING),
             S(5 * CONFIRM_MS, FAILOVER, IDLE, NOTHING),
             S(6 * CONFIRM_MS - 1, FAILOVER, IDLE, NOTHING),
             S(6 * CONFIRM_MS, FAILOVER, IDLE, BEGINS));

static const struct scenario transition_starting_restarts_the_confirm_time =
    SCENARIO(S(0, FAILOVER, IDLE, NOTHING), S(CONFIRM_MS - 1, FAILOVER, RUNNING, NOTHING),
             S(CONFIRM_MS, FAILOVER, IDLE, NOTHING), S(2 * CONFIRM_MS - 1, FAILOVER, IDLE, NOTHING),
             S(2 * CONFIRM_MS, FAILOVER, IDLE, BEGINS));

static const struct scenario one_master_again_before_the_confirm_time_restarts_it =
    SCENARIO(S(0, FAILOVER, IDLE, NOTHING), S(CONFIRM_MS - 1, ONE_MASTER, IDLE, NOTHING),
             S(CONFIRM_MS, FAILOVER, IDLE, NOTHING), S(2 * CONFIRM_MS - 1, FAILOVER, IDLE, NOTHING),
             S(2 * CONFIRM_MS, FAILOVER, IDLE, BEGINS));

static const struct scenario failover_masters_turning_diverged_are_a_split_brain_at_once =
    SCENARIO(S(0, FAILOVER, IDLE, NOTHING), S(CONFIRM_MS / 2, DIVERGED, IDLE, BEGINS | DIVERGES));

static const struct scenario is_over_when_one_master_is_left =
    SCENARIO(S(0, DIVERGED, IDLE, BEGINS | DIVERGES), S(500, ONE_MASTER, IDLE, ENDED),
             S(600, ONE_MASTER, IDLE, NOTHING));

static const struct scenario is_over_when_the_local_redis_stops_answering =
    SCENARIO(S(0, DIVERGED, IDLE, BEGINS | DIVERGES), S(500, LOCAL_SILENT, IDLE, ENDED),
             S(600, LOCAL_SILENT, IDLE, NOTHING));

static const struct scenario is_over_when_the_peer_stops_answering =
    SCENARIO(S(0, DIVERGED, IDLE, BEGINS | DIVERGES), S(500, PEER_UNREACHABLE, IDLE, ENDED),
             S(600, PEER_UNREACHABLE, IDLE, NOTHING));

/* The transition is taken to be the failover's end; if both are still masters after
 * it, the confirm time starts again. */
static const struct scenario failover_one_is_over_when_a_transition_starts = SCENARIO(
    S(0, FAILOVER, IDLE, NOTHING), S(CONFIRM_MS, FAILOVER, IDLE, BEGINS),
    S(CONFIRM_MS + 1, FAILOVER, RUNNING, ENDED), S(CONFIRM_MS + 2, FAILOVER, IDLE, NOTHING),
    S(2 * CONFIRM_MS + 1, FAILOVER, IDLE, NOTHING), S(2 * CONFIRM_MS + 2, FAILOVER, IDLE, BEGINS));

/* The error line of a new split brain is due at once, however recent the last one. */
static const struct scenario next_one_after_the_end_is_reported_at_once =
    SCENARIO(S(0, DIVERGED, IDLE, BEGINS | DIVERGES), S(100, ONE_MASTER, IDLE, ENDED),
             S(200, DIVERGED, IDLE, BEGINS | DIVERGES), S(300, DIVERGED, IDLE, GOES_ON | DIVERGES));

/* Once confirmed it stays on when the histories meet (one promoted from the other):
 * until that has lasted the confirm time, counted from the first sight of two
 * masters, it is not seen, and status keeps the last time it was. The reminder keeps
 * its period. */
static const struct scenario diverged_one_whose_histories_meet_stays_on_until_confirmed =
    SCENARIO(S(0, DIVERGED, IDLE, BEGINS | DIVERGES), S(CONFIRM_MS - 1, FAILOVER, IDLE, ACTIVE),
             S(CONFIRM_MS, FAILOVER, IDLE, GOES_ON), S(LOG_EVERY_MS - 1, FAILOVER, IDLE, GOES_ON),
             S(LOG_EVERY_MS, FAILOVER, IDLE, GOES_ON | LOG));

/* Any nonzero monotonic time: 0 is "not both masters" in the state. */
#define START_USEC 7000000ull

static unsigned flags_of(const struct split_brain_report *report, const struct split_brain *sb) {
    return (report->seen ? SEEN : 0) | (report->started ? STARTED : 0) |
           (report->ended ? ENDED : 0) | (report->log_due ? LOG : 0) |
           (report->diverged ? DIVERGES : 0) | (sb->active ? ACTIVE : 0);
}

static void format_flags(unsigned flags, char *out, size_t size) {
    static const char *const names[] = { "seen", "started", "ended", "log", "diverged", "active" };
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (flags & (1u << i))
            len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "|" : "", names[i]);
    if (!len)
        snprintf(out, size, "nothing");
}

static void run_scenario(void **state) {
    const struct scenario *sc = *state;
    struct split_brain sb = { 0 };
    for (int i = 0; i < sc->n_steps; i++) {
        const struct step *st = &sc->steps[i];
        struct redis_info local, peer;
        struct split_brain_input in = input_of(st->situation, st->running, &local, &peer);
        struct split_brain_report report =
            split_brain_update(&sb, &in, START_USEC + (uint64_t)st->at_ms * 1000u);
        unsigned got = flags_of(&report, &sb);
        if (got != st->expected) {
            char got_text[80], expected_text[80];
            format_flags(got, got_text, sizeof(got_text));
            format_flags(st->expected, expected_text, sizeof(expected_text));
            print_error("step %d (at %lld ms): %s, expected %s\n", i + 1, st->at_ms, got_text,
                        expected_text);
        }
        assert_int_equal(got, st->expected);
    }
}

/* One cmocka test per scenario, named for the behaviour it proves. */
#define SCENARIO_TEST(sc) \
    { .name = "test_split_brain_" #sc, .test_func = run_scenario, .initial_state = (void *)&(sc) }

int main(void) {
    const struct CMUnitTest tests[] = {
        SCENARIO_TEST(one_master_is_no_split_brain),
        SCENARIO_TEST(replica_of_a_master_peer_is_no_split_brain),
        SCENARIO_TEST(silent_side_is_no_split_brain),
        SCENARIO_TEST(failover_masters_are_a_split_brain_once_they_last_the_confirm_time),
        SCENARIO_TEST(stale_peer_master_is_confirmed_like_a_failover),
        SCENARIO_TEST(error_line_is_repeated_every_log_period),
        SCENARIO_TEST(diverged_masters_are_a_split_brain_at_once),
        SCENARIO_TEST(diverged_masters_are_a_split_brain_even_while_a_transition_runs),
        SCENARIO_TEST(failover_masters_wait_for_the_transition_then_the_confirm_time),
        SCENARIO_TEST(transition_starting_restarts_the_confirm_time),
        SCENARIO_TEST(one_master_again_before_the_confirm_time_restarts_it),
        SCENARIO_TEST(failover_masters_turning_diverged_are_a_split_brain_at_once),
        SCENARIO_TEST(is_over_when_one_master_is_left),
        SCENARIO_TEST(is_over_when_the_local_redis_stops_answering),
        SCENARIO_TEST(is_over_when_the_peer_stops_answering),
        SCENARIO_TEST(failover_one_is_over_when_a_transition_starts),
        SCENARIO_TEST(next_one_after_the_end_is_reported_at_once),
        SCENARIO_TEST(diverged_one_whose_histories_meet_stays_on_until_confirmed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
