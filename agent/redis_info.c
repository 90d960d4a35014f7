/* INFO parsing. Redis writes `key:value\r\n` lines and `# Section` headers; the
 * replica lines of a master are `slaveN:ip=...,port=...,state=...,offset=...`. */
#include "redis_info.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "number.h"

const char *redis_role_to_string(enum redis_role role) {
    switch (role) {
    case REDIS_ROLE_MASTER: return "master";
    case REDIS_ROLE_REPLICA: return "replica";
    default: return "unknown";
    }
}

long long redis_info_data_offset(const struct redis_info *info) {
    return info->role == REDIS_ROLE_REPLICA ? info->slave_repl_offset : info->master_repl_offset;
}

bool redis_info_version_at_least(const struct redis_info *info, int major, int minor) {
    return info->version_major > major ||
           (info->version_major == major && info->version_minor >= minor);
}

static void copy_value(char *dst, size_t size, const char *value) {
    snprintf(dst, size, "%s", value);
}

/* Look up `name=` in a comma-separated list such as "ip=1.2.3.4,port=6379,state=online". */
static const char *field_in_list(const char *list, const char *name, char *buf, size_t size) {
    size_t len = strlen(name);
    for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
        if (strncmp(p, name, len) == 0 && p[len] == '=') {
            const char *v = p + len + 1;
            snprintf(buf, size, "%.*s", (int)strcspn(v, ","), v);
            return buf;
        }
    }
    return NULL;
}

static void parse_replica_line(struct redis_info *out, const char *value) {
    if (out->n_replicas >= REDIS_INFO_MAX_REPLICAS)
        return;
    struct redis_replica_info *r = &out->replicas[out->n_replicas];
    char buf[64];
    if (!field_in_list(value, "ip", r->ip, sizeof(r->ip)))
        return;
    r->port = field_in_list(value, "port", buf, sizeof(buf)) ? int_prefix(buf, 0) : 0;
    if (!field_in_list(value, "state", r->state, sizeof(r->state)))
        r->state[0] = '\0';
    r->offset = field_in_list(value, "offset", buf, sizeof(buf))
                    ? number_prefix(buf, 0, LLONG_MAX, -1)
                    : -1;
    out->n_replicas++;
}

static void parse_keyspace_line(struct redis_info *out, const char *value) {
    char buf[32];
    if (!field_in_list(value, "keys", buf, sizeof(buf)))
        return;
    /* Summed over the databases, saturating: a peer's reply must not overflow it. */
    long long keys = number_prefix(buf, 0, LLONG_MAX, 0);
    out->keys = keys > LLONG_MAX - out->keys ? LLONG_MAX : out->keys + keys;
}

/* "7.2.4": each part as far as it reads. */
static void parse_version(struct redis_info *out, const char *value) {
    int *parts[] = { &out->version_major, &out->version_minor, &out->version_patch };
    const char *p = value;
    for (int i = 0; i < 3 && p; i++) {
        *parts[i] = (int)number_prefix(p, 0, INT_MAX, 0);
        p = strchr(p, '.');
        if (p)
            p++;
    }
}

static void parse_field(struct redis_info *out, const char *key, const char *value) {
    if (strcmp(key, "role") == 0)
        out->role = strcmp(value, "master") == 0  ? REDIS_ROLE_MASTER
                    : strcmp(value, "slave") == 0 ? REDIS_ROLE_REPLICA
                                                  : REDIS_ROLE_UNKNOWN;
    /* Valkey keeps redis_version as the Redis version it is compatible with (7.2.4
     * in Valkey 8) and has its own in valkey_version: the feature gates want this one. */
    else if (strcmp(key, "redis_version") == 0)
        parse_version(out, value);
    else if (strcmp(key, "process_id") == 0)
        out->process_id = number_prefix(value, 1, LLONG_MAX, -1);
    else if (strcmp(key, "executable") == 0)
        copy_value(out->executable, sizeof(out->executable), value);
    else if (strcmp(key, "loading") == 0)
        out->loading = int_prefix(value, 0) != 0;
    else if (strcmp(key, "rdb_bgsave_in_progress") == 0)
        out->bgsave_in_progress = int_prefix(value, 0) != 0;
    else if (strcmp(key, "rdb_last_bgsave_status") == 0)
        out->last_bgsave_ok = strcmp(value, "ok") == 0;
    else if (strcmp(key, "rdb_last_save_time") == 0)
        out->last_save_time = number_prefix(value, LLONG_MIN, LLONG_MAX, 0);
    else if (strcmp(key, "master_host") == 0)
        copy_value(out->master_host, sizeof(out->master_host), value);
    else if (strcmp(key, "master_port") == 0)
        out->master_port = int_prefix(value, 0);
    else if (strcmp(key, "master_link_status") == 0)
        out->master_link_up = strcmp(value, "up") == 0;
    else if (strcmp(key, "master_sync_in_progress") == 0)
        out->master_sync_in_progress = int_prefix(value, 0) != 0;
    else if (strcmp(key, "slave_repl_offset") == 0)
        out->slave_repl_offset = number_prefix(value, 0, LLONG_MAX, -1);
    else if (strcmp(key, "master_repl_offset") == 0)
        out->master_repl_offset = number_prefix(value, 0, LLONG_MAX, -1);
    else if (strcmp(key, "master_replid") == 0)
        copy_value(out->replid, sizeof(out->replid), value);
    else if (strcmp(key, "master_replid2") == 0)
        copy_value(out->replid2, sizeof(out->replid2), value);
    else if (strcmp(key, "second_repl_offset") == 0)
        out->second_repl_offset = number_prefix(value, LLONG_MIN, LLONG_MAX, -1);
    else if (strcmp(key, "connected_slaves") == 0)
        out->connected_replicas = int_prefix(value, 0);
    else if (strncmp(key, "slave", 5) == 0 && key[5] >= '0' && key[5] <= '9')
        parse_replica_line(out, value);
    else if (strncmp(key, "db", 2) == 0 && key[2] >= '0' && key[2] <= '9')
        parse_keyspace_line(out, value);
}

int redis_info_parse(const char *text, struct redis_info *out) {
    memset(out, 0, sizeof(*out));
    out->slave_repl_offset = -1;
    out->master_repl_offset = -1;
    out->second_repl_offset = -1;
    out->process_id = -1;
    out->last_bgsave_ok = true;

    int fields = 0;
    const char *p = text;
    while (p && *p) {
        size_t len = strcspn(p, "\r\n");
        char line[512];
        if (len < sizeof(line) && len > 0 && *p != '#') {
            memcpy(line, p, len);
            line[len] = '\0';
            char *colon = strchr(line, ':');
            if (colon && colon != line) {
                *colon = '\0';
                parse_field(out, line, colon + 1);
                fields++;
            }
        }
        p += len;
        p += strspn(p, "\r\n");
    }
    return fields ? 0 : -EBADMSG;
}
