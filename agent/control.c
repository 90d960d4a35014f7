/* Control socket. Requests are tiny and local, so the server reads a request with a
 * short receive timeout right when the connection is accepted; a client that connects
 * and says nothing costs at most that timeout, never a hang. */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

#define CONTROL_IO_TIMEOUT_MS 200
/* The client waits longer: a request is answered between two steps of the loop. */
#define CONTROL_CLIENT_TIMEOUT_MS 5000

static int socket_address(const char *run_dir, struct sockaddr_un *sa, char *path,
                          size_t path_size) {
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    int n = snprintf(path, path_size, "%s/control.sock", run_dir);
    if (n >= (int)sizeof(sa->sun_path) || n >= (int)path_size)
        return -ENAMETOOLONG;
    memcpy(sa->sun_path, path, (size_t)n + 1);
    return 0;
}

static void set_timeouts(int fd, int ms) {
    struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Read until newline, EOF, or the buffer is full. */
static ssize_t read_line(int fd, char *buf, size_t size) {
    size_t used = 0;
    while (used < size - 1) {
        ssize_t n = read(fd, buf + used, size - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        used += (size_t)n;
        if (memchr(buf, '\n', used))
            break;
    }
    buf[used] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    return (ssize_t)used;
}

static void write_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        data += n;
        len -= (size_t)n;
    }
}

static int on_connection(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
    (void)s;
    (void)revents;
    struct control_server *cs = userdata;
    int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (client < 0)
        return 0;
    set_timeouts(client, CONTROL_IO_TIMEOUT_MS);
    char request[1024];
    static char reply[CONTROL_REPLY_MAX];
    if (read_line(client, request, sizeof(request)) > 0) {
        reply[0] = '\0';
        cs->handler(request, reply, sizeof(reply), cs->userdata);
        write_all(client, reply, strlen(reply));
    }
    close(client);
    return 0;
}

int control_server_open(struct control_server *cs, sd_event *event, const char *run_dir,
                        control_handler_fn handler, void *userdata) {
    struct sockaddr_un sa;
    memset(cs, 0, sizeof(*cs));
    cs->fd = -1;
    cs->handler = handler;
    cs->userdata = userdata;
    int r = socket_address(run_dir, &sa, cs->path, sizeof(cs->path));
    if (r < 0)
        return r;
    cs->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (cs->fd < 0)
        return -errno;
    /* A socket left by a previous daemon: the run_dir lock says it is not alive. */
    unlink(cs->path);
    mode_t old = umask(0077); /* mode 0600 from the start, no window */
    r = bind(cs->fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (r < 0 || listen(cs->fd, 16) < 0) {
        r = -errno;
        control_server_close(cs);
        return r;
    }
    r = sd_event_add_io(event, &cs->source, cs->fd, EPOLLIN, on_connection, cs);
    if (r < 0)
        control_server_close(cs);
    return r;
}

void control_server_close(struct control_server *cs) {
    cs->source = sd_event_source_disable_unref(cs->source);
    if (cs->fd >= 0) {
        close(cs->fd);
        unlink(cs->path);
    }
    cs->fd = -1;
}

int control_request(const char *run_dir, const char *request, char *reply, size_t reply_size) {
    struct sockaddr_un sa;
    char path[300];
    int r = socket_address(run_dir, &sa, path, sizeof(path));
    if (r < 0)
        return r;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    set_timeouts(fd, CONTROL_CLIENT_TIMEOUT_MS);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        r = -errno;
        close(fd);
        return r;
    }
    write_all(fd, request, strlen(request));
    write_all(fd, "\n", 1);
    size_t used = 0;
    for (;;) {
        ssize_t n = read(fd, reply + used, reply_size - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = -errno;
            break;
        }
        if (n == 0 || (used += (size_t)n) == reply_size - 1)
            break;
    }
    reply[used] = '\0';
    close(fd);
    return r < 0 && used == 0 ? r : 0;
}
