/* A planned switchover: move the master to the other node with nothing lost, both
 * nodes staying eligible. The daemon where it is asked runs it, whichever role its
 * node has:
 *   observe  INFO replication on both servers, then switchover_plan() on what they
 *            say now (and the daemon's view of the rest): refused, nothing changes
 *   lock     SET redis-vrrp-agent:switchover NX PX on the master: one at a time
 *   probe    CLIENT PAUSE WRITE on the master, wait until the replica's offset equals
 *            its final offset, CLIENT UNPAUSE: a replica that cannot catch up within
 *            the timeout stops the switchover before anything has changed
 *   record   the new preference, written on the master (both agents mirror it into
 *            their preference files; keepalived hands the VIP over by preemption)
 *   move     the VIP leaves the old master; the notified transitions do the handover
 *            (the new master pauses the old one, catches up, promotes; the old one
 *            replicates from it, a partial resync)
 *   settle   the new master takes writes, the old one streams from it
 * Writes are not held paused while the VIP moves: keepalived acts on a priority
 * change only at the master's next advert (up to advert_int), and a pause held that
 * long would be the outage. Any failure or timeout rolls back: the pause is
 * released, the old master's preference recorded again, the lock dropped. */
#ifndef RVA_SWITCHOVER_H
#define RVA_SWITCHOVER_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "preference.h"
#include "redis_info.h"
#include "redis_link.h"

/* What the daemon knows when a switchover is asked for. */
struct switchover_view {
    bool preference_configured, vip_configured;
    bool busy; /* a transition, a queued notification, a reload or a stop */
    bool maintenance;
    bool split_brain;
    bool local_healthy;
    bool local_known; /* the last check read INFO */
    const struct redis_info *local;
    bool peer_reachable;
    const struct redis_info *peer;
    const char *peer_host; /* [peer] host and port, as REPLICAOF uses them */
    int peer_port;
    bool vip_here;
    bool vrrp_known;
    bool vrrp_master; /* keepalived's last word here was MASTER */
    bool record_read; /* the last check read the preference record */
};

/* Which way: the local node gives the master role away, or takes it. */
enum switchover_direction { SWITCHOVER_AWAY, SWITCHOVER_HERE };

/* The most a replica may be behind (bytes) for a switchover to start. */
#define SWITCHOVER_MAX_LAG_BYTES (1 << 20)

/* Is a switchover safe now, and which way? `here`/`to` are the request's --here and
 * --to (NULL if not given). Returns 0 with *direction, or -EBUSY/-EINVAL with the
 * reason in `why`. Pure. */
int switchover_plan(const struct switchover_view *v, bool here, const char *to,
                    enum switchover_direction *direction, char *why, size_t why_size);

enum switchover_step {
    SWITCHOVER_OBSERVE,
    SWITCHOVER_LOCK,
    SWITCHOVER_PAUSE,
    SWITCHOVER_CATCH_UP,
    SWITCHOVER_RECORD,
    SWITCHOVER_MOVE,
    SWITCHOVER_SETTLE,
    SWITCHOVER_DONE,
};

/* Monotonic microseconds at which each point was reached; 0 if it was not. */
struct switchover_timeline {
    uint64_t started, locked, paused, caught_up, released, recorded, vip_moved, writable,
        replicating, ended;
};

struct switchover_hooks {
    /* The daemon's view, for the plan; the switchover puts in the INFO it has just read. */
    void (*fill_view)(struct switchover_view *v, void *userdata);
    /* Write this level into the preference file now. */
    void (*set_level)(int level, void *userdata);
    /* The VIP is on this host now; *changed_usec: when it last came or went. */
    bool (*vip_here)(uint64_t *changed_usec, void *userdata);
    /* Once, from the loop, when it has ended (ok or not). */
    void (*done)(void *userdata);
    void *userdata;
};

struct switchover;

struct switchover_params {
    bool here, dry_run;
    const char *to; /* --to, or NULL; must live as long as the switchover */
    int timeout_ms;
    const char *node_id;
    struct preference_record record; /* the last one read here: its epoch grows by one */
    int level;                       /* this node's preference level before */
};

int switchover_start(struct switchover **out, sd_event *event, const struct config *cfg,
                     struct redis_link *local, struct redis_link *peer,
                     const struct switchover_params *params, const struct switchover_hooks *hooks);

/* Stop now (the daemon is stopping): the pause is released, nothing else. done() is
 * not called. Frees it. */
void switchover_abandon(struct switchover *s);

/* The last preference record it sent (not present if none). */
const struct preference_record *switchover_record(const struct switchover *s);
bool switchover_ok(const struct switchover *s);
/* The report: the timeline, then the error if it failed. */
void switchover_format(const struct switchover *s, char *out, size_t size);
void switchover_free(struct switchover *s);

const char *switchover_step_name(enum switchover_step step);

#endif
