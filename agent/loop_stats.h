/* How long the daemon's event loop is blocked: the duration of every callback it
 * dispatches, as the worst one seen and a log2 histogram for percentiles. While one
 * callback runs nothing else does (no FIFO line read, no crash seen), so this is the
 * loop's responsiveness. Beside it, the most CPU time one callback used: a callback
 * whose wall time is far above its CPU time was waiting, either on a call that
 * blocks (a bug) or for a CPU (a loaded machine). Pure. */
#ifndef RVA_LOOP_STATS_H
#define RVA_LOOP_STATS_H

#include <stdint.h>

/* Bucket i holds durations in [2^(i-1), 2^i) microseconds (bucket 0: under 1 us);
 * the last one everything from about 67 s up. */
#define LOOP_STATS_BUCKETS 28

struct loop_stats {
    uint64_t callbacks;
    uint64_t max_usec;
    uint64_t max_cpu_usec;
    uint64_t buckets[LOOP_STATS_BUCKETS];
};

/* One callback: its wall-clock duration and the CPU time it used. */
void loop_stats_record(struct loop_stats *s, uint64_t usec, uint64_t cpu_usec);

/* The upper bound of the bucket that holds the p-th percentile (0 < p <= 100),
 * in microseconds: a figure never below the true percentile, at most twice it.
 * 0 before any callback. */
uint64_t loop_stats_percentile_usec(const struct loop_stats *s, double p);

#endif
