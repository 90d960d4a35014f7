/* The control socket's protocol, pure: one request line per connection, read with a
 * deadline, then parsed into what the daemon is asked to do. The daemon only acts on
 * a request this parser accepted; everything else gets "error: ..." naming the word. */
#ifndef RVA_CONTROL_REQUEST_H
#define RVA_CONTROL_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "notification.h"

#define CONTROL_REQUEST_MAX 1024 /* bytes in a request line, newline included */
#define CONTROL_WORD_MAX    128

enum control_verb {
    CONTROL_STATUS,            /* status [--json] */
    CONTROL_NOTIFY,            /* notify <keepalived's notify arguments> */
    CONTROL_SWITCHOVER,        /* switchover [--here|--to PEER] [--timeout MS] [--dry-run] */
    CONTROL_SWITCHOVER_STATUS, /* switchover-status ID */
    CONTROL_MAINTENANCE,       /* maintenance on|off */
};

struct control_request {
    enum control_verb verb;
    bool json;                 /* status --json */
    struct notification note;  /* notify */
    bool here, dry_run;        /* switchover */
    char to[CONTROL_WORD_MAX]; /* switchover --to; empty when not given */
    int timeout_ms;            /* switchover --timeout; 0 when not given */
    char id[CONTROL_WORD_MAX]; /* switchover-status; empty when not given */
    bool maintenance_on;       /* maintenance */
};

#define CONTROL_SWITCHOVER_TIMEOUT_MIN_MS 100
#define CONTROL_SWITCHOVER_TIMEOUT_MAX_MS 600000

/* Read one request line from fd: up to the first newline, end of file, or
 * CONTROL_REQUEST_MAX - 1 bytes. The line ends at its first CR, LF or NUL. Returns
 * the bytes read; 0 when the client sent nothing before closing or timing out;
 * -EMSGSIZE when the buffer filled without a newline (the rest is left unread). */
ssize_t control_read_line(int fd, char *buf, size_t size);

/* Parse a request line. Returns 0, or -EINVAL with "unknown request '...'" or the
 * argument at fault written into err (no "error: " prefix). */
int control_request_parse(const char *line, struct control_request *out, char *err,
                          size_t err_size);

#endif
