/* Notify FIFO reader. */
#include "notify_fifo.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static void dispatch_line(struct notify_fifo *f, const char *line) {
    struct notification n;
    char err[400];
    int r = notification_parse_fifo_line(line, &n, err, sizeof(err));
    if (r == -ENOENT) {
        log_debug("notify FIFO: ignoring non-VRRP line '%.200s'", line);
        return;
    }
    if (r < 0) {
        f->malformed_lines++;
        log_warning("notify FIFO %s: %s (skipped)", f->path, err);
        return;
    }
    f->on_notification(&n, f->userdata);
}

void notify_fifo_feed(struct notify_fifo *f, const char *data, size_t len) {
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (c == '\n') {
            f->buf[f->used] = '\0';
            if (!f->skipping && f->used > 0)
                dispatch_line(f, f->buf);
            f->used = 0;
            f->skipping = false;
        } else if (f->skipping) {
            continue;
        } else if (f->used == sizeof(f->buf) - 1) {
            /* An over-long line is garbage: drop it up to its newline. */
            f->malformed_lines++;
            f->skipping = true;
            log_warning("notify FIFO %s: line longer than %zu bytes (skipped)", f->path,
                        sizeof(f->buf) - 1);
        } else {
            f->buf[f->used++] = c;
        }
    }
}

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
    (void)s;
    (void)revents;
    struct notify_fifo *f = userdata;
    char data[4096];
    for (;;) {
        ssize_t n = read(fd, data, sizeof(data));
        if (n > 0) {
            notify_fifo_feed(f, data, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN)
            log_warning("notify FIFO %s: read: %s", f->path, strerror(errno));
        return 0;
    }
}

int notify_fifo_open(struct notify_fifo *f, sd_event *event, const char *path,
                     notify_fifo_fn on_notification, void *userdata) {
    memset(f, 0, sizeof(*f));
    f->fd = -1;
    f->path = path;
    f->on_notification = on_notification;
    f->userdata = userdata;

    struct stat st;
    if (stat(path, &st) < 0) {
        if (errno != ENOENT || mkfifo(path, 0600) < 0)
            return -errno;
    } else if (!S_ISFIFO(st.st_mode)) {
        return -EEXIST;
    }
    f->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (f->fd < 0)
        return -errno;
    int r = sd_event_add_io(event, &f->source, f->fd, EPOLLIN, on_readable, f);
    if (r < 0) {
        close(f->fd);
        f->fd = -1;
    }
    return r;
}

void notify_fifo_close(struct notify_fifo *f) {
    f->source = sd_event_source_disable_unref(f->source);
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}
