/* A blocking hiredis connection to one Redis endpoint, for the one-shot commands
 * (`check`, inline `notify` has its own event loop): every call bounded by the
 * endpoint's connect or command timeout, errors as a status plus a human string. */
#ifndef RVA_REDIS_CONN_H
#define RVA_REDIS_CONN_H

#include <hiredis/hiredis.h>
#include <stdbool.h>

#include "config.h"
#include "redis_error.h"

struct redis_conn {
    const struct redis_endpoint *endpoint;
    redisContext *ctx;
    enum redis_status status; /* of the last call */
    char error[256];          /* human reason for the last failure, names the endpoint */
};

void redis_conn_init(struct redis_conn *conn, const struct redis_endpoint *endpoint);
void redis_conn_close(struct redis_conn *conn);

/* Send n argument-less commands in one write and read their n replies: one round
 * trip, connecting (and AUTH) first if needed. Returns 0 with every reply set (error
 * replies included, for the caller to judge; free each with freeReplyObject), or -1
 * with status and error set and no reply left to free. After an I/O failure the
 * connection is closed, so the next call reconnects. */
int redis_conn_pipeline(struct redis_conn *conn, int n, const char *const *commands,
                        redisReply **replies);

#endif
