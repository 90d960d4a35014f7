/* Unit tests for redis_info.c. The fixtures are INFO replies captured verbatim from
 * redis-server 7.0.15 (master with two replicas, a replica in sync and one in a full
 * sync, a server loading its dataset, a background save running and one killed), so
 * they carry the CRLF endings, `# Section` headers and extra fields Redis really sends. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "redis_info.h"

#define REPLID_MASTER "84478ec499299230ce0e76f15f9a66592d03e76e"
#define REPLID_ZERO   "0000000000000000000000000000000000000000"

static const char master_two_replicas_online[] =
    "# Replication\r\n"
    "role:master\r\n"
    "connected_slaves:2\r\n"
    "slave0:ip=127.0.0.1,port=27012,state=online,offset=28,lag=1\r\n"
    "slave1:ip=127.0.0.1,port=27013,state=online,offset=28,lag=1\r\n"
    "master_failover_state:no-failover\r\n"
    "master_replid:84478ec499299230ce0e76f15f9a66592d03e76e\r\n"
    "master_replid2:0000000000000000000000000000000000000000\r\n"
    "master_repl_offset:88\r\n"
    "second_repl_offset:-1\r\n"
    "repl_backlog_active:1\r\n"
    "repl_backlog_size:1048576\r\n"
    "repl_backlog_first_byte_offset:1\r\n"
    "repl_backlog_histlen:88\r\n";

static const char master_one_replica_waiting_bgsave[] =
    "# Replication\r\n"
    "role:master\r\n"
    "connected_slaves:2\r\n"
    "slave0:ip=127.0.0.1,port=27012,state=online,offset=14,lag=0\r\n"
    "slave1:ip=127.0.0.1,port=27013,state=wait_bgsave,offset=0,lag=0\r\n"
    "master_failover_state:no-failover\r\n"
    "master_replid:84478ec499299230ce0e76f15f9a66592d03e76e\r\n"
    "master_replid2:0000000000000000000000000000000000000000\r\n"
    "master_repl_offset:14\r\n"
    "second_repl_offset:-1\r\n"
    "repl_backlog_active:1\r\n"
    "repl_backlog_size:1048576\r\n"
    "repl_backlog_first_byte_offset:1\r\n"
    "repl_backlog_histlen:14\r\n";

static const char replica_link_up[] = "# Replication\r\n"
                                      "role:slave\r\n"
                                      "master_host:127.0.0.1\r\n"
                                      "master_port:27011\r\n"
                                      "master_link_status:up\r\n"
                                      "master_last_io_seconds_ago:1\r\n"
                                      "master_sync_in_progress:0\r\n"
                                      "slave_read_repl_offset:88\r\n"
                                      "slave_repl_offset:88\r\n"
                                      "slave_priority:100\r\n"
                                      "slave_read_only:1\r\n"
                                      "replica_announced:1\r\n"
                                      "connected_slaves:0\r\n"
                                      "master_failover_state:no-failover\r\n"
                                      "master_replid:84478ec499299230ce0e76f15f9a66592d03e76e\r\n"
                                      "master_replid2:0000000000000000000000000000000000000000\r\n"
                                      "master_repl_offset:88\r\n"
                                      "second_repl_offset:-1\r\n"
                                      "repl_backlog_active:1\r\n"
                                      "repl_backlog_size:1048576\r\n"
                                      "repl_backlog_first_byte_offset:1\r\n"
                                      "repl_backlog_histlen:88\r\n";

static const char replica_full_sync[] =
    "# Replication\r\n"
    "role:slave\r\n"
    "master_host:127.0.0.1\r\n"
    "master_port:27011\r\n"
    "master_link_status:down\r\n"
    "master_last_io_seconds_ago:-1\r\n"
    "master_sync_in_progress:1\r\n"
    "slave_read_repl_offset:14\r\n"
    "slave_repl_offset:14\r\n"
    "master_sync_total_bytes:-1\r\n"
    "master_sync_read_bytes:0\r\n"
    "master_sync_left_bytes:-1\r\n"
    "master_sync_perc:-0.00\r\n"
    "master_sync_last_io_seconds_ago:0\r\n"
    "master_link_down_since_seconds:-1\r\n"
    "slave_priority:100\r\n"
    "slave_read_only:1\r\n"
    "replica_announced:1\r\n"
    "connected_slaves:0\r\n"
    "master_failover_state:no-failover\r\n"
    "master_replid:ac7047603fb9e276235fda83e7004714a1c5559c\r\n"
    "master_replid2:84478ec499299230ce0e76f15f9a66592d03e76e\r\n"
    "master_repl_offset:14\r\n"
    "second_repl_offset:15\r\n"
    "repl_backlog_active:1\r\n"
    "repl_backlog_size:1048576\r\n"
    "repl_backlog_first_byte_offset:1\r\n"
    "repl_backlog_histlen:14\r\n";

static const char server_section[] = "# Server\r\n"
                                     "redis_version:7.0.15\r\n"
                                     "redis_git_sha1:00000000\r\n"
                                     "redis_git_dirty:0\r\n"
                                     "redis_build_id:ae4d7c971a948f0\r\n"
                                     "redis_mode:standalone\r\n"
                                     "os:Linux 6.18.44-fc-v669 x86_64\r\n"
                                     "arch_bits:64\r\n"
                                     "monotonic_clock:POSIX clock_gettime\r\n"
                                     "multiplexing_api:epoll\r\n"
                                     "atomicvar_api:c11-builtin\r\n"
                                     "gcc_version:12.2.0\r\n"
                                     "process_id:5379\r\n"
                                     "process_supervised:no\r\n"
                                     "run_id:76642cbc4578f83ae67198e8400abbd4209b9b9a\r\n"
                                     "tcp_port:27011\r\n"
                                     "server_time_usec:1795462373320450\r\n"
                                     "uptime_in_seconds:26\r\n"
                                     "uptime_in_days:0\r\n"
                                     "hz:10\r\n"
                                     "configured_hz:10\r\n"
                                     "lru_clock:300261\r\n"
                                     "executable:/tmp/probe/redis/redis-server\r\n"
                                     "config_file:\r\n"
                                     "io_threads_active:0\r\n";

static const char persistence_idle[] = "# Persistence\r\n"
                                       "loading:0\r\n"
                                       "async_loading:0\r\n"
                                       "current_cow_peak:0\r\n"
                                       "current_cow_size:0\r\n"
                                       "current_cow_size_age:0\r\n"
                                       "current_fork_perc:0.00\r\n"
                                       "current_save_keys_processed:0\r\n"
                                       "current_save_keys_total:0\r\n"
                                       "rdb_changes_since_last_save:0\r\n"
                                       "rdb_bgsave_in_progress:0\r\n"
                                       "rdb_last_save_time:1795462373\r\n"
                                       "rdb_last_bgsave_status:ok\r\n"
                                       "rdb_last_bgsave_time_sec:3\r\n"
                                       "rdb_current_bgsave_time_sec:-1\r\n"
                                       "rdb_saves:1\r\n"
                                       "rdb_last_cow_size:520192\r\n"
                                       "rdb_last_load_keys_expired:0\r\n"
                                       "rdb_last_load_keys_loaded:0\r\n"
                                       "aof_enabled:0\r\n"
                                       "aof_rewrite_in_progress:0\r\n"
                                       "aof_rewrite_scheduled:0\r\n"
                                       "aof_last_rewrite_time_sec:-1\r\n"
                                       "aof_current_rewrite_time_sec:-1\r\n"
                                       "aof_last_bgrewrite_status:ok\r\n"
                                       "aof_rewrites:0\r\n"
                                       "aof_rewrites_consecutive_failures:0\r\n"
                                       "aof_last_write_status:ok\r\n"
                                       "aof_last_cow_size:0\r\n"
                                       "module_fork_in_progress:0\r\n"
                                       "module_fork_last_cow_size:0\r\n";

static const char persistence_loading[] = "# Persistence\r\n"
                                          "loading:1\r\n"
                                          "async_loading:0\r\n"
                                          "current_cow_peak:0\r\n"
                                          "current_cow_size:0\r\n"
                                          "current_cow_size_age:0\r\n"
                                          "current_fork_perc:0.00\r\n"
                                          "current_save_keys_processed:0\r\n"
                                          "current_save_keys_total:0\r\n"
                                          "rdb_changes_since_last_save:0\r\n"
                                          "rdb_bgsave_in_progress:0\r\n"
                                          "rdb_last_save_time:1795462398\r\n"
                                          "rdb_last_bgsave_status:ok\r\n"
                                          "rdb_last_bgsave_time_sec:-1\r\n"
                                          "rdb_current_bgsave_time_sec:-1\r\n"
                                          "rdb_saves:0\r\n"
                                          "rdb_last_cow_size:0\r\n"
                                          "rdb_last_load_keys_expired:0\r\n"
                                          "rdb_last_load_keys_loaded:52\r\n"
                                          "aof_enabled:0\r\n"
                                          "aof_rewrite_in_progress:0\r\n"
                                          "aof_rewrite_scheduled:0\r\n"
                                          "aof_last_rewrite_time_sec:-1\r\n"
                                          "aof_current_rewrite_time_sec:-1\r\n"
                                          "aof_last_bgrewrite_status:ok\r\n"
                                          "aof_rewrites:0\r\n"
                                          "aof_rewrites_consecutive_failures:0\r\n"
                                          "aof_last_write_status:ok\r\n"
                                          "aof_last_cow_size:0\r\n"
                                          "module_fork_in_progress:0\r\n"
                                          "module_fork_last_cow_size:0\r\n"
                                          "loading_start_time:1795462398\r\n"
                                          "loading_total_bytes:59197\r\n"
                                          "loading_rdb_used_mem:2155824\r\n"
                                          "loading_loaded_bytes:1019\r\n"
                                          "loading_loaded_perc:1.72\r\n"
                                          "loading_eta_seconds:1\r\n";

static const char persistence_bgsave_running[] = "# Persistence\r\n"
                                                 "loading:0\r\n"
                                                 "async_loading:0\r\n"
                                                 "current_cow_peak:0\r\n"
                                                 "current_cow_size:0\r\n"
                                                 "current_cow_size_age:0\r\n"
                                                 "current_fork_perc:0.00\r\n"
                                                 "current_save_keys_processed:0\r\n"
                                                 "current_save_keys_total:3016\r\n"
                                                 "rdb_changes_since_last_save:0\r\n"
                                                 "rdb_bgsave_in_progress:1\r\n"
                                                 "rdb_last_save_time:1795462398\r\n"
                                                 "rdb_last_bgsave_status:ok\r\n"
                                                 "rdb_last_bgsave_time_sec:-1\r\n"
                                                 "rdb_current_bgsave_time_sec:0\r\n"
                                                 "rdb_saves:1\r\n"
                                                 "rdb_last_cow_size:0\r\n"
                                                 "rdb_last_load_keys_expired:0\r\n"
                                                 "rdb_last_load_keys_loaded:3016\r\n"
                                                 "aof_enabled:0\r\n"
                                                 "aof_rewrite_in_progress:0\r\n"
                                                 "aof_rewrite_scheduled:0\r\n"
                                                 "aof_last_rewrite_time_sec:-1\r\n"
                                                 "aof_current_rewrite_time_sec:-1\r\n"
                                                 "aof_last_bgrewrite_status:ok\r\n"
                                                 "aof_rewrites:0\r\n"
                                                 "aof_rewrites_consecutive_failures:0\r\n"
                                                 "aof_last_write_status:ok\r\n"
                                                 "aof_last_cow_size:0\r\n"
                                                 "module_fork_in_progress:0\r\n"
                                                 "module_fork_last_cow_size:0\r\n";

static const char persistence_bgsave_failed[] = "# Persistence\r\n"
                                                "loading:0\r\n"
                                                "async_loading:0\r\n"
                                                "current_cow_peak:0\r\n"
                                                "current_cow_size:0\r\n"
                                                "current_cow_size_age:0\r\n"
                                                "current_fork_perc:0.00\r\n"
                                                "current_save_keys_processed:0\r\n"
                                                "current_save_keys_total:0\r\n"
                                                "rdb_changes_since_last_save:0\r\n"
                                                "rdb_bgsave_in_progress:0\r\n"
                                                "rdb_last_save_time:1795462414\r\n"
                                                "rdb_last_bgsave_status:err\r\n"
                                                "rdb_last_bgsave_time_sec:0\r\n"
                                                "rdb_current_bgsave_time_sec:-1\r\n"
                                                "rdb_saves:2\r\n"
                                                "rdb_last_cow_size:532480\r\n"
                                                "rdb_last_load_keys_expired:0\r\n"
                                                "rdb_last_load_keys_loaded:3016\r\n"
                                                "aof_enabled:0\r\n"
                                                "aof_rewrite_in_progress:0\r\n"
                                                "aof_rewrite_scheduled:0\r\n"
                                                "aof_last_rewrite_time_sec:-1\r\n"
                                                "aof_current_rewrite_time_sec:-1\r\n"
                                                "aof_last_bgrewrite_status:ok\r\n"
                                                "aof_rewrites:0\r\n"
                                                "aof_rewrites_consecutive_failures:0\r\n"
                                                "aof_last_write_status:ok\r\n"
                                                "aof_last_cow_size:0\r\n"
                                                "module_fork_in_progress:0\r\n"
                                                "module_fork_last_cow_size:0\r\n";

static const char keyspace_two_databases[] = "# Keyspace\r\n"
                                             "db0:keys=11,expires=0,avg_ttl=0\r\n"
                                             "db3:keys=5,expires=1,avg_ttl=3561397\r\n";

static void parse_ok(const char *text, struct redis_info *info) {
    assert_int_equal(redis_info_parse(text, info), 0);
}

/* ---- replication ---- */

