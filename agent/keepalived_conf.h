/* What config-test needs from keepalived's own config: the configured VRRP
 * instance's priority, advert_int, VRRP version, and whether it tracks a file and
 * uses the notify FIFO; and, from those, how fast the VIP moves. Pure. */
#ifndef RVA_KEEPALIVED_CONF_H
#define RVA_KEEPALIVED_CONF_H

#include <stdbool.h>
#include <stddef.h>

struct keepalived_instance {
    char name[128];
    int priority;          /* keepalived's default 100 */
    double advert_int;     /* seconds, default 1 */
    int vrrp_version;      /* from global_defs, default 2 */
    bool tracks_file;      /* a track_file block in the instance */
    bool notify_scripts;   /* notify, notify_master, ... in the instance */
    bool notify_fifo;      /* global_defs notify_fifo or vrrp_notify_fifo */
    bool fifo_states_on_reload; /* global_defs fifo_write_vrrp_states_on_reload */
    bool nopreempt;
};

/* Find `instance` (the first vrrp_instance when empty) in keepalived.conf text.
 * Returns 0; -ENOENT with the instances found listed in err when it is not there. */
int keepalived_conf_find(const char *text, const char *instance, struct keepalived_instance *out,
                         char *err, size_t err_size);

/* The advertisement interval keepalived really uses: VRRPv2 has whole seconds. */
double keepalived_effective_advert(const struct keepalived_instance *ki);

/* Seconds until this node, as backup, takes the VIP: after the master reports a
 * fault (priority 0 advert) it waits only its skew time, (256 - priority) / 256 *
 * advert_int; after the master goes silent, three adverts plus the skew. */
double keepalived_skew_seconds(const struct keepalived_instance *ki);
double keepalived_silent_master_seconds(const struct keepalived_instance *ki);

/* Write the report (timings, then one "warning:" line per slow or missing piece)
 * into out. Returns the number of warnings. */
int keepalived_conf_report(const struct keepalived_instance *ki, char *out, size_t size);

#endif
