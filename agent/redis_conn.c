/* Redis connection: hiredis in blocking mode with SO_RCVTIMEO/SO_SNDTIMEO, so no call
 * can hang on a stopped or silent server. Classifies failures for health decisions. */
#include "redis_conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "hiredis_compat.h"

static struct timeval timeval_from_ms(int ms) {
    struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
    return tv;
}

const char *redis_endpoint_name(const struct redis_endpoint *ep, char *buf, size_t size) {
    if (ep->unix_socket[0])
        snprintf(buf, size, "%s", ep->unix_socket);
    else
        snprintf(buf, size, "%s:%d", ep->host, ep->port);
    return buf;
}

void redis_conn_init(struct redis_conn *conn, const struct redis_endpoint *endpoint) {
    memset(conn, 0, sizeof(*conn));
    conn->endpoint = endpoint;
}

bool redis_conn_is_open(const struct redis_conn *conn) { return conn->ctx != NULL; }

void redis_conn_close(struct redis_conn *conn) {
    if (conn->ctx)
        redisFree(conn->ctx);
    conn->ctx = NULL;
}

static bool errno_is_timeout(int e) {
    return e == EAGAIN || e == EWOULDBLOCK || e == ETIMEDOUT || e == EINPROGRESS;
}

/* Turn a failed context into status + message, then drop the connection: after an
 * I/O error a hiredis context cannot be reused. */
static void conn_fail_io(struct redis_conn *conn, int saved_errno, const char *doing,
                         int timeout_ms) {
    char name[CONFIG_PATH_MAX + 16];
    redis_endpoint_name(conn->endpoint, name, sizeof(name));
    redisContext *c = conn->ctx;
    bool timeout = errno_is_timeout(saved_errno) || hiredis_error_is_timeout(c);
    if (c && c->err == REDIS_ERR_EOF) {
        conn->status = REDIS_STATUS_IO;
        snprintf(conn->error, sizeof(conn->error), "connection closed by %s during %s", name,
                 doing);
    } else if (timeout) {
        conn->status = REDIS_STATUS_TIMEOUT;
        snprintf(conn->error, sizeof(conn->error), "timeout after %d ms (%s %s)", timeout_ms,
                 name, doing);
    } else if (saved_errno == ECONNREFUSED || saved_errno == ENOENT) {
        conn->status = REDIS_STATUS_REFUSED;
        snprintf(conn->error, sizeof(conn->error), "connect refused %s", name);
    } else if (c && c->err == REDIS_ERR_PROTOCOL) {
        conn->status = REDIS_STATUS_PROTOCOL;
        snprintf(conn->error, sizeof(conn->error), "garbage reply from %s during %s: %s", name,
                 doing, c->errstr);
    } else {
        conn->status = REDIS_STATUS_IO;
        snprintf(conn->error, sizeof(conn->error), "%s %s: %s", doing, name,
                 c && c->errstr[0] ? c->errstr : strerror(saved_errno));
    }
    redis_conn_close(conn);
}

static void conn_set_reply_error(struct redis_conn *conn, const redisReply *reply,
                                 const char *doing) {
    char name[CONFIG_PATH_MAX + 16];
    redis_endpoint_name(conn->endpoint, name, sizeof(name));
    bool auth = strncmp(reply->str, "NOAUTH", 6) == 0 || strncmp(reply->str, "WRONGPASS", 9) == 0;
    conn->status = auth ? REDIS_STATUS_AUTH : REDIS_STATUS_REPLY;
    snprintf(conn->error, sizeof(conn->error), "%s%s from %s: %s", auth ? "auth failed: " : "",
             doing, name, reply->str);
}

