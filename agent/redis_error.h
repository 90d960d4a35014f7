/* What went wrong talking to Redis, the same for the blocking client (`check`,
 * inline `notify`) and the daemon's asynchronous links: a status classified from
 * hiredis's error code and errno, never from hiredis's message, and one wording per
 * status that names the endpoint and the command. */
#ifndef RVA_REDIS_ERROR_H
#define RVA_REDIS_ERROR_H

#include <stddef.h>

#include "config.h"

enum redis_status {
    REDIS_STATUS_OK = 0,
    REDIS_STATUS_REFUSED,  /* nothing listens: connection refused or socket missing */
    REDIS_STATUS_TIMEOUT,  /* connect or command timed out: host silent or Redis hung */
    REDIS_STATUS_AUTH,     /* AUTH rejected or required */
    REDIS_STATUS_CLOSED,   /* the server closed the connection */
    REDIS_STATUS_IO,       /* any other connection error */
    REDIS_STATUS_PROTOCOL, /* reply did not parse */
    REDIS_STATUS_REPLY,    /* Redis answered with an error reply */
};

/* A failed connection or read: hiredis's err code (REDIS_ERR_IO, _EOF, _PROTOCOL,
 * _OTHER, 1.x's _TIMEOUT, or 0 in 0.14's connect callback) and the errno saved
 * right after the failing call, which counts only with REDIS_ERR_IO or 0. */
enum redis_status redis_status_from_io(int hiredis_err, int saved_errno);

/* An error reply: AUTH for NOAUTH and WRONGPASS (the error code is the reply's first
 * word, by Redis's protocol), REPLY for anything else. */
enum redis_status redis_status_from_error_reply(const char *text);

/* The message for a failure: `doing` is the command word (or "connect"), `detail`
 * hiredis's or Redis's text (may be empty), timeout_ms the budget that ran out. */
void redis_failure_describe(char *out, size_t size, enum redis_status status,
                            const struct redis_endpoint *ep, const char *doing, int timeout_ms,
                            const char *detail);

/* "host:port" or the unix socket path, for messages. */
const char *redis_endpoint_name(const struct redis_endpoint *ep, char *buf, size_t size);

#endif
