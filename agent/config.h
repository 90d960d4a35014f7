/* The agent's configuration: an INI file read with inih, defaults for every key but
 * [peer] host, and validation that names file, line, section, key and reason. */
#ifndef RVA_CONFIG_H
#define RVA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "log.h"

#define CONFIG_DEFAULT_PATH "/etc/redis-vrrp-agent/agent.conf"
#define CONFIG_PATH_MAX     256
#define CONFIG_NAME_MAX     128
#define CONFIG_PASSWORD_MAX 512
/* The group of the service account the packages create (packaging/sysusers). */
#define CONFIG_SERVICE_GROUP "redis-vrrp-agent"

/* Where a Redis server is and how to log in to it. */
struct redis_endpoint {
    char host[CONFIG_NAME_MAX];
    int port;
    char unix_socket[CONFIG_PATH_MAX];
    char user[CONFIG_NAME_MAX];
    char password_file[CONFIG_PATH_MAX];
    char password[CONFIG_PASSWORD_MAX]; /* read from password_file; never printed */
    int connect_timeout_ms;
    int command_timeout_ms;
};

enum on_catchup_timeout { CATCHUP_TIMEOUT_PROMOTE, CATCHUP_TIMEOUT_STAY };
/* After a failover, who serves once the old master is back: auto, the preferred node
 * takes the VIP back (keepalived's preemption); manual, the new master stays preferred
 * until an operator runs `switchover`. */
enum failback { FAILBACK_AUTO, FAILBACK_MANUAL };

struct config {
    char path[CONFIG_PATH_MAX];

    struct {
        char run_dir[CONFIG_PATH_MAX];
        char state_dir[CONFIG_PATH_MAX]; /* persistent: this node's id */
    } agent;

    struct redis_endpoint redis;
    struct redis_endpoint peer;

    struct {
        int interval_ms;
        int rise;
        int fall;
        char track_file[CONFIG_PATH_MAX];
        int healthy_value; /* 0, or non-zero for keepalived's weight 0 reverse */
        int fail_value;
        int peer_interval_ms;
        int peer_silent_ms;
        int empty_start_wait_ms;
        int replica_stall_ms; /* a replica this far behind a sample of its master: stale */
    } check;

    struct {
        char instance[CONFIG_NAME_MAX];
        char notify_fifo[CONFIG_PATH_MAX];
        char vip[CONFIG_NAME_MAX];
        char config[CONFIG_PATH_MAX];
        int reconcile_grace_ms;
        char preference_file[CONFIG_PATH_MAX]; /* second track file; empty: no switchover */
        enum failback failback;
    } keepalived;

    struct {
        int catchup_timeout_ms;
        int backup_wait_timeout_ms;
        enum on_catchup_timeout on_catchup_timeout;
        int master_delay_ms;
        int backup_delay_ms;
        char snapshot_dir[CONFIG_PATH_MAX];
        bool fence_on_fault;
        int poll_interval_ms;
        int switchover_timeout_ms;
    } transition;

    /* A third party asked before taking the VIP from a silent peer (witness_client.h). */
    struct {
        char address[CONFIG_NAME_MAX]; /* numeric; empty: no witness, two nodes decide */
        int port;
        int timeout_ms; /* for its answer; longer than its own --probe-timeout-ms */
    } witness;

    /* For pairs without a witness: writes need an in-sync replica (write_guard.h). */
    struct {
        bool enabled;
        int max_lag_s; /* min-replicas-max-lag */
    } write_guard;

    struct {
        enum log_target target;
        enum log_level level;
        char state_log[CONFIG_PATH_MAX];
    } log;

    struct {
        char textfile[CONFIG_PATH_MAX];
    } metrics;
};

/* Fill *cfg with every default. */
void config_set_defaults(struct config *cfg);

/* Read and validate `path` into *cfg (defaults first), then read the password files.
 * On failure returns a negative errno and writes one line naming the file, line,
 * section, key and reason into err. */
int config_load(struct config *cfg, const char *path, char *err, size_t err_size);

/* Parse INI text (for tests); `name` is used in messages. Does not read password files. */
int config_parse_string(struct config *cfg, const char *name, const char *text, char *err,
                        size_t err_size);

/* Read the first line of a password file, refusing one that group or others can access.
 * Returns 0 or a negative errno with the reason in err. */
int config_read_password_file(const char *path, char *out, size_t out_size, char *err,
                              size_t err_size);

/* Print the effective configuration as INI, passwords masked. */
void config_print(const struct config *cfg, FILE *out);

#endif
