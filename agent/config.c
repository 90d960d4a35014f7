/* Configuration: a table of known keys drives parsing, defaults, range checks and
 * printing, so adding a key is one line. Errors name file:line, [section] key, the
 * value and the reason, and are found before anything touches Redis. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <ini.h>

#include "witness_protocol.h"

enum key_type { KEY_STRING, KEY_INT, KEY_BOOL, KEY_ENUM };

struct key_spec {
    const char *section;
    const char *name;
    enum key_type type;
    size_t offset;
    size_t size;                /* KEY_STRING: buffer size */
    long min, max;              /* KEY_INT: inclusive range */
    const char *const *choices; /* KEY_ENUM: NULL-terminated names, stored as an int index */
};

static const char *const on_catchup_timeout_names[] = { "promote", "stay", NULL };
static const char *const failback_names[] = { "auto", "manual", NULL };

#define FIELD(sec, key, t, field) \
    .section = (sec), .name = (key), .type = (t), .offset = offsetof(struct config, field)
#define STR(sec, key, field) \
    { FIELD(sec, key, KEY_STRING, field), .size = sizeof(((struct config *)0)->field) }
#define INT(sec, key, field, lo, hi) \
    { FIELD(sec, key, KEY_INT, field), .min = (lo), .max = (hi) }
#define BOOL(sec, key, field) \
    { FIELD(sec, key, KEY_BOOL, field) }
#define ENUM(sec, key, field, names) \
    { FIELD(sec, key, KEY_ENUM, field), .choices = (names) }

