/* hiredis 0.14 (Debian 12) and 1.x (Debian 13, Ubuntu 24.04, EPEL 9): where the
 * agent's code depends on which one it is built against. Both are tested in CI
 * (make check-matrix).
 *
 * What differs, and is handled:
 * - 1.0 added REDIS_ERR_TIMEOUT for a blocking connect or read that timed out; 0.14
 *   reports both as REDIS_ERR_IO with errno EAGAIN or ETIMEDOUT. redis_error.c
 *   checks both, so a timeout is classified as one on both.
 * - 1.x has an async timer hook (scheduleTimer, for redisAsyncSetTimeout); 0.14 has
 *   none. The links' deadlines are therefore sd-event timers of their own
 *   (redis_link.c), the same on both.
 *
 * What the agent relies on and is the same in both, so needs nothing here:
 * - the connect and disconnect callbacks take a const redisAsyncContext (1.1 added
 *   the non-const redisAsyncSetConnectCallbackNC, which the agent does not use);
 * - after a failed async connect, errno holds the socket's error in the connect
 *   callback, and hiredis frees the context after it;
 * - when a context goes away, owed callbacks run with a NULL reply first, and the
 *   disconnect callback after them;
 * - the event hooks addRead, delRead, addWrite, delWrite and cleanup;
 * - RESP2 replies: the agent never sends HELLO 3, so 1.x's RESP3 types never come. */
#ifndef RVA_HIREDIS_COMPAT_H
#define RVA_HIREDIS_COMPAT_H

#include <hiredis/hiredis.h>

#define RVA_STRINGIFY_(x) #x
#define RVA_STRINGIFY(x)  RVA_STRINGIFY_(x)
/* The hiredis the agent was compiled against, as `version` prints it. */
#define RVA_HIREDIS_VERSION \
    RVA_STRINGIFY(HIREDIS_MAJOR) "." RVA_STRINGIFY(HIREDIS_MINOR) "." RVA_STRINGIFY(HIREDIS_PATCH)

#endif
