/* The agent's runtime directory ([agent] run_dir): small state files written
 * atomically, read back whole. */
#ifndef RVA_RUN_DIR_H
#define RVA_RUN_DIR_H

#include <stddef.h>

#include <sys/types.h>

/* Create a directory and its missing parents with `mode`. Returns 0 or -errno. */
int ensure_directory(const char *dir, mode_t mode);

/* Replace `path` with `text` + "\n" atomically (temp file in the same directory,
 * then rename), so a reader never sees half a file. Returns 0 or -errno. */
int run_dir_write_file(const char *path, const char *text);

/* Read a small file's first line (newline stripped). Returns 0 or -errno. */
int run_dir_read_file(const char *path, char *out, size_t size);

#endif
