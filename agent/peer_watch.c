/* Peer watch. hiredis frees an async context itself after a failed connect or a
 * disconnect; our disconnect/connect callbacks only forget the pointer. The deadline
 * timer is the one place that frees a context, since freeing from inside a hiredis
 * callback is not allowed. */
#include "peer_watch.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "redis_async.h"
#include "redis_conn.h"
#include "clock.h"

static void poll_finished(struct peer_watch *pw, bool answered) {
    pw->in_flight = false;
    pw->polled = true;
    pw->reachable = answered;
    if (answered) {
        pw->refused = false;
        pw->last_answer_usec = monotonic_usec();
        pw->error[0] = '\0';
    }
    sd_event_source_set_enabled(pw->deadline_timer, SD_EVENT_OFF);
    if (pw->on_update)
        pw->on_update(pw, pw->userdata);
}

static void fail_poll(struct peer_watch *pw, bool refused, const char *fmt, const char *detail) {
    char name[CONFIG_NAME_MAX + 16];
    redis_endpoint_name(pw->endpoint, name, sizeof(name));
    snprintf(pw->error, sizeof(pw->error), fmt, name, detail);
    pw->refused = refused;
    poll_finished(pw, false);
}

static void on_connect(const redisAsyncContext *ac, int status) {
    struct peer_watch *pw = ac->data;
    if (status == REDIS_OK || !pw)
        return;
    pw->ac = NULL; /* hiredis frees it after this callback */
    fail_poll(pw, strstr(ac->errstr, "refused") != NULL, "peer %s: connect: %s", ac->errstr);
}

static void on_disconnect(const redisAsyncContext *ac, int status) {
    (void)status;
    struct peer_watch *pw = ac->data;
    if (!pw)
        return;
    pw->ac = NULL;
    if (pw->in_flight)
        fail_poll(pw, false, "peer %s: connection lost: %s", ac->errstr[0] ? ac->errstr : "closed");
}

static void on_auth_reply(redisAsyncContext *ac, void *r, void *privdata) {
    (void)privdata;
    struct peer_watch *pw = ac->data;
    redisReply *reply = r;
    if (pw && reply && reply->type == REDIS_REPLY_ERROR)
        fail_poll(pw, false, "peer %s: auth failed: %s", reply->str);
}

/* INFO replication and INFO keyspace go out together; the poll ends with the second. */
enum info_part { INFO_REPLICATION = 1, INFO_KEYSPACE = 2 };

