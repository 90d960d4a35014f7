/* Save the local dataset before a resync that would wipe it: BGSAVE, wait for it,
 * copy the RDB file into snapshot_dir under a name that carries the time and both
 * replication ids. The waiting is done by the caller's state machine. */
#ifndef RVA_SNAPSHOT_H
#define RVA_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

#include "redis_conn.h"
#include "redis_info.h"

/* Ask for a BGSAVE. Returns 1 when it started, 0 when another save is running (wait
 * until snapshot_save_finished() and ask again), -1 on error (reason in err). */
int snapshot_start(struct redis_conn *local, char *err, size_t err_size);

/* Poll: 1 when no save is running and the last one succeeded, 0 while one is
 * running, -1 on error (a failed save, or the server stopped answering). */
int snapshot_save_finished(struct redis_conn *local, char *err, size_t err_size);

/* Copy the server's RDB file (CONFIG GET dir/dbfilename) into snapshot_dir as
 * `<prefix>-<UTC time>-local-<replid>-peer-<replid>.rdb`, mode 0600, written to a
 * temporary name and renamed so a partial copy never looks complete. Returns 0 and
 * the path, or -1 with the reason. */
int snapshot_copy(struct redis_conn *local, const char *snapshot_dir, const char *local_replid,
                  const char *peer_replid, char *path, size_t path_size, char *err,
                  size_t err_size);

#endif
