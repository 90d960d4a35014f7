/* The daemon's side of the preference and of switchovers: mirroring the record into
 * the preference file at every check, recording the new master as preferred after a
 * failover (failback = manual), and the `switchover` control requests. */
#ifndef RVA_DAEMON_SWITCHOVER_H
#define RVA_DAEMON_SWITCHOVER_H

#include <stddef.h>

#include "agent.h"
#include "control_request.h"

/* At start: this node's id, and the level the preference file holds. Returns 0 or a
 * negative errno (logged). Does nothing without [keepalived] preference_file. */
int preference_setup(struct agent *a);

/* After every local check, before the track file: the file follows the record. */
void preference_update(struct agent *a);

/* A MASTER transition succeeded: with failback = manual, record this node as the
 * preferred one, so the old master stays a replica when it is back. */
void preference_after_promotion(struct agent *a);

/* The control requests `switchover` (parsed by control_request.c) and
 * `switchover-status ID`. */
void switchover_request(struct agent *a, const struct control_request *request, char *reply,
                        size_t size);
void switchover_status_request(struct agent *a, const char *id, char *reply, size_t size);

/* The daemon is stopping: release what a running switchover holds. */
void switchover_stop(struct agent *a);

#endif
