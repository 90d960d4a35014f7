/* Track file writes. keepalived re-reads the file on inotify events; a rename makes
 * the new value appear whole, never as an empty or half-written file. */
#include "track_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "run_dir.h"

void track_file_init(struct track_file *tf, const char *path) {
    tf->path = path;
    tf->written = false;
    tf->value = 0;
    tf->write_error = 0;
}

/* Does keepalived read `value` from the file? It reads a missing file as 0. One
 * that cannot be opened for another reason (no fds left, say) is taken to hold it:
 * rewriting would fail the same way, at every check. */
static bool holds(const struct track_file *tf, int value) {
    int fd = open(tf->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno != ENOENT || value == 0;
    char text[32];
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n <= 0)
        return false;
    text[n] = '\0';
    char *end;
    long v = strtol(text, &end, 10);
    return end != text && v == value;
}

int track_file_set(struct track_file *tf, int value) {
    bool lost = tf->written && !holds(tf, tf->value);
    bool changed = !tf->written || tf->value != value;
    if (!lost && !changed)
        return 0;
    char text[16];
    snprintf(text, sizeof(text), "%d", value);
    int r = run_dir_write_file(tf->path, text);
    if (r < 0) {
        /* Not written (a full disk, say): keepalived would go on reading the old value.
         * Without the file it reads 0, so when 0 is the value wanted, removing the
         * file gives keepalived that value. */
        tf->write_error = -r;
        if (value == 0 && (unlink(tf->path) == 0 || errno == ENOENT)) {
            /* Done, as far as keepalived can tell: the next check finds "0" (no file). */
            tf->written = true;
            tf->value = 0;
            return TRACK_FILE_REMOVED;
        }
        return r;
    }
    tf->written = true;
    tf->value = value;
    return (changed ? TRACK_FILE_WRITTEN : 0) | (lost ? TRACK_FILE_RESTORED : 0);
}
