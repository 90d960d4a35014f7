/* Unit tests for config.c: defaults, the exact shape of every error message
 * ("NAME:LINE: [section] key = value: reason"), [peer] inheriting from [redis],
 * password files, and that printing the configuration never shows a password. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#define NAME    "t.conf"
#define MINIMAL "[peer]\nhost = x\n"

/* Parse text that must be valid; on failure show the message cmocka would hide. */
static void parse_ok(struct config *cfg, const char *text) {
    char err[512];
    int r = config_parse_string(cfg, NAME, text, err, sizeof(err));
    if (r != 0)
        print_error("unexpected parse error %d: %s\n", r, err);
    assert_int_equal(r, 0);
    assert_string_equal(err, "");
}

/* Parse text that must fail with error code `code` and exactly message `expected`.
 * Every per-key error comes back as -EINVAL: inih reports only that a line failed. */
static void parse_fails_with(const char *text, int code, const char *expected) {
    struct config cfg;
    char err[512];
    int r = config_parse_string(&cfg, NAME, text, err, sizeof(err));
    assert_int_equal(r, code);
    assert_string_equal(err, expected);
}

/* Write a temporary file with `content` and `mode`; its path goes to path (>= 32 bytes). */
static void write_temp_file(char *path, const char *content, mode_t mode) {
    strcpy(path, "/tmp/rva-test-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(content);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(close(fd), 0);
}

/* Run config_print into a string the caller frees. */
static char *print_to_string(const struct config *cfg) {
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    config_print(cfg, out);
    assert_int_equal(fclose(out), 0);
    assert_non_null(text);
    return text;
}

/* ---- defaults and inheritance ---- */

static void test_defaults_fill_every_key_when_only_peer_host_is_given(void **state) {
    (void)state;
    struct config cfg;
    parse_ok(&cfg, MINIMAL);

    assert_string_equal(cfg.path, NAME);
    assert_string_equal(cfg.agent.run_dir, "/run/redis-vrrp-agent");

    assert_string_equal(cfg.redis.host, "127.0.0.1");
    assert_int_equal(cfg.redis.port, 6379);
    assert_string_equal(cfg.redis.unix_socket, "");
    assert_string_equal(cfg.redis.user, "");
    assert_string_equal(cfg.redis.password_file, "");
    assert_string_equal(cfg.redis.password, "");
    assert_int_equal(cfg.redis.connect_timeout_ms, 200);
    assert_int_equal(cfg.redis.command_timeout_ms, 500);

    assert_string_equal(cfg.peer.host, "x");
    assert_int_equal(cfg.peer.port, 6379);
    assert_string_equal(cfg.peer.user, "");
    assert_string_equal(cfg.peer.password_file, "");
    assert_int_equal(cfg.peer.connect_timeout_ms, 200);
    assert_int_equal(cfg.peer.command_timeout_ms, 500);

    assert_int_equal(cfg.check.interval_ms, 200);
    assert_int_equal(cfg.check.rise, 2);
    assert_int_equal(cfg.check.fall, 2);
    assert_string_equal(cfg.check.track_file, "/run/redis-vrrp-agent/track");
    assert_int_equal(cfg.check.fail_value, 1);
    assert_int_equal(cfg.check.peer_interval_ms, 200);

    assert_string_equal(cfg.keepalived.instance, "");
    assert_string_equal(cfg.keepalived.notify_fifo, "");
    assert_string_equal(cfg.keepalived.vip, "");
    assert_string_equal(cfg.keepalived.config, "/etc/keepalived/keepalived.conf");
    assert_int_equal(cfg.keepalived.reconcile_grace_ms, 3000);

    assert_int_equal(cfg.transition.catchup_timeout_ms, 10000);
    assert_int_equal(cfg.transition.backup_wait_timeout_ms, 3000);
    assert_int_equal(cfg.transition.on_catchup_timeout, CATCHUP_TIMEOUT_PROMOTE);
    assert_int_equal(cfg.transition.master_delay_ms, 0);
    assert_int_equal(cfg.transition.backup_delay_ms, 0);
    assert_string_equal(cfg.transition.snapshot_dir, "/var/lib/redis-vrrp-agent/snapshots");
    assert_false(cfg.transition.fence_on_fault);
    assert_int_equal(cfg.transition.poll_interval_ms, 5);

    assert_int_equal(cfg.log.target, LOG_TARGET_AUTO);
    assert_int_equal(cfg.log.level, LOG_LEVEL_INFO);
    assert_string_equal(cfg.log.state_log, "");
    assert_string_equal(cfg.metrics.textfile, "");
}

static void test_every_key_is_stored_in_its_field(void **state) {
    (void)state;
    struct config cfg;
    parse_ok(&cfg,
             "[agent]\nrun_dir = /run/a\n"
             "[redis]\nhost = 10.0.0.1\nport = 6380\nunix_socket = /run/redis.sock\n"
             "user = agent\npassword_file = /etc/a/redis.pw\n"
             "connect_timeout_ms = 150\ncommand_timeout_ms = 700\n"
             "[peer]\nhost = 10.0.0.2\nport = 6381\nuser = peeruser\n"
             "password_file = /etc/a/peer.pw\nconnect_timeout_ms = 250\ncommand_timeout_ms = 900\n"
             "[check]\ninterval_ms = 100\nrise = 3\nfall = 4\ntrack_file = /run/a/track\n"
             "fail_value = -20\npeer_interval_ms = 300\n"
             "[keepalived]\ninstance = VI_1\nnotify_fifo = /run/k.fifo\nvip = 10.0.0.100\n"
             "config = /etc/k.conf\nreconcile_grace_ms = 0\n"
             "[transition]\ncatchup_timeout_ms = 5000\nbackup_wait_timeout_ms = 1000\n"
             "on_catchup_timeout = stay\nmaster_delay_ms = 10\nbackup_delay_ms = 20\n"
             "snapshot_dir = /var/snap\nfence_on_fault = yes\npoll_interval_ms = 7\n"
             "[log]\ntarget = stderr\nlevel = debug\nstate_log = /var/log/state.log\n"
             "[metrics]\ntextfile = /var/lib/node_exporter/rva.prom\n");
    assert_string_equal(cfg.agent.run_dir, "/run/a");
    assert_string_equal(cfg.redis.host, "10.0.0.1");
    assert_int_equal(cfg.redis.port, 6380);
    assert_string_equal(cfg.redis.unix_socket, "/run/redis.sock");
    assert_string_equal(cfg.redis.user, "agent");
    assert_string_equal(cfg.redis.password_file, "/etc/a/redis.pw");
    assert_int_equal(cfg.redis.connect_timeout_ms, 150);
    assert_int_equal(cfg.redis.command_timeout_ms, 700);
    assert_string_equal(cfg.peer.host, "10.0.0.2");
    assert_int_equal(cfg.peer.port, 6381);
    assert_string_equal(cfg.peer.user, "peeruser");
    assert_string_equal(cfg.peer.password_file, "/etc/a/peer.pw");
    assert_int_equal(cfg.peer.connect_timeout_ms, 250);
    assert_int_equal(cfg.peer.command_timeout_ms, 900);
    assert_int_equal(cfg.check.interval_ms, 100);
    assert_int_equal(cfg.check.rise, 3);
    assert_int_equal(cfg.check.fall, 4);
    assert_string_equal(cfg.check.track_file, "/run/a/track");
    assert_int_equal(cfg.check.fail_value, -20);
    assert_int_equal(cfg.check.peer_interval_ms, 300);
    assert_string_equal(cfg.keepalived.instance, "VI_1");
    assert_string_equal(cfg.keepalived.notify_fifo, "/run/k.fifo");
    assert_string_equal(cfg.keepalived.vip, "10.0.0.100");
    assert_string_equal(cfg.keepalived.config, "/etc/k.conf");
    assert_int_equal(cfg.keepalived.reconcile_grace_ms, 0);
    assert_int_equal(cfg.transition.catchup_timeout_ms, 5000);
    assert_int_equal(cfg.transition.backup_wait_timeout_ms, 1000);
    assert_int_equal(cfg.transition.on_catchup_timeout, CATCHUP_TIMEOUT_STAY);
    assert_int_equal(cfg.transition.master_delay_ms, 10);
    assert_int_equal(cfg.transition.backup_delay_ms, 20);
    assert_string_equal(cfg.transition.snapshot_dir, "/var/snap");
    assert_true(cfg.transition.fence_on_fault);
    assert_int_equal(cfg.transition.poll_interval_ms, 7);
    assert_int_equal(cfg.log.target, LOG_TARGET_STDERR);
    assert_int_equal(cfg.log.level, LOG_LEVEL_DEBUG);
    assert_string_equal(cfg.log.state_log, "/var/log/state.log");
    assert_string_equal(cfg.metrics.textfile, "/var/lib/node_exporter/rva.prom");
}

static void test_peer_auth_and_timeouts_inherit_from_redis_when_unset(void **state) {
    (void)state;
    struct config cfg;
    parse_ok(&cfg, "[redis]\nuser = agent\npassword_file = /etc/a/redis.pw\n"
                   "connect_timeout_ms = 111\ncommand_timeout_ms = 222\n" MINIMAL);
    assert_string_equal(cfg.peer.user, "agent");
    assert_string_equal(cfg.peer.password_file, "/etc/a/redis.pw");
    assert_int_equal(cfg.peer.connect_timeout_ms, 111);
    assert_int_equal(cfg.peer.command_timeout_ms, 222);
}

static void test_peer_auth_and_timeouts_do_not_inherit_when_set(void **state) {
    (void)state;
    struct config cfg;
    /* [peer] comes first on purpose: inheritance must not depend on section order. */
    parse_ok(&cfg, "[peer]\nhost = x\nuser = peeruser\npassword_file = /etc/a/peer.pw\n"
                   "connect_timeout_ms = 333\ncommand_timeout_ms = 444\n"
                   "[redis]\nuser = agent\npassword_file = /etc/a/redis.pw\n"
                   "connect_timeout_ms = 111\ncommand_timeout_ms = 222\n");
    assert_string_equal(cfg.peer.user, "peeruser");
    assert_string_equal(cfg.peer.password_file, "/etc/a/peer.pw");
    assert_int_equal(cfg.peer.connect_timeout_ms, 333);
    assert_int_equal(cfg.peer.command_timeout_ms, 444);
    assert_string_equal(cfg.redis.user, "agent");
    assert_int_equal(cfg.redis.connect_timeout_ms, 111);
}

static void test_peer_does_not_inherit_redis_host_port_or_socket(void **state) {
    (void)state;
    struct config cfg;
    parse_ok(&cfg, "[redis]\nhost = 10.0.0.1\nport = 6380\nunix_socket = /run/r.sock\n" MINIMAL);
    assert_string_equal(cfg.peer.host, "x");
    assert_int_equal(cfg.peer.port, 6379);
    assert_string_equal(cfg.peer.unix_socket, "");
}

/* ---- error messages: NAME:LINE: [section] key = value: reason ---- */

static void test_unknown_key_names_file_line_section_key(void **state) {
    (void)state;
    parse_fails_with(MINIMAL "[redis]\nprot = 6380\n", -EINVAL,
                     "t.conf:4: [redis] prot = 6380: unknown key");
}

static void test_key_of_another_section_is_an_unknown_key(void **state) {
    (void)state;
    parse_fails_with(MINIMAL "[check]\nport = 6380\n", -EINVAL,
                     "t.conf:4: [check] port = 6380: unknown key");
}

static void test_unknown_section_names_file_line_section_key(void **state) {
    (void)state;
    parse_fails_with(MINIMAL "[chek]\nrise = 3\n", -EINVAL,
                     "t.conf:4: [chek] rise = 3: unknown section [chek]");
}

static void test_key_before_any_section_is_in_unknown_empty_section(void **state) {
    (void)state;
    parse_fails_with("rise = 3\n" MINIMAL, -EINVAL, "t.conf:1: [] rise = 3: unknown section []");
}

static void test_word_for_a_number_is_not_a_whole_number(void **state) {
    (void)state;
    parse_fails_with(MINIMAL "[redis]\nport = six\n", -EINVAL,
                     "t.conf:4: [redis] port = six: not a whole number");
}

static void test_number_with_unit_suffix_is_not_a_whole_number(void **state) {
    (void)state;
    parse_fails_with(MINIMAL "[check]\ninterval_ms = 200ms\n", -EINVAL,
                     "t.conf:4: [check] interval_ms = 200ms: not a whole number");
}

static void test_fractional_number_is_not_a_whole_number(void **state) {
    (void)state;
    parse_fails_with(MINIMAL "[check]\nrise = 1.5\n", -EINVAL,
                     "t.conf:4: [check] rise = 1.5: not a whole number");
}

static void test_empty_number_is_not_a_whole_number(void **state) {
    (void)state;
    parse_fails_with(MINIMAL "[check]\nfall =\n", -EINVAL,
                     "t.conf:4: [check] fall = : not a whole number");
}

static void test_number_above_range_names_the_range(void **state) {
    (void)state;
    parse_fails_with(MINIMAL "[redis]\nport = 65536\n", -EINVAL,
                     "t.conf:4: [redis] port = 65536: out of range (1 to 65535)");
}

static void test_number_below_range_names_the_range(void **state) {
    (void)state;
    parse_fails_with(MINIMAL "[check]\nfail_value = -255\n", -EINVAL,
                     "t.conf:4: [check] fail_value = -255: out of range (-254 to 254)");
}

static void test_number_beyond_int_is_out_of_range_not_truncated(void **state) {
    (void)state;
    /* 2^32 + 6379 would become 6379 if cast to int before the range check. */
    parse_fails_with(MINIMAL "[redis]\nport = 4294973675\n", -EINVAL,
                     "t.conf:4: [redis] port = 4294973675: out of range (1 to 65535)");
}

static void test_range_bounds_are_inclusive(void **state) {
    (void)state;
    struct config cfg;
    parse_ok(&cfg, MINIMAL "[redis]\nport = 1\n[check]\nfail_value = -254\ninterval_ms = 10\n"
                           "[transition]\npoll_interval_ms = 1000\n");
    assert_int_equal(cfg.redis.port, 1);
    assert_int_equal(cfg.check.fail_value, -254);
    assert_int_equal(cfg.check.interval_ms, 10);
    assert_int_equal(cfg.transition.poll_interval_ms, 1000);
    parse_ok(&cfg, MINIMAL "[redis]\nport = 65535\n[check]\nfail_value = 254\n");
    assert_int_equal(cfg.redis.port, 65535);
    assert_int_equal(cfg.check.fail_value, 254);
}

static void test_bad_boolean_lists_accepted_spellings(void **state) {
    (void)state;
    parse_fails_with(MINIMAL "[transition]\nfence_on_fault = maybe\n", -EINVAL,
                     "t.conf:4: [transition] fence_on_fault = maybe: "
                     "not a boolean (yes/no, true/false, on/off, 1/0)");
}

static void test_boolean_accepts_every_spelling_in_any_case(void **state) {
    (void)state;
    static const char *const yes[] = { "yes", "true", "on", "1", "YES", "True" };
    static const char *const no[] = { "no", "false", "off", "0", "NO", "Off" };
    struct config cfg;
    char text[128];
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        snprintf(text, sizeof(text), MINIMAL "[transition]\nfence_on_fault = %s\n", yes[i]);
        parse_ok(&cfg, text);
        assert_true(cfg.transition.fence_on_fault);
        snprintf(text, sizeof(text), MINIMAL "[transition]\nfence_on_fault = %s\n", no[i]);
        parse_ok(&cfg, text);
        assert_false(cfg.transition.fence_on_fault);
    }
}

