/* Asynchronous Redis link. hiredis runs every owed callback with a NULL reply when a
 * context goes away (a failed connect, the server closing, our own free), and only
 * then calls the disconnect callback. The link lets go of a context (link->ac) as
 * soon as it knows it is failing, and words the failure then, once; the owed
 * requests of a context that is no longer the link's fail with that wording. The link never frees a context from
 * inside a hiredis callback: only its deadline timer and redis_link_close() do. */
#include "redis_link.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "redis_async.h"

/* Backoff after a connect that timed out: 100 ms, then 200 ms. Short: after a
 * partition heals, VRRP adverts flow at once, and the sooner the peer link is back,
 * the sooner a node learns it was failed over (make chaos: a cap of 1 s let the old
 * master serve writes 1.5 s after the heal, and lose them). */
#define LINK_BACKOFF_FIRST_MS 100
#define LINK_BACKOFF_MAX_MS   200

struct link_request {
    struct redis_link *link;
    const void *owner;
    redis_reply_fn fn; /* NULL once cancelled */
    void *userdata;
    char doing[32];           /* the command, for messages */
    enum redis_status status; /* a failure delivered from the loop */
    char error[256];
    struct link_request *prev, *next;
};

static void list_append(struct redis_link *link, struct link_request *req) {
    req->prev = link->tail;
    req->next = NULL;
    if (link->tail)
        link->tail->next = req;
    else
        link->head = req;
    link->tail = req;
}

static void list_remove(struct redis_link *link, struct link_request *req) {
    if (req->prev)
        req->prev->next = req->next;
    else
        link->head = req->next;
    if (req->next)
        req->next->prev = req->prev;
    else
        link->tail = req->prev;
}

static void set_failure(struct redis_link *link, enum redis_status status, const char *doing,
                        int timeout_ms, const char *detail) {
    link->last_status = status;
    redis_failure_describe(link->last_error, sizeof(link->last_error), status, link->endpoint,
                           doing, timeout_ms, detail);
}

/* The deadline: the connect timeout while connecting, else the command timeout since
 * the last reply, whenever a reply is owed. */
static void arm_deadline(struct redis_link *link) {
    if (!link->ac || (!link->head && link->connected)) {
        sd_event_source_set_enabled(link->deadline_timer, SD_EVENT_OFF);
        return;
    }
    int ms =
        link->connected ? link->endpoint->command_timeout_ms : link->endpoint->connect_timeout_ms;
    timer_arm_or_exit(link->deadline_timer, (uint64_t)ms * 1000u);
}

/* Free the context; owed requests fail with link->last_status. */
static void drop_context(struct redis_link *link) {
    redisAsyncContext *ac = link->ac;
    if (!ac)
        return;
    link->ac = NULL; /* from here on, this context's requests fail with last_* */
    link->connected = false;
    redisAsyncFree(ac);
    arm_deadline(link);
}

static void on_reply(redisAsyncContext *ac, void *r, void *privdata) {
    struct link_request *req = privdata;
    struct redis_link *link = req->link;
    const redisReply *reply = r;
    struct redis_result result = { .status = REDIS_STATUS_OK, .reply = reply, .error = "" };
    char error[256];
    list_remove(link, req);
    if (reply && reply->type == REDIS_REPLY_ERROR) {
        result.status =
            link->auth_failed ? REDIS_STATUS_AUTH : redis_status_from_error_reply(reply->str);
        if (link->auth_failed)
            snprintf(error, sizeof(error), "%s", link->last_error);
        else
            redis_failure_describe(error, sizeof(error), result.status, link->endpoint, req->doing,
                                   0, reply->str);
        result.error = error;
    } else if (!reply) {
        if (link->ac == ac) {
            /* The server closed it, or the connection broke: classified once, from
             * the first owed reply (errno is the failing call's only here). The
             * link lets go of the context now, so that a command sent from one of
             * these callbacks opens a new connection. */
            set_failure(link, redis_status_from_io(ac->err, errno), req->doing,
                        link->endpoint->command_timeout_ms, ac->errstr);
            link->dying = ac;
            link->ac = NULL;
            link->connected = false;
            sd_event_source_set_enabled(link->deadline_timer, SD_EVENT_OFF);
        }
        result.status = link->last_status;
        result.error = link->last_error;
    }
    if (req->fn)
        req->fn(&result, req->userdata);
    free(req);
    if (link->ac == ac)
        arm_deadline(link);
}

static void on_connect(const redisAsyncContext *ac, int status) {
    struct redis_link *link = ac->data;
    if (link->ac != ac)
        return;
    if (status == REDIS_OK) {
        link->connected = true;
        link->timed_out_connects = 0;
        arm_deadline(link);
        return;
    }
    int saved_errno = errno; /* hiredis leaves the socket's error in errno here */
    set_failure(link, redis_status_from_io(ac->err, saved_errno), "connect",
                link->endpoint->connect_timeout_ms, ac->errstr);
    link->ac = NULL; /* hiredis frees it after this callback */
    link->failed_connects++;
    sd_event_source_set_enabled(link->deadline_timer, SD_EVENT_OFF);
}

