/* keepalived's track file (`track_file NAME { file PATH }`, weight 0): the agent
 * writes healthy_value (0) when the local Redis is healthy and fail_value when it is
 * not; with keepalived's `weight 0 reverse`, the other way round (see config.h). */
#ifndef RVA_TRACK_FILE_H
#define RVA_TRACK_FILE_H

#include <stdbool.h>

struct track_file {
    const char *path;
    bool written;    /* a value has been written since start */
    int value;       /* the last value written */
    int write_error; /* errno of the last failed write, for TRACK_FILE_REMOVED */
};

void track_file_init(struct track_file *tf, const char *path);

/* What track_file_set() did, as flags: a new value and a restored file can come
 * together (a deletion that faulted keepalived also moved the VIP, and the check
 * that finds the file gone may see the local Redis unhealthy for that). */
enum {
    TRACK_FILE_WRITTEN = 1 << 0,  /* a new value (or the first) */
    TRACK_FILE_RESTORED = 1 << 1, /* the file had lost the value last given to it */
    TRACK_FILE_REMOVED = 1 << 2,  /* 0 not writable: the file removed instead */
};

/* Write `value` atomically (temp file in the same directory, then rename) unless the
 * file already holds it; the first call always writes. The file is read back each
 * time (a few bytes on a tmpfs), so one that was deleted or overwritten is restored
 * at the next check. Returns the TRACK_FILE_* flags of what it did (TRACK_FILE_REMOVED
 * when 0 could not be written, write_error says why, and the file was removed
 * instead, which keepalived reads as 0); 0 when unchanged, or a negative errno. */
int track_file_set(struct track_file *tf, int value);

#endif
