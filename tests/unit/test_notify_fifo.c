/* Unit tests for notify_fifo_feed: how bytes read from keepalived's notify FIFO become
 * lines and notifications, whatever the read boundaries; what is skipped and what is
 * counted as malformed. No FIFO is opened: the struct is set up by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "notify_fifo.h"

#define MAX_RECORDED 16

struct recorder {
    int count;
    struct notification seen[MAX_RECORDED];
};

static void record(const struct notification *n, void *userdata) {
    struct recorder *rec = userdata;
    assert_true(rec->count < MAX_RECORDED);
    rec->seen[rec->count++] = *n;
}

struct fixture {
    struct notify_fifo fifo;
    struct recorder rec;
};

static int setup(void **state) {
    struct fixture *fx = calloc(1, sizeof(*fx));
    if (!fx)
        return -1;
    memset(&fx->fifo, 0, sizeof(fx->fifo));
    fx->fifo.path = "/run/test/notify_fifo";
    fx->fifo.fd = -1;
    fx->fifo.on_notification = record;
    fx->fifo.userdata = &fx->rec;
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    free(*state);
    return 0;
}

/* The skipped lines are logged as warnings: keep the test output readable. */
static int quiet_logs(void **state) {
    (void)state;
    return log_setup(LOG_TARGET_STDERR, LOG_LEVEL_ERROR, NULL);
}

static void feed(struct fixture *fx, const char *text) {
    notify_fifo_feed(&fx->fifo, text, strlen(text));
}

static void assert_seen(const struct fixture *fx, int i, enum notification_scope scope,
                        const char *name, enum vrrp_state vrrp_state, int priority) {
    assert_true(i < fx->rec.count);
    const struct notification *n = &fx->rec.seen[i];
    assert_int_equal(n->scope, scope);
    assert_string_equal(n->name, name);
    assert_int_equal(n->state, vrrp_state);
    assert_int_equal(n->priority, priority);
}

static void test_one_line_in_one_read_is_dispatched(void **state) {
    struct fixture *fx = *state;
    feed(fx, "INSTANCE \"VI_1\" MASTER 100\n");
    assert_int_equal(fx->rec.count, 1);
    assert_seen(fx, 0, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_MASTER, 100);
    assert_int_equal(fx->fifo.malformed_lines, 0);
    assert_int_equal(fx->fifo.used, 0);
}

static void test_line_waits_for_its_newline(void **state) {
    struct fixture *fx = *state;
    feed(fx, "INSTANCE \"VI_1\" MASTER 100");
    assert_int_equal(fx->rec.count, 0);
    feed(fx, "\n");
    assert_int_equal(fx->rec.count, 1);
    assert_seen(fx, 0, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_MASTER, 100);
}

static void test_line_split_across_several_reads_is_dispatched_once(void **state) {
    struct fixture *fx = *state;
    feed(fx, "INST");
    feed(fx, "ANCE \"VI");
    feed(fx, "_1\" BAC");
    assert_int_equal(fx->rec.count, 0);
    feed(fx, "KUP 90\nGROUP \"G");
    assert_int_equal(fx->rec.count, 1);
    feed(fx, "1\" BACKUP 90\n");
    assert_int_equal(fx->rec.count, 2);
    assert_seen(fx, 0, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_BACKUP, 90);
    assert_seen(fx, 1, NOTIFICATION_GROUP, "G1", VRRP_STATE_BACKUP, 90);
    assert_int_equal(fx->fifo.malformed_lines, 0);
}

static void test_line_fed_one_byte_at_a_time_is_dispatched_once(void **state) {
    struct fixture *fx = *state;
    const char *text = "INSTANCE \"VI_1\" FAULT 0\n";
    for (size_t i = 0; text[i]; i++)
        notify_fifo_feed(&fx->fifo, &text[i], 1);
    assert_int_equal(fx->rec.count, 1);
    assert_seen(fx, 0, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_FAULT, 0);
}

static void test_several_lines_in_one_read_are_dispatched_in_order(void **state) {
    struct fixture *fx = *state;
    feed(fx, "INSTANCE \"VI_1\" BACKUP 90\n"
             "GROUP \"G1\" MASTER 100\n"
             "INSTANCE \"VI_1\" MASTER 100\n"
             "INSTANCE \"VI_1\" STOP 0\n");
    assert_int_equal(fx->rec.count, 4);
    assert_seen(fx, 0, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_BACKUP, 90);
    assert_seen(fx, 1, NOTIFICATION_GROUP, "G1", VRRP_STATE_MASTER, 100);
    assert_seen(fx, 2, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_MASTER, 100);
    assert_seen(fx, 3, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_STOP, 0);
}

static void test_crlf_lines_are_dispatched(void **state) {
    struct fixture *fx = *state;
    feed(fx, "INSTANCE \"VI_1\" MASTER 100\r\nINSTANCE \"VI_1\" BACKUP 90\r\n");
    assert_int_equal(fx->rec.count, 2);
    assert_seen(fx, 0, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_MASTER, 100);
    assert_seen(fx, 1, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_BACKUP, 90);
    assert_int_equal(fx->fifo.malformed_lines, 0);
}

static void test_empty_lines_are_ignored_and_not_malformed(void **state) {
    struct fixture *fx = *state;
    feed(fx, "\n\n");
    feed(fx, "\nINSTANCE \"VI_1\" MASTER 100\n\n\n");
    assert_int_equal(fx->rec.count, 1);
    assert_seen(fx, 0, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_MASTER, 100);
    assert_int_equal(fx->fifo.malformed_lines, 0);
}

