/* Track file writes. keepalived re-reads the file on inotify events; a rename makes
 * the new value appear whole, never as an empty or half-written file. */
#include "track_file.h"

#include <stdio.h>

#include "run_dir.h"

void track_file_init(struct track_file *tf, const char *path) {
    tf->path = path;
    tf->written = false;
    tf->value = 0;
}

int track_file_set(struct track_file *tf, int value) {
    if (tf->written && tf->value == value)
        return 0;
    char text[16];
    snprintf(text, sizeof(text), "%d", value);
    int r = run_dir_write_file(tf->path, text);
    if (r < 0)
        return r;
    tf->written = true;
    tf->value = value;
    return 1;
}
