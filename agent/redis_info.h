/* Parse the text of Redis `INFO` (any sections) into the fields the agent decides on.
 * Pure: no I/O, unit-tested with captured replies. */
#ifndef RVA_REDIS_INFO_H
#define RVA_REDIS_INFO_H

#include <stdbool.h>

enum redis_role { REDIS_ROLE_UNKNOWN, REDIS_ROLE_MASTER, REDIS_ROLE_REPLICA };

#define REDIS_INFO_MAX_REPLICAS 8
#define REDIS_REPLID_LEN        40

struct redis_replica_info {
    char ip[64];
    int port;
    char state[16]; /* online, wait_bgsave, send_bulk, ... */
    long long offset;
};

struct redis_info {
    /* server */
    int version_major, version_minor, version_patch;
    long long process_id; /* -1 when absent */
    char executable[256]; /* the path Redis was started as; "" when absent */
    /* persistence */
    bool loading;
    bool bgsave_in_progress;
    bool last_bgsave_ok;
    long long last_save_time;
    /* replication */
    enum redis_role role;
    char master_host[128];
    int master_port;
    bool master_link_up;
    bool master_sync_in_progress;
    long long slave_repl_offset;
    long long master_repl_offset;
    char replid[REDIS_REPLID_LEN + 1];
    char replid2[REDIS_REPLID_LEN + 1];
    long long second_repl_offset;
    int connected_replicas;
    int n_replicas; /* entries parsed into replicas[] */
    struct redis_replica_info replicas[REDIS_INFO_MAX_REPLICAS];
    /* keyspace: keys summed over every database */
    long long keys;
};

/* Parse INFO text. Fields absent from the text keep neutral values (role unknown,
 * offsets -1). Returns 0, or -EBADMSG when the text has no `key:value` line at all
 * (a garbage reply). */
int redis_info_parse(const char *text, struct redis_info *out);

const char *redis_role_to_string(enum redis_role role);

/* The offset up to which this node holds the replication stream: a replica's
 * processed offset, or a master's own offset. */
long long redis_info_data_offset(const struct redis_info *info);

/* True when the Redis version is at least major.minor. */
bool redis_info_version_at_least(const struct redis_info *info, int major, int minor);

#endif
