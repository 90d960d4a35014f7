/* hiredis 0.14 (Debian 12) and 1.x (Debian 13, Ubuntu 24.04, EPEL 9): the one place
 * where the agent's code depends on which one it is built against. Both are tested
 * in CI (make check-matrix).
 *
 * What differs, and is handled here:
 * - 1.0 added REDIS_ERR_TIMEOUT for a blocking connect or read that timed out; 0.14
 *   reports both as REDIS_ERR_IO, with errno EAGAIN or ETIMEDOUT, which redis_conn.c
 *   also checks, so a timeout is classified as one on both.
 *
 * What the agent relies on and is the same in both, so needs nothing here:
 * - the connect and disconnect callbacks take a const redisAsyncContext (1.1 added
 *   the non-const redisAsyncSetConnectCallbackNC, which the agent does not use);
 * - an async context whose connect failed is freed by hiredis after the callback;
 * - the event hooks addRead, delRead, addWrite, delWrite and cleanup. 1.x also has
 *   scheduleTimer, but calls it only for redisAsyncSetTimeout, which the agent does
 *   not use: its deadlines are sd-event timers of its own;
 * - RESP2 replies: the agent never sends HELLO 3, so 1.x's RESP3 types never come. */
#ifndef RVA_HIREDIS_COMPAT_H
#define RVA_HIREDIS_COMPAT_H

#include <hiredis/hiredis.h>
#include <stdbool.h>

#define RVA_STRINGIFY_(x) #x
#define RVA_STRINGIFY(x) RVA_STRINGIFY_(x)
/* The hiredis the agent was compiled against, as `version` prints it. */
#define RVA_HIREDIS_VERSION                                                                \
    RVA_STRINGIFY(HIREDIS_MAJOR) "." RVA_STRINGIFY(HIREDIS_MINOR) "." RVA_STRINGIFY(HIREDIS_PATCH)

/* True when hiredis itself says the last call on c timed out (1.x only). */
static inline bool hiredis_error_is_timeout(const redisContext *c) {
#ifdef REDIS_ERR_TIMEOUT
    return c && c->err == REDIS_ERR_TIMEOUT;
#else
    (void)c;
    return false;
#endif
}

#endif