static int conn_authenticate(struct redis_conn *conn) {
    const struct redis_endpoint *ep = conn->endpoint;
    if (!ep->password[0])
        return 0;
    /* Arguments, never a formatted string: the password is data, not text to log. */
    const char *with_user[] = { "AUTH", ep->user, ep->password };
    const char *without_user[] = { "AUTH", ep->password };
    errno = 0;
    redisReply *reply = ep->user[0] ? redisCommandArgv(conn->ctx, 3, with_user, NULL)
                                    : redisCommandArgv(conn->ctx, 2, without_user, NULL);
    if (!reply) {
        conn_fail_io(conn, errno, "AUTH", ep->command_timeout_ms);
        return -1;
    }
    int r = 0;
    if (reply->type == REDIS_REPLY_ERROR) {
        char name[CONFIG_PATH_MAX + 16];
        conn->status = REDIS_STATUS_AUTH;
        snprintf(conn->error, sizeof(conn->error), "auth failed for %s%s%s: %s",
                 redis_endpoint_name(ep, name, sizeof(name)), ep->user[0] ? " user " : "",
                 ep->user, reply->str);
        r = -1;
    }
    freeReplyObject(reply);
    if (r < 0)
        redis_conn_close(conn);
    return r;
}

int redis_conn_open(struct redis_conn *conn) {
    const struct redis_endpoint *ep = conn->endpoint;
    if (conn->ctx)
        return 0;
    struct timeval connect_tv = timeval_from_ms(ep->connect_timeout_ms);
    errno = 0;
    conn->ctx = ep->unix_socket[0] ? redisConnectUnixWithTimeout(ep->unix_socket, connect_tv)
                                   : redisConnectWithTimeout(ep->host, ep->port, connect_tv);
    int saved_errno = errno;
    if (!conn->ctx || conn->ctx->err) {
        conn_fail_io(conn, saved_errno, "connect", ep->connect_timeout_ms);
        return -1;
    }
    if (redisSetTimeout(conn->ctx, timeval_from_ms(ep->command_timeout_ms)) != REDIS_OK) {
        conn_fail_io(conn, errno, "set timeout", ep->command_timeout_ms);
        return -1;
    }
    if (conn_authenticate(conn) < 0)
        return -1;
    conn->status = REDIS_STATUS_OK;
    conn->error[0] = '\0';
    return 0;
}

static redisReply *conn_finish_command(struct redis_conn *conn, redisReply *reply,
                                       int saved_errno, const char *doing) {
    if (!reply) {
        conn_fail_io(conn, saved_errno, doing, conn->endpoint->command_timeout_ms);
        return NULL;
    }
    if (reply->type == REDIS_REPLY_ERROR)
        conn_set_reply_error(conn, reply, doing);
    else {
        conn->status = REDIS_STATUS_OK;
        conn->error[0] = '\0';
    }
    return reply;
}

int redis_conn_pipeline(struct redis_conn *conn, int n, const char *const *commands,
                        redisReply **replies) {
    if (redis_conn_open(conn) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (redisAppendCommand(conn->ctx, commands[i]) != REDIS_OK) {
            conn_fail_io(conn, errno, commands[i], conn->endpoint->command_timeout_ms);
            return -1;
        }
    for (int i = 0; i < n; i++) {
        void *reply = NULL;
        errno = 0;
        if (redisGetReply(conn->ctx, &reply) != REDIS_OK || !reply) {
            conn_fail_io(conn, errno, commands[i], conn->endpoint->command_timeout_ms);
            while (i-- > 0)
                freeReplyObject(replies[i]);
            return -1;
        }
        replies[i] = reply;
    }
    conn->status = REDIS_STATUS_OK;
    conn->error[0] = '\0';
    return 0;
}

redisReply *redis_conn_vcommand(struct redis_conn *conn, const char *fmt, va_list ap) {
    if (redis_conn_open(conn) < 0)
        return NULL;
    /* The command word, for messages: everything up to the first space of fmt. */
    char doing[32];
    snprintf(doing, sizeof(doing), "%.*s", (int)strcspn(fmt, " "), fmt);
    errno = 0;
    redisReply *reply = redisvCommand(conn->ctx, fmt, ap);
    return conn_finish_command(conn, reply, errno, doing);
}

redisReply *redis_conn_command(struct redis_conn *conn, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *reply = redis_conn_vcommand(conn, fmt, ap);
    va_end(ap);
    return reply;
}
