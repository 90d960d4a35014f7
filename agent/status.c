/* Status and metrics formatting. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "run_dir.h"

struct out {
    char *p;
    size_t size, used;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...) {
    if (o->used >= o->size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->p + o->used, o->size - o->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->used += (size_t)n < o->size - o->used ? (size_t)n : o->size - o->used - 1;
}

/* A JSON string literal: quotes, backslashes and control characters escaped. */
static void put_json_string(struct out *o, const char *s) {
    put(o, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            put(o, "\\%c", c);
        else if (c < 0x20)
            put(o, "\\u%04x", c);
        else
            put(o, "%c", c);
    }
    put(o, "\"");
}

static const char *local_role(const struct agent *a) {
    return a->local.info_valid ? redis_role_to_string(a->local.info.role) : "unknown";
}

static const char *peer_role(const struct agent *a) {
    return a->peer.reachable ? redis_role_to_string(a->peer.info.role) : "unknown";
}

void status_format_text(const struct agent *a, char *buf, size_t size) {
    struct out o = { buf, size, 0 };
    char peer[CONFIG_NAME_MAX + 16];
    redis_endpoint_name(&a->cfg.peer, peer, sizeof(peer));
    put(&o, "local:        %s, %s (%s)\n", local_role(a),
        a->local.health.healthy ? "healthy" : "unhealthy", a->local.last.reason);
    if (a->local.info_valid)
        put(&o, "offset:       %lld%s%s\n", redis_info_data_offset(&a->local.info),
            a->local.info.role == REDIS_ROLE_REPLICA ? ", link " : "",
            a->local.info.role == REDIS_ROLE_REPLICA
                ? (a->local.info.master_link_up ? "up" : "down")
                : "");
    put(&o, "track file:   %s = %d\n", a->cfg.check.track_file, a->track.value);
    put(&o, "peer:         %s %s%s%s\n", peer, a->peer.reachable ? peer_role(a) : "unreachable",
        a->peer.reachable ? "" : ": ", a->peer.reachable ? "" : a->peer.error);
    if (a->vip_watched)
        put(&o, "VIP:          %s %s\n", a->cfg.keepalived.vip, a->vip.here ? "here" : "not here");
    put(&o, "VRRP state:   %s\n", a->vrrp_known ? vrrp_state_to_string(a->vrrp_state) : "unknown");
    if (a->witness_open)
        put(&o, "witness:      %s %s%s%s%s\n", a->witness.address,
            witness_verdict_to_string(a->witness.verdict), a->witness.detail[0] ? " (" : "",
            a->witness.detail, a->witness.detail[0] ? ")" : "");
    if (a->cfg.write_guard.enabled || a->guard.applied > 0)
        put(&o, "write guard:  min-replicas-to-write %s (%s)\n",
            a->guard.applied < 0 ? "not set yet"
            : a->guard.applied   ? "1"
                                 : "0",
            a->guard.why);
    put(&o, "maintenance:  %s\n", a->maintenance ? "on" : "off");
    put(&o, "split brain:  %s\n",
        a->split_brain.active      ? "YES: both nodes are masters"
        : a->split_brain_last_seen ? "no (there was one earlier)"
                                   : "no");
    put(&o,
        "event loop:   longest callback %.1f ms, 99%% under %.1f ms, most CPU in one %.1f ms "
        "(%llu callbacks)\n",
        a->loop.max_usec / 1000.0, loop_stats_percentile_usec(&a->loop, 99) / 1000.0,
        a->loop.max_cpu_usec / 1000.0, (unsigned long long)a->loop.callbacks);
    if (a->transition) {
        const struct transition_result *running = transition_result(a->transition);
        put(&o, "transition:   %s running (%s)\n", vrrp_state_to_string(running->target),
            running->id);
    }
    const struct transition_result *last = &a->last.result;
    if (a->last.valid)
        put(&o, "last:         %s %s in %ld ms: %s\n", vrrp_state_to_string(last->target),
            transition_outcome_to_string(last->outcome), (long)(last->duration_usec / 1000u),
            last->outcome == TRANSITION_FAILED ? last->error : last->summary);
}

