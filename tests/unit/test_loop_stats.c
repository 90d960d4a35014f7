/* Unit tests for loop_stats.c: the worst callback and the percentile bound. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "loop_stats.h"

static void test_nothing_recorded_is_zero(void **state) {
    (void)state;
    struct loop_stats s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(loop_stats_percentile_usec(&s, 99), 0);
    assert_int_equal(s.max_usec, 0);
}

static void test_max_is_exact_and_p99_bounds_the_slow_tail(void **state) {
    (void)state;
    struct loop_stats s;
    memset(&s, 0, sizeof(s));
    for (int i = 0; i < 990; i++)
        loop_stats_record(&s, 40, 30); /* bucket [32, 64) */
    for (int i = 0; i < 10; i++)
        loop_stats_record(&s, 3000, 2500); /* bucket [2048, 4096) */
    loop_stats_record(&s, 250000, 200);    /* one wait of a quarter second, on no CPU */
    assert_int_equal(s.callbacks, 1001);
    assert_int_equal(s.max_usec, 250000);
    /* The most CPU one callback used, whichever callback that was. */
    assert_int_equal(s.max_cpu_usec, 2500);
    /* 99% of 1001 is 991 callbacks: the 990 fast ones and one slow one. */
    assert_int_equal(loop_stats_percentile_usec(&s, 99), 4096);
    assert_int_equal(loop_stats_percentile_usec(&s, 50), 64);
    assert_int_equal(loop_stats_percentile_usec(&s, 100), 250000);
}

static void test_the_bound_never_exceeds_the_worst(void **state) {
    (void)state;
    struct loop_stats s;
    memset(&s, 0, sizeof(s));
    loop_stats_record(&s, 33, 33);
    assert_int_equal(loop_stats_percentile_usec(&s, 99), 33);
    loop_stats_record(&s, 0, 0);
    assert_int_equal(loop_stats_percentile_usec(&s, 50), 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_recorded_is_zero),
        cmocka_unit_test(test_max_is_exact_and_p99_bounds_the_slow_tail),
        cmocka_unit_test(test_the_bound_never_exceeds_the_worst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