static void test_bad_enum_lists_the_choices(void **state) {
    (void)state;
    parse_fails_with(MINIMAL "[transition]\non_catchup_timeout = wait\n", -EINVAL,
                     "t.conf:4: [transition] on_catchup_timeout = wait: "
                     "must be one of promote, stay");
    parse_fails_with(MINIMAL "[log]\nlevel = verbose\n", -EINVAL,
                     "t.conf:4: [log] level = verbose: must be one of error, warning, info, debug");
    parse_fails_with(MINIMAL "[log]\ntarget = file\n", -EINVAL,
                     "t.conf:4: [log] target = file: must be one of auto, journal, syslog, stderr");
}

static void test_enum_is_case_sensitive(void **state) {
    (void)state;
    parse_fails_with(MINIMAL "[log]\nlevel = DEBUG\n", -EINVAL,
                     "t.conf:4: [log] level = DEBUG: must be one of error, warning, info, debug");
}

static void test_enum_values_map_to_their_constants(void **state) {
    (void)state;
    struct config cfg;
    parse_ok(&cfg, MINIMAL "[log]\ntarget = journal\nlevel = error\n");
    assert_int_equal(cfg.log.target, LOG_TARGET_JOURNAL);
    assert_int_equal(cfg.log.level, LOG_LEVEL_ERROR);
    parse_ok(&cfg, MINIMAL "[log]\ntarget = syslog\nlevel = warning\n");
    assert_int_equal(cfg.log.target, LOG_TARGET_SYSLOG);
    assert_int_equal(cfg.log.level, LOG_LEVEL_WARNING);
}

