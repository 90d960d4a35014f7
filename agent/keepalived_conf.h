/* What config-test needs from keepalived's own config: the configured VRRP
 * instance's priority, advert_int, VRRP version, and whether it tracks a file and
 * uses the notify FIFO; and, from those, how fast the VIP moves. Pure. */
#ifndef RVA_KEEPALIVED_CONF_H
#define RVA_KEEPALIVED_CONF_H

#include <stdbool.h>
#include <stddef.h>

#define KEEPALIVED_PATH_MAX 512

struct keepalived_instance {
    char name[128];
    int line;                       /* of its vrrp_instance keyword */
    char conf[KEEPALIVED_PATH_MAX]; /* the file of that line (see track_conf) */
    int global_line;                /* of global_defs, 0 when there is none */
    char global_conf[KEEPALIVED_PATH_MAX];
    int priority;        /* keepalived's default 100 */
    double advert_int;   /* seconds, default 1 */
    int vrrp_version;    /* the instance's `version`, else global_defs vrrp_version, else 2 */
    bool notify_scripts; /* notify, notify_master, ... in the instance */
    bool fifo_states_on_reload; /* global_defs fifo_write_vrrp_states_on_reload */
    bool nopreempt;
    double preempt_delay; /* seconds, 0 when unset */
    double startup_delay; /* global_defs vrrp_startup_delay, seconds */
    /* The first file the instance tracks ("" when none): its name and weight in the instance's
     * track_file block, and the path of the top-level track_file block of that name
     * (empty when there is none: keepalived then ignores the entry). */
    char track_name[128];
    int track_weight;
    bool track_reverse;
    int track_line;
    char track_path[KEEPALIVED_PATH_MAX];
    char fifo_path[KEEPALIVED_PATH_MAX]; /* global_defs notify_fifo (or vrrp_notify_fifo); ""
                                          * when keepalived writes no FIFO */
    int fifo_line;
    /* The files those lines are in (see keepalived_include.h); empty: the text had
     * no markers, so the file config-test was given. */
    char track_conf[KEEPALIVED_PATH_MAX], fifo_conf[KEEPALIVED_PATH_MAX];
    bool old_track_keyword; /* vrrp_track_file: keepalived before 2.1 */
    bool tracks_script;     /* track_script in the instance */
    char script_user[64];   /* global_defs script_user; empty when unset */
    bool script_security;   /* global_defs enable_script_security */
};

/* Find `instance` (the first vrrp_instance when empty) in keepalived.conf text,
 * which may hold the file markers of keepalived_conf_load().
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

/* Write the report (timings, then one "warning: FILE:LINE: ... (fix)" line per slow or
 * missing piece) into out; conf_path names the file when the text had no marks.
 * Returns the number of warnings. */
int keepalived_conf_report(const struct keepalived_instance *ki, const char *conf_path, char *out,
                           size_t size);

/* What the agent writes and reads, against what keepalived reads and writes: the
 * track file's path and weight, the FIFO's path. One "warning: FILE:LINE: ... (fix)"
 * line each into out; returns how many. */
int keepalived_conf_cross_check(const struct keepalived_instance *ki, const char *conf_path,
                                const char *agent_track_file, int agent_healthy_value,
                                const char *agent_fifo, char *out, size_t size);

#endif
