/* Unit tests for process_watch.c's pure part: reading /proc/PID/stat and telling a
 * task on its way out. The lines are as Linux writes them, cut after the fields read. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>

#include "process_watch.h"

/* A redis-server idle in epoll_wait: flags 4194560 (PF_RANDOMIZE | PF_FORKNOEXEC). */
static const char idle_server[] =
    "21357 (redis-server) S 1 21357 21357 0 -1 4194560 378 0 0 0 0 0 0 0 20 0 5 0 170544\n";
/* The same server a moment after SIGKILL, freeing its memory: PF_EXITING (0x4) set,
 * still running. */
static const char killed_server[] =
    "21357 (redis-server) R 1 21357 21357 0 -1 4194564 378 0 0 0 0 0 0 0 20 0 5 0 170544\n";

static void test_an_idle_server_is_read_and_not_exiting(void **state) {
    (void)state;
    struct process_stat stat;
    assert_int_equal(process_stat_parse(idle_server, &stat), 0);
    assert_string_equal(stat.comm, "redis-server");
    assert_int_equal(stat.state, 'S');
    assert_int_equal(stat.flags, 4194560);
    assert_false(process_stat_exiting(&stat));
}

static void test_a_killed_server_freeing_its_memory_is_exiting(void **state) {
    (void)state;
    struct process_stat stat;
    assert_int_equal(process_stat_parse(killed_server, &stat), 0);
    assert_int_equal(stat.state, 'R');
    assert_true(process_stat_exiting(&stat));
}

static void test_zombies_and_dead_tasks_are_exiting_stopped_ones_are_not(void **state) {
    (void)state;
    struct {
        const char *line;
        bool exiting;
    } rows[] = {
        { "7 (redis-server) Z 1 7 7 0 -1 4194560 0\n", true },
        { "7 (redis-server) X 1 7 7 0 -1 4194560 0\n", true },
        { "7 (redis-server) T 1 7 7 0 -1 4194560 0\n", false }, /* SIGSTOP: not gone */
        { "7 (redis-server) D 1 7 7 0 -1 4194560 0\n", false },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct process_stat stat;
        assert_int_equal(process_stat_parse(rows[i].line, &stat), 0);
        assert_int_equal(process_stat_exiting(&stat), rows[i].exiting);
    }
}

/* A task may name itself anything, parentheses and spaces too: the name ends at the
 * last ')'. Names longer than the kernel's 15 bytes cannot occur but are cut. */
static void test_names_with_parentheses_and_spaces_are_read_whole(void **state) {
    (void)state;
    struct process_stat stat;
    assert_int_equal(process_stat_parse("9 (a) b (c) S 1 9 9 0 -1 64 0\n", &stat), 0);
    assert_string_equal(stat.comm, "a) b (c");
    assert_int_equal(stat.state, 'S');
    assert_int_equal(stat.flags, 64);
    assert_int_equal(process_stat_parse("9 (a-name-longer-than-fifteen) S 1 9 9 0 -1 64\n", &stat),
                     0);
    assert_string_equal(stat.comm, "a-name-longer-t");
}

static void test_text_that_is_not_a_stat_line_is_refused(void **state) {
    (void)state;
    const char *bad[] = {
        "",
        "21357 redis-server S 1 21357",         /* no parentheses */
        "21357 (redis-server)",                 /* nothing after the name */
        "21357 (redis-server) S 1 21357 21357", /* cut before flags */
        "21357 (redis-server) S 1 21357 21357 0 -1 x\n",
        "21357 (redis-server)S 1 2 3 4 5 6\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct process_stat stat;
        assert_int_equal(process_stat_parse(bad[i], &stat), -EBADMSG);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_an_idle_server_is_read_and_not_exiting),
        cmocka_unit_test(test_a_killed_server_freeing_its_memory_is_exiting),
        cmocka_unit_test(test_zombies_and_dead_tasks_are_exiting_stopped_ones_are_not),
        cmocka_unit_test(test_names_with_parentheses_and_spaces_are_read_whole),
        cmocka_unit_test(test_text_that_is_not_a_stat_line_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