static void on_disconnect(const redisAsyncContext *ac, int status) {
    struct redis_link *link = ac->data;
    if (link->dying == ac) { /* broke with replies owed: already failed above */
        link->dying = NULL;
        if (link->on_lost)
            link->on_lost(link->userdata);
        return;
    }
    if (link->ac != ac)
        return; /* our own drop, or a failed connect */
    link->ac = NULL;
    link->connected = false;
    sd_event_source_set_enabled(link->deadline_timer, SD_EVENT_OFF);
    if (status != REDIS_OK && link->on_lost)
        link->on_lost(link->userdata);
}

static void on_auth_reply(const struct redis_result *result, void *userdata) {
    struct redis_link *link = userdata;
    if (result->status == REDIS_STATUS_OK || !result->reply)
        return;
    /* The commands queued behind AUTH get NOAUTH; they report this instead. */
    link->auth_failed = true;
    set_failure(link, REDIS_STATUS_AUTH, "AUTH", 0, result->reply->str);
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
    (void)s;
    (void)usec;
    struct redis_link *link = userdata;
    if (link->connected) {
        set_failure(link, REDIS_STATUS_TIMEOUT, link->head ? link->head->doing : "command",
                    link->endpoint->command_timeout_ms, "");
    } else {
        set_failure(link, REDIS_STATUS_TIMEOUT, "connect", link->endpoint->connect_timeout_ms, "");
        int shift = link->timed_out_connects < 4 ? link->timed_out_connects : 4;
        int backoff_ms = LINK_BACKOFF_FIRST_MS << shift;
        link->retry_after_usec =
            monotonic_usec() +
            (uint64_t)(backoff_ms < LINK_BACKOFF_MAX_MS ? backoff_ms : LINK_BACKOFF_MAX_MS) * 1000u;
        link->timed_out_connects++;
        link->failed_connects++;
    }
    drop_context(link);
    return 0;
}

static int on_deliver(sd_event_source *s, uint64_t usec, void *userdata) {
    (void)s;
    (void)usec;
    struct redis_link *link = userdata;
    /* One at a time from the list itself: a callback may cancel the others. */
    while (link->failed) {
        struct link_request *req = link->failed;
        link->failed = req->next;
        struct redis_result result = { .status = req->status, .error = req->error };
        if (req->fn)
            req->fn(&result, req->userdata);
        free(req);
    }
    return 0;
}

/* Fail a request that never reached hiredis, from the loop. */
static void fail_later(struct redis_link *link, struct link_request *req) {
    req->status = link->last_status;
    snprintf(req->error, sizeof(req->error), "%s", link->last_error);
    req->prev = req->next = NULL;
    struct link_request **tail = &link->failed; /* in order: callers count on it */
    while (*tail)
        tail = &(*tail)->next;
    *tail = req;
    timer_arm_or_exit(link->deliver_timer, 0);
}

static void send_auth(struct redis_link *link) {
    const struct redis_endpoint *ep = link->endpoint;
    struct link_request *req = calloc(1, sizeof(*req));
    if (!req)
        return; /* the next command then fails with NOAUTH: reported as an auth failure */
    *req = (struct link_request){ .link = link, .fn = on_auth_reply, .userdata = link };
    snprintf(req->doing, sizeof(req->doing), "AUTH");
    /* Arguments, never a formatted string: the password is data, not text to log. */
    const char *argv[] = { "AUTH", ep->user, ep->password };
    int r = ep->user[0] ? redisAsyncCommandArgv(link->ac, on_reply, req, 3, argv, NULL)
                        : redisAsyncCommandArgv(link->ac, on_reply, req, 2,
                                                (const char *[]){ "AUTH", ep->password }, NULL);
    if (r != REDIS_OK)
        free(req);
    else
        list_append(link, req);
}

static void reset_resolver(struct redis_link *link) {
    const char *label = link->resolver.label;
    host_resolver_close(&link->resolver);
    host_resolver_init(&link->resolver, link->event, label, link->endpoint->host);
}

