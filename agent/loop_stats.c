/* Event-loop stall statistics. */
#include "loop_stats.h"

static int bucket_of(uint64_t usec) {
    int b = 0;
    while (usec > 0 && b < LOOP_STATS_BUCKETS - 1) {
        usec >>= 1;
        b++;
    }
    return b;
}

void loop_stats_record(struct loop_stats *s, uint64_t usec, uint64_t cpu_usec) {
    s->callbacks++;
    if (usec > s->max_usec)
        s->max_usec = usec;
    if (cpu_usec > s->max_cpu_usec)
        s->max_cpu_usec = cpu_usec;
    s->buckets[bucket_of(usec)]++;
}

uint64_t loop_stats_percentile_usec(const struct loop_stats *s, double p) {
    if (s->callbacks == 0)
        return 0;
    /* The smallest count that covers p percent of the callbacks, rounded up. */
    uint64_t want = (uint64_t)((double)s->callbacks * p / 100.0);
    if ((double)want < (double)s->callbacks * p / 100.0)
        want++;
    uint64_t seen = 0;
    for (int b = 0; b < LOOP_STATS_BUCKETS; b++) {
        seen += s->buckets[b];
        if (seen >= want && s->buckets[b] > 0) {
            uint64_t upper = b == 0 ? 1 : (uint64_t)1 << b;
            return upper < s->max_usec ? upper : s->max_usec;
        }
    }
    return s->max_usec;
}
