/* Unit tests for control_request.c: each request the CLI sends, parsed; and the
 * refusals, each naming what is wrong. Framing (control_read_line) over a socketpair:
 * an overlong line is reported, and its buffer not overrun. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control_request.h"

static struct control_request parsed(const char *line) {
    struct control_request request;
    char err[400] = "";
    int r = control_request_parse(line, &request, err, sizeof(err));
    if (r != 0)
        print_error("'%s': unexpected error: %s\n", line, err);
    assert_int_equal(r, 0);
    return request;
}

static void refused(const char *line, const char *expected) {
    struct control_request request;
    char err[400] = "";
    assert_int_equal(control_request_parse(line, &request, err, sizeof(err)), -EINVAL);
    if (!strstr(err, expected))
        print_error("'%s': error '%s' does not say '%s'\n", line, err, expected);
    assert_non_null(strstr(err, expected));
}

static void test_the_cli_requests_parse(void **state) {
    (void)state;
    assert_int_equal(parsed("status").verb, CONTROL_STATUS);
    assert_false(parsed("status").json);
    assert_true(parsed("status --json").json);
    struct control_request n = parsed("notify INSTANCE VI_1 MASTER 100");
    assert_int_equal(n.verb, CONTROL_NOTIFY);
    assert_string_equal(n.note.name, "VI_1");
    assert_int_equal(n.note.state, VRRP_STATE_MASTER);
    struct control_request s = parsed("switchover --to b --timeout 5000 --dry-run");
    assert_int_equal(s.verb, CONTROL_SWITCHOVER);
    assert_string_equal(s.to, "b");
    assert_int_equal(s.timeout_ms, 5000);
    assert_true(s.dry_run);
    assert_false(s.here);
    assert_int_equal(parsed("switchover").timeout_ms, 0);
    assert_string_equal(parsed("switchover-status s3").id, "s3");
    assert_true(parsed("maintenance on").maintenance_on);
    assert_false(parsed("maintenance off").maintenance_on);
}

static void test_bad_requests_name_the_word_at_fault(void **state) {
    (void)state;
    refused("", "unknown request ''");
    refused("stats", "unknown request 'stats'");
    refused("status --yaml", "unknown request 'status --yaml'");
    refused("maintenance maybe", "unknown request 'maintenance maybe'");
    refused("notify INSTANCE VI_1 PANIC", "PANIC");
    refused("switchover --timeout 99", "bad argument '--timeout'");
    refused("switchover --timeout 600001", "bad argument '--timeout'");
    refused("switchover --timeout 5000x", "bad argument '--timeout'");
    refused("switchover --timeout 99999999999999999999", "bad argument '--timeout'");
    refused("switchover --to", "bad argument '--to'");
    refused("switchover --here --to b", "--here and --to exclude each other");
    refused("a b c d e f g h i", "more than 8 words");
    refused("status\x1b[2J", "request with control bytes, not a request");
    refused("st\xc3\xa4tus", "request with bytes that are not ASCII, not a request");
    char long_peer[300] = "switchover --to ";
    memset(long_peer + strlen(long_peer), 'p', 200);
    refused(long_peer, "switchover --to: 'pppp");
}

static void test_an_overlong_line_is_cut_at_the_buffer(void **state) {
    (void)state;
    int fds[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    char sent[3000];
    memset(sent, 'x', sizeof(sent));
    assert_int_equal(write(fds[1], sent, sizeof(sent)), (ssize_t)sizeof(sent));
    close(fds[1]);
    char line[CONTROL_REQUEST_MAX];
    assert_int_equal(control_read_line(fds[0], line, sizeof(line)), -EMSGSIZE);
    assert_int_equal(strlen(line), CONTROL_REQUEST_MAX - 1);
    close(fds[0]);
}

static void test_a_line_ends_at_its_first_newline_or_carriage_return(void **state) {
    (void)state;
    int fds[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    const char sent[] = "status\r\nmaintenance on\n";
    assert_int_equal(write(fds[1], sent, strlen(sent)), (ssize_t)strlen(sent));
    close(fds[1]);
    char line[CONTROL_REQUEST_MAX];
    assert_true(control_read_line(fds[0], line, sizeof(line)) > 0);
    assert_string_equal(line, "status");
    close(fds[0]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_cli_requests_parse),
        cmocka_unit_test(test_bad_requests_name_the_word_at_fault),
        cmocka_unit_test(test_an_overlong_line_is_cut_at_the_buffer),
        cmocka_unit_test(test_a_line_ends_at_its_first_newline_or_carriage_return),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
