/* Local Redis watch: checks over the shared link, and the server's process watched
 * for its exit (process_watch.c). */
#include "local_watch.h"

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "clock.h"
#include "log.h"

/* After Redis closed our connection, re-check this often, this many times, until the
 * evidence is definitive: a killed Redis may still accept (then reset) a connection
 * for a moment before its listening socket is gone. */
#define QUICK_RECHECK_USEC 2000u
#define QUICK_RECHECKS     25

static void schedule_check(struct local_watch *lw, uint64_t delay_usec) {
    timer_arm_or_exit(lw->timer, delay_usec);
}

/* One result, from a check or from the process watch, through the hysteresis. */
static void judge(struct local_watch *lw, const struct check_result *result) {
    bool changed = health_update(&lw->health, result, lw->cfg->check.rise, lw->cfg->check.fall);
    if (changed || strcmp(result->reason, lw->last.reason) != 0)
        log_info("local Redis/Valkey: %s%s", result->reason,
                 changed ? (lw->health.healthy ? " -> healthy" : " -> unhealthy") : "");
    lw->last = *result;
    if (result->healthy || result->evidence == HEALTH_EVIDENCE_DEFINITIVE)
        lw->quick_rechecks = 0;
    if (lw->quick_rechecks > 0) {
        lw->quick_rechecks--;
        schedule_check(lw, QUICK_RECHECK_USEC);
    }
    if (lw->on_check)
        lw->on_check(lw, changed, lw->userdata);
}

static void finish_check(struct local_watch *lw) {
    struct check_result result = lw->result;
    lw->info = lw->fresh;
    lw->info_valid = result.healthy;
    lw->keys = result.healthy ? lw->fresh_keys : -1;
    lw->checks++;
    lw->record_read = lw->fresh_record_read;
    if (lw->record_read)
        lw->record = lw->fresh_record;
    snprintf(lw->record_error, sizeof(lw->record_error), "%s", lw->fresh_record_error);

    char reason[sizeof(result.reason)];
    if (result.healthy && !health_ready(&lw->info, lw->keys, &lw->peer, reason, sizeof(reason))) {
        result.healthy = false;
        /* A peer promoted from our history is proof in its INFO, not a glitch to
         * count: every write we take from now on is one its history lacks. */
        result.evidence = lw->peer.promoted_from_us && lw->info.role == REDIS_ROLE_MASTER
                              ? HEALTH_EVIDENCE_DEFINITIVE
                              : HEALTH_EVIDENCE_AMBIGUOUS;
        snprintf(result.reason, sizeof(result.reason), "%s", reason);
    }
    judge(lw, &result);
}

/* The replies arrive in order; the first failure decides the check, the rest of its
 * replies are only counted. */
static void on_check_reply(const struct redis_result *r, void *userdata, int index) {
    struct local_watch *lw = userdata;
    bool decided = lw->result.reason[0] != '\0' && !lw->result.healthy;
    if (!decided) {
        if (!r->reply || r->status == REDIS_STATUS_AUTH)
            check_fail(r->status, r->error, &lw->result);
        else if (index == 0)
            check_judge_ping(r->reply, &lw->result);
        else if (index == 1)
            check_judge_info(r->reply, &lw->result, &lw->fresh);
        else if (r->reply->type == REDIS_REPLY_STRING) {
            struct redis_info keyspace;
            /* An empty keyspace section has no lines at all: that is 0 keys. */
            lw->fresh_keys = redis_info_parse(r->reply->str, &keyspace) == 0 ? keyspace.keys : 0;
        }
    }
    if (--lw->replies_owed == 0)
        finish_check(lw);
}

/* The preference record rides along with the check; it never decides health. */
static void on_record_reply(const struct redis_result *r, void *userdata) {
    struct local_watch *lw = userdata;
    const redisReply *reply = r->reply;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements % 2 == 0) {
        const char *fields[16];
        size_t pairs = reply->elements / 2 > 8 ? 8 : reply->elements / 2;
        bool strings = true;
        for (size_t i = 0; i < 2 * pairs; i++) {
            strings = strings && reply->element[i]->type == REDIS_REPLY_STRING;
            fields[i] = strings ? reply->element[i]->str : "";
        }
        lw->fresh_record_error[0] = '\0';
        if (!strings)
            snprintf(lw->fresh_record_error, sizeof(lw->fresh_record_error),
                     "%s: not a hash of strings", PREFERENCE_KEY);
        else if (preference_record_from_fields(fields, pairs, &lw->fresh_record,
                                               lw->fresh_record_error,
                                               sizeof(lw->fresh_record_error)) == 0)
            lw->fresh_record_read = true;
    } else {
        snprintf(lw->fresh_record_error, sizeof(lw->fresh_record_error), "HGETALL %s: %s",
                 PREFERENCE_KEY,
                 reply && reply->type == REDIS_REPLY_ERROR ? reply->str
                 : r->error                                ? r->error
                                                           : "not a hash");
    }
    if (--lw->replies_owed == 0)
        finish_check(lw);
}

