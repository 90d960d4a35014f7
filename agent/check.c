/* The health check itself. */
#include "check.h"

#include <stdio.h>
#include <string.h>

void check_fail(enum redis_status status, const char *error, struct check_result *result) {
    memset(result, 0, sizeof(*result));
    result->evidence =
        status == REDIS_STATUS_REFUSED ? HEALTH_EVIDENCE_DEFINITIVE : HEALTH_EVIDENCE_AMBIGUOUS;
    snprintf(result->reason, sizeof(result->reason), "unhealthy: %s", error);
}

void check_judge_ping(const redisReply *ping, struct check_result *result) {
    memset(result, 0, sizeof(*result));
    health_classify_ping(ping->type, ping->str, result);
}

void check_judge_info(const redisReply *info_reply, struct check_result *result,
                      struct redis_info *info) {
    memset(info, 0, sizeof(*info));
    int r = info_reply->type == REDIS_REPLY_STRING ? redis_info_parse(info_reply->str, info) : -1;
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

void check_run(struct redis_conn *conn, struct check_result *result) {
    /* Both in one round trip: a check forked by keepalived every second should cost
     * as little as a check can. */
    static const char *const commands[] = { CHECK_PING_COMMAND, CHECK_INFO_COMMAND };
    redisReply *replies[2];
    if (redis_conn_pipeline(conn, 2, commands, replies) < 0) {
        check_fail(conn->status, conn->error, result);
        return;
    }
    struct redis_info info;
    check_judge_ping(replies[0], result);
    check_judge_info(replies[1], result, &info);
    freeReplyObject(replies[0]);
    freeReplyObject(replies[1]);
}

int check_exit_code(const struct check_result *result) { return result->healthy ? 0 : 1; }
