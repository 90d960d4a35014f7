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

/* r is 0, or a negative errno with `error` saying which file and what failed. */
typedef void (*snapshot_done_fn)(int r, const char *error, void *userdata);

struct snapshot_copy {
    sd_event_source *child;
    int error_fd;            /* the child writes its error message here */
    char path[1024];         /* the copy's final name */
    char partial[1100];      /* its name until complete */
    snapshot_done_fn on_done;
    void *userdata;
};

/* Copy rdb_path into snapshot_dir as `dump-<UTC time>-local-<replid>-peer-<replid>.rdb`,
 * mode 0600, through `<name>.partial` and a rename, so a partial copy never looks
 * complete; fsync'd. on_done runs from the loop when the child has finished. SIGCHLD
 * must be blocked (sd-event's rule for child sources). Returns 0, or a negative errno
 * when the child could not be started (on_done is then not called). */
int snapshot_copy_start(struct snapshot_copy *c, sd_event *event, const char *rdb_path,
                        const char *snapshot_dir, const char *local_replid,
                        const char *peer_replid, snapshot_done_fn on_done, void *userdata);

/* Stop a copy in progress: kill and reap the child, remove the partial file. */
void snapshot_copy_cancel(struct snapshot_copy *c);

#endif