static void on_info_reply(redisAsyncContext *ac, void *r, void *privdata) {
    struct peer_watch *pw = ac->data;
    redisReply *reply = r;
    if (!pw || !reply || !pw->in_flight)
        return; /* freed, or the poll already failed (e.g. at AUTH) */
    if (reply->type != REDIS_REPLY_STRING) {
        fail_poll(pw, false, "peer %s: INFO: %s",
                  reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
        return;
    }
    struct redis_info info;
    int parsed = redis_info_parse(reply->str, &info);
    if ((intptr_t)privdata == INFO_REPLICATION) {
        if (parsed < 0 || info.role == REDIS_ROLE_UNKNOWN) {
            fail_poll(pw, false, "peer %s: INFO: %s", "garbage reply");
            return;
        }
        pw->pending = info;
        return;
    }
    /* An empty keyspace section has no lines at all: that is 0 keys, not garbage. */
    pw->pending.keys = parsed == 0 ? info.keys : 0;
    pw->info = pw->pending;
    poll_finished(pw, true);
}

static void drop_connection(struct peer_watch *pw) {
    if (!pw->ac)
        return;
    redisAsyncContext *ac = pw->ac;
    pw->ac = NULL;
    ac->data = NULL; /* callbacks run during the free must not touch pw */
    redisAsyncFree(ac);
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
    (void)s;
    (void)usec;
    struct peer_watch *pw = userdata;
    drop_connection(pw);
    char detail[64];
    snprintf(detail, sizeof(detail), "timeout after %d ms",
             pw->endpoint->connect_timeout_ms + pw->endpoint->command_timeout_ms);
    fail_poll(pw, false, "peer %s: %s", detail);
    return 0;
}

static int connect_peer(struct peer_watch *pw) {
    const struct redis_endpoint *ep = pw->endpoint;
    redisAsyncContext *ac = ep->unix_socket[0] ? redisAsyncConnectUnix(ep->unix_socket)
                                               : redisAsyncConnect(ep->host, ep->port);
    if (!ac) {
        fail_poll(pw, false, "peer %s: connect: %s", "out of memory");
        return -ENOMEM;
    }
    if (ac->err) {
        fail_poll(pw, strstr(ac->errstr, "refused") != NULL, "peer %s: connect: %s", ac->errstr);
        redisAsyncFree(ac);
        return -ECONNREFUSED;
    }
    int r = redis_async_attach(ac, pw->event);
    if (r < 0) {
        redisAsyncFree(ac);
        fail_poll(pw, false, "peer %s: connect: %s", strerror(-r));
        return r;
    }
    ac->data = pw;
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    pw->ac = ac;
    if (ep->password[0]) {
        if (ep->user[0])
            redisAsyncCommand(ac, on_auth_reply, NULL, "AUTH %s %s", ep->user, ep->password);
        else
            redisAsyncCommand(ac, on_auth_reply, NULL, "AUTH %s", ep->password);
    }
    return 0;
}

static int on_poll(sd_event_source *s, uint64_t usec, void *userdata) {
    (void)usec;
    struct peer_watch *pw = userdata;
    timer_arm(s, (uint64_t)pw->interval_ms * 1000u);
    if (pw->in_flight)
        return 0; /* the deadline timer ends a slow poll */
    pw->in_flight = true;
    pw->sent_usec = monotonic_usec();
    bool fresh = !pw->ac;
    if (fresh && connect_peer(pw) < 0)
        return 0;
    if (redisAsyncCommand(pw->ac, on_info_reply, (void *)(intptr_t)INFO_REPLICATION,
                          "INFO replication") != REDIS_OK ||
        redisAsyncCommand(pw->ac, on_info_reply, (void *)(intptr_t)INFO_KEYSPACE,
                          "INFO keyspace") != REDIS_OK) {
        drop_connection(pw);
        fail_poll(pw, false, "peer %s: %s", "cannot queue INFO");
        return 0;
    }
    int budget_ms = pw->endpoint->command_timeout_ms + (fresh ? pw->endpoint->connect_timeout_ms : 0);
    timer_arm(pw->deadline_timer, (uint64_t)budget_ms * 1000u);
    return 0;
}

int peer_watch_start(struct peer_watch *pw, sd_event *event, const struct redis_endpoint *ep,
                     int interval_ms, peer_watch_fn on_update, void *userdata) {
    memset(pw, 0, sizeof(*pw));
    pw->endpoint = ep;
    pw->interval_ms = interval_ms;
    pw->event = event;
    pw->on_update = on_update;
    pw->userdata = userdata;
    int r = sd_event_add_time(event, &pw->deadline_timer, CLOCK_MONOTONIC, UINT64_MAX, 1,
                              on_deadline, pw);
    if (r >= 0)
        r = sd_event_add_time(event, &pw->poll_timer, CLOCK_MONOTONIC, 0, 1, on_poll, pw);
    if (r < 0)
        peer_watch_stop(pw);
    return r;
}

void peer_watch_stop(struct peer_watch *pw) {
    drop_connection(pw);
    pw->poll_timer = sd_event_source_disable_unref(pw->poll_timer);
    pw->deadline_timer = sd_event_source_disable_unref(pw->deadline_timer);
}

bool peer_watch_gone(const struct peer_watch *pw, int silent_ms, char *why, size_t why_size) {
    uint64_t now = monotonic_usec(), silent_usec = (uint64_t)silent_ms * 1000u;
    if (!pw->polled)
        return false;
    if (!pw->reachable) {
        snprintf(why, why_size, "%s", pw->error);
        return true;
    }
    if (pw->in_flight && now - pw->sent_usec > silent_usec) {
        snprintf(why, why_size, "peer silent: poll unanswered for %ld ms",
                 (long)((now - pw->sent_usec) / 1000u));
        return true;
    }
    if (now - pw->last_answer_usec > (uint64_t)pw->interval_ms * 1000u + silent_usec) {
        snprintf(why, why_size, "peer silent: last answer %ld ms ago",
                 (long)((now - pw->last_answer_usec) / 1000u));
        return true;
    }
    return false;
}
