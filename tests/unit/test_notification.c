/* Unit tests for notification.c: keepalived's generic notify arguments and the short
 * notify_master/... form, the notify FIFO's lines (as keepalived's notify_fifo() writes
 * them: `INSTANCE "VI_1" MASTER 100`), which notifications concern our instance, and
 * the log format read back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "notification.h"

/* ---- notification_parse_args ---- */

/* Arguments as the notify script receives them: ARGS("INSTANCE", "VI_1", "MASTER"). */
#define ARGS(...) \
    (int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)), (char *[]) { __VA_ARGS__ }

static void args_ok(int argc, char **argv, struct notification *n) {
    char err[256] = "";
    memset(n, 0x5a, sizeof(*n)); /* stale garbage must be overwritten */
    int r = notification_parse_args(argc, argv, n, err, sizeof(err));
    if (r != 0)
        print_error("unexpected parse error %d: %s\n", r, err);
    assert_int_equal(r, 0);
}

static void args_fail_with(int argc, char **argv, const char *expected) {
    struct notification n;
    char err[256] = "";
    assert_int_equal(notification_parse_args(argc, argv, &n, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, expected);
}

static void assert_notification(const struct notification *n, enum notification_scope scope,
                                const char *name, enum vrrp_state state, int priority) {
    assert_int_equal(n->scope, scope);
    assert_string_equal(n->name, name);
    assert_int_equal(n->state, state);
    assert_int_equal(n->priority, priority);
}

static void test_generic_instance_args_are_parsed(void **state) {
    (void)state;
    struct notification n;
    args_ok(ARGS("INSTANCE", "VI_1", "MASTER", "100"), &n);
    assert_notification(&n, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_MASTER, 100);
}

static void test_generic_group_args_are_parsed(void **state) {
    (void)state;
    struct notification n;
    args_ok(ARGS("GROUP", "G1", "BACKUP", "90"), &n);
    assert_notification(&n, NOTIFICATION_GROUP, "G1", VRRP_STATE_BACKUP, 90);
}

static void test_generic_args_parse_every_state(void **state) {
    (void)state;
    struct notification n;
    args_ok(ARGS("INSTANCE", "VI_1", "FAULT", "0"), &n);
    assert_notification(&n, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_FAULT, 0);
    args_ok(ARGS("INSTANCE", "VI_1", "STOP", "255"), &n);
    assert_notification(&n, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_STOP, 255);
}

static void test_generic_args_without_priority_leave_it_unset(void **state) {
    (void)state;
    struct notification n;
    args_ok(ARGS("INSTANCE", "VI_1", "MASTER"), &n);
    assert_notification(&n, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_MASTER, -1);
    args_ok(ARGS("GROUP", "G1", "STOP"), &n);
    assert_notification(&n, NOTIFICATION_GROUP, "G1", VRRP_STATE_STOP, -1);
}

static void test_name_of_127_characters_is_accepted(void **state) {
    (void)state;
    char name[128];
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    struct notification n;
    args_ok(ARGS("INSTANCE", name, "BACKUP", "50"), &n);
    assert_notification(&n, NOTIFICATION_INSTANCE, name, VRRP_STATE_BACKUP, 50);
}

static void test_short_form_is_unscoped(void **state) {
    (void)state;
    struct notification n;
    args_ok(ARGS("master"), &n);
    assert_notification(&n, NOTIFICATION_UNSCOPED, "", VRRP_STATE_MASTER, -1);
    args_ok(ARGS("backup"), &n);
    assert_notification(&n, NOTIFICATION_UNSCOPED, "", VRRP_STATE_BACKUP, -1);
    args_ok(ARGS("fault"), &n);
    assert_notification(&n, NOTIFICATION_UNSCOPED, "", VRRP_STATE_FAULT, -1);
    args_ok(ARGS("stop"), &n);
    assert_notification(&n, NOTIFICATION_UNSCOPED, "", VRRP_STATE_STOP, -1);
}

static void test_short_form_is_case_insensitive(void **state) {
    (void)state;
    struct notification n;
    args_ok(ARGS("MASTER"), &n);
    assert_notification(&n, NOTIFICATION_UNSCOPED, "", VRRP_STATE_MASTER, -1);
    args_ok(ARGS("Backup"), &n);
    assert_notification(&n, NOTIFICATION_UNSCOPED, "", VRRP_STATE_BACKUP, -1);
    args_ok(ARGS("fAuLt"), &n);
    assert_notification(&n, NOTIFICATION_UNSCOPED, "", VRRP_STATE_FAULT, -1);
    args_ok(ARGS("STOP"), &n);
    assert_notification(&n, NOTIFICATION_UNSCOPED, "", VRRP_STATE_STOP, -1);
}

static void test_no_arguments_is_refused(void **state) {
    (void)state;
    char *argv[] = { NULL };
    args_fail_with(0, argv,
                   "expected 'master|backup|fault|stop' or 'INSTANCE|GROUP NAME STATE PRIORITY', "
                   "got 0 arguments");
}

static void test_bogus_short_form_word_is_named(void **state) {
    (void)state;
    args_fail_with(ARGS("bogus"), "'bogus': expected master, backup, fault or stop");
    args_fail_with(ARGS(""), "'': expected master, backup, fault or stop");
    args_fail_with(ARGS("masterx"), "'masterx': expected master, backup, fault or stop");
}

static void test_unknown_scope_is_named(void **state) {
    (void)state;
    args_fail_with(ARGS("VS", "VI_1", "MASTER", "100"), "'VS': expected INSTANCE or GROUP");
    args_fail_with(ARGS("bogus", "VI_1", "MASTER"), "'bogus': expected INSTANCE or GROUP");
}

static void test_unknown_state_is_named(void **state) {
    (void)state;
    args_fail_with(ARGS("INSTANCE", "VI_1", "SLAVE", "100"),
                   "state 'SLAVE': expected MASTER, BACKUP, FAULT or STOP");
    args_fail_with(ARGS("GROUP", "G1", "UP"), "state 'UP': expected MASTER, BACKUP, FAULT or STOP");
}

static void test_priority_out_of_range_is_named(void **state) {
    (void)state;
    args_fail_with(ARGS("INSTANCE", "VI_1", "MASTER", "999"),
                   "priority '999': expected a number from 0 to 255");
    args_fail_with(ARGS("INSTANCE", "VI_1", "MASTER", "256"),
                   "priority '256': expected a number from 0 to 255");
    args_fail_with(ARGS("INSTANCE", "VI_1", "MASTER", "-1"),
                   "priority '-1': expected a number from 0 to 255");
}

static void test_priority_that_is_not_a_number_is_named(void **state) {
    (void)state;
    args_fail_with(ARGS("INSTANCE", "VI_1", "MASTER", "abc"),
                   "priority 'abc': expected a number from 0 to 255");
    args_fail_with(ARGS("INSTANCE", "VI_1", "MASTER", "100x"),
                   "priority '100x': expected a number from 0 to 255");
    args_fail_with(ARGS("INSTANCE", "VI_1", "MASTER", ""),
                   "priority '': expected a number from 0 to 255");
    args_fail_with(ARGS("INSTANCE", "VI_1", "MASTER", "99999999999999999999"),
                   "priority '99999999999999999999': expected a number from 0 to 255");
}

static void test_wrong_argument_count_is_named(void **state) {
    (void)state;
    args_fail_with(ARGS("INSTANCE", "VI_1"),
                   "expected 'master|backup|fault|stop' or 'INSTANCE|GROUP NAME STATE PRIORITY', "
                   "got 2 arguments");
    args_fail_with(ARGS("INSTANCE", "VI_1", "MASTER", "100", "extra"),
                   "expected 'master|backup|fault|stop' or 'INSTANCE|GROUP NAME STATE PRIORITY', "
                   "got 5 arguments");
}

static void test_empty_name_is_refused(void **state) {
    (void)state;
    args_fail_with(ARGS("INSTANCE", "", "MASTER", "100"),
                   "instance name empty or longer than 127 characters");
    args_fail_with(ARGS("GROUP", "", "BACKUP"), "group name empty or longer than 127 characters");
}

static void test_name_of_128_characters_is_refused(void **state) {
    (void)state;
    char name[129];
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    args_fail_with(ARGS("INSTANCE", name, "MASTER", "100"),
                   "instance name empty or longer than 127 characters");
}

static void test_args_error_is_cut_to_its_buffer(void **state) {
    (void)state;
    struct notification n;
    char err[16];
    memset(err, 'Z', sizeof(err));
    assert_int_equal(notification_parse_args(ARGS("bogus"), &n, err, 10), -EINVAL);
    assert_string_equal(err, "'bogus': ");
    assert_int_equal(err[10], 'Z');
}

/* ---- notification_parse_fifo_line ---- */

static void fifo_ok(const char *line, struct notification *n) {
    char err[512] = "";
    memset(n, 0x5a, sizeof(*n));
    int r = notification_parse_fifo_line(line, n, err, sizeof(err));
    if (r != 0)
        print_error("line '%s': unexpected result %d: %s\n", line, r, err);
    assert_int_equal(r, 0);
}

/* A malformed line: -EINVAL, a message that says so and quotes the line, and `why`. */
static void fifo_malformed(const char *line, const char *why) {
    struct notification n;
    char err[512] = "";
    int r = notification_parse_fifo_line(line, &n, err, sizeof(err));
    if (r != -EINVAL || !strstr(err, "malformed") || !strstr(err, why))
        print_error("line '%s': result %d, message '%s'; expected -EINVAL and '%s'\n", line, r, err,
                    why);
    assert_int_equal(r, -EINVAL);
    assert_non_null(strstr(err, "malformed notify FIFO line"));
    assert_non_null(strstr(err, why));
}

static void fifo_not_vrrp(const char *line) {
    struct notification n;
    char err[512] = "";
    int r = notification_parse_fifo_line(line, &n, err, sizeof(err));
    if (r != -ENOENT)
        print_error("line '%s': result %d (%s), expected -ENOENT\n", line, r, err);
    assert_int_equal(r, -ENOENT);
}

static void test_fifo_instance_line_is_parsed(void **state) {
    (void)state;
    struct notification n;
    fifo_ok("INSTANCE \"VI_1\" MASTER 100", &n);
    assert_notification(&n, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_MASTER, 100);
    fifo_ok("INSTANCE \"VI_1\" FAULT 0", &n);
    assert_notification(&n, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_FAULT, 0);
}

static void test_fifo_group_line_is_parsed(void **state) {
    (void)state;
    struct notification n;
    fifo_ok("GROUP \"G1\" BACKUP 90", &n);
    assert_notification(&n, NOTIFICATION_GROUP, "G1", VRRP_STATE_BACKUP, 90);
}

static void test_fifo_line_without_priority_leaves_it_unset(void **state) {
    (void)state;
    struct notification n;
    fifo_ok("INSTANCE \"VI_1\" STOP", &n);
    assert_notification(&n, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_STOP, -1);
}

static void test_fifo_quoted_name_keeps_its_spaces(void **state) {
    (void)state;
    struct notification n;
    fifo_ok("INSTANCE \"redis vip 1\" BACKUP 50", &n);
    assert_notification(&n, NOTIFICATION_INSTANCE, "redis vip 1", VRRP_STATE_BACKUP, 50);
    fifo_ok("GROUP \" G 1 \" MASTER 100", &n);
    assert_notification(&n, NOTIFICATION_GROUP, " G 1 ", VRRP_STATE_MASTER, 100);
    fifo_ok("INSTANCE \"tab\there\" MASTER 100", &n);
    assert_notification(&n, NOTIFICATION_INSTANCE, "tab\there", VRRP_STATE_MASTER, 100);
}

static void test_fifo_unquoted_name_is_accepted(void **state) {
    (void)state;
    struct notification n;
    fifo_ok("INSTANCE VI_1 MASTER 100", &n);
    assert_notification(&n, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_MASTER, 100);
}

static void test_fifo_extra_spaces_and_tabs_are_ignored(void **state) {
    (void)state;
    struct notification n;
    fifo_ok("  INSTANCE   \"VI_1\"\tMASTER \t 100  ", &n);
    assert_notification(&n, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_MASTER, 100);
    fifo_ok("\tGROUP\t\"G1\"\tBACKUP\t\t", &n);
    assert_notification(&n, NOTIFICATION_GROUP, "G1", VRRP_STATE_BACKUP, -1);
}

static void test_fifo_line_ending_is_ignored(void **state) {
    (void)state;
    struct notification n;
    fifo_ok("INSTANCE \"VI_1\" MASTER 100\n", &n);
    assert_notification(&n, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_MASTER, 100);
    fifo_ok("INSTANCE \"VI_1\" MASTER 100\r\n", &n);
    assert_notification(&n, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_MASTER, 100);
    fifo_ok("INSTANCE \"VI_1\" BACKUP\r", &n);
    assert_notification(&n, NOTIFICATION_INSTANCE, "VI_1", VRRP_STATE_BACKUP, -1);
}

static void test_fifo_checker_lines_are_not_vrrp(void **state) {
    (void)state;
    /* keepalived's checkers write `VS <vs> UP|DOWN` and `RS <rs> <vs> UP|DOWN` there. */
    fifo_not_vrrp("VS \"x\" UP");
    fifo_not_vrrp("RS \"192.0.2.21\" DOWN");
    fifo_not_vrrp("VS [192.0.2.10]:tcp:6379 UP");
    fifo_not_vrrp("VS FWM 1 DOWN");
    fifo_not_vrrp("RS [192.0.2.21]:tcp:6379 [192.0.2.10]:tcp:6379 DOWN\r\n");
}

static void test_fifo_lowercase_scope_is_not_vrrp(void **state) {
    (void)state;
    fifo_not_vrrp("instance \"VI_1\" MASTER 100");
}

static void test_fifo_unterminated_quote_is_malformed(void **state) {
    (void)state;
    fifo_malformed("INSTANCE \"VI_1 MASTER 100", "unterminated quote");
    fifo_malformed("INSTANCE \"VI_1\" MASTER \"100", "unterminated quote");
}

static void test_fifo_too_many_words_is_malformed(void **state) {
    (void)state;
    fifo_malformed("INSTANCE \"VI_1\" MASTER 100 extra", "too many words");
    fifo_malformed("INSTANCE VI 1 MASTER 100", "too many words");
}

static void test_fifo_missing_state_is_malformed(void **state) {
    (void)state;
    fifo_malformed("INSTANCE \"VI_1\"", "expected INSTANCE NAME STATE PRIORITY");
    fifo_malformed("GROUP", "expected GROUP NAME STATE PRIORITY");
}

static void test_fifo_other_vrrp_events_are_not_ours(void **state) {
    (void)state;
    /* keepalived reports more VRRP events than the four states we act on. */
    fifo_not_vrrp("INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 100");
    fifo_not_vrrp("INSTANCE \"VI_1\" MASTER_PRIORITY 254");
    fifo_not_vrrp("GROUP \"G1\" DELETED");
}

static void test_fifo_checker_lines_of_any_shape_are_not_ours(void **state) {
    (void)state;
    fifo_not_vrrp("RS [192.0.2.21]:tcp:6379 FWM 1 DOWN");
    fifo_not_vrrp("  \r");
    fifo_not_vrrp("   ");
}

static void test_fifo_unknown_state_is_malformed(void **state) {
    (void)state;
    fifo_malformed("INSTANCE \"VI_1\" sideways 100",
                   "state 'sideways': expected MASTER, BACKUP, FAULT or STOP");
}

static void test_fifo_bad_priority_is_malformed(void **state) {
    (void)state;
    fifo_malformed("INSTANCE \"VI_1\" MASTER high", "priority 'high'");
    fifo_malformed("INSTANCE \"VI_1\" MASTER 999", "priority '999'");
    fifo_malformed("INSTANCE \"VI_1\" MASTER -1", "priority '-1'");
}

static void test_fifo_empty_name_is_malformed(void **state) {
    (void)state;
    fifo_malformed("INSTANCE \"\" MASTER 100", "instance name empty");
}

static void test_fifo_word_over_127_characters_is_malformed(void **state) {
    (void)state;
    char line[256];
    char word[129];
    memset(word, 'w', sizeof(word) - 1);
    word[sizeof(word) - 1] = '\0';
    snprintf(line, sizeof(line), "INSTANCE \"%s\" MASTER 100", word);
    fifo_malformed(line, "word too long");
    snprintf(line, sizeof(line), "INSTANCE %s MASTER 100", word);
    fifo_malformed(line, "word too long");
}

static void test_fifo_word_of_127_characters_is_accepted(void **state) {
    (void)state;
    char line[256];
    char word[128];
    memset(word, 'w', sizeof(word) - 1);
    word[sizeof(word) - 1] = '\0';
    snprintf(line, sizeof(line), "INSTANCE \"%s\" MASTER 100", word);
    struct notification n;
    fifo_ok(line, &n);
    assert_notification(&n, NOTIFICATION_INSTANCE, word, VRRP_STATE_MASTER, 100);
}

static void test_fifo_error_quotes_the_line(void **state) {
    (void)state;
    struct notification n;
    char err[512];
    assert_int_equal(
        notification_parse_fifo_line("INSTANCE \"VI_1\" MASTER abc", &n, err, sizeof(err)),
        -EINVAL);
    assert_string_equal(err, "malformed notify FIFO line 'INSTANCE \"VI_1\" MASTER abc': "
                             "priority 'abc': expected a number from 0 to 255");
}

static void test_fifo_error_quotes_at_most_200_characters_of_the_line(void **state) {
    (void)state;
    char line[600];
    memset(line, 'x', sizeof(line) - 1);
    memcpy(line, "INSTANCE \"", 10);
    line[sizeof(line) - 1] = '\0'; /* unterminated quote */
    struct notification n;
    char err[512], expected[512];
    assert_int_equal(notification_parse_fifo_line(line, &n, err, sizeof(err)), -EINVAL);
    snprintf(expected, sizeof(expected), "malformed notify FIFO line '%.200s': unterminated quote",
             line);
    assert_string_equal(err, expected);
}

static void test_fifo_error_is_cut_to_its_buffer(void **state) {
    (void)state;
    struct notification n;
    char err[24];
    memset(err, 'Z', sizeof(err));
    assert_int_equal(notification_parse_fifo_line("INSTANCE \"VI_1\" MASTER abc", &n, err, 20),
                     -EINVAL);
    assert_string_equal(err, "malformed notify FI");
    assert_int_equal(err[20], 'Z');
}

/* ---- notification_matches ---- */

static struct notification scoped(enum notification_scope scope, const char *name) {
    struct notification n;
    memset(&n, 0, sizeof(n));
    n.scope = scope;
    snprintf(n.name, sizeof(n.name), "%s", name);
    n.state = VRRP_STATE_MASTER;
    n.priority = 100;
    return n;
}

static void test_empty_instance_accepts_every_notification(void **state) {
    (void)state;
    struct notification instance = scoped(NOTIFICATION_INSTANCE, "VI_1");
    struct notification group = scoped(NOTIFICATION_GROUP, "G1");
    struct notification unscoped = scoped(NOTIFICATION_UNSCOPED, "");
    assert_true(notification_matches(&instance, ""));
    assert_true(notification_matches(&group, ""));
    assert_true(notification_matches(&unscoped, ""));
}

static void test_unscoped_short_form_always_matches(void **state) {
    (void)state;
    /* notify_master/notify_backup scripts are configured per instance: they are ours. */
    struct notification unscoped = scoped(NOTIFICATION_UNSCOPED, "");
    assert_true(notification_matches(&unscoped, "VI_1"));
    assert_true(notification_matches(&unscoped, "G1"));
}

static void test_instance_matches_by_exact_name(void **state) {
    (void)state;
    struct notification n = scoped(NOTIFICATION_INSTANCE, "VI_1");
    assert_true(notification_matches(&n, "VI_1"));
    assert_false(notification_matches(&n, "VI_2"));
    assert_false(notification_matches(&n, "vi_1"));
    assert_false(notification_matches(&n, "VI_"));
    assert_false(notification_matches(&n, "VI_10"));
}

static void test_group_name_can_be_configured_as_the_instance(void **state) {
    (void)state;
    struct notification group = scoped(NOTIFICATION_GROUP, "G1");
    struct notification member = scoped(NOTIFICATION_INSTANCE, "VI_1");
    assert_true(notification_matches(&group, "G1"));
    assert_false(notification_matches(&member, "G1"));
    assert_false(notification_matches(&group, "VI_1"));
}

/* ---- notification_format and the state names ---- */

/* Format, split at spaces into notify arguments, parse again: the same notification. */
static void assert_round_trip(const struct notification *n, const char *expected_text) {
    char text[256];
    notification_format(n, text, sizeof(text));
    assert_string_equal(text, expected_text);

    char copy[256];
    char *argv[8];
    int argc = 0;
    snprintf(copy, sizeof(copy), "%s", text);
    for (char *save = NULL, *word = strtok_r(copy, " ", &save); word;
         word = strtok_r(NULL, " ", &save))
        argv[argc++] = word;

    struct notification back;
    args_ok(argc, argv, &back);
    assert_notification(&back, n->scope, n->name, n->state, n->priority);
}

static void test_format_round_trips_through_notify_arguments(void **state) {
    (void)state;
    struct notification n = scoped(NOTIFICATION_INSTANCE, "VI_1");
    assert_round_trip(&n, "INSTANCE VI_1 MASTER 100");

    n = scoped(NOTIFICATION_GROUP, "G1");
    n.state = VRRP_STATE_BACKUP;
    n.priority = 0;
    assert_round_trip(&n, "GROUP G1 BACKUP 0");

    n = scoped(NOTIFICATION_INSTANCE, "VI_1");
    n.state = VRRP_STATE_FAULT;
    n.priority = -1;
    assert_round_trip(&n, "INSTANCE VI_1 FAULT");

    n = scoped(NOTIFICATION_UNSCOPED, "");
    n.state = VRRP_STATE_STOP;
    n.priority = -1;
    assert_round_trip(&n, "STOP");
}

static void test_format_of_a_parsed_fifo_line_reads_like_the_arguments(void **state) {
    (void)state;
    struct notification n;
    char text[256];
    fifo_ok("GROUP \"G1\" MASTER 200\r\n", &n);
    notification_format(&n, text, sizeof(text));
    assert_string_equal(text, "GROUP G1 MASTER 200");
}

static void test_format_is_cut_to_its_buffer(void **state) {
    (void)state;
    struct notification n = scoped(NOTIFICATION_INSTANCE, "VI_1");
    char buf[16];
    memset(buf, 'Z', sizeof(buf));
    notification_format(&n, buf, 9);
    assert_string_equal(buf, "INSTANCE");
    assert_int_equal(buf[9], 'Z');
}

static void test_state_names_round_trip(void **state) {
    (void)state;
    const enum vrrp_state states[] = { VRRP_STATE_MASTER, VRRP_STATE_BACKUP, VRRP_STATE_FAULT,
                                       VRRP_STATE_STOP };
    const char *const names[] = { "MASTER", "BACKUP", "FAULT", "STOP" };
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
        enum vrrp_state back = VRRP_STATE_STOP;
        assert_string_equal(vrrp_state_to_string(states[i]), names[i]);
        assert_int_equal(vrrp_state_from_string(names[i], &back), 0);
        assert_int_equal(back, states[i]);
    }
    enum vrrp_state untouched = VRRP_STATE_FAULT;
    assert_int_equal(vrrp_state_from_string("DELETED", &untouched), -EINVAL);
    assert_int_equal(vrrp_state_from_string("", &untouched), -EINVAL);
    assert_int_equal(untouched, VRRP_STATE_FAULT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generic_instance_args_are_parsed),
        cmocka_unit_test(test_generic_group_args_are_parsed),
        cmocka_unit_test(test_generic_args_parse_every_state),
        cmocka_unit_test(test_generic_args_without_priority_leave_it_unset),
        cmocka_unit_test(test_name_of_127_characters_is_accepted),
        cmocka_unit_test(test_short_form_is_unscoped),
        cmocka_unit_test(test_short_form_is_case_insensitive),
        cmocka_unit_test(test_no_arguments_is_refused),
        cmocka_unit_test(test_bogus_short_form_word_is_named),
        cmocka_unit_test(test_unknown_scope_is_named),
        cmocka_unit_test(test_unknown_state_is_named),
        cmocka_unit_test(test_priority_out_of_range_is_named),
        cmocka_unit_test(test_priority_that_is_not_a_number_is_named),
        cmocka_unit_test(test_wrong_argument_count_is_named),
        cmocka_unit_test(test_empty_name_is_refused),
        cmocka_unit_test(test_fifo_other_vrrp_events_are_not_ours),
        cmocka_unit_test(test_fifo_checker_lines_of_any_shape_are_not_ours),
        cmocka_unit_test(test_name_of_128_characters_is_refused),
        cmocka_unit_test(test_args_error_is_cut_to_its_buffer),
        cmocka_unit_test(test_fifo_instance_line_is_parsed),
        cmocka_unit_test(test_fifo_group_line_is_parsed),
        cmocka_unit_test(test_fifo_line_without_priority_leaves_it_unset),
        cmocka_unit_test(test_fifo_quoted_name_keeps_its_spaces),
        cmocka_unit_test(test_fifo_unquoted_name_is_accepted),
        cmocka_unit_test(test_fifo_extra_spaces_and_tabs_are_ignored),
        cmocka_unit_test(test_fifo_line_ending_is_ignored),
        cmocka_unit_test(test_fifo_checker_lines_are_not_vrrp),
        cmocka_unit_test(test_fifo_lowercase_scope_is_not_vrrp),
        cmocka_unit_test(test_fifo_unterminated_quote_is_malformed),
        cmocka_unit_test(test_fifo_too_many_words_is_malformed),
        cmocka_unit_test(test_fifo_missing_state_is_malformed),
        cmocka_unit_test(test_fifo_unknown_state_is_malformed),
        cmocka_unit_test(test_fifo_bad_priority_is_malformed),
        cmocka_unit_test(test_fifo_empty_name_is_malformed),
        cmocka_unit_test(test_fifo_word_over_127_characters_is_malformed),
        cmocka_unit_test(test_fifo_word_of_127_characters_is_accepted),
        cmocka_unit_test(test_fifo_error_quotes_the_line),
        cmocka_unit_test(test_fifo_error_quotes_at_most_200_characters_of_the_line),
        cmocka_unit_test(test_fifo_error_is_cut_to_its_buffer),
        cmocka_unit_test(test_empty_instance_accepts_every_notification),
        cmocka_unit_test(test_unscoped_short_form_always_matches),
        cmocka_unit_test(test_instance_matches_by_exact_name),
        cmocka_unit_test(test_group_name_can_be_configured_as_the_instance),
        cmocka_unit_test(test_format_round_trips_through_notify_arguments),
        cmocka_unit_test(test_format_of_a_parsed_fifo_line_reads_like_the_arguments),
        cmocka_unit_test(test_format_is_cut_to_its_buffer),
        cmocka_unit_test(test_state_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
