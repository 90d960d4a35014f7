/* Time for waits and deadlines: the monotonic clock in microseconds, and one-shot
 * sd-event timers armed relative to it. */
#ifndef RVA_CLOCK_H
#define RVA_CLOCK_H

#include <stdint.h>
#include <systemd/sd-event.h>

uint64_t monotonic_usec(void);
/* CPU time this thread has used. */
uint64_t thread_cpu_usec(void);

/* Fire `timer` (a CLOCK_MONOTONIC time source) once, delay_usec from now. Returns 0
 * or a negative errno. */
int timer_arm(sd_event_source *timer, uint64_t delay_usec);

/* The event loop's exit code when a source that drives a component could not be
 * armed (timer_arm_or_exit(), the hiredis adapter). Disabling a source
 * (SD_EVENT_OFF) cannot fail for a valid one, so those calls are not checked. */
#define EVENT_SOURCE_FAILED_EXIT 3

/* timer_arm() for the timers that drive a component (a check, a poll, a deadline, a
 * transition's next step): one that silently failed to arm would stop it for good.
 * On failure (out of memory, in practice) it ends the event loop with
 * EVENT_SOURCE_FAILED_EXIT, for the service manager to restart the daemon. */
void timer_arm_or_exit(sd_event_source *timer, uint64_t delay_usec);

#endif