static void test_master_with_two_online_replicas_lists_each_replica(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok(master_two_replicas_online, &info);
    assert_int_equal(info.role, REDIS_ROLE_MASTER);
    assert_int_equal(info.connected_replicas, 2);
    assert_int_equal(info.n_replicas, 2);
    assert_string_equal(info.replicas[0].ip, "127.0.0.1");
    assert_int_equal(info.replicas[0].port, 27012);
    assert_string_equal(info.replicas[0].state, "online");
    assert_int_equal(info.replicas[0].offset, 28);
    assert_string_equal(info.replicas[1].ip, "127.0.0.1");
    assert_int_equal(info.replicas[1].port, 27013);
    assert_string_equal(info.replicas[1].state, "online");
    assert_int_equal(info.replicas[1].offset, 28);
    assert_int_equal(info.master_repl_offset, 88);
    assert_string_equal(info.replid, REPLID_MASTER);
    assert_string_equal(info.replid2, REPLID_ZERO);
    assert_int_equal(info.second_repl_offset, -1);
}

static void test_master_replica_waiting_for_bgsave_keeps_its_state(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok(master_one_replica_waiting_bgsave, &info);
    assert_int_equal(info.n_replicas, 2);
    assert_string_equal(info.replicas[0].state, "online");
    assert_int_equal(info.replicas[0].offset, 14);
    assert_string_equal(info.replicas[1].state, "wait_bgsave");
    assert_int_equal(info.replicas[1].offset, 0);
}

