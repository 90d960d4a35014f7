/* Local Redis watch. */
#include "local_watch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "log.h"
#include "clock.h"

/* After Redis closed our connection, re-check this often, this many times, until the
 * evidence is definitive: a killed Redis may still accept (then reset) a connection
 * for a moment before its listening socket is gone. */
#define QUICK_RECHECK_USEC 2000u
#define QUICK_RECHECKS 25

static void watch_connection(struct local_watch *lw);
static void schedule_check(struct local_watch *lw, uint64_t delay_usec);

/* Keys in every database, only when gating needs them (an empty master). */
static long long count_keys(struct redis_conn *conn) {
    redisReply *reply = redis_conn_command(conn, "INFO keyspace");
    long long keys = -1;
    struct redis_info info;
    if (reply && reply->type == REDIS_REPLY_STRING)
        keys = redis_info_parse(reply->str, &info) == 0 ? info.keys : 0;
    if (reply)
        freeReplyObject(reply);
    return keys;
}

static void run_check(struct local_watch *lw) {
    struct check_result result;
    /* The connection may be closed and reopened below: stop watching its fd first. */
    lw->fd_watch = sd_event_source_disable_unref(lw->fd_watch);
    check_run(&lw->conn, &result, &lw->info);
    lw->info_valid = result.healthy;
    lw->keys = -1;
    lw->checks++;

    if (result.healthy) {
        struct peer_summary peer = { .reachable = false, .keys = -1 };
        if (lw->peer_summary)
            lw->peer_summary(&peer, lw->userdata);
        bool empty_master_check = peer.reachable && peer.role == REDIS_ROLE_MASTER &&
                                  lw->info.role == REDIS_ROLE_MASTER && peer.keys > 0;
        if (empty_master_check || (!peer.reachable && peer.unseen_at_start))
            lw->keys = count_keys(&lw->conn);
        char reason[sizeof(result.reason)];
        if (!health_ready(&lw->info, lw->keys, &peer, reason, sizeof(reason))) {
            result.healthy = false;
            result.evidence = HEALTH_EVIDENCE_AMBIGUOUS;
            snprintf(result.reason, sizeof(result.reason), "%s", reason);
        }
    }
    bool changed = health_update(&lw->health, &result, lw->cfg->check.rise, lw->cfg->check.fall);
    if (changed || strcmp(result.reason, lw->last.reason) != 0)
        log_info("local Redis/Valkey: %s%s", result.reason,
                 changed ? (lw->health.healthy ? " -> healthy" : " -> unhealthy") : "");
    lw->last = result;
    watch_connection(lw);
    if (result.healthy || result.evidence == HEALTH_EVIDENCE_DEFINITIVE)
        lw->quick_rechecks = 0;
    if (lw->quick_rechecks > 0) {
        lw->quick_rechecks--;
        schedule_check(lw, QUICK_RECHECK_USEC);
    }
    if (lw->on_check)
        lw->on_check(lw, changed, lw->userdata);
}

static void schedule_check(struct local_watch *lw, uint64_t delay_usec) {
    timer_arm(lw->timer, delay_usec);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
    (void)s;
    (void)usec;
    struct local_watch *lw = userdata;
    schedule_check(lw, (uint64_t)lw->cfg->check.interval_ms * 1000u);
    run_check(lw);
    return 0;
}

/* The idle connection became readable: Redis never speaks unasked, so this is the
 * server closing it. Check now: a refused reconnect is definitive (Redis is gone). */
static int on_connection_event(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
    (void)s;
    struct local_watch *lw = userdata;
    char byte;
    ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    bool hangup = revents & (EPOLLHUP | EPOLLRDHUP | EPOLLERR);
    if (!hangup && (n > 0 || (n < 0 && errno == EAGAIN)))
        return 0; /* unexpected data or a spurious wake-up: the next check reads it */
    log_info("local Redis/Valkey closed our connection: checking at once");
    lw->fd_watch = sd_event_source_disable_unref(lw->fd_watch);
    redis_conn_close(&lw->conn);
    lw->quick_rechecks = QUICK_RECHECKS;
    schedule_check(lw, (uint64_t)lw->cfg->check.interval_ms * 1000u);
    run_check(lw);
    return 0;
}

static void watch_connection(struct local_watch *lw) {
    if (!redis_conn_is_open(&lw->conn))
        return;
    int r = sd_event_add_io(lw->event, &lw->fd_watch, lw->conn.ctx->fd,
                            EPOLLIN | EPOLLRDHUP, on_connection_event, lw);
    if (r < 0)
        log_warning("cannot watch the local Redis/Valkey connection: %s (falling back to polling)",
                    strerror(-r));
}

void local_watch_check_soon(struct local_watch *lw) { schedule_check(lw, 0); }

int local_watch_start(struct local_watch *lw, sd_event *event, const struct config *cfg,
                      uint64_t first_delay_usec, local_watch_fn on_check,
                      peer_summary_fn peer_summary, void *userdata) {
    memset(lw, 0, sizeof(*lw));
    lw->cfg = cfg;
    lw->event = event;
    lw->on_check = on_check;
    lw->peer_summary = peer_summary;
    lw->userdata = userdata;
    lw->keys = -1;
    redis_conn_init(&lw->conn, &cfg->redis);
    return sd_event_add_time(event, &lw->timer, CLOCK_MONOTONIC,
                             monotonic_usec() + first_delay_usec, 1, on_timer, lw);
}

void local_watch_stop(struct local_watch *lw) {
    lw->fd_watch = sd_event_source_disable_unref(lw->fd_watch);
    lw->timer = sd_event_source_disable_unref(lw->timer);
    redis_conn_close(&lw->conn);
}