void status_format_json(const struct agent *a, char *buf, size_t size) {
    struct out o = { buf, size, 0 };
    char peer[CONFIG_NAME_MAX + 16];
    redis_endpoint_name(&a->cfg.peer, peer, sizeof(peer));

    put(&o, "{\"local\":{\"role\":\"%s\",\"healthy\":%s,\"reason\":", local_role(a),
        a->local.health.healthy ? "true" : "false");
    put_json_string(&o, a->local.last.reason);
    if (a->local.info_valid) {
        put(&o, ",\"offset\":%lld", redis_info_data_offset(&a->local.info));
        if (a->local.info.role == REDIS_ROLE_REPLICA)
            put(&o, ",\"link\":\"%s\"", a->local.info.master_link_up ? "up" : "down");
        else
            put(&o, ",\"link\":null");
    } else {
        put(&o, ",\"offset\":null,\"link\":null");
    }
    put(&o, ",\"track_value\":%d}", a->track.value);

    put(&o, ",\"peer\":{\"address\":");
    put_json_string(&o, peer);
    put(&o, ",\"reachable\":%s,\"role\":\"%s\"", a->peer.reachable ? "true" : "false",
        peer_role(a));
    if (a->peer.reachable)
        put(&o, ",\"offset\":%lld", redis_info_data_offset(&a->peer.info));
    put(&o, ",\"error\":");
    put_json_string(&o, a->peer.error);
    put(&o, "}");

    put(&o, ",\"vip\":");
    if (a->vip_watched) {
        put(&o, "{\"address\":");
        put_json_string(&o, a->cfg.keepalived.vip);
        put(&o, ",\"here\":%s}", a->vip.here ? "true" : "false");
    } else {
        put(&o, "null");
    }
    put(&o, ",\"vip_here\":%s", a->vip_watched && a->vip.here ? "true" : "false");
    if (a->vrrp_known)
        put(&o, ",\"vrrp_state\":\"%s\"", vrrp_state_to_string(a->vrrp_state));
    else
        put(&o, ",\"vrrp_state\":null");
    put(&o, ",\"witness\":");
    if (a->witness_open) {
        put(&o, "{\"address\":");
        put_json_string(&o, a->witness.address);
        put(&o, ",\"verdict\":\"%s\",\"holding\":%s,\"detail\":",
            witness_verdict_to_string(a->witness.verdict), a->witness_holding ? "true" : "false");
        put_json_string(&o, a->witness.detail);
        put(&o, "}");
    } else {
        put(&o, "null");
    }
    put(&o, ",\"write_guard\":");
    if (a->cfg.write_guard.enabled || a->guard.applied > 0) {
        /* min_replicas: what is set on the local Redis; null until it is. */
        if (a->guard.applied < 0)
            put(&o, "{\"min_replicas\":null,\"why\":");
        else
            put(&o, "{\"min_replicas\":%d,\"why\":", a->guard.applied);
        put_json_string(&o, a->guard.why);
        put(&o, "}");
    } else {
        put(&o, "null");
    }
    put(&o, ",\"maintenance\":%s,\"split_brain\":%s,\"split_brain_last_seen\":%lld",
        a->maintenance ? "true" : "false", a->split_brain.active ? "true" : "false",
        (long long)a->split_brain_last_seen);

    put(&o,
        ",\"loop\":{\"callbacks\":%llu,\"max_stall_ms\":%.3f,\"p99_stall_ms\":%.3f,"
        "\"max_cpu_ms\":%.3f}",
        (unsigned long long)a->loop.callbacks, a->loop.max_usec / 1000.0,
        loop_stats_percentile_usec(&a->loop, 99) / 1000.0, a->loop.max_cpu_usec / 1000.0);
    put(&o,
        ",\"transition\":{\"running\":%s,\"count\":%lu,\"last\":", a->transition ? "true" : "false",
        a->transitions_started);
    const struct transition_result *last = &a->last.result;
    if (a->last.valid) {
        put(&o, "{\"id\":");
        put_json_string(&o, last->id);
        put(&o,
            ",\"target\":\"%s\",\"outcome\":\"%s\",\"duration_ms\":%ld,\"ended\":%lld,"
            "\"summary\":",
            vrrp_state_to_string(last->target), transition_outcome_to_string(last->outcome),
            (long)(last->duration_usec / 1000u), (long long)a->last.ended);
        put_json_string(&o, last->summary);
        put(&o, ",\"error\":");
        put_json_string(&o, last->error);
        put(&o, "}");
    } else {
        put(&o, "null");
    }
    put(&o, "}}\n");
}