/* Timeouts of the peer default to -1, meaning "same as [redis]" (resolved after parsing). */
static const struct key_spec keys[] = {
    STR("agent", "run_dir", agent.run_dir),
    STR("agent", "state_dir", agent.state_dir),

    STR("redis", "host", redis.host),
    INT("redis", "port", redis.port, 1, 65535),
    STR("redis", "unix_socket", redis.unix_socket),
    STR("redis", "user", redis.user),
    STR("redis", "password_file", redis.password_file),
    INT("redis", "connect_timeout_ms", redis.connect_timeout_ms, 1, 60000),
    INT("redis", "command_timeout_ms", redis.command_timeout_ms, 1, 60000),

    STR("peer", "host", peer.host),
    INT("peer", "port", peer.port, 1, 65535),
    STR("peer", "user", peer.user),
    STR("peer", "password_file", peer.password_file),
    INT("peer", "connect_timeout_ms", peer.connect_timeout_ms, 1, 60000),
    INT("peer", "command_timeout_ms", peer.command_timeout_ms, 1, 60000),

    INT("check", "interval_ms", check.interval_ms, 10, 60000),
    INT("check", "rise", check.rise, 1, 100),
    INT("check", "fall", check.fall, 1, 100),
    STR("check", "track_file", check.track_file),
    INT("check", "healthy_value", check.healthy_value, -254, 254),
    INT("check", "fail_value", check.fail_value, -254, 254),
    INT("check", "peer_interval_ms", check.peer_interval_ms, 10, 60000),
    INT("check", "peer_silent_ms", check.peer_silent_ms, 1, 60000),
    INT("check", "empty_start_wait_ms", check.empty_start_wait_ms, 0, 600000),
    INT("check", "replica_stall_ms", check.replica_stall_ms, 100, 60000),

    STR("keepalived", "instance", keepalived.instance),
    STR("keepalived", "notify_fifo", keepalived.notify_fifo),
    STR("keepalived", "vip", keepalived.vip),
    STR("keepalived", "config", keepalived.config),
    INT("keepalived", "reconcile_grace_ms", keepalived.reconcile_grace_ms, 0, 600000),
    STR("keepalived", "preference_file", keepalived.preference_file),
    ENUM("keepalived", "failback", keepalived.failback, failback_names),

    INT("transition", "catchup_timeout_ms", transition.catchup_timeout_ms, 0, 3600000),
    INT("transition", "backup_wait_timeout_ms", transition.backup_wait_timeout_ms, 0, 3600000),
    ENUM("transition", "on_catchup_timeout", transition.on_catchup_timeout,
         on_catchup_timeout_names),
    INT("transition", "master_delay_ms", transition.master_delay_ms, 0, 600000),
    INT("transition", "backup_delay_ms", transition.backup_delay_ms, 0, 600000),
    STR("transition", "snapshot_dir", transition.snapshot_dir),
    BOOL("transition", "fence_on_fault", transition.fence_on_fault),
    INT("transition", "poll_interval_ms", transition.poll_interval_ms, 1, 1000),
    INT("transition", "switchover_timeout_ms", transition.switchover_timeout_ms, 100, 600000),

    STR("witness", "address", witness.address),
    INT("witness", "port", witness.port, 1, 65535),
    INT("witness", "timeout_ms", witness.timeout_ms, 1, 60000),
    BOOL("write_guard", "enabled", write_guard.enabled),
    INT("write_guard", "max_lag_s", write_guard.max_lag_s, 1, 60),

    ENUM("log", "target", log.target, log_target_names),
    ENUM("log", "level", log.level, log_level_names),
    STR("log", "state_log", log.state_log),

    STR("metrics", "textfile", metrics.textfile),
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* Enum fields are stored through an int pointer. */
_Static_assert(sizeof(enum log_target) == sizeof(int) && sizeof(enum log_level) == sizeof(int) &&
                   sizeof(enum on_catchup_timeout) == sizeof(int) &&
                   sizeof(enum failback) == sizeof(int),
               "enum config fields must be int-sized");

void config_set_defaults(struct config *cfg) {
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->path, sizeof(cfg->path), "%s", CONFIG_DEFAULT_PATH);
    snprintf(cfg->agent.run_dir, sizeof(cfg->agent.run_dir), "/run/redis-vrrp-agent");
    snprintf(cfg->agent.state_dir, sizeof(cfg->agent.state_dir), "/var/lib/redis-vrrp-agent");

    snprintf(cfg->redis.host, sizeof(cfg->redis.host), "127.0.0.1");
    cfg->redis.port = 6379;
    cfg->redis.connect_timeout_ms = 200;
    cfg->redis.command_timeout_ms = 500;

    cfg->peer.port = 6379;
    cfg->peer.connect_timeout_ms = -1;
    cfg->peer.command_timeout_ms = -1;

    cfg->check.interval_ms = 200;
    cfg->check.rise = 2;
    cfg->check.fall = 2;
    snprintf(cfg->check.track_file, sizeof(cfg->check.track_file), "/run/redis-vrrp-agent/track");
    cfg->check.fail_value = 1;
    cfg->check.peer_interval_ms = 200;
    cfg->check.peer_silent_ms = 100;
    cfg->check.replica_stall_ms = 1000;
    cfg->check.empty_start_wait_ms = 10000;

    snprintf(cfg->keepalived.config, sizeof(cfg->keepalived.config),
             "/etc/keepalived/keepalived.conf");
    cfg->keepalived.reconcile_grace_ms = 3000;

    cfg->transition.catchup_timeout_ms = 10000;
    cfg->transition.backup_wait_timeout_ms = 3000;
    cfg->transition.on_catchup_timeout = CATCHUP_TIMEOUT_PROMOTE;
    snprintf(cfg->transition.snapshot_dir, sizeof(cfg->transition.snapshot_dir),
             "/var/lib/redis-vrrp-agent/snapshots");
    cfg->transition.poll_interval_ms = 5;
    cfg->transition.switchover_timeout_ms = 10000;

    cfg->witness.port = WITNESS_DEFAULT_PORT;
    cfg->witness.timeout_ms = 500;
    cfg->write_guard.max_lag_s = 1;

    cfg->log.target = LOG_TARGET_AUTO;
    cfg->log.level = LOG_LEVEL_INFO;
}

/* Parser state: inih gives no line numbers to the handler, so our reader counts the
 * lines it hands over; the handler runs right after its line is read. */
struct parse_state {
    struct config *cfg;
    const char *name;
    const char *text; /* remaining input */
    int line;
    int error_line;
    int long_line;        /* first line that did not fit inih's buffer, 0 if none */
    int key_line[N_KEYS]; /* where each key was set, 0 if not yet: a second time is an error */
    char *err;
    size_t err_size;
};

