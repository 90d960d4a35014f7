/* Monotonic time. Read from the clock, not from sd_event_now(): the loop's cached
 * time is that of the last wake-up, and a measured wait must not lean on it. */
#include "clock.h"

#include <time.h>

uint64_t monotonic_usec(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t thread_cpu_usec(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int timer_arm(sd_event_source *timer, uint64_t delay_usec) {
    int r = sd_event_source_set_time(timer, monotonic_usec() + delay_usec);
    if (r >= 0)
        r = sd_event_source_set_enabled(timer, SD_EVENT_ONESHOT);
    return r;
}

void timer_arm_or_exit(sd_event_source *timer, uint64_t delay_usec) {
    if (timer_arm(timer, delay_usec) < 0)
        sd_event_exit(sd_event_source_get_event(timer), EVENT_SOURCE_FAILED_EXIT);
}
