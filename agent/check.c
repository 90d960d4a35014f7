/* The health check itself. */
#include "check.h"

#include <stdio.h>
#include <string.h>

static void check_fail_from_conn(const struct redis_conn *conn, struct check_result *result) {
    result->healthy = false;
    /* Nothing listening is certain; a timeout or a broken reply may pass. */
    result->evidence = conn->status == REDIS_STATUS_REFUSED ? HEALTH_EVIDENCE_DEFINITIVE
                                                            : HEALTH_EVIDENCE_AMBIGUOUS;
    snprintf(result->reason, sizeof(result->reason), "unhealthy: %s", conn->error);
}

void check_run(struct redis_conn *conn, struct check_result *result, struct redis_info *info) {
    struct redis_info scratch;
    if (!info)
        info = &scratch;
    memset(result, 0, sizeof(*result));
    memset(info, 0, sizeof(*info));

    /* Both in one round trip: a check forked by keepalived every second should cost
     * as little as a check can. */
    static const char *const commands[] = { "PING", "INFO replication" };
    redisReply *replies[2];
    if (redis_conn_pipeline(conn, 2, commands, replies) < 0) {
        check_fail_from_conn(conn, result);
        return;
    }
    health_classify_ping(replies[0]->type, replies[0]->str, result);
    redisReply *info_reply = replies[1];
    freeReplyObject(replies[0]);
    int r = info_reply->type == REDIS_REPLY_STRING ? redis_info_parse(info_reply->str, info) : -1;
    freeReplyObject(info_reply);
    if (!result->healthy)
        return;
    if (r < 0 || info->role == REDIS_ROLE_UNKNOWN) {
        result->healthy = false;
        snprintf(result->reason, sizeof(result->reason),
                 "unhealthy: INFO replication reply has no role (garbage reply)");
        return;
    }
    result->role = info->role;
    if (info->role == REDIS_ROLE_REPLICA)
        snprintf(result->reason, sizeof(result->reason), "ok role=replica link=%s",
                 info->master_link_up ? "up" : "down");
    else
        snprintf(result->reason, sizeof(result->reason), "ok role=master");
}

int check_exit_code(const struct check_result *result) { return result->healthy ? 0 : 1; }
