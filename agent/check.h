/* One health check of a Redis server: PING, then INFO replication for the role. The
 * one-shot `check` command runs it over a blocking connection; the daemon's local
 * watch sends the same commands over its asynchronous link. Both judge the replies
 * with the functions here, so a check means the same thing in both. */
#ifndef RVA_CHECK_H
#define RVA_CHECK_H

#include <hiredis/hiredis.h>

#include "health.h"
#include "redis_conn.h"
#include "redis_info.h"

/* The commands of a check, in order. */
#define CHECK_PING_COMMAND "PING"
#define CHECK_INFO_COMMAND "INFO replication"

/* The check could not talk to the server: unhealthy, definitive only when nothing
 * listens (a timeout or a broken reply may pass). */
void check_fail(enum redis_status status, const char *error, struct check_result *result);

/* Judge the replies, in order: the PING reply fills *result; then the INFO
 * replication reply fills *info (zeroed first) and completes *result. */
void check_judge_ping(const redisReply *ping, struct check_result *result);
void check_judge_info(const redisReply *info_reply, struct check_result *result,
                      struct redis_info *info);

/* The blocking check, for `check`: fills *result. */
void check_run(struct redis_conn *conn, struct check_result *result);

/* Exit code for keepalived's vrrp_script from a result: 0 healthy, 1 not. */
int check_exit_code(const struct check_result *result);

#endif
