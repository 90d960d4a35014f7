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

    redisReply *reply = redis_conn_command(conn, "PING");
    if (!reply) {
        check_fail_from_conn(conn, result);
        return;
    }
    health_classify_ping(reply->type, reply->str, result);
    freeReplyObject(reply);
    if (!result->healthy)
        return;

    reply = redis_conn_command(conn, "INFO replication");
    if (!reply) {
        check_fail_from_conn(conn, result);
        return;
    }
    int r = reply->type == REDIS_REPLY_STRING ? redis_info_parse(reply->str, info) : -1;
    freeReplyObject(reply);
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