int status_write_metrics(const struct agent *a, const char *path) {
    char buf[4096];
    struct out o = { buf, sizeof(buf), 0 };
    put(&o,
        "# HELP redis_vrrp_agent_healthy Local Redis or Valkey healthy (1) or not (0).\n"
        "# TYPE redis_vrrp_agent_healthy gauge\n"
        "redis_vrrp_agent_healthy %d\n",
        a->local.health.healthy ? 1 : 0);
    put(&o, "# HELP redis_vrrp_agent_role Local Redis or Valkey role (1 for the labelled role).\n"
            "# TYPE redis_vrrp_agent_role gauge\n");
    static const char *const roles[] = { "unknown", "master", "replica" };
    for (int i = 0; i < 3; i++)
        put(&o, "redis_vrrp_agent_role{role=\"%s\"} %d\n", roles[i],
            strcmp(local_role(a), roles[i]) == 0 ? 1 : 0);
    put(&o,
        "# HELP redis_vrrp_agent_vip_held The VIP is on this host.\n"
        "# TYPE redis_vrrp_agent_vip_held gauge\n"
        "redis_vrrp_agent_vip_held %d\n",
        a->vip_watched && a->vip.here ? 1 : 0);
    put(&o,
        "# HELP redis_vrrp_agent_transitions_total Transitions started.\n"
        "# TYPE redis_vrrp_agent_transitions_total counter\n"
        "redis_vrrp_agent_transitions_total %lu\n",
        a->transitions_started);
    put(&o,
        "# HELP redis_vrrp_agent_last_transition_seconds Duration of the last transition.\n"
        "# TYPE redis_vrrp_agent_last_transition_seconds gauge\n"
        "redis_vrrp_agent_last_transition_seconds %.3f\n",
        a->last.valid ? a->last.result.duration_usec / 1e6 : 0.0);
    put(&o,
        "# HELP redis_vrrp_agent_split_brain Both nodes are masters.\n"
        "# TYPE redis_vrrp_agent_split_brain gauge\n"
        "redis_vrrp_agent_split_brain %d\n",
        a->split_brain.active ? 1 : 0);
    put(&o,
        "# HELP redis_vrrp_agent_loop_stall_seconds Longest single event-loop callback "
        "since start, the 99th percentile, and the most CPU time one callback used.\n"
        "# TYPE redis_vrrp_agent_loop_stall_seconds gauge\n"
        "redis_vrrp_agent_loop_stall_seconds{stat=\"max\"} %.6f\n"
        "redis_vrrp_agent_loop_stall_seconds{stat=\"p99\"} %.6f\n"
        "redis_vrrp_agent_loop_stall_seconds{stat=\"max_cpu\"} %.6f\n",
        a->loop.max_usec / 1e6, loop_stats_percentile_usec(&a->loop, 99) / 1e6,
        a->loop.max_cpu_usec / 1e6);
    buf[o.used > 0 && buf[o.used - 1] == '\n' ? o.used - 1 : o.used] = '\0';
    return run_dir_write_file(path, buf);
}
