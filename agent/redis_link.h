/* One long-lived asynchronous connection to a Redis endpoint, driven by sd-event, so
 * that no Redis call ever blocks the daemon's loop. The daemon holds two, to the
 * local server and to the peer, shared by the checks, the peer view and transitions.
 *
 * - Connects on demand (the first command after a failure), with AUTH sent first as
 *   arguments. A host name is resolved off the loop (host_resolver.h), from init on;
 *   until its first address is known, commands fail at once saying so, and each
 *   reconnect refreshes it in the background. A connect that timed out backs off
 *   (LINK_BACKOFF_*): until the next attempt, commands fail at once with the last
 *   reason. A refused connect does not
 *   back off: it costs nothing, and a restarted server must be seen at once.
 * - Every command has a deadline: when a reply is owed and the server stays silent
 *   for the connect or command timeout, the connection is dropped and every owed
 *   reply fails with REDIS_STATUS_TIMEOUT.
 * - Each command's callback runs exactly once, from the loop, never from inside
 *   redis_link_command(), unless its owner cancelled it first. */
#ifndef RVA_REDIS_LINK_H
#define RVA_REDIS_LINK_H

#include <hiredis/async.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "host_resolver.h"
#include "redis_error.h"

struct redis_result {
    enum redis_status status;
    const redisReply *reply; /* when the server answered (an error reply too); valid only
                                during the callback */
    const char *error;       /* when status is not OK: names the endpoint and command */
};

typedef void (*redis_reply_fn)(const struct redis_result *result, void *userdata);
/* The server closed the connection, or it failed, without the link asking for it. */
typedef void (*redis_link_lost_fn)(void *userdata);

struct link_request;

struct redis_link {
    const struct redis_endpoint *endpoint;
    sd_event *event;
    redisAsyncContext *ac;
    bool connected;           /* the connect completed */
    bool auth_failed;         /* this connection's AUTH was rejected */
    redisAsyncContext *dying; /* failed: its owed replies are being failed */
    sd_event_source *deadline_timer, *deliver_timer;
    struct link_request *head, *tail; /* owed replies, oldest first */
    struct link_request *failed;      /* failures waiting to be delivered from the loop */
    uint64_t retry_after_usec;        /* no connect attempt before this (backoff) */
    int timed_out_connects;           /* in a row */
    unsigned failed_connects;         /* ever: picks a host name's next address */
    enum redis_status last_status;    /* of the last failure */
    char last_error[256];
    struct host_resolver resolver; /* for a host name; unused for an address */
    redis_link_lost_fn on_lost;
    void *userdata;
};

/* label names the endpoint's host in messages: "[peer] host". */
int redis_link_init(struct redis_link *link, sd_event *event, const struct redis_endpoint *ep,
                    const char *label, redis_link_lost_fn on_lost, void *userdata);
/* Drop the connection and every owed reply, without calling their callbacks. */
void redis_link_close(struct redis_link *link);

/* Queue a command (printf-style, as redisAsyncCommand; never pass secrets through
 * the format). `owner` groups requests for redis_link_cancel(); NULL for requests
 * that must outlive their sender (releasing a pause). Returns 0 (the callback will
 * run: with the reply, or with the failure, a bad format included), or -ENOMEM
 * (it will not). */
int redis_link_command(struct redis_link *link, const void *owner, redis_reply_fn fn,
                       void *userdata, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int redis_link_vcommand(struct redis_link *link, const void *owner, redis_reply_fn fn,
                        void *userdata, const char *fmt, va_list ap);

/* Forget the callbacks of every request `owner` sent: their replies are read and
 * discarded. */
void redis_link_cancel(struct redis_link *link, const void *owner);

/* A reply is still owed (or a failure still to be delivered). A process must run
 * its loop until its links are idle before it exits: what a transition sent as it
 * ended (its CLIENT UNPAUSE) would otherwise never reach the server. The deadlines
 * bound that wait. */
bool redis_link_busy(const struct redis_link *link);

/* The endpoint's host name is still being resolved for the first time. */
bool redis_link_resolving(const struct redis_link *link);

#endif
