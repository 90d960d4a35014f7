/* Save the local dataset before a resync that would wipe it. The transition asks the
 * server for BGSAVE and waits for it over its link; this module judges BGSAVE's
 * answer, names the copy, and copies the RDB file into snapshot_dir in a child
 * process, so that copying a large file never holds the event loop. */
#ifndef RVA_SNAPSHOT_H
#define RVA_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

/* BGSAVE's error reply says a save or another child is running: ask again later. */
bool snapshot_bgsave_busy(const char *error_reply);

/* r is 0 with the copy's path, or a negative errno with `error` saying which file
 * and what failed. */
typedef void (*snapshot_done_fn)(int r, const char *path, const char *error, void *userdata);

struct snapshot_copy;

/* Copy rdb_path into snapshot_dir as `dump-<UTC time>-local-<replid>-peer-<replid>.rdb`,
 * mode 0600, through `<name>.partial` and a rename, so a partial copy never looks
 * complete; fsync'd. on_done runs once from the loop when the child has finished,
 * and the copy frees itself. SIGCHLD must be blocked (sd-event's rule for child
 * sources). Returns the copy, or NULL with *r a negative errno when the child could
 * not be started (on_done is then not called). */
struct snapshot_copy *snapshot_copy_start(sd_event *event, const char *rdb_path,
                                          const char *snapshot_dir, const char *local_replid,
                                          const char *peer_replid, snapshot_done_fn on_done,
                                          void *userdata, int *r);

/* Stop a copy in progress, without waiting: the child is killed; when it has gone,
 * it is reaped, its partial file removed and the copy freed. on_done is not called.
 * (Waiting here could hold the loop for as long as a write in progress takes.) */
void snapshot_copy_cancel(struct snapshot_copy *c);

#endif