static void test_replica_lines_written_by_hand_parse_too(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok("# Replication\r\n"
             "role:master\r\n"
             "connected_slaves:2\r\n"
             "slave0:ip=10.0.0.12,port=6379,state=online,offset=1234567,lag=0\r\n"
             "slave1:ip=10.0.0.13,port=6380,state=send_bulk,offset=1200000,lag=1\r\n"
             "master_repl_offset:1234567\r\n",
             &info);
    assert_int_equal(info.n_replicas, 2);
    assert_string_equal(info.replicas[0].ip, "10.0.0.12");
    assert_int_equal(info.replicas[0].port, 6379);
    assert_int_equal(info.replicas[0].offset, 1234567);
    assert_string_equal(info.replicas[1].ip, "10.0.0.13");
    assert_int_equal(info.replicas[1].port, 6380);
    assert_string_equal(info.replicas[1].state, "send_bulk");
    assert_int_equal(info.replicas[1].offset, 1200000);
}

/* A peer's INFO comes over the network: numbers that overflow read as absent, never as
 * undefined behaviour, and key counts summed over databases saturate. */
static void test_numbers_that_overflow_are_absent_and_key_counts_saturate(void **state) {
    (void)state;
    struct redis_info info;
    assert_int_equal(redis_info_parse("role:slave\r\n"
                                      "master_port:99999999999\r\n"
                                      "slave_repl_offset:99999999999999999999\r\n"
                                      "master_repl_offset:-5\r\n"
                                      "redis_version:8.99999999999.2\r\n"
                                      "db0:keys=9223372036854775807,expires=0\r\n"
                                      "db1:keys=9223372036854775807,expires=0\r\n",
                                      &info),
                     0);
    assert_int_equal(info.master_port, 0);
    assert_int_equal(info.slave_repl_offset, -1);
    assert_int_equal(info.master_repl_offset, -1);
    assert_int_equal(info.version_major, 8);
    assert_int_equal(info.version_minor, 0);
    assert_int_equal(info.version_patch, 2);
    assert_true(info.keys == 9223372036854775807LL);
}

