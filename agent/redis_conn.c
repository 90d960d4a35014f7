/* Redis connection: hiredis in blocking mode with SO_RCVTIMEO/SO_SNDTIMEO, so no call
 * can hang on a stopped or silent server. */
#include "redis_conn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static struct timeval timeval_from_ms(int ms) {
    struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (suseconds_t)(ms % 1000) * 1000 };
    return tv;
}

void redis_conn_init(struct redis_conn *conn, const struct redis_endpoint *endpoint) {
    memset(conn, 0, sizeof(*conn));
    conn->endpoint = endpoint;
}

void redis_conn_close(struct redis_conn *conn) {
    if (conn->ctx)
        redisFree(conn->ctx);
    conn->ctx = NULL;
}

/* Record why the context failed, then drop it: after an I/O error a hiredis context
 * cannot be reused. */
static void conn_fail_io(struct redis_conn *conn, int saved_errno, const char *doing,
                         int timeout_ms) {
    const redisContext *c = conn->ctx;
    conn->status = redis_status_from_io(c ? c->err : REDIS_ERR_IO, saved_errno);
    redis_failure_describe(conn->error, sizeof(conn->error), conn->status, conn->endpoint, doing,
                           timeout_ms, c && c->errstr[0] ? c->errstr : strerror(saved_errno));
    redis_conn_close(conn);
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
        conn->status = REDIS_STATUS_AUTH;
        redis_failure_describe(conn->error, sizeof(conn->error), conn->status, ep, "AUTH", 0,
                               reply->str);
        r = -1;
    }
    freeReplyObject(reply);
    if (r < 0)
        redis_conn_close(conn);
    return r;
}

static int conn_open(struct redis_conn *conn) {
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
    return conn_authenticate(conn);
}

int redis_conn_pipeline(struct redis_conn *conn, int n, const char *const *commands,
                        redisReply **replies) {
    if (conn_open(conn) < 0)
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
