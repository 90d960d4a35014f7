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
}

/* Does the file hold `value`? A missing or unreadable file does not. */
static bool holds(const struct track_file *tf, int value) {
    int fd = open(tf->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
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
    bool same = tf->written && tf->value == value;
    if (same && holds(tf, value))
        return 0;
    char text[16];
    snprintf(text, sizeof(text), "%d", value);
    int r = run_dir_write_file(tf->path, text);
    if (r < 0) {
        /* Not written (a full disk, say): keepalived would go on reading the old value.
         * Without the file it reads 0, which fails closed when 0 is the fail value
         * (weight 0 reverse); otherwise the old file is the lesser harm. */
        if (value == 0 && unlink(tf->path) == 0)
            tf->written = false;
        return r;
    }
    tf->written = true;
    tf->value = value;
    return same ? TRACK_FILE_RESTORED : TRACK_FILE_WRITTEN;
}