/* Start a connection; on failure last_* say why. */
static int start_connect(struct redis_link *link) {
    const struct redis_endpoint *ep = link->endpoint;
    if (monotonic_usec() < link->retry_after_usec)
        return -EAGAIN; /* backing off: last_* still hold the timeout */
    char address[64];
    snprintf(address, sizeof(address), "%s", ep->host);
    if (!ep->unix_socket[0] && !host_is_numeric(ep->host)) {
        if (strcmp(link->resolver.host, ep->host) != 0) /* a reload named another host */
            reset_resolver(link);
        /* Every reconnect may refresh the addresses; this one uses the last known. */
        host_resolver_refresh(&link->resolver);
        if (!host_resolver_address(&link->resolver, link->failed_connects, address,
                                   sizeof(address))) {
            set_failure(link, REDIS_STATUS_IO, "connect", 0,
                        link->resolver.error[0] ? link->resolver.error
                                                : "the host name is still being resolved");
            return -EAGAIN;
        }
    }
    errno = 0;
    redisAsyncContext *ac = ep->unix_socket[0] ? redisAsyncConnectUnix(ep->unix_socket)
                                               : redisAsyncConnect(address, ep->port);
    int saved_errno = errno;
    if (!ac) {
        set_failure(link, REDIS_STATUS_IO, "connect", 0, "out of memory");
        return -ENOMEM;
    }
    if (ac->err) {
        link->failed_connects++;
        set_failure(link, redis_status_from_io(ac->err, saved_errno), "connect",
                    ep->connect_timeout_ms, ac->errstr);
        redisAsyncFree(ac);
        return -ECONNREFUSED;
    }
    int r = redis_async_attach(ac, link->event);
    if (r < 0) {
        set_failure(link, REDIS_STATUS_IO, "connect", 0, strerror(-r));
        redisAsyncFree(ac);
        return r;
    }
    ac->data = link;
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    link->ac = ac;
    link->connected = false;
    link->auth_failed = false;
    if (ep->password[0])
        send_auth(link);
    arm_deadline(link);
    return 0;
}

int redis_link_vcommand(struct redis_link *link, const void *owner, redis_reply_fn fn,
                        void *userdata, const char *fmt, va_list ap) {
    struct link_request *req = calloc(1, sizeof(*req));
    if (!req)
        return -ENOMEM;
    *req = (struct link_request){ .link = link, .owner = owner, .fn = fn, .userdata = userdata };
    /* The command for messages: the format up to its first argument. */
    size_t len = strcspn(fmt, "%");
    while (len > 0 && fmt[len - 1] == ' ')
        len--;
    snprintf(req->doing, sizeof(req->doing), "%.*s", (int)len, fmt);

    if (!link->ac && start_connect(link) < 0) {
        fail_later(link, req);
        return 0;
    }
    int r = redisvAsyncCommand(link->ac, on_reply, req, fmt, ap);
    if (r != REDIS_OK) {
        /* A bad format, or a context already being torn down. */
        set_failure(link, REDIS_STATUS_IO, req->doing, 0, "cannot queue the command");
        fail_later(link, req);
        return 0;
    }
    bool was_idle = !link->head;
    list_append(link, req);
    if (was_idle)
        arm_deadline(link);
    return 0;
}

int redis_link_command(struct redis_link *link, const void *owner, redis_reply_fn fn,
                       void *userdata, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = redis_link_vcommand(link, owner, fn, userdata, fmt, ap);
    va_end(ap);
    return r;
}

void redis_link_cancel(struct redis_link *link, const void *owner) {
    if (!owner)
        return;
    for (struct link_request *req = link->head; req; req = req->next)
        if (req->owner == owner)
            req->fn = NULL;
    for (struct link_request *req = link->failed; req; req = req->next)
        if (req->owner == owner)
            req->fn = NULL;
}

bool redis_link_busy(const struct redis_link *link) { return link->head || link->failed; }

bool redis_link_resolving(const struct redis_link *link) {
    return link->resolver.running && !link->resolver.addresses[0];
}

int redis_link_init(struct redis_link *link, sd_event *event, const struct redis_endpoint *ep,
                    const char *label, redis_link_lost_fn on_lost, void *userdata) {
    memset(link, 0, sizeof(*link));
    link->endpoint = ep;
    link->event = event;
    link->on_lost = on_lost;
    link->userdata = userdata;
    host_resolver_init(&link->resolver, event, label, ep->host);
    /* A head start: the first command usually finds the address known. */
    if (!ep->unix_socket[0] && !host_is_numeric(ep->host))
        host_resolver_refresh(&link->resolver);
    int r = sd_event_add_time(event, &link->deadline_timer, CLOCK_MONOTONIC, UINT64_MAX, 1,
                              on_deadline, link);
    if (r >= 0)
        r = sd_event_add_time(event, &link->deliver_timer, CLOCK_MONOTONIC, UINT64_MAX, 1,
                              on_deliver, link);
    if (r >= 0)
        r = sd_event_source_set_enabled(link->deadline_timer, SD_EVENT_OFF);
    if (r >= 0)
        r = sd_event_source_set_enabled(link->deliver_timer, SD_EVENT_OFF);
    if (r < 0)
        redis_link_close(link);
    return r;
}

void redis_link_close(struct redis_link *link) {
    for (struct link_request *req = link->head; req; req = req->next)
        req->fn = NULL;
    drop_context(link);
    while (link->failed) {
        struct link_request *next = link->failed->next;
        free(link->failed);
        link->failed = next;
    }
    link->deadline_timer = sd_event_source_disable_unref(link->deadline_timer);
    link->deliver_timer = sd_event_source_disable_unref(link->deliver_timer);
    host_resolver_close(&link->resolver);
}