static bool section_known(const char *section) {
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].section, section) == 0)
            return true;
    return false;
}

static int parse_long(const char *s, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0')
        return -EINVAL;
    if (errno == ERANGE)
        return -ERANGE;
    *out = v;
    return 0;
}

static int parse_bool(const char *s, bool *out) {
    static const char *const yes[] = { "yes", "true", "on", "1" };
    static const char *const no[] = { "no", "false", "off", "0" };
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return *out = true, 0;
        if (strcasecmp(s, no[i]) == 0)
            return *out = false, 0;
    }
    return -EINVAL;
}

/* Store one value; on error write the reason (without location) into why. */
static int key_store(struct config *cfg, const struct key_spec *k, const char *value, char *why,
                     size_t why_size) {
    char *field = (char *)cfg + k->offset;
    switch (k->type) {
    case KEY_STRING:
        if (strlen(value) >= k->size) {
            snprintf(why, why_size, "value too long (at most %zu characters)", k->size - 1);
            return -ENAMETOOLONG;
        }
        memcpy(field, value, strlen(value) + 1);
        return 0;
    case KEY_INT: {
        long v;
        int r = parse_long(value, &v);
        if (r == -EINVAL) {
            snprintf(why, why_size, "not a whole number");
            return -EINVAL;
        }
        if (r == -ERANGE || v < k->min || v > k->max) {
            snprintf(why, why_size, "out of range (%ld to %ld)", k->min, k->max);
            return -ERANGE;
        }
        *(int *)field = (int)v;
        return 0;
    }
    case KEY_BOOL:
        if (parse_bool(value, (bool *)field) < 0) {
            snprintf(why, why_size, "not a boolean (yes/no, true/false, on/off, 1/0)");
            return -EINVAL;
        }
        return 0;
    case KEY_ENUM:
        for (int i = 0; k->choices[i]; i++)
            if (strcmp(value, k->choices[i]) == 0) {
                *(int *)field = i;
                return 0;
            }
        size_t used = (size_t)snprintf(why, why_size, "must be one of");
        for (int i = 0; k->choices[i] && used < why_size; i++)
            used +=
                (size_t)snprintf(why + used, why_size - used, "%s %s", i ? "," : "", k->choices[i]);
        return -EINVAL;
    }
    return -EINVAL;
}

/* The offset of the first byte that is not part of valid UTF-8 (overlong forms,
 * surrogates and code points above U+10FFFF included), or -1. */
static long utf8_invalid_at(const char *text) {
    const unsigned char *s = (const unsigned char *)text;
    for (long i = 0; s[i];) {
        unsigned c = s[i];
        int more = c < 0x80             ? 0
                   : (c & 0xe0) == 0xc0 ? 1
                   : (c & 0xf0) == 0xe0 ? 2
                   : (c & 0xf8) == 0xf0 ? 3
                                        : -1;
        if (more < 0 || (more == 1 && c < 0xc2) || (c == 0xf4 && s[i + 1] > 0x8f) || c > 0xf4 ||
            (c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] > 0x9f) ||
            (c == 0xf0 && s[i + 1] < 0x90))
            return i;
        for (int k = 1; k <= more; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
        i += 1 + more;
    }
    return -1;
}

