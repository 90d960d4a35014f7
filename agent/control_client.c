/* The control socket's client side and the helpers both sides share. No event loop
 * here: the one-shot commands link this without libsystemd. */
#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/* The client waits longer than the server: a request is answered between two steps
 * of the daemon's loop. */
#define CONTROL_CLIENT_TIMEOUT_MS 5000

int control_socket_address(const char *run_dir, struct sockaddr_un *sa, char *path,
                           size_t path_size) {
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    int n = snprintf(path, path_size, "%s/control.sock", run_dir);
    if (n >= (int)sizeof(sa->sun_path) || n >= (int)path_size)
        return -ENAMETOOLONG;
    memcpy(sa->sun_path, path, (size_t)n + 1);
    return 0;
}

void control_set_timeouts(int fd, int ms) {
    struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (suseconds_t)(ms % 1000) * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

void control_write_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        /* A peer that has closed is an error here, not a SIGPIPE that kills a CLI. */
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        data += n;
        len -= (size_t)n;
    }
}

int control_request(const char *run_dir, const char *request, char *reply, size_t reply_size) {
    struct sockaddr_un sa;
    char path[300];
    int r = control_socket_address(run_dir, &sa, path, sizeof(path));
    if (r < 0)
        return r;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    control_set_timeouts(fd, CONTROL_CLIENT_TIMEOUT_MS);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        r = -errno;
        close(fd);
        return r;
    }
    control_write_all(fd, request, strlen(request));
    control_write_all(fd, "\n", 1);
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