static void test_value_too_long_names_the_limit(void **state) {
    (void)state;
    char host[CONFIG_NAME_MAX + 1];
    memset(host, 'h', CONFIG_NAME_MAX);
    host[CONFIG_NAME_MAX] = '\0';
    char text[256], expected[512];
    snprintf(text, sizeof(text), "[peer]\nhost = %s\n", host);
    snprintf(expected, sizeof(expected),
             "t.conf:2: [peer] host = %s: value too long (at most 127 characters)", host);
    parse_fails_with(text, -EINVAL, expected);
}

static void test_value_at_the_length_limit_is_accepted(void **state) {
    (void)state;
    char host[CONFIG_NAME_MAX];
    memset(host, 'h', CONFIG_NAME_MAX - 1);
    host[CONFIG_NAME_MAX - 1] = '\0';
    char text[256];
    snprintf(text, sizeof(text), "[peer]\nhost = %s\n", host);
    struct config cfg;
    parse_ok(&cfg, text);
    assert_string_equal(cfg.peer.host, host);
}

static void test_a_key_set_twice_is_an_error_naming_both_lines(void **state) {
    (void)state;
    parse_fails_with(MINIMAL "[check]\ninterval_ms = 100\n\ninterval_ms = 200\n", -EINVAL,
                     "t.conf:6: [check] interval_ms = 200: set twice (first at line 4)");
}