static int handle_entry(void *user, const char *section, const char *name, const char *value) {
    struct parse_state *st = user;
    char why[160] = "";
    int r = -ENOENT;

    /* Reported without the text itself: the message would carry the same broken bytes. */
    const char *parts[][2] = { { "value", value }, { "key", name }, { "section name", section } };
    for (size_t p = 0; p < sizeof(parts) / sizeof(parts[0]); p++) {
        long at = utf8_invalid_at(parts[p][1]);
        if (at < 0)
            continue;
        if (!st->error_line) {
            st->error_line = st->line;
            snprintf(st->err, st->err_size,
                     "%s:%d: not valid UTF-8: byte 0x%02x at column %ld of the %s", st->name,
                     st->line, (unsigned char)parts[p][1][at], at + 1, parts[p][0]);
        }
        return 0;
    }
    if (!section_known(section))
        snprintf(why, sizeof(why), "unknown section [%s]", section);
    else {
        snprintf(why, sizeof(why), "unknown key");
        for (size_t i = 0; i < N_KEYS; i++)
            if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0) {
                if (st->key_line[i]) {
                    snprintf(why, sizeof(why), "set twice (first at line %d)", st->key_line[i]);
                    r = -EINVAL;
                } else {
                    st->key_line[i] = st->line;
                    r = key_store(st->cfg, &keys[i], value, why, sizeof(why));
                }
                break;
            }
    }
    if (r == 0)
        return 1;
    if (!st->error_line) {
        st->error_line = st->line;
        /* Known keys hold paths and numbers, never secrets; an unknown key may be a
         * password typed in by mistake (password = ..., masterauth = ...). */
        bool secret = r == -ENOENT && (strcasestr(name, "pass") || strcasestr(name, "auth") ||
                                       strcasestr(name, "secret"));
        snprintf(st->err, st->err_size, "%s:%d: [%s] %s = %s: %s%s", st->name, st->line, section,
                 name, secret ? "(value hidden)" : value, why,
                 secret ? " (passwords go in a password_file)" : "");
    }
    return 0;
}

static char *read_line(char *str, int num, void *stream) {
    struct parse_state *st = stream;
    if (!*st->text || num < 2)
        return NULL;
    const char *nl = strchr(st->text, '\n');
    size_t len = nl ? (size_t)(nl - st->text) + 1 : strlen(st->text);
    st->line++;
    const char *first = st->text + strspn(st->text, " \t");
    if (len > (size_t)num - 1 && (*first == ';' || *first == '#')) {
        snprintf(str, (size_t)num, "#\n"); /* a long comment is still just a comment */
    } else if (len > (size_t)num - 1) {
        /* Never hand inih a piece of a line: it would read the rest as another line
         * (or a continuation). An unclosed "[" makes it report this line instead. */
        if (!st->long_line)
            st->long_line = st->line;
        snprintf(str, (size_t)num, "[\n");
    } else {
        memcpy(str, st->text, len);
        str[len] = '\0';
    }
    st->text += len;
    return str;
}

static void inherit_int(int *field, int from) {
    if (*field < 0)
        *field = from;
}

static void inherit_string(char *field, size_t size, const char *from) {
    if (!*field)
        snprintf(field, size, "%s", from);
}

