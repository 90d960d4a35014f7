/* hiredis asynchronous contexts driven by sd-event: the small adapter hiredis
 * expects (add/remove read and write interest, clean up) on one I/O source. */
#ifndef RVA_REDIS_ASYNC_H
#define RVA_REDIS_ASYNC_H

#include <hiredis/async.h>
#include <systemd/sd-event.h>

/* Attach `ac` to `event`. Returns 0 or a negative errno (then free ac yourself). */
int redis_async_attach(redisAsyncContext *ac, sd_event *event);

#endif