static void test_master_has_no_master_link_fields(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok(master_two_replicas_online, &info);
    assert_string_equal(info.master_host, "");
    assert_int_equal(info.master_port, 0);
    assert_false(info.master_link_up);
    assert_false(info.master_sync_in_progress);
    assert_int_equal(info.slave_repl_offset, -1);
}

static void test_replica_with_link_up_reports_master_and_offsets(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok(replica_link_up, &info);
    assert_int_equal(info.role, REDIS_ROLE_REPLICA);
    assert_string_equal(info.master_host, "127.0.0.1");
    assert_int_equal(info.master_port, 27011);
    assert_true(info.master_link_up);
    assert_false(info.master_sync_in_progress);
    assert_int_equal(info.slave_repl_offset, 88);
    assert_int_equal(info.master_repl_offset, 88);
    assert_int_equal(info.connected_replicas, 0);
    assert_int_equal(info.n_replicas, 0);
    assert_string_equal(info.replid, REPLID_MASTER);
}

static void test_slave_read_repl_offset_is_not_taken_for_slave_repl_offset(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok("role:slave\r\nslave_read_repl_offset:500\r\nslave_repl_offset:400\r\n"
             "slave_read_repl_offset:600\r\n",
             &info);
    assert_int_equal(info.slave_repl_offset, 400);
    assert_int_equal(info.n_replicas, 0);
}

