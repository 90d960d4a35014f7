/* Unit tests for keepalived_conf.c on captured keepalived.conf texts: what the parser
 * finds in an instance and around it (track file, FIFO, preemption, script user),
 * with file and line marks as keepalived_include.c writes them, and the
 * cross-check's warnings. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "keepalived_conf.h"
#include "keepalived_include.h"

/* The shape of the shipped example, as an operator's copy may look. */
static const char shipped[] = "global_defs {\n"                                     /* 1 */
                              "    router_id redis-node-a\n"                        /* 2 */
                              "    vrrp_version 3\n"                                /* 3 */
                              "    notify_fifo /run/redis-vrrp-agent/notify.fifo\n" /* 4 */
                              "    fifo_write_vrrp_states_on_reload\n"              /* 5 */
                              "    script_user root\n"                              /* 6 */
                              "}\n"                                                 /* 7 */
                              "track_file redis_health {\n"                         /* 8 */
                              "    file /run/redis-vrrp-agent/track\n"              /* 9 */
                              "    init_file 0\n"                                   /* 10 */
                              "}\n"                                                 /* 11 */
                              "vrrp_instance VI_1 {\n"                              /* 12 */
                              "    priority 254\n"                                  /* 13 */
                              "    advert_int 1\n"                                  /* 14 */
                              "    virtual_ipaddress {\n"                           /* 15 */
                              "        192.0.2.100/24 dev eth0\n"                   /* 16 */
                              "    }\n"                                             /* 17 */
                              "    track_file {\n"                                  /* 18 */
                              "        redis_health weight 0 reverse\n"             /* 19 */
                              "    }\n"                                             /* 20 */
                              "}\n";

static void find(const char *text, struct keepalived_instance *ki) {
    char err[512];
    int r = keepalived_conf_find(text, "VI_1", ki, err, sizeof(err));
    if (r != 0)
        print_error("keepalived_conf_find: %s\n", err);
    assert_int_equal(r, 0);
}

static void test_the_shipped_shape_is_read_whole(void **state) {
    (void)state;
    struct keepalived_instance ki;
    find(shipped, &ki);
    assert_string_equal(ki.name, "VI_1");
    assert_int_equal(ki.line, 12);
    assert_int_equal(ki.priority, 254);
    assert_int_equal(ki.vrrp_version, 3);
    assert_string_equal(ki.track_name, "redis_health");
    assert_int_equal(ki.track_weight, 0);
    assert_true(ki.track_reverse);
    assert_int_equal(ki.track_line, 19);
    assert_string_equal(ki.track_path, "/run/redis-vrrp-agent/track");
    assert_string_equal(ki.fifo_path, "/run/redis-vrrp-agent/notify.fifo");
    assert_int_equal(ki.fifo_line, 4);
    assert_true(ki.fifo_states_on_reload);
    assert_string_equal(ki.script_user, "root");
    assert_false(ki.nopreempt);
    assert_false(ki.old_track_keyword);
}

static void test_cross_check_of_the_shipped_pair_is_silent(void **state) {
    (void)state;
    struct keepalived_instance ki;
    char out[2048];
    find(shipped, &ki);
    int n = keepalived_conf_cross_check(&ki, "/etc/keepalived/keepalived.conf",
                                        "/run/redis-vrrp-agent/track", 1,
                                        "/run/redis-vrrp-agent/notify.fifo", out, sizeof(out));
    assert_int_equal(n, 0);
    assert_string_equal(out, "");
}

static void test_cross_check_names_file_and_line_of_each_mismatch(void **state) {
    (void)state;
    struct keepalived_instance ki;
    char out[4096];
    find(shipped, &ki);
    int n = keepalived_conf_cross_check(&ki, "k.conf", "/run/other/track", 0, "/run/other.fifo",
                                        out, sizeof(out));
    assert_int_equal(n, 3);
    assert_non_null(strstr(out,
                           "warning: k.conf:19: instance VI_1 tracks "
                           "/run/redis-vrrp-agent/track, but the agent writes /run/other/track"));
    assert_non_null(strstr(out, "warning: k.conf:19: instance VI_1 tracks redis_health with "
                                "weight 0 reverse, but the agent writes 0 when healthy"));
    assert_non_null(strstr(out, "warning: k.conf:4: keepalived writes state changes to "
                                "/run/redis-vrrp-agent/notify.fifo, but the agent reads "
                                "/run/other.fifo"));
}