/* Checks that span keys, after every key is read. */
static int config_validate(struct config *cfg, const char *name, char *err, size_t err_size) {
    if (!cfg->peer.host[0]) {
        snprintf(err, err_size,
                 "%s: [peer] host is required (the other node's Redis or Valkey address)", name);
        return -EINVAL;
    }
    /* keepalived's weight 0 reads 0 as healthy, anything else as a fault; weight 0
     * reverse the other way round. So exactly one of the two values is 0. */
    if ((cfg->check.healthy_value == 0) == (cfg->check.fail_value == 0)) {
        snprintf(err, err_size,
                 "%s: [check] healthy_value = %d, fail_value = %d: exactly one of "
                 "them must be 0 (healthy_value 0 and a non-zero fail_value for track_file weight "
                 "0; a non-zero healthy_value and fail_value 0 for weight 0 reverse)",
                 name, cfg->check.healthy_value, cfg->check.fail_value);
        return -EINVAL;
    }
    unsigned char addr[16];
    if (cfg->keepalived.vip[0] && inet_pton(AF_INET, cfg->keepalived.vip, addr) != 1 &&
        inet_pton(AF_INET6, cfg->keepalived.vip, addr) != 1) {
        snprintf(err, err_size, "%s: [keepalived] vip = %s: not an IPv4 or IPv6 address", name,
                 cfg->keepalived.vip);
        return -EINVAL;
    }
    /* failback = manual works by recording the new master as the preferred node. */
    if (cfg->keepalived.failback == FAILBACK_MANUAL &&
        (!cfg->keepalived.preference_file[0] || !cfg->keepalived.vip[0])) {
        snprintf(err, err_size,
                 "%s: [keepalived] failback = manual needs [keepalived] "
                 "preference_file and vip (the preference moves the VIP, not health)",
                 name);
        return -EINVAL;
    }
    if (cfg->keepalived.preference_file[0] &&
        strcmp(cfg->keepalived.preference_file, cfg->check.track_file) == 0) {
        snprintf(err, err_size,
                 "%s: [keepalived] preference_file = %s: the same file as "
                 "[check] track_file; keepalived needs two track files",
                 name, cfg->keepalived.preference_file);
        return -EINVAL;
    }
    /* The witness is asked about the peer by the address it watches (its --node), and
     * must not wait on a resolver any more than the witness does. */
    if (cfg->witness.address[0] && inet_pton(AF_INET, cfg->witness.address, addr) != 1 &&
        inet_pton(AF_INET6, cfg->witness.address, addr) != 1) {
        snprintf(err, err_size, "%s: [witness] address = %s: not a numeric IPv4 or IPv6 address",
                 name, cfg->witness.address);
        return -EINVAL;
    }
    if (cfg->witness.address[0] && inet_pton(AF_INET, cfg->peer.host, addr) != 1 &&
        inet_pton(AF_INET6, cfg->peer.host, addr) != 1) {
        snprintf(err, err_size,
                 "%s: [peer] host = %s: with a [witness], the peer must be given by its numeric "
                 "address, as the witness's --node names it",
                 name, cfg->peer.host);
        return -EINVAL;
    }
    inherit_int(&cfg->peer.connect_timeout_ms, cfg->redis.connect_timeout_ms);
    inherit_int(&cfg->peer.command_timeout_ms, cfg->redis.command_timeout_ms);
    inherit_string(cfg->peer.user, sizeof(cfg->peer.user), cfg->redis.user);
    inherit_string(cfg->peer.password_file, sizeof(cfg->peer.password_file),
                   cfg->redis.password_file);
    return 0;
}

int config_parse_string(struct config *cfg, const char *name, const char *text, char *err,
                        size_t err_size) {
    struct parse_state st = {
        .cfg = cfg, .name = name, .text = text, .err = err, .err_size = err_size
    };
    config_set_defaults(cfg);
    snprintf(cfg->path, sizeof(cfg->path), "%s", name);
    err[0] = '\0';

    int r = ini_parse_stream(read_line, &st, handle_entry, &st);
    if (r > 0 && r == st.long_line) {
        snprintf(err, err_size, "%s:%d: line too long (at most %d characters)", name, r,
                 INI_MAX_LINE - 2);
        return -EINVAL;
    }
    if (r > 0 && (!st.error_line || r < st.error_line)) {
        snprintf(err, err_size, "%s:%d: syntax error: expected [section] or key = value", name, r);
        return -EINVAL;
    }
    if (r != 0)
        return r < 0 ? -ENOMEM : -EINVAL;
    return config_validate(cfg, name, err, err_size);
}