static void test_replica_in_full_sync_has_link_down_and_sync_in_progress(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok(replica_full_sync, &info);
    assert_int_equal(info.role, REDIS_ROLE_REPLICA);
    assert_string_equal(info.master_host, "127.0.0.1");
    assert_int_equal(info.master_port, 27011);
    assert_false(info.master_link_up);
    assert_true(info.master_sync_in_progress);
    assert_int_equal(info.slave_repl_offset, 14);
}

static void test_former_master_keeps_old_history_as_replid2(void **state) {
    (void)state;
    struct redis_info info;
    /* Captured from a replica that was promoted and then pointed back at its master. */
    parse_ok(replica_full_sync, &info);
    assert_string_equal(info.replid, "ac7047603fb9e276235fda83e7004714a1c5559c");
    assert_string_equal(info.replid2, REPLID_MASTER);
    assert_int_equal(info.second_repl_offset, 15);
    assert_int_equal(info.master_repl_offset, 14);
}

static void test_replica_with_link_down_and_no_sync(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok("# Replication\r\nrole:slave\r\nmaster_host:10.0.0.11\r\nmaster_port:6379\r\n"
             "master_link_status:down\r\nmaster_last_io_seconds_ago:-1\r\n"
             "master_sync_in_progress:0\r\nslave_repl_offset:395103\r\n"
             "master_link_down_since_seconds:12\r\n",
             &info);
    assert_false(info.master_link_up);
    assert_false(info.master_sync_in_progress);
    assert_int_equal(info.slave_repl_offset, 395103);
}

/* ---- line format ---- */

static void test_lf_line_endings_parse_like_crlf(void **state) {
    (void)state;
    char lf[sizeof(replica_full_sync)];
    size_t n = 0;
    for (const char *p = replica_full_sync; *p; p++)
        if (*p != '\r')
            lf[n++] = *p;
    lf[n] = '\0';
    struct redis_info a, b;
    parse_ok(replica_full_sync, &a);
    parse_ok(lf, &b);
    assert_memory_equal(&a, &b, sizeof(a));
}

static void test_last_line_without_line_ending_is_parsed(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok("# Replication\r\nrole:slave\r\nmaster_link_status:up", &info);
    assert_int_equal(info.role, REDIS_ROLE_REPLICA);
    assert_true(info.master_link_up);
}

static void test_section_headers_are_not_fields(void **state) {
    (void)state;
    struct redis_info info;
    /* A header containing a colon must not be read as a key. */
    parse_ok("# Replication: role:master\r\nrole:slave\r\n", &info);
    assert_int_equal(info.role, REDIS_ROLE_REPLICA);
}

static void test_overlong_line_is_skipped_without_overflow(void **state) {
    (void)state;
    char text[2048];
    char filler[1000];
    memset(filler, 'x', sizeof(filler) - 1);
    filler[sizeof(filler) - 1] = '\0';
    snprintf(text, sizeof(text), "master_host:%s\r\nrole:slave\r\n", filler);
    struct redis_info info;
    parse_ok(text, &info);
    assert_int_equal(info.role, REDIS_ROLE_REPLICA);
    assert_string_equal(info.master_host, "");
}

/* ---- server, persistence, keyspace ---- */

static void test_server_version_is_split_into_numbers(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok(server_section, &info);
    assert_int_equal(info.version_major, 7);
    assert_int_equal(info.version_minor, 0);
    assert_int_equal(info.version_patch, 15);
    assert_int_equal(info.role, REDIS_ROLE_UNKNOWN); /* INFO server says nothing of it */
}

/* The process watch follows this pid and checks the task's name against this path. */
static void test_server_process_id_and_executable_are_read(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok(server_section, &info);
    assert_int_equal(info.process_id, 5379);
    assert_string_equal(info.executable, "/tmp/probe/redis/redis-server");
}

/* INFO as Redis 8.0.2 and Valkey 8.1.1 write it (Debian 13), cut to the fields that
 * differ from Redis 7.0: Valkey freezes redis_version at 7.2.4 and names itself in
 * server_name and valkey_version; its replica lines carry type=replica; Redis 8
 * adds subexpiry to each keyspace line. */
