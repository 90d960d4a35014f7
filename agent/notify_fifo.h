/* keepalived's notify FIFO (`global_defs { notify_fifo PATH }`): read lines in the
 * event loop, parse them, hand instance/group notifications to a callback. */
#ifndef RVA_NOTIFY_FIFO_H
#define RVA_NOTIFY_FIFO_H

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

#include "notification.h"

typedef void (*notify_fifo_fn)(const struct notification *n, void *userdata);

struct notify_fifo {
    const char *path;
    int fd;
    sd_event_source *source;
    char buf[4096];
    size_t used;
    bool skipping; /* inside a line too long for buf */
    notify_fifo_fn on_notification;
    void *userdata;
    unsigned long malformed_lines;
};

/* Create the FIFO (mode 0600) if missing and start reading. A FIFO opened for reading
 * sees end-of-file whenever its last writer closes (keepalived restarting); opening it
 * read-write keeps one writer (us) so that never happens and we never spin. */
int notify_fifo_open(struct notify_fifo *f, sd_event *event, const char *path,
                     notify_fifo_fn on_notification, void *userdata);
void notify_fifo_close(struct notify_fifo *f);

/* Split buffered input into lines and dispatch them (exposed for tests). */
void notify_fifo_feed(struct notify_fifo *f, const char *data, size_t len);

#endif