/* The first check on each connection asks INFO server for the process to watch. */
static void on_server_reply(const struct redis_result *r, void *userdata) {
    struct local_watch *lw = userdata;
    struct redis_info server;
    if (r->reply && r->reply->type == REDIS_REPLY_STRING &&
        redis_info_parse(r->reply->str, &server) == 0)
        process_watch_follow(&lw->process, server.process_id, server.executable);
    else
        lw->process_asked = false; /* ask again at the next check */
    if (--lw->replies_owed == 0)
        finish_check(lw);
}

/* The process is exiting: Redis is gone as surely as when a reconnect is refused,
 * only sooner. A check in flight is decided by this too, so that a reply Redis sent
 * before it was killed cannot count as a healthy check. */
static void on_process_exit(struct process_watch *pw, const char *why, void *userdata) {
    (void)pw;
    struct local_watch *lw = userdata;
    struct check_result result = { .healthy = false, .evidence = HEALTH_EVIDENCE_DEFINITIVE };
    snprintf(result.reason, sizeof(result.reason), "unhealthy: %s", why);
    if (lw->replies_owed > 0)
        lw->result = result;
    lw->info_valid = false;
    lw->keys = -1;
    lw->process_asked = false; /* the next server is another process */
    judge(lw, &result);
}

static void on_ping_reply(const struct redis_result *r, void *userdata) {
    on_check_reply(r, userdata, 0);
}
static void on_info_reply(const struct redis_result *r, void *userdata) {
    on_check_reply(r, userdata, 1);
}
static void on_keyspace_reply(const struct redis_result *r, void *userdata) {
    on_check_reply(r, userdata, 2);
}

static void send_check(struct local_watch *lw) {
    if (lw->replies_owed > 0)
        return; /* the link's deadline ends a slow check */
    lw->peer = (struct peer_summary){ .reachable = false, .keys = -1 };
    if (lw->peer_summary)
        lw->peer_summary(&lw->peer, lw->userdata);
    /* Keys in every database (one more cheap INFO) when they can decide: the peer in
     * view (are we an empty or restarted master beside it? would a sync from it wipe
     * ours?), or not seen yet and perhaps holding data. */
    bool want_keys = lw->peer.reachable || lw->peer.unseen_at_start;
    memset(&lw->result, 0, sizeof(lw->result));
    lw->fresh_keys = -1;
    bool want_record = lw->cfg->keepalived.preference_file[0] != '\0';
    lw->fresh_record_read = false;
    lw->fresh_record_error[0] = '\0';
    bool want_server = !lw->process_asked;
    lw->process_asked = true;
    lw->replies_owed = 2 + want_keys + want_record + want_server;
    redis_link_command(lw->link, lw, on_ping_reply, lw, CHECK_PING_COMMAND);
    redis_link_command(lw->link, lw, on_info_reply, lw, CHECK_INFO_COMMAND);
    if (want_keys)
        redis_link_command(lw->link, lw, on_keyspace_reply, lw, "INFO keyspace");
    if (want_record)
        redis_link_command(lw->link, lw, on_record_reply, lw, "HGETALL %s", PREFERENCE_KEY);
    if (want_server)
        redis_link_command(lw->link, lw, on_server_reply, lw, "INFO server");
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
    (void)s;
    (void)usec;
    struct local_watch *lw = userdata;
    schedule_check(lw, (uint64_t)lw->cfg->check.interval_ms * 1000u);
    send_check(lw);
    return 0;
}

void local_watch_connection_lost(struct local_watch *lw) {
    if (!lw->timer)
        return; /* stopped: the daemon is going */
    /* Redis never closes an idle connection on its own: it was killed or restarted.
     * Check now: a refused reconnect is definitive (Redis is gone). */
    log_info("local Redis/Valkey closed our connection: checking at once");
    lw->quick_rechecks = QUICK_RECHECKS;
    lw->process_asked = false;
    schedule_check(lw, 0);
}

void local_watch_check_soon(struct local_watch *lw) { schedule_check(lw, 0); }

int local_watch_start(struct local_watch *lw, sd_event *event, struct redis_link *link,
                      const struct config *cfg, uint64_t first_delay_usec, local_watch_fn on_check,
                      peer_summary_fn peer_summary, void *userdata) {
    memset(lw, 0, sizeof(*lw));
    lw->cfg = cfg;
    lw->link = link;
    lw->on_check = on_check;
    lw->peer_summary = peer_summary;
    lw->userdata = userdata;
    lw->keys = -1;
    process_watch_init(&lw->process, event, on_process_exit, lw);
    return sd_event_add_time(event, &lw->timer, CLOCK_MONOTONIC,
                             monotonic_usec() + first_delay_usec, 1, on_timer, lw);
}

void local_watch_stop(struct local_watch *lw) {
    if (lw->link) /* started */
        redis_link_cancel(lw->link, lw);
    lw->replies_owed = 0;
    process_watch_stop(&lw->process);
    lw->timer = sd_event_source_disable_unref(lw->timer);
}