static const char valkey_8_1_master[] =
    "# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.1.1\r\n"
    "server_mode:standalone\r\n"
    "# Replication\r\nrole:master\r\nconnected_slaves:1\r\n"
    "slave0:ip=192.0.2.12,port=6379,state=online,offset=5120,lag=0,type=replica\r\n"
    "replicas_waiting_psync:0\r\nmaster_failover_state:no-failover\r\n"
    "master_replid:" REPLID_MASTER "\r\nmaster_replid2:" REPLID_ZERO "\r\n"
    "master_repl_offset:5120\r\nsecond_repl_offset:-1\r\n"
    "# Keyspace\r\ndb0:keys=42,expires=0,avg_ttl=0\r\n";

static void test_valkey_reports_its_redis_compatible_version_and_replicas(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok(valkey_8_1_master, &info);
    /* The feature gates (CLIENT PAUSE WRITE from 6.2) read redis_version, which
     * Valkey keeps as the Redis version it is compatible with. */
    assert_int_equal(info.version_major, 7);
    assert_int_equal(info.version_minor, 2);
    assert_true(redis_info_version_at_least(&info, 6, 2));
    assert_int_equal(info.role, REDIS_ROLE_MASTER);
    assert_int_equal(info.n_replicas, 1);
    assert_string_equal(info.replicas[0].ip, "192.0.2.12");
    assert_string_equal(info.replicas[0].state, "online");
    assert_int_equal(info.replicas[0].offset, 5120);
    assert_int_equal(info.master_repl_offset, 5120);
    assert_int_equal(info.keys, 42);
}

static void test_redis_8_keyspace_line_with_subexpiry_counts_keys(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok("# Server\r\nredis_version:8.0.2\r\nredis_mode:standalone\r\n"
             "# Keyspace\r\ndb0:keys=7,expires=1,avg_ttl=0,subexpiry=2\r\n",
             &info);
    assert_int_equal(info.version_major, 8);
    assert_true(redis_info_version_at_least(&info, 6, 2));
    assert_int_equal(info.keys, 7);
}

static void test_persistence_fields_of_an_idle_server(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok(persistence_idle, &info);
    assert_false(info.loading); /* async_loading:0 must not be taken for loading */
    assert_false(info.bgsave_in_progress);
    assert_true(info.last_bgsave_ok);
    assert_int_equal(info.last_save_time, 1795462373);
}

static void test_persistence_loading_is_seen(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok(persistence_loading, &info);
    assert_true(info.loading);
    assert_false(info.bgsave_in_progress);
    assert_int_equal(info.last_save_time, 1795462398);
}

static void test_persistence_bgsave_in_progress_is_seen(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok(persistence_bgsave_running, &info);
    assert_false(info.loading);
    assert_true(info.bgsave_in_progress);
    assert_true(info.last_bgsave_ok);
}

static void test_persistence_failed_bgsave_is_not_ok(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok(persistence_bgsave_failed, &info);
    assert_false(info.bgsave_in_progress);
    assert_false(info.last_bgsave_ok);
    assert_int_equal(info.last_save_time, 1795462414);
}

static void test_keyspace_keys_are_summed_over_databases(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok("# Keyspace\r\ndb0:keys=10,expires=0,avg_ttl=0\r\n"
             "db3:keys=5,expires=2,avg_ttl=3600000\r\n",
             &info);
    assert_int_equal(info.keys, 15);
    parse_ok(keyspace_two_databases, &info); /* db0:keys=11 and db3:keys=5 */
    assert_int_equal(info.keys, 16);
}

static void test_keyspace_keys_field_not_first_is_found(void **state) {
    (void)state;
    struct redis_info info;
    /* expires=... must not match "keys", and order within the line must not matter. */
    parse_ok("db12:expires=7,keys=3,avg_ttl=0\r\n", &info);
    assert_int_equal(info.keys, 3);
}

static void test_empty_keyspace_has_zero_keys(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok("# Keyspace\r\n\r\n# Replication\r\nrole:master\r\n", &info);
    assert_int_equal(info.keys, 0);
}

static void test_sections_combine_in_one_reply(void **state) {
    (void)state;
    char all[sizeof(server_section) + sizeof(persistence_loading) + sizeof(replica_full_sync) +
             sizeof(keyspace_two_databases) + 16];
    snprintf(all, sizeof(all), "%s\r\n%s\r\n%s\r\n%s", server_section, persistence_loading,
             replica_full_sync, keyspace_two_databases);
    struct redis_info info;
    parse_ok(all, &info);
    assert_int_equal(info.version_major, 7);
    assert_true(info.loading);
    assert_int_equal(info.role, REDIS_ROLE_REPLICA);
    assert_true(info.master_sync_in_progress);
    assert_int_equal(info.keys, 16);
}

