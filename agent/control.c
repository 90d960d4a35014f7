/* Control socket. Requests are tiny and local, so the server reads a request with a
 * short receive timeout right when the connection is accepted; a client that connects
 * and says nothing costs at most that timeout, never a hang.
 *
 * Only root and the agent's own user may ask (SO_PEERCRED), whatever the socket's
 * mode: a request can promote, demote or pause Redis. The socket is also created
 * owner-only, so others are normally stopped at connect(); the check holds if an
 * operator loosens the mode. */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "control_request.h"
#include "log.h"

#define CONTROL_IO_TIMEOUT_MS 200
#define CONTROL_DISCARD_MAX   ((size_t)64 * 1024)

/* What is left of an oversize request, read and dropped (bounded by the receive
 * timeout and CONTROL_DISCARD_MAX): closing with it unread would reset the connection
 * and lose the error reply on its way to the client. */
static void discard_input(int client) {
    char sink[4096];
    ssize_t n = 0;
    for (size_t total = 0; total < CONTROL_DISCARD_MAX; total += (size_t)n)
        if ((n = read(client, sink, sizeof(sink))) <= 0)
            return;
}

static bool caller_allowed(int client, struct ucred *peer) {
    socklen_t peer_size = sizeof(*peer);
    return getsockopt(client, SOL_SOCKET, SO_PEERCRED, peer, &peer_size) == 0 &&
           (peer->uid == 0 || peer->uid == geteuid());
}

static int on_connection(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
    (void)s;
    (void)revents;
    struct control_server *cs = userdata;
    int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (client < 0)
        return 0;
    control_set_timeouts(client, CONTROL_IO_TIMEOUT_MS);
    char request[CONTROL_REQUEST_MAX];
    static char reply[CONTROL_REPLY_MAX];
    /* The request is read first even from a caller that is then refused: closing with
     * it unread would reset the connection before the refusal reaches the caller. */
    ssize_t request_length = control_read_line(client, request, sizeof(request));
    struct ucred peer = { .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 }; /* if unknown */
    reply[0] = '\0';
    if (request_length == 0) {
        /* Nothing asked (hung up, or silent until the timeout): nothing to answer. */
    } else if (!caller_allowed(client, &peer)) {
        log_warning("control socket: refused a request from uid %d (pid %d): only root and the "
                    "agent's user (uid %u) may send requests",
                    (int)peer.uid, (int)peer.pid, (unsigned)geteuid());
        snprintf(reply, sizeof(reply),
                 "error: refused: uid %d is neither root nor the agent's user (uid %u)\n",
                 (int)peer.uid, (unsigned)geteuid());
    } else if (request_length < 0) {
        log_warning("control socket: a request longer than %d bytes (pid %d), refused",
                    CONTROL_REQUEST_MAX - 1, (int)peer.pid);
        snprintf(reply, sizeof(reply), "error: request longer than %d bytes; nothing done\n",
                 CONTROL_REQUEST_MAX - 1);
    } else {
        cs->handler(request, reply, sizeof(reply), cs->userdata);
    }
    control_write_all(client, reply, strlen(reply));
    if (request_length < 0) {
        shutdown(client, SHUT_WR);
        discard_input(client);
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
    int r = control_socket_address(run_dir, &sa, cs->path, sizeof(cs->path));
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
