/* Following keepalived's include directives for config-test. */
#include "keepalived_include.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_INCLUDE_DEPTH 8

struct loader {
    char *out;
    size_t size, used;
    char *err;
    size_t err_size;
};

static int put(struct loader *ld, const char *text, size_t len) {
    if (ld->used + len + 1 > ld->size) {
        snprintf(ld->err, ld->err_size,
                 "keepalived config with its includes is larger than %zu "
                 "bytes",
                 ld->size - 1);
        return -EFBIG;
    }
    memcpy(ld->out + ld->used, text, len);
    ld->used += len;
    ld->out[ld->used] = '\0';
    return 0;
}

static int put_mark(struct loader *ld, const char *path, int line) {
    /* A marker starts a line, even after a last line without its newline. */
    if (ld->used > 0 && ld->out[ld->used - 1] != '\n' && put(ld, "\n", 1) < 0)
        return -EFBIG;
    char mark[4200];
    int n = snprintf(mark, sizeof(mark), "%c%s%c%d\n", KEEPALIVED_MARK, path, KEEPALIVED_MARK_LINE,
                     line);
    return put(ld, mark, (size_t)n);
}

/* "include PATTERN" at the start of a line (after blanks): the pattern, else NULL. */
static const char *include_pattern(const char *line, size_t len, char *pattern, size_t size) {
    size_t i = strspn(line, " \t");
    if (len < i + 8 || strncmp(line + i, "include", 7) != 0 ||
        (line[i + 7] != ' ' && line[i + 7] != '\t'))
        return NULL;
    i += 7 + strspn(line + i + 7, " \t");
    size_t n = strcspn(line + i, " \t\r\n#!");
    if (n == 0 || n >= size)
        return NULL;
    memcpy(pattern, line + i, n);
    pattern[n] = '\0';
    return pattern;
}

static int load(struct loader *ld, const char *path, int depth);

static int load_pattern(struct loader *ld, const char *from, int line, const char *pattern,
                        int depth) {
    char full[4096];
    const char *slash = strrchr(from, '/');
    if (pattern[0] != '/' && slash)
        snprintf(full, sizeof(full), "%.*s/%s", (int)(slash - from), from, pattern);
    else
        snprintf(full, sizeof(full), "%s", pattern);
    glob_t g;
    int r = glob(full, 0, NULL, &g);
    if (r == GLOB_NOMATCH)
        return 0; /* as keepalived: an include that matches nothing is no error */
    if (r != 0) {
        snprintf(ld->err, ld->err_size, "%s:%d: include %s: cannot expand", from, line, pattern);
        return -EINVAL;
    }
    for (size_t i = 0; i < g.gl_pathc && r == 0; i++)
        r = load(ld, g.gl_pathv[i], depth + 1);
    globfree(&g);
    return r;
}

static int load(struct loader *ld, const char *path, int depth) {
    if (depth > MAX_INCLUDE_DEPTH) {
        snprintf(ld->err, ld->err_size, "%s: includes nested more than %d deep (a loop?)", path,
                 MAX_INCLUDE_DEPTH);
        return -ELOOP;
    }
    /* The marks carry the path: a name with a newline or a mark byte would forge one. */
    if (strpbrk(path, "\n\001\002")) {
        snprintf(ld->err, ld->err_size,
                 "included file name with a newline or control byte: "
                 "%.200s",
                 path);
        return -EINVAL;
    }
    /* Only regular files: a FIFO (the notify FIFO itself, matched by a glob) would
     * block, a device never end. O_NONBLOCK so that not even the open blocks. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        snprintf(ld->err, ld->err_size, "%s: %s", path, strerror(e));
        return -e;
    }
    struct stat st;
    FILE *f = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? fdopen(fd, "r") : NULL;
    if (!f) {
        close(fd);
        snprintf(ld->err, ld->err_size, "%s: not a regular file", path);
        return -EINVAL;
    }
    int r = put_mark(ld, path, 1);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    char pattern[4096];
    for (int n = 1; r == 0 && (len = getline(&line, &cap, f)) >= 0; n++) {
        if (include_pattern(line, (size_t)len, pattern, sizeof(pattern))) {
            r = load_pattern(ld, path, n, pattern, depth);
            if (r == 0) /* back in this file, after the include line */
                r = put_mark(ld, path, n + 1);
        } else {
            r = put(ld, line, (size_t)len);
        }
    }
    free(line);
    fclose(f);
    return r;
}

int keepalived_conf_load(const char *path, char *out, size_t size, char *err, size_t err_size) {
    struct loader ld = { out, size, 0, err, err_size };
    out[0] = '\0';
    return load(&ld, path, 0);
}
