/* A blocking hiredis connection to one Redis endpoint, every call bounded by the
 * endpoint's connect or command timeout, errors as a code plus a human string. */
#ifndef RVA_REDIS_CONN_H
#define RVA_REDIS_CONN_H

#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdbool.h>

#include "config.h"

enum redis_status {
    REDIS_STATUS_OK = 0,
    REDIS_STATUS_REFUSED,  /* nothing listens: connection refused or socket missing */
    REDIS_STATUS_TIMEOUT,  /* connect or command timed out: host silent or Redis hung */
    REDIS_STATUS_AUTH,     /* AUTH rejected or required */
    REDIS_STATUS_IO,       /* other connection error, including closed by the server */
    REDIS_STATUS_PROTOCOL, /* reply did not parse */
    REDIS_STATUS_REPLY,    /* Redis answered with an error reply */
};

struct redis_conn {
    const struct redis_endpoint *endpoint;
    redisContext *ctx;
    enum redis_status status; /* of the last call */
    char error[256];          /* human reason for the last failure, names the endpoint */
};

void redis_conn_init(struct redis_conn *conn, const struct redis_endpoint *endpoint);

/* Connect (if not connected) and AUTH. Returns 0 or -1 with status and error set. */
int redis_conn_open(struct redis_conn *conn);
void redis_conn_close(struct redis_conn *conn);
bool redis_conn_is_open(const struct redis_conn *conn);

/* Run one command (opening the connection first if needed). Returns the reply (free it
 * with freeReplyObject) or NULL with status and error set. An error reply is returned
 * as a reply and also sets status REDIS_STATUS_REPLY. After an I/O failure the
 * connection is closed, so the next call reconnects. */
redisReply *redis_conn_command(struct redis_conn *conn, const char *fmt, ...);
redisReply *redis_conn_vcommand(struct redis_conn *conn, const char *fmt, va_list ap);

/* Send n argument-less commands in one write and read their n replies: one round
 * trip. Returns 0 with every reply set (error replies included, for the caller to
 * judge; free each with freeReplyObject), or -1 with status and error set and no
 * reply left to free. */
int redis_conn_pipeline(struct redis_conn *conn, int n, const char *const *commands,
                        redisReply **replies);

/* "host:port" or the unix socket path, for messages. */
const char *redis_endpoint_name(const struct redis_endpoint *ep, char *buf, size_t size);

#endif
