/* Control requests: framing and parsing (see control_request.h). */
#include "control_request.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONTROL_WORDS_MAX 8

ssize_t control_read_line(int fd, char *buf, size_t size) {
    size_t used = 0;
    while (used < size - 1) {
        ssize_t n = read(fd, buf + used, size - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        used += (size_t)n;
        if (memchr(buf, '\n', used))
            break;
    }
    buf[used] = '\0';
    bool complete = used < size - 1 || memchr(buf, '\n', used);
    buf[strcspn(buf, "\r\n")] = '\0';
    return complete ? (ssize_t)used : -EMSGSIZE;
}

/* Split into words at spaces and tabs (no quoting: requests are words and numbers).
 * More than CONTROL_WORDS_MAX words is an error, not a silent cut. */
static int split_words(char *line, char **words) {
    int n = 0;
    for (char *save = NULL, *w = strtok_r(line, " \t", &save); w;
         w = strtok_r(NULL, " \t", &save)) {
        if (n == CONTROL_WORDS_MAX)
            return -E2BIG;
        words[n++] = w;
    }
    return n;
}

/* Requests are ASCII words: anything else is refused by kind, never echoed back into
 * the reply or the log as it is. Returns what is wrong, or NULL. */
static const char *not_ascii_text(const char *line) {
    for (const unsigned char *c = (const unsigned char *)line; *c; c++) {
        if (*c < 0x20 && *c != '\t')
            return "control bytes";
        if (*c >= 0x7f)
            return "bytes that are not ASCII";
    }
    return NULL;
}

static int copy_word(char *out, size_t size, const char *word, const char *what, char *err,
                     size_t err_size) {
    if (strlen(word) >= size) {
        snprintf(err, err_size, "%s: '%.40s...' is longer than %zu bytes", what, word, size - 1);
        return -EINVAL;
    }
    snprintf(out, size, "%s", word);
    return 0;
}

static int parse_switchover(int argc, char **argv, struct control_request *out, char *err,
                            size_t err_size) {
    for (int i = 0; i < argc; i++) {
        char *end = NULL;
        long ms;
        if (strcmp(argv[i], "--here") == 0) {
            out->here = true;
        } else if (strcmp(argv[i], "--dry-run") == 0) {
            out->dry_run = true;
        } else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc) {
            if (copy_word(out->to, sizeof(out->to), argv[++i], "switchover --to", err, err_size) <
                0)
                return -EINVAL;
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc &&
                   (errno = 0, ms = strtol(argv[i + 1], &end, 10), errno == 0) &&
                   end != argv[i + 1] && *end == '\0' && ms >= CONTROL_SWITCHOVER_TIMEOUT_MIN_MS &&
                   ms <= CONTROL_SWITCHOVER_TIMEOUT_MAX_MS) {
            out->timeout_ms = (int)ms;
            i++;
        } else {
            snprintf(err, err_size,
                     "switchover: bad argument '%.100s' (usage: switchover "
                     "[--here|--to PEER] [--timeout MS, %d to %d] [--dry-run])",
                     argv[i], CONTROL_SWITCHOVER_TIMEOUT_MIN_MS, CONTROL_SWITCHOVER_TIMEOUT_MAX_MS);
            return -EINVAL;
        }
    }
    if (out->here && out->to[0]) {
        snprintf(err, err_size, "switchover: --here and --to exclude each other");
        return -EINVAL;
    }
    return 0;
}

int control_request_parse(const char *line, struct control_request *out, char *err,
                          size_t err_size) {
    char copy[CONTROL_REQUEST_MAX], *words[CONTROL_WORDS_MAX];
    memset(out, 0, sizeof(*out));
    if (strlen(line) >= sizeof(copy)) {
        snprintf(err, err_size, "request longer than %zu bytes", sizeof(copy) - 1);
        return -EINVAL;
    }
    const char *bad = not_ascii_text(line);
    if (bad) {
        snprintf(err, err_size, "request with %s, not a request", bad);
        return -EINVAL;
    }
    snprintf(copy, sizeof(copy), "%s", line);
    int n = split_words(copy, words);
    if (n == -E2BIG) {
        snprintf(err, err_size, "request '%.200s' has more than %d words", line, CONTROL_WORDS_MAX);
        return -EINVAL;
    }
    const char *verb = n >= 1 ? words[0] : "";
    if (strcmp(verb, "status") == 0 && (n == 1 || (n == 2 && strcmp(words[1], "--json") == 0))) {
        out->verb = CONTROL_STATUS;
        out->json = n == 2;
        return 0;
    }
    if (strcmp(verb, "notify") == 0) {
        out->verb = CONTROL_NOTIFY;
        return notification_parse_args(n - 1, words + 1, &out->note, err, err_size);
    }
    if (strcmp(verb, "switchover") == 0) {
        out->verb = CONTROL_SWITCHOVER;
        return parse_switchover(n - 1, words + 1, out, err, err_size);
    }
    if (strcmp(verb, "switchover-status") == 0 && n <= 2) {
        out->verb = CONTROL_SWITCHOVER_STATUS;
        return n == 2 ? copy_word(out->id, sizeof(out->id), words[1], "switchover-status", err,
                                  err_size)
                      : 0;
    }
    if (strcmp(verb, "maintenance") == 0 && n == 2 &&
        (strcmp(words[1], "on") == 0 || strcmp(words[1], "off") == 0)) {
        out->verb = CONTROL_MAINTENANCE;
        out->maintenance_on = strcmp(words[1], "on") == 0;
        return 0;
    }
    snprintf(err, err_size, "unknown request '%.200s'", line);
    return -EINVAL;
}