static void test_bytes_that_are_not_utf8_are_refused_without_being_echoed(void **state) {
    (void)state;
    parse_fails_with(MINIMAL "[keepalived]\ninstance = VI_\xff\n", -EINVAL,
                     "t.conf:4: not valid UTF-8: byte 0xff at column 4 of the value");
    parse_fails_with(MINIMAL "[keepalived]\ninstance = VI_\xc0\xaf\n", -EINVAL,
                     "t.conf:4: not valid UTF-8: byte 0xc0 at column 4 of the value");
    parse_fails_with(MINIMAL "[check]\nint\xe9rval_ms = 100\n", -EINVAL,
                     "t.conf:4: not valid UTF-8: byte 0xe9 at column 4 of the key");
    struct config cfg;
    char err[256];
    assert_int_equal(config_parse_string(&cfg, "t.conf",
                                         MINIMAL "[keepalived]\ninstance = VI_\xc3\xa9\n", err,
                                         sizeof(err)),
                     0);
}

static void test_line_without_equals_is_a_syntax_error_at_its_line(void **state) {
    (void)state;
    parse_fails_with("[redis]\nport = 6380\n" MINIMAL "[check]\nrise 3\n", -EINVAL,
                     "t.conf:6: syntax error: expected [section] or key = value");
}

static void test_bad_section_header_is_a_syntax_error_at_its_line(void **state) {
    (void)state;
    parse_fails_with(MINIMAL "[redis]\nport = 6380\n[check\nrise = 3\n", -EINVAL,
                     "t.conf:5: syntax error: expected [section] or key = value");
}

static void test_syntax_error_on_first_line_reports_line_one(void **state) {
    (void)state;
    parse_fails_with("[peer\nhost = x\n", -EINVAL,
                     "t.conf:1: syntax error: expected [section] or key = value");
}

static void test_earlier_syntax_error_wins_over_later_bad_value(void **state) {
    (void)state;
    parse_fails_with(MINIMAL "garbage\n[redis]\nport = 0\n", -EINVAL,
                     "t.conf:3: syntax error: expected [section] or key = value");
}

