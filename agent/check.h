/* One health check of a Redis server over an open or openable connection: PING, then
 * INFO replication for the role. The I/O half of health.c; used by the one-shot
 * `check` command and by the daemon's periodic check. */
#ifndef RVA_CHECK_H
#define RVA_CHECK_H

#include "health.h"
#include "redis_conn.h"
#include "redis_info.h"

/* Fill *result (and *info when the server answered INFO; info may be NULL). */
void check_run(struct redis_conn *conn, struct check_result *result, struct redis_info *info);

/* Exit code for keepalived's vrrp_script from a result: 0 healthy, 1 not. */
int check_exit_code(const struct check_result *result);

#endif
