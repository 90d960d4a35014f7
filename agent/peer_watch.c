/* Peer watch. */
#include "peer_watch.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"

static void poll_finished(struct peer_watch *pw) {
    bool answered = !pw->pending_failed;
    pw->in_flight = false;
    pw->polled = true;
    pw->reachable = answered;
    if (answered) {
        pw->refused = false;
        pw->last_answer_usec = monotonic_usec();
        pw->error[0] = '\0';
        pw->info = pw->pending;
    }
    if (pw->on_update)
        pw->on_update(pw, pw->userdata);
}

/* The first failure decides the poll. */
static void fail_poll(struct peer_watch *pw, const struct redis_result *r, const char *what) {
    if (pw->pending_failed)
        return;
    pw->pending_failed = true;
    pw->refused = r->status == REDIS_STATUS_REFUSED;
    snprintf(pw->error, sizeof(pw->error), "peer %s", what ? what : r->error);
}

static void on_replication_reply(const struct redis_result *r, void *userdata) {
    struct peer_watch *pw = userdata;
    if (r->status != REDIS_STATUS_OK) {
        fail_poll(pw, r, NULL);
        return;
    }
    if (r->reply->type != REDIS_REPLY_STRING || redis_info_parse(r->reply->str, &pw->pending) < 0 ||
        pw->pending.role == REDIS_ROLE_UNKNOWN)
        fail_poll(pw, r, "INFO replication: garbage reply");
}

/* INFO replication and INFO keyspace go out together; the poll ends with the second. */
static void on_keyspace_reply(const struct redis_result *r, void *userdata) {
    struct peer_watch *pw = userdata;
    if (r->status != REDIS_STATUS_OK) {
        fail_poll(pw, r, NULL);
    } else if (r->reply->type == REDIS_REPLY_STRING) {
        struct redis_info keyspace;
        /* An empty keyspace section has no lines at all: that is 0 keys, not garbage. */
        pw->pending.keys = redis_info_parse(r->reply->str, &keyspace) == 0 ? keyspace.keys : 0;
    }
    poll_finished(pw);
}

static int on_poll(sd_event_source *s, uint64_t usec, void *userdata) {
    (void)usec;
    struct peer_watch *pw = userdata;
    timer_arm_or_exit(s, (uint64_t)pw->interval_ms * 1000u);
    if (pw->in_flight)
        return 0; /* the link's deadline ends a slow poll */
    pw->in_flight = true;
    pw->pending_failed = false;
    pw->sent_usec = monotonic_usec();
    redis_link_command(pw->link, pw, on_replication_reply, pw, "INFO replication");
    redis_link_command(pw->link, pw, on_keyspace_reply, pw, "INFO keyspace");
    return 0;
}

int peer_watch_start(struct peer_watch *pw, sd_event *event, struct redis_link *link,
                     int interval_ms, peer_watch_fn on_update, void *userdata) {
    memset(pw, 0, sizeof(*pw));
    pw->link = link;
    pw->interval_ms = interval_ms;
    pw->on_update = on_update;
    pw->userdata = userdata;
    return sd_event_add_time(event, &pw->poll_timer, CLOCK_MONOTONIC, 0, 1, on_poll, pw);
}

void peer_watch_stop(struct peer_watch *pw) {
    if (pw->link) /* started */
        redis_link_cancel(pw->link, pw);
    pw->in_flight = false;
    pw->poll_timer = sd_event_source_disable_unref(pw->poll_timer);
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