static void test_earlier_bad_value_wins_over_later_syntax_error(void **state) {
    (void)state;
    parse_fails_with(MINIMAL "[redis]\nport = 0\ngarbage\n[nope]\nx = 1\n", -EINVAL,
                     "t.conf:4: [redis] port = 0: out of range (1 to 65535)");
}

static void test_first_of_several_bad_values_is_reported(void **state) {
    (void)state;
    parse_fails_with(MINIMAL "[redis]\nport = 0\n[check]\nrise = 0\n", -EINVAL,
                     "t.conf:4: [redis] port = 0: out of range (1 to 65535)");
}

static void test_comments_and_blank_lines_keep_line_numbers(void **state) {
    (void)state;
    parse_fails_with("# redis-vrrp-agent\n"
                     "; generated by hand\n"
                     "\n"
                     "[peer]\n"
                     "   # indented comment\n"
                     "host = x   ; inline comment\n"
                     "\n"
                     "\n"
                     "[check]\n"
                     "# rise = 1\n"
                     "rise = 0\n",
                     -EINVAL, "t.conf:11: [check] rise = 0: out of range (1 to 100)");
}

static void test_comments_and_blank_lines_are_ignored(void **state) {
    (void)state;
    struct config cfg;
    parse_ok(&cfg, "# top\n\n[peer]\n; note\nhost = 10.0.0.2 ; the other node\n\n# port = 1\n");
    assert_string_equal(cfg.peer.host, "10.0.0.2");
    assert_int_equal(cfg.peer.port, 6379);
}

static void test_crlf_lines_parse_and_keep_line_numbers(void **state) {
    (void)state;
    struct config cfg;
    parse_ok(&cfg, "[peer]\r\nhost = x\r\nport = 6390\r\n");
    assert_string_equal(cfg.peer.host, "x");
    assert_int_equal(cfg.peer.port, 6390);
    parse_fails_with("[peer]\r\nhost = x\r\n\r\nrise\r\n", -EINVAL,
                     "t.conf:4: syntax error: expected [section] or key = value");
}

static void test_text_without_final_newline_is_parsed(void **state) {
    (void)state;
    struct config cfg;
    parse_ok(&cfg, "[peer]\nhost = x");
    assert_string_equal(cfg.peer.host, "x");
}

static void test_missing_peer_host_is_required(void **state) {
    (void)state;
    parse_fails_with("[redis]\nport = 6379\n", -EINVAL,
                     "t.conf: [peer] host is required (the other node's Redis or Valkey address)");
    parse_fails_with("", -EINVAL,
                     "t.conf: [peer] host is required (the other node's Redis or Valkey address)");
    parse_fails_with("[peer]\nhost =\n", -EINVAL,
                     "t.conf: [peer] host is required (the other node's Redis or Valkey address)");
}

/* Both values 0, or both non-zero: keepalived could not tell healthy from failed. */
static void test_healthy_and_fail_values_must_differ_in_being_zero(void **state) {
    (void)state;
    struct config cfg;
    char err[512];
    int r = config_parse_string(&cfg, NAME, MINIMAL "[check]\nfail_value = 0\n", err, sizeof(err));
    assert_int_equal(r, -EINVAL);
    assert_non_null(strstr(err, "t.conf: [check] healthy_value = 0, fail_value = 0: exactly one "
                                "of them must be 0"));
    r = config_parse_string(&cfg, NAME, MINIMAL "[check]\nhealthy_value = 1\n", err, sizeof(err));
    assert_int_equal(r, -EINVAL);
    assert_non_null(strstr(err, "healthy_value = 1, fail_value = 1"));
    /* The fail-closed pair, for weight 0 reverse. */
    r = config_parse_string(&cfg, NAME, MINIMAL "[check]\nhealthy_value = 1\nfail_value = 0\n", err,
                            sizeof(err));
    assert_int_equal(r, 0);
    assert_int_equal(cfg.check.healthy_value, 1);
    assert_int_equal(cfg.check.fail_value, 0);
}

static void test_error_message_is_cut_to_the_buffer(void **state) {
    (void)state;
    struct config cfg;
    char err[16];
    memset(err, 'Z', sizeof(err));
    int r = config_parse_string(&cfg, NAME, MINIMAL "[redis]\nprot = 6380\n", err, sizeof(err));
    assert_int_equal(r, -EINVAL);
    assert_string_equal(err, "t.conf:4: [redi");
}

/* ---- password files ---- */

static void test_password_file_readable_by_others_is_refused_with_chmod_hint(void **state) {
    (void)state;
    char path[64], out[CONFIG_PASSWORD_MAX] = "", err[512];
    write_temp_file(path, "secret\n", 0644);
    int r = config_read_password_file(path, out, sizeof(out), err, sizeof(err));
    assert_int_equal(r, -EPERM);
    assert_non_null(strstr(err, "chmod 600"));
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "0644"));
    assert_string_equal(out, "");
    unlink(path);
}