static void test_malformed_lines_are_counted_and_not_dispatched(void **state) {
    struct fixture *fx = *state;
    feed(fx, "INSTANCE \"VI_1 MASTER 100\n"
             "INSTANCE \"VI_1\" MASTER 100 extra\n"
             "INSTANCE \"VI_1\"\n"
             "INSTANCE \"VI_1\" MASTER 999\n");
    assert_int_equal(fx->rec.count, 0);
    assert_int_equal(fx->fifo.malformed_lines, 4);
}

static void test_malformed_line_does_not_hide_the_next_one(void **state) {
    struct fixture *fx = *state;
    feed(fx, "INSTANCE \"VI_1\" sideways 100\nINSTANCE \"VI_1\" MASTER 100\n");
    assert_int_equal(fx->fifo.malformed_lines, 1);
    assert_int_equal(fx->rec.count, 1);
    assert_seen(fx, 0, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_MASTER, 100);
}

static void test_checker_lines_are_ignored_and_not_malformed(void **state) {
    struct fixture *fx = *state;
    feed(fx, "VS [192.0.2.10]:tcp:6379 UP\n"
             "RS [192.0.2.21]:tcp:6379 [192.0.2.10]:tcp:6379 DOWN\n"
             "VS \"x\" DOWN\n"
             "INSTANCE \"VI_1\" BACKUP 90\n");
    assert_int_equal(fx->fifo.malformed_lines, 0);
    assert_int_equal(fx->rec.count, 1);
    assert_seen(fx, 0, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_BACKUP, 90);
}

/* A line of `len` bytes (no newline) that parses: a notification padded with spaces. */
static char *padded_line(size_t len) {
    const char *text = "INSTANCE \"VI_1\" MASTER 100";
    assert_true(len >= strlen(text));
    char *line = malloc(len + 1);
    assert_non_null(line);
    memset(line, ' ', len);
    memcpy(line, text, strlen(text));
    line[len] = '\0';
    return line;
}

static void test_line_that_fills_the_buffer_exactly_is_dispatched(void **state) {
    struct fixture *fx = *state;
    char *line = padded_line(sizeof(fx->fifo.buf) - 1);
    feed(fx, line);
    feed(fx, "\n");
    free(line);
    assert_int_equal(fx->fifo.malformed_lines, 0);
    assert_int_equal(fx->rec.count, 1);
    assert_seen(fx, 0, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_MASTER, 100);
}

static void test_line_longer_than_the_buffer_is_skipped_whole(void **state) {
    struct fixture *fx = *state;
    /* Parseable at the start and at the end: neither part may be dispatched. */
    char *line = padded_line(sizeof(fx->fifo.buf));
    feed(fx, line);
    feed(fx, "INSTANCE \"VI_2\" MASTER 100\n");
    free(line);
    assert_int_equal(fx->rec.count, 0);
    assert_int_equal(fx->fifo.malformed_lines, 1);
}

static void test_line_after_an_over_long_one_is_dispatched(void **state) {
    struct fixture *fx = *state;
    char *line = padded_line(3 * sizeof(fx->fifo.buf));
    /* Over several reads, and the next line in the same read as the end of the long one. */
    size_t len = strlen(line);
    notify_fifo_feed(&fx->fifo, line, 1000);
    notify_fifo_feed(&fx->fifo, line + 1000, 5000);
    notify_fifo_feed(&fx->fifo, line + 6000, len - 6000);
    free(line);
    feed(fx, "\nGROUP \"G1\" BACKUP 90\n");
    assert_int_equal(fx->fifo.malformed_lines, 1);
    assert_int_equal(fx->rec.count, 1);
    assert_seen(fx, 0, NOTIFICATION_GROUP, "G1", VRRP_STATE_BACKUP, 90);
}

static void test_over_long_lines_are_each_counted_once(void **state) {
    struct fixture *fx = *state;
    char *line = padded_line(2 * sizeof(fx->fifo.buf));
    feed(fx, line);
    feed(fx, "\n");
    feed(fx, line);
    feed(fx, "\nINSTANCE \"VI_1\" MASTER 100\n");
    free(line);
    assert_int_equal(fx->fifo.malformed_lines, 2);
    assert_int_equal(fx->rec.count, 1);
}

#define FIFO_TEST(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        FIFO_TEST(test_one_line_in_one_read_is_dispatched),
        FIFO_TEST(test_line_waits_for_its_newline),
        FIFO_TEST(test_line_split_across_several_reads_is_dispatched_once),
        FIFO_TEST(test_line_fed_one_byte_at_a_time_is_dispatched_once),
        FIFO_TEST(test_several_lines_in_one_read_are_dispatched_in_order),
        FIFO_TEST(test_crlf_lines_are_dispatched),
        FIFO_TEST(test_empty_lines_are_ignored_and_not_malformed),
        FIFO_TEST(test_malformed_lines_are_counted_and_not_dispatched),
        FIFO_TEST(test_malformed_line_does_not_hide_the_next_one),
        FIFO_TEST(test_checker_lines_are_ignored_and_not_malformed),
        FIFO_TEST(test_line_that_fills_the_buffer_exactly_is_dispatched),
        FIFO_TEST(test_line_longer_than_the_buffer_is_skipped_whole),
        FIFO_TEST(test_line_after_an_over_long_one_is_dispatched),
        FIFO_TEST(test_over_long_lines_are_each_counted_once),
    };
    return cmocka_run_group_tests(tests, quiet_logs, NULL);
}