/* ---- neutral values and garbage ---- */

static void test_absent_fields_keep_neutral_values(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok("# Server\r\nredis_mode:standalone\r\n", &info);
    assert_int_equal(info.role, REDIS_ROLE_UNKNOWN);
    assert_int_equal(info.slave_repl_offset, -1);
    assert_int_equal(info.master_repl_offset, -1);
    assert_int_equal(info.second_repl_offset, -1);
    assert_true(info.last_bgsave_ok);
    assert_false(info.loading);
    assert_int_equal(info.version_major, 0);
    assert_int_equal(info.keys, 0);
    assert_int_equal(info.n_replicas, 0);
    assert_string_equal(info.replid, "");
    assert_int_equal(info.process_id, -1);
    assert_string_equal(info.executable, "");
}

static void test_unknown_role_value_is_unknown(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok("role:sentinel\r\n", &info);
    assert_int_equal(info.role, REDIS_ROLE_UNKNOWN);
}

static void test_replicas_beyond_the_array_are_counted_not_stored(void **state) {
    (void)state;
    char text[2048];
    size_t used = (size_t)snprintf(text, sizeof(text), "role:master\r\nconnected_slaves:10\r\n");
    for (int i = 0; i < 10; i++)
        used += (size_t)snprintf(text + used, sizeof(text) - used,
                                 "slave%d:ip=10.0.1.%d,port=6379,state=online,offset=%d,lag=0\r\n",
                                 i, i, 100 + i);
    struct redis_info info;
    parse_ok(text, &info);
    assert_int_equal(info.connected_replicas, 10);
    assert_int_equal(info.n_replicas, REDIS_INFO_MAX_REPLICAS);
    assert_string_equal(info.replicas[REDIS_INFO_MAX_REPLICAS - 1].ip, "10.0.1.7");
    assert_int_equal(info.replicas[REDIS_INFO_MAX_REPLICAS - 1].offset, 107);
}

static void test_replica_line_without_offset_has_offset_minus_one(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok("role:master\r\nslave0:ip=::1,port=6390,state=send_bulk\r\n", &info);
    assert_int_equal(info.n_replicas, 1);
    assert_string_equal(info.replicas[0].ip, "::1");
    assert_int_equal(info.replicas[0].port, 6390);
    assert_string_equal(info.replicas[0].state, "send_bulk");
    assert_int_equal(info.replicas[0].offset, -1);
}

static void test_replica_line_without_ip_is_skipped(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok("role:master\r\nslave0:port=6390,state=online,offset=5\r\n"
             "slave1:ip=10.0.0.13,port=6379,state=online,offset=7,lag=0\r\n",
             &info);
    assert_int_equal(info.n_replicas, 1);
    assert_string_equal(info.replicas[0].ip, "10.0.0.13");
}

static void test_garbage_text_is_ebadmsg(void **state) {
    (void)state;
    struct redis_info info;
    assert_int_equal(redis_info_parse("hello world\r\nthis is not INFO\r\n", &info), -EBADMSG);
    assert_int_equal(redis_info_parse("LOADING Redis is loading the dataset in memory", &info),
                     -EBADMSG);
    assert_int_equal(redis_info_parse("", &info), -EBADMSG);
    assert_int_equal(redis_info_parse("\r\n\r\n", &info), -EBADMSG);
    assert_int_equal(redis_info_parse("# Replication\r\n", &info), -EBADMSG);
    assert_int_equal(redis_info_parse(":no key\r\n", &info), -EBADMSG);
    assert_int_equal(redis_info_parse(NULL, &info), -EBADMSG);
}

static void test_garbage_text_leaves_neutral_values(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok(master_two_replicas_online, &info);
    assert_int_equal(redis_info_parse("garbage", &info), -EBADMSG);
    assert_int_equal(info.role, REDIS_ROLE_UNKNOWN);
    assert_int_equal(info.n_replicas, 0);
    assert_int_equal(info.master_repl_offset, -1);
}

/* ---- helpers ---- */

static void test_data_offset_is_processed_offset_on_replica(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok("role:slave\r\nslave_repl_offset:400\r\nmaster_repl_offset:450\r\n", &info);
    assert_int_equal(redis_info_data_offset(&info), 400);
    parse_ok(replica_full_sync, &info);
    assert_int_equal(redis_info_data_offset(&info), 14);
}

