/* keepalived's track file (`track_file NAME { file PATH }`, weight 0): the agent
 * writes 0 when the local Redis is healthy and fail_value when it is not. */
#ifndef RVA_TRACK_FILE_H
#define RVA_TRACK_FILE_H

#include <stdbool.h>

struct track_file {
    const char *path;
    bool written;    /* a value has been written since start */
    int value;       /* the last value written */
};

void track_file_init(struct track_file *tf, const char *path);

/* Write `value` atomically (temp file in the same directory, then rename) unless it
 * is already the file's value; the first call always writes. Returns 1 when written,
 * 0 when unchanged, or a negative errno. */
int track_file_set(struct track_file *tf, int value);

#endif
