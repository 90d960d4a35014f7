/* keepalived's notifications, pure parsing: the generic notify script's arguments
 * (`INSTANCE VI_1 MASTER 100`), the short notify_master/... form (`master`), and the
 * notify FIFO's lines (`INSTANCE "VI_1" MASTER 100`). */
#ifndef RVA_NOTIFICATION_H
#define RVA_NOTIFICATION_H

#include <stdbool.h>
#include <stddef.h>

enum vrrp_state { VRRP_STATE_MASTER, VRRP_STATE_BACKUP, VRRP_STATE_FAULT, VRRP_STATE_STOP };

enum notification_scope { NOTIFICATION_INSTANCE, NOTIFICATION_GROUP, NOTIFICATION_UNSCOPED };

struct notification {
    enum notification_scope scope;
    char name[128]; /* instance or group name; empty when unscoped */
    enum vrrp_state state;
    int priority; /* -1 when not given */
};

/* Parse `notify` command arguments. Returns 0, or -EINVAL with a message that names
 * the offending argument in err. */
int notification_parse_args(int argc, char **argv, struct notification *out, char *err,
                            size_t err_size);

/* Parse one line from keepalived's notify FIFO (no trailing newline needed).
 * Returns 0; -ENOENT for a well-formed line that is not about a VRRP instance or
 * group (keepalived also reports checker events there); -EINVAL for a malformed line. */
int notification_parse_fifo_line(const char *line, struct notification *out, char *err,
                                 size_t err_size);

/* Whether a notification concerns the configured instance: "" accepts all, and the
 * configured name may be an instance's or a sync group's. */
bool notification_matches(const struct notification *n, const char *instance);

const char *vrrp_state_to_string(enum vrrp_state state);
int vrrp_state_from_string(const char *s, enum vrrp_state *out);

/* "INSTANCE VI_1 MASTER 100", for logs and the control socket. */
void notification_format(const struct notification *n, char *buf, size_t size);

#endif