static void test_password_file_readable_by_another_group_is_refused(void **state) {
    (void)state;
    char path[64], out[CONFIG_PASSWORD_MAX] = "", err[512];
    write_temp_file(path, "secret\n", 0640);
    assert_int_equal(chown(path, (uid_t)-1, getegid() + 1), 0); /* the tests run as root */
    assert_int_equal(config_read_password_file(path, out, sizeof(out), err, sizeof(err)), -EPERM);
    assert_non_null(strstr(err, "not only the agent's own"));
    assert_non_null(strstr(err, "chmod 600"));
    assert_string_equal(out, "");
    unlink(path);
}

static void test_password_file_readable_by_the_agents_own_group_is_read(void **state) {
    (void)state;
    char path[64], out[CONFIG_PASSWORD_MAX] = "", err[512];
    write_temp_file(path, "secret\n", 0640);
    assert_int_equal(chown(path, (uid_t)-1, getegid()), 0);
    assert_int_equal(config_read_password_file(path, out, sizeof(out), err, sizeof(err)), 0);
    assert_string_equal(out, "secret");
    unlink(path);
}

static void test_password_file_writable_by_the_group_is_refused(void **state) {
    (void)state;
    char path[64], out[CONFIG_PASSWORD_MAX] = "", err[512];
    write_temp_file(path, "secret\n", 0660);
    assert_int_equal(chown(path, (uid_t)-1, getegid()), 0);
    assert_int_equal(config_read_password_file(path, out, sizeof(out), err, sizeof(err)), -EPERM);
    unlink(path);
}

