/* sd-event adapter for hiredis async. */
#include "redis_async.h"

#include <errno.h>
#include <stdlib.h>

#include "clock.h"

struct adapter {
    redisAsyncContext *ac;
    sd_event_source *source;
    uint32_t events;
};

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
    (void)s;
    (void)fd;
    struct adapter *a = userdata;
    /* The read handler may free the context, and with it this adapter (through the
     * cleanup hook): read `ac` before it, and touch nothing of `a` after. */
    redisAsyncContext *ac = a->ac;
    if (revents & (EPOLLIN | EPOLLERR | EPOLLHUP))
        redisAsyncHandleRead(ac);
    else if (revents & EPOLLOUT)
        redisAsyncHandleWrite(ac);
    return 0;
}

/* hiredis's hooks return nothing, so a failure cannot be handed back: one would
 * leave the connection deaf, so the loop ends (see timer_arm_or_exit). */
static void update_events(struct adapter *a, uint32_t events) {
    a->events = events;
    int r = sd_event_source_set_io_events(a->source, events);
    if (r >= 0)
        r = sd_event_source_set_enabled(a->source, events ? SD_EVENT_ON : SD_EVENT_OFF);
    if (r < 0)
        sd_event_exit(sd_event_source_get_event(a->source), EVENT_SOURCE_FAILED_EXIT);
}

static void add_read(void *p) {
    struct adapter *a = p;
    update_events(a, a->events | EPOLLIN);
}
static void del_read(void *p) {
    struct adapter *a = p;
    update_events(a, a->events & ~(uint32_t)EPOLLIN);
}
static void add_write(void *p) {
    struct adapter *a = p;
    update_events(a, a->events | EPOLLOUT);
}
static void del_write(void *p) {
    struct adapter *a = p;
    update_events(a, a->events & ~(uint32_t)EPOLLOUT);
}

static void cleanup(void *p) {
    struct adapter *a = p;
    sd_event_source_disable_unref(a->source);
    free(a);
}

int redis_async_attach(redisAsyncContext *ac, sd_event *event) {
    if (ac->ev.data)
        return -EEXIST;
    struct adapter *a = calloc(1, sizeof(*a));
    if (!a)
        return -ENOMEM;
    a->ac = ac;
    int r = sd_event_add_io(event, &a->source, ac->c.fd, 0, on_io, a);
    if (r < 0) {
        free(a);
        return r;
    }
    r = sd_event_source_set_enabled(a->source, SD_EVENT_OFF);
    if (r < 0) {
        sd_event_source_unref(a->source);
        free(a);
        return r;
    }
    ac->ev.data = a;
    ac->ev.addRead = add_read;
    ac->ev.delRead = del_read;
    ac->ev.addWrite = add_write;
    ac->ev.delWrite = del_write;
    ac->ev.cleanup = cleanup;
    return 0;
}
