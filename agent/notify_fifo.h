/* keepalived's notify FIFO (`global_defs { notify_fifo PATH }`): read lines in the
 * event loop, parse them, hand instance/group notifications to a callback. */
#ifndef RVA_NOTIFY_FIFO_H
#define RVA_NOTIFY_FIFO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "notification.h"

typedef void (*notify_fifo_fn)(const struct notification *n, void *userdata);

struct notify_fifo {
    const char *path;
    int fd;
    sd_event *event;
    sd_event_source *source;
    sd_event_source *dir_watch;   /* inotify on the FIFO's directory: the reload hint */
    sd_event_source *check_timer; /* the same check, periodically, in case a hint is missed */
    bool follow_failing;          /* the last follow failed (logged once, until it works) */
    char buf[4096];
    size_t used;
    bool skipping; /* inside a line too long for buf */
    notify_fifo_fn on_notification;
    void *userdata;
    unsigned long malformed_lines;
};

/* Create the FIFO (mode 0600) if missing and start reading. A FIFO opened for reading
 * sees end-of-file whenever its last writer closes (keepalived restarting); opening it
 * read-write keeps one writer (us) so that never happens and we never spin.
 *
 * keepalived unlinks and recreates, on every reload, a FIFO that it created itself,
 * and unlinks it when it stops: a reader still holding the old one would hear
 * nothing, forever. So the path is watched: when it names another FIFO, what is
 * left in the old one is read and the new one opened; when it names nothing, the
 * FIFO is created again (keepalived then opens ours, and never unlinks a FIFO it
 * did not create). */
int notify_fifo_open(struct notify_fifo *f, sd_event *event, const char *path,
                     notify_fifo_fn on_notification, void *userdata);
void notify_fifo_close(struct notify_fifo *f);

/* Make the open FIFO the one the path names (see above). Called on every hint and
 * periodically; cheap when nothing changed (one stat and one fstat). Returns 1 when
 * it reopened, 0 when nothing changed, or a negative errno. */
int notify_fifo_follow_path(struct notify_fifo *f);

/* Split buffered input into lines and dispatch them (exposed for tests). */
void notify_fifo_feed(struct notify_fifo *f, const char *data, size_t len);

#endif