/* As keepalived_conf_load() writes them: the instance in an included file. */
static void test_marks_name_the_included_file_and_its_lines(void **state) {
    (void)state;
    char text[4096];
    snprintf(text, sizeof(text),
             "%c/etc/keepalived/keepalived.conf%c1\n"
             "global_defs {\n    notify_fifo /run/f\n}\n"
             "%c/etc/keepalived/conf.d/vi.conf%c1\n"
             "# the instance\n"
             "vrrp_instance VI_1 {\n    track_file {\n        health weight -20\n    }\n}\n"
             "%c/etc/keepalived/keepalived.conf%c5\n",
             KEEPALIVED_MARK, KEEPALIVED_MARK_LINE, KEEPALIVED_MARK, KEEPALIVED_MARK_LINE,
             KEEPALIVED_MARK, KEEPALIVED_MARK_LINE);
    struct keepalived_instance ki;
    find(text, &ki);
    assert_int_equal(ki.line, 2);
    assert_string_equal(ki.track_conf, "/etc/keepalived/conf.d/vi.conf");
    assert_int_equal(ki.track_line, 4);
    assert_int_equal(ki.track_weight, -20);
    assert_string_equal(ki.fifo_conf, "/etc/keepalived/keepalived.conf");
    assert_int_equal(ki.fifo_line, 2);
    char out[4096];
    keepalived_conf_cross_check(&ki, "unused", "/run/t", 0, "/run/f", out, sizeof(out));
    /* No top-level block defines 'health', and its weight is not 0: both at its line. */
    assert_non_null(strstr(out, "warning: /etc/keepalived/conf.d/vi.conf:4: instance VI_1 "
                                "tracks 'health', but no top-level track_file"));
    assert_non_null(strstr(out, "warning: /etc/keepalived/conf.d/vi.conf:4: instance VI_1 "
                                "tracks health with weight -20"));
}

/* keepalived's other layouts: a block on one line, a closing brace after a value,
 * quoted values. */
static void test_one_line_blocks_and_quotes_are_read(void **state) {
    (void)state;
    static const char text[] = "global_defs { notify_fifo \"/run/f\" }\n"
                               "track_file trk { file /run/t }\n"
                               "vrrp_instance VI_1 {\n    track_file { trk weight 0 reverse }\n"
                               "    priority 250 }\n";
    struct keepalived_instance ki;
    find(text, &ki);
    assert_string_equal(ki.track_name, "trk");
    assert_true(ki.track_reverse);
    assert_string_equal(ki.track_path, "/run/t");
    assert_string_equal(ki.fifo_path, "/run/f");
    assert_int_equal(ki.priority, 250);
}

static void test_preemption_version_and_scripts_are_read(void **state) {
    (void)state;
    static const char text[] =
        "global_defs {\n    vrrp_version 3\n    vrrp_startup_delay 5\n"
        "    enable_script_security\n}\n"
        "vrrp_track_file old { file /run/t }\n"
        "vrrp_instance VI_1 {\n    version 2\n    nopreempt\n    preempt_delay 30\n"
        "    track_script {\n        chk\n    }\n    notify /usr/sbin/x\n}\n";
    struct keepalived_instance ki;
    find(text, &ki);
    assert_int_equal(ki.vrrp_version, 2);
    assert_true(ki.nopreempt);
    assert_true(ki.preempt_delay == 30.0);
    assert_true(ki.startup_delay == 5.0);
    assert_true(ki.script_security);
    assert_true(ki.tracks_script);
    assert_true(ki.notify_scripts);
    assert_true(ki.old_track_keyword);
    char out[4096];
    int warnings = keepalived_conf_report(&ki, "k.conf", out, sizeof(out));
    assert_true(warnings >= 2);
    assert_non_null(strstr(out, "runs scripts as keepalived_script (enable_script_security)"));
    assert_non_null(strstr(out, "warning: k.conf:7: vrrp_track_file is the keyword of keepalived "
                                "before 2.1"));
    assert_non_null(strstr(out, "note: nopreempt"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_shipped_shape_is_read_whole),
        cmocka_unit_test(test_cross_check_of_the_shipped_pair_is_silent),
        cmocka_unit_test(test_cross_check_names_file_and_line_of_each_mismatch),
        cmocka_unit_test(test_marks_name_the_included_file_and_its_lines),
        cmocka_unit_test(test_one_line_blocks_and_quotes_are_read),
        cmocka_unit_test(test_preemption_version_and_scripts_are_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