int config_read_password_file(const char *path, char *out, size_t out_size, char *err,
                              size_t err_size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int r = -errno;
        snprintf(err, err_size, "cannot open: %s", strerror(-r));
        return r;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(err, err_size, "not a regular file");
        return -EINVAL;
    }
    /* Like ssh with private keys: a secret others can read is refused, not used. The
     * one exception is the agent's own group (root:redis-vrrp-agent 0640, the way a
     * package ships it): the file then stays root's to change. "Own" is the group this
     * process runs as, or the packaged service account's group: `config-test`, run by
     * root, vets the file for the daemon that systemd runs as that account. */
    if (st.st_mode & 0007) {
        close(fd);
        snprintf(err, err_size, "accessible by others (mode %04o); run: chmod 600 %s",
                 (unsigned)(st.st_mode & 07777), path);
        return -EPERM;
    }
    const struct group *service_group = getgrnam(CONFIG_SERVICE_GROUP);
    bool own_group =
        st.st_gid == getegid() || (service_group && st.st_gid == service_group->gr_gid);
    if ((st.st_mode & 0070) && ((st.st_mode & 0020) || !own_group)) {
        close(fd);
        snprintf(err, err_size,
                 "accessible by group %u, not only the agent's own (gid %u or group %s; "
                 "mode %04o); run: chmod 600 %s, or chgrp %s %s and chmod 640 %s",
                 (unsigned)st.st_gid, (unsigned)getegid(), CONFIG_SERVICE_GROUP,
                 (unsigned)(st.st_mode & 07777), path, CONFIG_SERVICE_GROUP, path, path);
        return -EPERM;
    }
    char buf[CONFIG_PASSWORD_MAX + 2];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    int r = n < 0 ? -errno : 0;
    close(fd);
    if (r < 0) {
        snprintf(err, err_size, "cannot read: %s", strerror(-r));
        return r;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    size_t len = strlen(buf);
    r = 0;
    if (len == 0 || len >= out_size) {
        snprintf(err, err_size,
                 len ? "first line too long (at most %zu characters)" : "first line is empty",
                 out_size - 1);
        r = -EINVAL;
    } else {
        memcpy(out, buf, len + 1);
    }
    explicit_bzero(buf, sizeof(buf)); /* no copy of the secret left on the stack */
    return r;
}

static int endpoint_read_password(struct redis_endpoint *ep, const char *section, const char *name,
                                  char *err, size_t err_size) {
    if (!ep->password_file[0])
        return 0;
    char why[CONFIG_PATH_MAX + 96];
    int r = config_read_password_file(ep->password_file, ep->password, sizeof(ep->password), why,
                                      sizeof(why));
    if (r < 0)
        snprintf(err, err_size, "%s: [%s] password_file = %s: %s", name, section, ep->password_file,
                 why);
    return r;
}

int config_load(struct config *cfg, const char *path, char *err, size_t err_size) {
    FILE *f = fopen(path, "re");
    if (!f) {
        int r = -errno;
        snprintf(err, err_size, "%s: cannot open config: %s", path, strerror(-r));
        return r;
    }
    /* Config files are small; a cap keeps a wrong path (a device, a log) from eating memory. */
    char *text = calloc(1, 1 << 20);
    size_t n = text ? fread(text, 1, (1 << 20) - 1, f) : 0;
    bool too_big = text && !feof(f);
    fclose(f);
    if (!text || too_big) {
        free(text);
        snprintf(err, err_size, "%s: %s", path,
                 text ? "config larger than 1 MiB" : "out of memory");
        return text ? -EFBIG : -ENOMEM;
    }
    text[n] = '\0';
    int r = config_parse_string(cfg, path, text, err, err_size);
    free(text);
    if (r < 0)
        return r;
    r = endpoint_read_password(&cfg->redis, "redis", path, err, err_size);
    if (r < 0)
        return r;
    return endpoint_read_password(&cfg->peer, "peer", path, err, err_size);
}

void config_print(const struct config *cfg, FILE *out) {
    const char *section = "";
    fprintf(out, "# effective configuration of %s\n", cfg->path);
    for (size_t i = 0; i < N_KEYS; i++) {
        const struct key_spec *k = &keys[i];
        const char *field = (const char *)cfg + k->offset;
        if (strcmp(section, k->section) != 0) {
            section = k->section;
            fprintf(out, "%s[%s]\n", i ? "\n" : "", section);
        }
        fprintf(out, "%s = ", k->name);
        switch (k->type) {
        case KEY_STRING: fprintf(out, "%s\n", field); break;
        case KEY_INT: fprintf(out, "%d\n", *(const int *)field); break;
        case KEY_BOOL: fprintf(out, "%s\n", *(const bool *)field ? "yes" : "no"); break;
        case KEY_ENUM: fprintf(out, "%s\n", k->choices[*(const int *)field]); break;
        }
        if (strcmp(k->name, "password_file") == 0) {
            const struct redis_endpoint *ep =
                strcmp(section, "peer") == 0 ? &cfg->peer : &cfg->redis;
            fprintf(out, "# password = %s\n", ep->password[0] ? "******** (set)" : "(none)");
        }
    }
}
