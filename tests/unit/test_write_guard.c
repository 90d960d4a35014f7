/* Unit tests for write_guard_min_replicas(): what the view of the peer asks of the
 * local Redis. Only a refused connection proves the peer's Redis gone; silence never
 * does (a dead host and a cut link look alike). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "write_guard.h"

static struct peer_watch seen(bool reachable, bool refused) {
    struct peer_watch pw;
    memset(&pw, 0, sizeof(pw));
    pw.polled = true;
    pw.reachable = reachable;
    pw.refused = refused;
    return pw;
}

static struct peer_watch replica(bool link_up, bool syncing) {
    struct peer_watch pw = seen(true, false);
    pw.info.role = REDIS_ROLE_REPLICA;
    pw.info.master_link_up = link_up;
    pw.info.master_sync_in_progress = syncing;
    return pw;
}

static int min_replicas(const struct peer_watch *pw, const char *reason_part) {
    char why[200] = "";
    int n = write_guard_min_replicas(pw, why, sizeof(why));
    if (!strstr(why, reason_part))
        print_error("reason '%s' lacks '%s'\n", why, reason_part);
    assert_non_null(strstr(why, reason_part));
    return n;
}

static void test_an_in_sync_replica_is_needed_for_writes(void **state) {
    (void)state;
    struct peer_watch pw = replica(true, false);
    assert_int_equal(min_replicas(&pw, "our replica in sync"), 1);
}

static void test_a_silent_peer_may_be_alive_so_writes_need_a_replica(void **state) {
    (void)state;
    struct peer_watch silent = seen(false, false);
    assert_int_equal(min_replicas(&silent, "silent"), 1);
}

static void test_a_peer_not_seen_yet_keeps_the_guard(void **state) {
    (void)state;
    struct peer_watch unseen;
    memset(&unseen, 0, sizeof(unseen));
    assert_int_equal(min_replicas(&unseen, "not seen yet"), 1);
}

static void test_a_refused_connection_releases_the_guard(void **state) {
    (void)state;
    struct peer_watch refused = seen(false, true);
    assert_int_equal(min_replicas(&refused, "refused"), 0);
}

static void test_a_peer_in_view_that_is_not_an_in_sync_replica_releases_it(void **state) {
    (void)state;
    /* A refill must not stop writes; a master in view is a split brain the
     * transitions resolve. */
    struct peer_watch syncing = replica(true, true);
    struct peer_watch link_down = replica(false, false);
    struct peer_watch master = seen(true, false);
    master.info.role = REDIS_ROLE_MASTER;
    assert_int_equal(min_replicas(&syncing, "in a full sync"), 0);
    assert_int_equal(min_replicas(&link_down, "with its link down"), 0);
    assert_int_equal(min_replicas(&master, "as a master"), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_an_in_sync_replica_is_needed_for_writes),
        cmocka_unit_test(test_a_silent_peer_may_be_alive_so_writes_need_a_replica),
        cmocka_unit_test(test_a_peer_not_seen_yet_keeps_the_guard),
        cmocka_unit_test(test_a_refused_connection_releases_the_guard),
        cmocka_unit_test(test_a_peer_in_view_that_is_not_an_in_sync_replica_releases_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
