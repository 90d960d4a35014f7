/* Time for waits and deadlines: the monotonic clock in microseconds, and one-shot
 * sd-event timers armed relative to it. */
#ifndef RVA_CLOCK_H
#define RVA_CLOCK_H

#include <stdint.h>
#include <systemd/sd-event.h>

uint64_t monotonic_usec(void);
/* CPU time this thread has used. */
uint64_t thread_cpu_usec(void);

/* Fire `timer` (a CLOCK_MONOTONIC time source) once, delay_usec from now. */
int timer_arm(sd_event_source *timer, uint64_t delay_usec);

#endif