static void test_password_file_empty_is_refused(void **state) {
    (void)state;
    char path[64], out[CONFIG_PASSWORD_MAX], err[512];
    write_temp_file(path, "", 0600);
    assert_int_equal(config_read_password_file(path, out, sizeof(out), err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "first line is empty");
    unlink(path);
}

static void test_password_file_with_empty_first_line_is_refused(void **state) {
    (void)state;
    char path[64], out[CONFIG_PASSWORD_MAX], err[512];
    write_temp_file(path, "\nsecret\n", 0600);
    assert_int_equal(config_read_password_file(path, out, sizeof(out), err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "first line is empty");
    unlink(path);
}

static void test_password_file_first_line_only_without_newline(void **state) {
    (void)state;
    char path[64], out[CONFIG_PASSWORD_MAX], err[512];
    write_temp_file(path, "s3cret pass\nsecond line\n", 0600);
    assert_int_equal(config_read_password_file(path, out, sizeof(out), err, sizeof(err)), 0);
    assert_string_equal(out, "s3cret pass");
    unlink(path);
}

static void test_password_file_crlf_is_stripped(void **state) {
    (void)state;
    char path[64], out[CONFIG_PASSWORD_MAX], err[512];
    write_temp_file(path, "s3cret\r\n", 0600);
    assert_int_equal(config_read_password_file(path, out, sizeof(out), err, sizeof(err)), 0);
    assert_string_equal(out, "s3cret");
    unlink(path);
}

static void test_password_file_without_trailing_newline_is_read_whole(void **state) {
    (void)state;
    char path[64], out[CONFIG_PASSWORD_MAX], err[512];
    write_temp_file(path, "s3cret", 0400);
    assert_int_equal(config_read_password_file(path, out, sizeof(out), err, sizeof(err)), 0);
    assert_string_equal(out, "s3cret");
    unlink(path);
}

static void test_password_file_longer_than_the_buffer_is_refused(void **state) {
    (void)state;
    char path[64], out[16], err[512];
    write_temp_file(path, "0123456789abcdef\n", 0600); /* 16 characters: one too many */
    assert_int_equal(config_read_password_file(path, out, sizeof(out), err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "first line too long (at most 15 characters)");
    unlink(path);

    write_temp_file(path, "0123456789abcde\n", 0600); /* 15: fits */
    assert_int_equal(config_read_password_file(path, out, sizeof(out), err, sizeof(err)), 0);
    assert_string_equal(out, "0123456789abcde");
    unlink(path);
}

static void test_password_file_missing_is_enoent(void **state) {
    (void)state;
    char path[64], out[CONFIG_PASSWORD_MAX], err[512];
    write_temp_file(path, "", 0600);
    unlink(path);
    assert_int_equal(config_read_password_file(path, out, sizeof(out), err, sizeof(err)), -ENOENT);
    assert_string_equal(err, "cannot open: No such file or directory");
}

static void test_password_file_that_is_a_directory_is_refused(void **state) {
    (void)state;
    char out[CONFIG_PASSWORD_MAX], err[512];
    assert_int_equal(config_read_password_file("/tmp", out, sizeof(out), err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "not a regular file");
}

/* ---- config_load ---- */

static void test_load_reads_password_files_and_peer_inherits_it(void **state) {
    (void)state;
    char pw[64], conf[64], text[256], err[512];
    write_temp_file(pw, "redis-secret\n", 0600);
    snprintf(text, sizeof(text), "[redis]\npassword_file = %s\n" MINIMAL, pw);
    write_temp_file(conf, text, 0644);
    struct config cfg;
    int r = config_load(&cfg, conf, err, sizeof(err));
    if (r != 0)
        print_error("config_load: %s\n", err);
    assert_int_equal(r, 0);
    assert_string_equal(cfg.path, conf);
    assert_string_equal(cfg.redis.password, "redis-secret");
    assert_string_equal(cfg.peer.password_file, pw);
    assert_string_equal(cfg.peer.password, "redis-secret");
    unlink(pw);
    unlink(conf);
}

static void test_load_refusal_of_password_file_names_config_section_and_key(void **state) {
    (void)state;
    char pw[64], conf[64], text[256], err[512], expected[512];
    write_temp_file(pw, "redis-secret\n", 0644);
    snprintf(text, sizeof(text), MINIMAL "password_file = %s\n", pw);
    write_temp_file(conf, text, 0644);
    struct config cfg;
    assert_int_equal(config_load(&cfg, conf, err, sizeof(err)), -EPERM);
    snprintf(expected, sizeof(expected),
             "%s: [peer] password_file = %s: accessible by others (mode 0644); "
             "run: chmod 600 %s",
             conf, pw, pw);
    assert_string_equal(err, expected);
    unlink(pw);
    unlink(conf);
}

static void test_load_parse_error_names_the_config_path(void **state) {
    (void)state;
    char conf[64], err[512], expected[512];
    write_temp_file(conf, MINIMAL "[redis]\nport = 0\n", 0644);
    struct config cfg;
    assert_int_equal(config_load(&cfg, conf, err, sizeof(err)), -EINVAL);
    snprintf(expected, sizeof(expected), "%s:4: [redis] port = 0: out of range (1 to 65535)", conf);
    assert_string_equal(err, expected);
    unlink(conf);
}

static void test_load_missing_config_is_enoent(void **state) {
    (void)state;
    char conf[64], err[512], expected[512];
    write_temp_file(conf, "", 0644);
    unlink(conf);
    struct config cfg;
    assert_int_equal(config_load(&cfg, conf, err, sizeof(err)), -ENOENT);
    snprintf(expected, sizeof(expected), "%s: cannot open config: No such file or directory", conf);
    assert_string_equal(err, expected);
}

/* ---- config_print ---- */

static void test_print_never_shows_password_text(void **state) {
    (void)state;
    struct config cfg;
    parse_ok(&cfg, "[redis]\npassword_file = /etc/a/redis.pw\n" MINIMAL);
    snprintf(cfg.redis.password, sizeof(cfg.redis.password), "hunter2-redis-secret");
    snprintf(cfg.peer.password, sizeof(cfg.peer.password), "hunter2-peer-secret");
    char *text = print_to_string(&cfg);
    assert_null(strstr(text, "hunter2"));
    assert_non_null(strstr(text, "[redis]\n"));
    assert_non_null(strstr(text, "password_file = /etc/a/redis.pw\n# password = ******** (set)\n"));
    free(text);
}

static void test_print_marks_absent_password_as_none(void **state) {
    (void)state;
    struct config cfg;
    parse_ok(&cfg, MINIMAL);
    char *text = print_to_string(&cfg);
    assert_non_null(strstr(text, "password_file = \n# password = (none)\n"));
    assert_null(strstr(text, "(set)"));
    free(text);
}

static void test_print_shows_effective_values_as_ini(void **state) {
    (void)state;
    struct config cfg;
    parse_ok(&cfg, MINIMAL "[transition]\nfence_on_fault = on\non_catchup_timeout = stay\n"
                           "[log]\nlevel = debug\n");
    char *text = print_to_string(&cfg);
    assert_memory_equal(text, "# effective configuration of t.conf\n[agent]\n",
                        strlen("# effective configuration of t.conf\n[agent]\n"));
    assert_non_null(strstr(text, "\n[peer]\nhost = x\nport = 6379\n"));
    assert_non_null(strstr(text, "\nconnect_timeout_ms = 200\n")); /* inherited, resolved */
    assert_null(strstr(text, "= -1\n"));
    assert_non_null(strstr(text, "\nfence_on_fault = yes\n"));
    assert_non_null(strstr(text, "\non_catchup_timeout = stay\n"));
    assert_non_null(strstr(text, "\nlevel = debug\n"));
    assert_non_null(strstr(text, "\n[metrics]\ntextfile = \n"));
    free(text);
}

static void test_printed_config_parses_back_to_the_same_values(void **state) {
    (void)state;
    struct config cfg, again;
    parse_ok(&cfg, "[redis]\nport = 6380\nuser = agent\n" MINIMAL
                   "[check]\nfail_value = -3\n[transition]\nfence_on_fault = yes\n"
                   "[log]\ntarget = stderr\n");
    char *text = print_to_string(&cfg);
    /* Blank values (unset strings) read back as empty, so the round trip is exact. */
    parse_ok(&again, text);
    free(text);
    snprintf(again.path, sizeof(again.path), "%s", cfg.path);
    assert_memory_equal(&cfg, &again, sizeof(cfg));
}

static void test_long_comment_line_is_ignored_and_keeps_line_numbers(void **state) {
    (void)state;
    struct config cfg;
    char err[512], text[1024];
    snprintf(text, sizeof(text), "# %0300d\n[peer]\nhost = x\n[redis]\nport = nope\n", 0);
    assert_int_equal(config_parse_string(&cfg, "t.conf", text, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "t.conf:5: [redis] port = nope: not a whole number");
}

static void test_long_value_line_is_refused_not_split(void **state) {
    (void)state;
    struct config cfg;
    char err[512], text[1024];
    /* Once read in 200-byte pieces, the tail became a continuation that set port 6381. */
    snprintf(text, sizeof(text), "[peer]\nhost = x\n[redis]\nport = 6380 ; %0185d\n  6381\n", 0);
    assert_int_equal(config_parse_string(&cfg, "t.conf", text, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "t.conf:4: line too long (at most 198 characters)");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_comment_line_is_ignored_and_keeps_line_numbers),
        cmocka_unit_test(test_long_value_line_is_refused_not_split),
        cmocka_unit_test(test_defaults_fill_every_key_when_only_peer_host_is_given),
        cmocka_unit_test(test_every_key_is_stored_in_its_field),
        cmocka_unit_test(test_peer_auth_and_timeouts_inherit_from_redis_when_unset),
        cmocka_unit_test(test_peer_auth_and_timeouts_do_not_inherit_when_set),
        cmocka_unit_test(test_peer_does_not_inherit_redis_host_port_or_socket),
        cmocka_unit_test(test_unknown_key_names_file_line_section_key),
        cmocka_unit_test(test_key_of_another_section_is_an_unknown_key),
        cmocka_unit_test(test_unknown_section_names_file_line_section_key),
        cmocka_unit_test(test_key_before_any_section_is_in_unknown_empty_section),
        cmocka_unit_test(test_word_for_a_number_is_not_a_whole_number),
        cmocka_unit_test(test_number_with_unit_suffix_is_not_a_whole_number),
        cmocka_unit_test(test_fractional_number_is_not_a_whole_number),
        cmocka_unit_test(test_empty_number_is_not_a_whole_number),
        cmocka_unit_test(test_number_above_range_names_the_range),
        cmocka_unit_test(test_number_below_range_names_the_range),
        cmocka_unit_test(test_number_beyond_int_is_out_of_range_not_truncated),
        cmocka_unit_test(test_range_bounds_are_inclusive),
        cmocka_unit_test(test_bad_boolean_lists_accepted_spellings),
        cmocka_unit_test(test_boolean_accepts_every_spelling_in_any_case),
        cmocka_unit_test(test_bad_enum_lists_the_choices),
        cmocka_unit_test(test_enum_is_case_sensitive),
        cmocka_unit_test(test_enum_values_map_to_their_constants),
        cmocka_unit_test(test_value_too_long_names_the_limit),
        cmocka_unit_test(test_value_at_the_length_limit_is_accepted),
        cmocka_unit_test(test_line_without_equals_is_a_syntax_error_at_its_line),
        cmocka_unit_test(test_a_key_set_twice_is_an_error_naming_both_lines),
        cmocka_unit_test(test_bytes_that_are_not_utf8_are_refused_without_being_echoed),
        cmocka_unit_test(test_bad_section_header_is_a_syntax_error_at_its_line),
        cmocka_unit_test(test_syntax_error_on_first_line_reports_line_one),
        cmocka_unit_test(test_earlier_syntax_error_wins_over_later_bad_value),
        cmocka_unit_test(test_earlier_bad_value_wins_over_later_syntax_error),
        cmocka_unit_test(test_first_of_several_bad_values_is_reported),
        cmocka_unit_test(test_comments_and_blank_lines_keep_line_numbers),
        cmocka_unit_test(test_comments_and_blank_lines_are_ignored),
        cmocka_unit_test(test_crlf_lines_parse_and_keep_line_numbers),
        cmocka_unit_test(test_text_without_final_newline_is_parsed),
        cmocka_unit_test(test_missing_peer_host_is_required),
        cmocka_unit_test(test_healthy_and_fail_values_must_differ_in_being_zero),
        cmocka_unit_test(test_error_message_is_cut_to_the_buffer),
        cmocka_unit_test(test_password_file_readable_by_others_is_refused_with_chmod_hint),
        cmocka_unit_test(test_password_file_readable_by_another_group_is_refused),
        cmocka_unit_test(test_password_file_readable_by_the_agents_own_group_is_read),
        cmocka_unit_test(test_password_file_writable_by_the_group_is_refused),
        cmocka_unit_test(test_password_file_empty_is_refused),
        cmocka_unit_test(test_password_file_with_empty_first_line_is_refused),
        cmocka_unit_test(test_password_file_first_line_only_without_newline),
        cmocka_unit_test(test_password_file_crlf_is_stripped),
        cmocka_unit_test(test_password_file_without_trailing_newline_is_read_whole),
        cmocka_unit_test(test_password_file_longer_than_the_buffer_is_refused),
        cmocka_unit_test(test_password_file_missing_is_enoent),
        cmocka_unit_test(test_password_file_that_is_a_directory_is_refused),
        cmocka_unit_test(test_load_reads_password_files_and_peer_inherits_it),
        cmocka_unit_test(test_load_refusal_of_password_file_names_config_section_and_key),
        cmocka_unit_test(test_load_parse_error_names_the_config_path),
        cmocka_unit_test(test_load_missing_config_is_enoent),
        cmocka_unit_test(test_print_never_shows_password_text),
        cmocka_unit_test(test_print_marks_absent_password_as_none),
        cmocka_unit_test(test_print_shows_effective_values_as_ini),
        cmocka_unit_test(test_printed_config_parses_back_to_the_same_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
