/* Notification parsing. */
#include "notification.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const state_names[] = { "MASTER", "BACKUP", "FAULT", "STOP" };

const char *vrrp_state_to_string(enum vrrp_state state) { return state_names[state]; }

int vrrp_state_from_string(const char *s, enum vrrp_state *out) {
    for (int i = 0; i < 4; i++)
        if (strcasecmp(s, state_names[i]) == 0) {
            *out = (enum vrrp_state)i;
            return 0;
        }
    return -EINVAL;
}

static int parse_priority(const char *s, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > 255)
        return -EINVAL;
    *out = (int)v;
    return 0;
}

static int parse_scope(const char *s, enum notification_scope *out) {
    if (strcmp(s, "INSTANCE") == 0)
        *out = NOTIFICATION_INSTANCE;
    else if (strcmp(s, "GROUP") == 0)
        *out = NOTIFICATION_GROUP;
    else
        return -EINVAL;
    return 0;
}

/* The shared tail of both long forms: NAME STATE [PRIORITY]. */
static int parse_scoped(const char *scope, const char *name, const char *state,
                        const char *priority, struct notification *out, char *err,
                        size_t err_size) {
    if (parse_scope(scope, &out->scope) < 0) {
        snprintf(err, err_size, "'%s': expected INSTANCE or GROUP", scope);
        return -EINVAL;
    }
    if (!*name || strlen(name) >= sizeof(out->name)) {
        snprintf(err, err_size, "%s name empty or longer than %zu characters",
                 out->scope == NOTIFICATION_GROUP ? "group" : "instance", sizeof(out->name) - 1);
        return -EINVAL;
    }
    snprintf(out->name, sizeof(out->name), "%s", name);
    if (vrrp_state_from_string(state, &out->state) < 0) {
        snprintf(err, err_size, "state '%s': expected MASTER, BACKUP, FAULT or STOP", state);
        return -EINVAL;
    }
    out->priority = -1;
    if (priority && parse_priority(priority, &out->priority) < 0) {
        snprintf(err, err_size, "priority '%s': expected a number from 0 to 255", priority);
        return -EINVAL;
    }
    return 0;
}

int notification_parse_args(int argc, char **argv, struct notification *out, char *err,
                            size_t err_size) {
    memset(out, 0, sizeof(*out));
    if (argc == 1) {
        out->scope = NOTIFICATION_UNSCOPED;
        out->priority = -1;
        if (vrrp_state_from_string(argv[0], &out->state) < 0) {
            snprintf(err, err_size, "'%s': expected master, backup, fault or stop", argv[0]);
            return -EINVAL;
        }
        return 0;
    }
    if (argc == 3 || argc == 4)
        return parse_scoped(argv[0], argv[1], argv[2], argc == 4 ? argv[3] : NULL, out, err,
                            err_size);
    /* One argument was handled above: the count here is never 1. */
    snprintf(err, err_size,
             "expected 'master|backup|fault|stop' or 'INSTANCE|GROUP NAME STATE PRIORITY', "
             "got %d arguments",
             argc);
    return -EINVAL;
}

/* Split a FIFO line into at most 4 words; a word may be double-quoted (names are). */
static int split_words(const char *line, char words[4][128], int *count) {
    *count = 0;
    const char *p = line;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '\n' || *p == '\r')
            break;
        if (*count == 4)
            return -E2BIG;
        bool quoted = *p == '"';
        if (quoted)
            p++;
        size_t len = quoted ? strcspn(p, "\"") : strcspn(p, " \t\r\n");
        if (quoted && p[len] != '"')
            return -EINVAL;
        if (len >= 128)
            return -ENAMETOOLONG;
        memcpy(words[*count], p, len);
        words[*count][len] = '\0';
        (*count)++;
        p += len + (quoted ? 1 : 0);
    }
    return 0;
}

/* True for the first word of a line about a VRRP instance or sync group. */
static bool starts_vrrp_line(const char *line) {
    line += strspn(line, " \t");
    size_t len = strcspn(line, " \t\r\n");
    return (len == 8 && strncmp(line, "INSTANCE", 8) == 0) ||
           (len == 5 && strncmp(line, "GROUP", 5) == 0);
}

int notification_parse_fifo_line(const char *line, struct notification *out, char *err,
                                 size_t err_size) {
    char words[4][128];
    int count;
    memset(out, 0, sizeof(*out));
    if (line[strspn(line, " \t\r\n")] == '\0')
        return -ENOENT; /* a blank line says nothing */
    /* keepalived writes checker lines (VS, RS) and more to the same FIFO, in
     * shapes of their own: only INSTANCE and GROUP lines are ours to judge. */
    if (!starts_vrrp_line(line))
        return -ENOENT;
    int r = split_words(line, words, &count);
    if (r < 0) {
        snprintf(err, err_size, "malformed notify FIFO line '%.200s': %s", line,
                 r == -E2BIG          ? "too many words"
                 : r == -ENAMETOOLONG ? "word too long"
                                      : "unterminated quote");
        return -EINVAL;
    }
    if (count < 3) {
        snprintf(err, err_size,
                 "malformed notify FIFO line '%.200s': expected %s NAME STATE "
                 "PRIORITY",
                 line, words[0]);
        return -EINVAL;
    }
    /* Other VRRP events (MASTER_RX_LOWER_PRI, MASTER_PRIORITY, BACKUP_PRIORITY,
     * DELETED, ...) are well-formed lines about states we do not act on. */
    enum vrrp_state state;
    if (vrrp_state_from_string(words[2], &state) < 0 && words[2][0] >= 'A' && words[2][0] <= 'Z')
        return -ENOENT;
    r = parse_scoped(words[0], words[1], words[2], count == 4 ? words[3] : NULL, out, err,
                     err_size);
    if (r < 0) {
        char why[256];
        snprintf(why, sizeof(why), "%s", err);
        snprintf(err, err_size, "malformed notify FIFO line '%.200s': %s", line, why);
    }
    return r;
}

bool notification_matches(const struct notification *n, const char *instance) {
    return !instance[0] || n->scope == NOTIFICATION_UNSCOPED || strcmp(n->name, instance) == 0;
}

void notification_format(const struct notification *n, char *buf, size_t size) {
    if (n->scope == NOTIFICATION_UNSCOPED)
        snprintf(buf, size, "%s", state_names[n->state]);
    else if (n->priority >= 0)
        snprintf(buf, size, "%s %s %s %d", n->scope == NOTIFICATION_GROUP ? "GROUP" : "INSTANCE",
                 n->name, state_names[n->state], n->priority);
    else
        snprintf(buf, size, "%s %s %s", n->scope == NOTIFICATION_GROUP ? "GROUP" : "INSTANCE",
                 n->name, state_names[n->state]);
}