static void test_data_offset_is_own_offset_on_master(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok(master_two_replicas_online, &info);
    assert_int_equal(redis_info_data_offset(&info), 88);
}

static void test_data_offset_is_minus_one_when_unknown(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok(server_section, &info);
    assert_int_equal(redis_info_data_offset(&info), -1);
}

static void test_version_at_least_compares_major_then_minor(void **state) {
    (void)state;
    struct redis_info info;
    parse_ok(server_section, &info); /* 7.0.15 */
    assert_true(redis_info_version_at_least(&info, 7, 0));
    assert_true(redis_info_version_at_least(&info, 6, 2));
    assert_true(redis_info_version_at_least(&info, 6, 9));
    assert_false(redis_info_version_at_least(&info, 7, 1));
    assert_false(redis_info_version_at_least(&info, 8, 0));

    parse_ok("redis_version:7.2.4\r\n", &info);
    assert_true(redis_info_version_at_least(&info, 7, 2));
    assert_false(redis_info_version_at_least(&info, 7, 3));

    parse_ok("redis_version:6.2.14\r\n", &info);
    assert_true(redis_info_version_at_least(&info, 6, 2));
    assert_false(redis_info_version_at_least(&info, 7, 0));
    assert_int_equal(info.version_patch, 14);
}

static void test_role_names(void **state) {
    (void)state;
    assert_string_equal(redis_role_to_string(REDIS_ROLE_MASTER), "master");
    assert_string_equal(redis_role_to_string(REDIS_ROLE_REPLICA), "replica");
    assert_string_equal(redis_role_to_string(REDIS_ROLE_UNKNOWN), "unknown");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_master_with_two_online_replicas_lists_each_replica),
        cmocka_unit_test(test_master_replica_waiting_for_bgsave_keeps_its_state),
        cmocka_unit_test(test_replica_lines_written_by_hand_parse_too),
        cmocka_unit_test(test_master_has_no_master_link_fields),
        cmocka_unit_test(test_numbers_that_overflow_are_absent_and_key_counts_saturate),
        cmocka_unit_test(test_replica_with_link_up_reports_master_and_offsets),
        cmocka_unit_test(test_slave_read_repl_offset_is_not_taken_for_slave_repl_offset),
        cmocka_unit_test(test_replica_in_full_sync_has_link_down_and_sync_in_progress),
        cmocka_unit_test(test_former_master_keeps_old_history_as_replid2),
        cmocka_unit_test(test_replica_with_link_down_and_no_sync),
        cmocka_unit_test(test_lf_line_endings_parse_like_crlf),
        cmocka_unit_test(test_last_line_without_line_ending_is_parsed),
        cmocka_unit_test(test_section_headers_are_not_fields),
        cmocka_unit_test(test_overlong_line_is_skipped_without_overflow),
        cmocka_unit_test(test_server_version_is_split_into_numbers),
        cmocka_unit_test(test_server_process_id_and_executable_are_read),
        cmocka_unit_test(test_valkey_reports_its_redis_compatible_version_and_replicas),
        cmocka_unit_test(test_redis_8_keyspace_line_with_subexpiry_counts_keys),
        cmocka_unit_test(test_persistence_fields_of_an_idle_server),
        cmocka_unit_test(test_persistence_loading_is_seen),
        cmocka_unit_test(test_persistence_bgsave_in_progress_is_seen),
        cmocka_unit_test(test_persistence_failed_bgsave_is_not_ok),
        cmocka_unit_test(test_keyspace_keys_are_summed_over_databases),
        cmocka_unit_test(test_keyspace_keys_field_not_first_is_found),
        cmocka_unit_test(test_empty_keyspace_has_zero_keys),
        cmocka_unit_test(test_sections_combine_in_one_reply),
        cmocka_unit_test(test_absent_fields_keep_neutral_values),
        cmocka_unit_test(test_unknown_role_value_is_unknown),
        cmocka_unit_test(test_replicas_beyond_the_array_are_counted_not_stored),
        cmocka_unit_test(test_replica_line_without_offset_has_offset_minus_one),
        cmocka_unit_test(test_replica_line_without_ip_is_skipped),
        cmocka_unit_test(test_garbage_text_is_ebadmsg),
        cmocka_unit_test(test_garbage_text_leaves_neutral_values),
        cmocka_unit_test(test_data_offset_is_processed_offset_on_replica),
        cmocka_unit_test(test_data_offset_is_own_offset_on_master),
        cmocka_unit_test(test_data_offset_is_minus_one_when_unknown),
        cmocka_unit_test(test_version_at_least_compares_major_then_minor),
        cmocka_unit_test(test_role_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
