/* Role transitions. The driver runs steps from a timer. A step either moves on (set
 * the next step with go(), return STEP_NEXT), sends commands and returns STEP_AWAIT
 * (it runs again, one phase later, when every answer is in), polls again later
 * (STEP_WAIT, after next_poll_usec, from phase 0), or ends the transition. Answers
 * only wake the timer, so a step never runs inside a hiredis callback. Waits carry
 * a name and a deadline, and their measured duration goes into the log and the
 * summary. */
#include "transition.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "redis_info.h"
#include "snapshot.h"
#include "transition_plan.h"

enum transition_step {
    STEP_SETTLE,  /* operator's master_delay_ms / backup_delay_ms */
    STEP_OBSERVE, /* INFO on both servers, then plan */
    /* MASTER */
    STEP_FENCE_FOR_CATCHUP, /* a master that must catch up: CLIENT PAUSE WRITE here */
    STEP_REPLICATE_FROM_PEER,
    STEP_WAIT_LINK,     /* link up, no sync running */
    STEP_PAUSE_PEER,    /* CLIENT PAUSE WRITE on the peer, read its final offset */
    STEP_WAIT_OFFSET,   /* our offset reaches the peer's */
    STEP_PROMOTE,       /* REPLICAOF NO ONE */
    STEP_VERIFY_MASTER, /* role:master */
    /* BACKUP (and FAULT/STOP with fence_on_fault) */
    STEP_FENCE_LOCAL, /* CLIENT PAUSE WRITE here so our offset stops moving */
    STEP_WAIT_PEER_TAKES_WRITES,
    STEP_PREPARE_REPLICATE, /* snapshot first if the resync would lose data */
    STEP_REPLICATE_PEER,    /* REPLICAOF peer: read-only from here on */
    /* shared */
    STEP_SNAPSHOT_START, /* BGSAVE */
    STEP_SNAPSHOT_WAIT,  /* until it is done, then where the RDB file is */
    STEP_SNAPSHOT_COPY,  /* the copy, in a child process */
};

enum step_result { STEP_NEXT, STEP_AWAIT, STEP_WAIT, STEP_DONE, STEP_FAILED };

/* How long a promoted node may take to report role:master before we call it failed. */
#define VERIFY_MASTER_TIMEOUT_MS 2000
/* Cap on steps run back to back in one tick, against a bug looping between steps. */
#define MAX_STEPS_PER_TICK 32
#define MAX_ANSWERS        3

struct transition;

/* One command's answer, filled from the link's callback. */
struct answer {
    struct transition *t;
    bool arrived; /* the link called back */
    enum redis_status status;
    char error[300];         /* when status is not OK */
    struct redis_info *info; /* INFO: parsed into here, only on success */
    bool section;            /* INFO of one section: keep the version and key count */
    char *value;             /* CONFIG GET: the value, only on success */
    size_t value_size;
};

struct transition {
    const struct config *cfg;
    sd_event *event;
    struct redis_link *local, *peer;
    struct transition_hooks hooks;
    struct transition_result result;
    sd_event_source *timer;

    enum transition_step step, after_snapshot;
    int phase;       /* within the step: 0, then one more per batch of answers */
    int asked, owed; /* answers[] used by this phase's batch; still to come */
    struct answer answers[MAX_ANSWERS];
    bool cancelled;
    bool waiting; /* the current step has begun its wait */
    char wait_what[96];
    uint64_t start_usec, wait_start_usec, wait_deadline_usec, catchup_deadline_usec;
    uint64_t next_poll_usec; /* delay before the current step runs again */

    struct redis_info local_info, persistence;
    struct peer_view peer_view;
    char peer_error[300]; /* why the peer is unreachable */
    /* OBSERVE's INFO to the peer while unanswered, and when it was sent. */
    const struct answer *peer_info_pending;
    uint64_t peer_asked_usec;
    long long target_offset;
    bool paused_peer, paused_local, snapshot_taken;
    char rdb_dir[512], rdb_file[256];
    struct snapshot_copy *copy; /* while one runs */
    int copy_result;
    char copy_path[1024], copy_error[1500];
};

static long ms_since(uint64_t usec) { return (long)((monotonic_usec() - usec) / 1000u); }

const char *transition_outcome_to_string(enum transition_outcome outcome) {
    static const char *const names[] = { "running", "ok", "failed", "superseded" };
    return names[outcome];
}

static const char *vrrp_name(const struct transition *t) {
    return vrrp_state_to_string(t->result.target);
}

/* One step's line: into the state log, and appended to the summary. */
static void note(struct transition *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct transition *t, const char *fmt, ...) {
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    log_state("%s: %s", vrrp_name(t), text);
    char *summary = t->result.summary;
    size_t used = strlen(summary);
    if (used < sizeof(t->result.summary))
        snprintf(summary + used, sizeof(t->result.summary) - used, "%s%s", used ? "; " : "", text);
}

static enum step_result fail(struct transition *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static enum step_result fail(struct transition *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->result.error, sizeof(t->result.error), fmt, ap);
    va_end(ap);
    return STEP_FAILED;
}

static void go(struct transition *t, enum transition_step step) {
    t->step = step;
    t->waiting = false;
    t->phase = 0;
}

/* Begin (once) a named wait with a deadline; returns true when the deadline passed. */
static bool wait_expired(struct transition *t, const char *what, long timeout_ms) {
    if (!t->waiting) {
        t->waiting = true;
        t->wait_start_usec = monotonic_usec();
        t->wait_deadline_usec = t->wait_start_usec + (uint64_t)timeout_ms * 1000u;
        snprintf(t->wait_what, sizeof(t->wait_what), "%s", what);
        log_debug("%s: waiting for %s (deadline %ld ms)", vrrp_name(t), what, timeout_ms);
    }
    return monotonic_usec() >= t->wait_deadline_usec;
}

static long wait_ms(const struct transition *t) { return ms_since(t->wait_start_usec); }

/* ---- asking ---- */

static void on_answer(const struct redis_result *r, void *userdata) {
    struct answer *a = userdata;
    struct transition *t = a->t;
    a->arrived = true;
    a->status = r->status;
    snprintf(a->error, sizeof(a->error), "%s", r->status == REDIS_STATUS_OK ? "" : r->error);
    if (r->status == REDIS_STATUS_OK && a->info) {
        struct redis_info fresh;
        if (r->reply->type != REDIS_REPLY_STRING || redis_info_parse(r->reply->str, &fresh) < 0) {
            a->status = REDIS_STATUS_PROTOCOL;
            snprintf(a->error, sizeof(a->error), "INFO: garbage reply");
        } else {
            /* One section refreshes only its own fields: the version (which decides
             * how to pause and unpause) and the key count are kept. */
            if (a->section) {
                fresh.version_major = a->info->version_major;
                fresh.version_minor = a->info->version_minor;
                fresh.version_patch = a->info->version_patch;
                fresh.keys = a->info->keys;
            }
            *a->info = fresh;
        }
    }
    if (r->status == REDIS_STATUS_OK && a->value) {
        const redisReply *reply = r->reply;
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
            reply->element[1]->type != REDIS_REPLY_STRING) {
            a->status = REDIS_STATUS_PROTOCOL;
            snprintf(a->error, sizeof(a->error), "CONFIG GET: unexpected reply");
        } else {
            snprintf(a->value, a->value_size, "%s", reply->element[1]->str);
        }
    }
    if (--t->owed == 0)
        timer_arm_or_exit(t->timer, 0);
}

/* Send a command; its answer lands in the returned slot. */
static struct answer *vask(struct transition *t, struct redis_link *link, const char *fmt,
                           va_list ap) {
    struct answer *a = &t->answers[t->asked++];
    *a = (struct answer){ .t = t, .status = REDIS_STATUS_IO };
    t->owed++;
    if (redis_link_vcommand(link, t, on_answer, a, fmt, ap) < 0) {
        t->owed--;
        snprintf(a->error, sizeof(a->error), "out of memory");
        timer_arm_or_exit(t->timer, 0);
    }
    return a;
}

static struct answer *ask(struct transition *t, struct redis_link *link, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static struct answer *ask(struct transition *t, struct redis_link *link, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    struct answer *a = vask(t, link, fmt, ap);
    va_end(ap);
    return a;
}

/* INFO (all default sections, or one) into *info when it answers. */
static void ask_info(struct transition *t, struct redis_link *link, const char *section,
                     struct redis_info *info) {
    /* The slot's sink is set before the answer can arrive: answers come from the loop. */
    struct answer *a = section ? ask(t, link, "INFO %s", section) : ask(t, link, "INFO");
    a->info = info;
    a->section = section != NULL;
}

static bool answered(const struct answer *a) { return a->status == REDIS_STATUS_OK; }

/* CLIENT PAUSE ... WRITE where supported (6.2+): it blocks writes only, so INFO and
 * REPLICAOF still work on the paused node. Older servers pause every client. */
static struct answer *ask_pause(struct transition *t, struct redis_link *link,
                                const struct redis_info *info, long ms) {
    if (redis_info_version_at_least(info, 6, 2))
        return ask(t, link, "CLIENT PAUSE %ld WRITE", ms);
    return ask(t, link, "CLIENT PAUSE %ld", ms);
}

static void on_unpause_answer(const struct redis_result *r, void *userdata) {
    if (r->status != REDIS_STATUS_OK)
        log_warning("CLIENT UNPAUSE on %s failed: %s (the pause runs out on its own)",
                    (const char *)userdata, r->error);
}

/* Fire and forget, and not owned by the transition: a release must be sent even by
 * a transition that is ending. */
static void unpause_writes(struct redis_link *link, const struct redis_info *info,
                           const char *whose) {
    if (!redis_info_version_at_least(info, 6, 2))
        return; /* no CLIENT UNPAUSE before 6.2: the pause runs out on its own */
    redis_link_command(link, NULL, on_unpause_answer, (void *)whose, "CLIENT UNPAUSE");
}

static void unpause_local(struct transition *t) {
    unpause_writes(t->local, &t->local_info, "the local Redis/Valkey");
    t->paused_local = false;
}

static char *peer_name(const struct transition *t, char *buf, size_t size) {
    return (char *)redis_endpoint_name(&t->cfg->peer, buf, size);
}

/* ---- shared steps ---- */

static enum step_result step_settle(struct transition *t) {
    enum vrrp_state target = t->result.target;
    long delay_ms = target == VRRP_STATE_MASTER   ? t->cfg->transition.master_delay_ms
                    : target == VRRP_STATE_BACKUP ? t->cfg->transition.backup_delay_ms
                                                  : 0;
    if (delay_ms == 0) {
        go(t, STEP_OBSERVE);
        return STEP_NEXT;
    }
    if (!t->waiting)
        note(t, "settle delay %ld ms (operator option %s_delay_ms)", delay_ms,
             target == VRRP_STATE_MASTER ? "master" : "backup");
    if (!wait_expired(t, "operator settle delay", delay_ms)) {
        uint64_t now = monotonic_usec();
        t->next_poll_usec = t->wait_deadline_usec > now ? t->wait_deadline_usec - now : 0;
        return STEP_WAIT;
    }
    go(t, STEP_OBSERVE);
    return STEP_NEXT;
}

static enum step_result plan_from_observation(struct transition *t);

static enum step_result step_observe(struct transition *t) {
    if (t->phase == 0) {
        ask_info(t, t->local, NULL, &t->local_info);
        t->peer_view.reachable = false;
        t->peer_error[0] = '\0';
        /* The daemon saw the peer refuse or go silent: asking again would only spend
         * a connect timeout on a dead host. */
        if (t->hooks.peer_gone &&
            t->hooks.peer_gone(t->hooks.userdata, t->peer_error, sizeof(t->peer_error))) {
            if (!t->peer_error[0])
                snprintf(t->peer_error, sizeof(t->peer_error), "peer gone");
        } else {
            ask_info(t, t->peer, NULL, &t->peer_view.info);
            t->peer_info_pending = &t->answers[t->asked - 1];
            t->peer_asked_usec = monotonic_usec();
        }
        return STEP_AWAIT;
    }
    t->peer_info_pending = NULL;
    const struct answer *local = &t->answers[0];
    if (!answered(local)) {
        /* A FAULT usually means exactly this: there is nothing to re-point. */
        enum vrrp_state target = t->result.target;
        if (target == VRRP_STATE_FAULT || target == VRRP_STATE_STOP) {
            note(t, "local Redis/Valkey not answering (%s): nothing to do", local->error);
            return STEP_DONE;
        }
        return fail(t, "local Redis/Valkey: %s", local->error);
    }
    if (!t->peer_error[0]) {
        t->peer_view.reachable = answered(&t->answers[1]);
        snprintf(t->peer_error, sizeof(t->peer_error), "%s", t->answers[1].error);
    }
    return plan_from_observation(t);
}

static enum step_result plan_from_observation(struct transition *t) {
    char why[300], peer[CONFIG_NAME_MAX + 16];
    peer_name(t, peer, sizeof(peer));
    const struct redis_info *l = &t->local_info, *p = &t->peer_view.info;
    if (t->peer_view.reachable)
        note(t, "local %s offset=%lld keys=%lld; peer %s %s offset=%lld",
             redis_role_to_string(l->role), redis_info_data_offset(l), l->keys, peer,
             redis_role_to_string(p->role), redis_info_data_offset(p));
    else
        note(t, "local %s offset=%lld keys=%lld; peer %s unreachable (%s)",
             redis_role_to_string(l->role), redis_info_data_offset(l), l->keys, peer,
             t->peer_error);

    switch (t->result.target) {
    case VRRP_STATE_MASTER:
        if (plan_master(l, &t->peer_view, why, sizeof(why)) == MASTER_PLAN_PROMOTE_NOW) {
            note(t, "%s", why);
            go(t, STEP_PROMOTE);
        } else {
            note(t, "%s: catching up first", why);
            t->catchup_deadline_usec =
                monotonic_usec() + (uint64_t)t->cfg->transition.catchup_timeout_ms * 1000u;
            go(t, STEP_FENCE_FOR_CATCHUP);
        }
        return STEP_NEXT;
    case VRRP_STATE_BACKUP:
        switch (plan_backup(l, &t->peer_view, why, sizeof(why))) {
        case BACKUP_PLAN_ALREADY_REPLICA:
            note(t, "%s", why);
            unpause_local(t);
            return STEP_DONE;
        case BACKUP_PLAN_WAIT_PEER:
            note(t, "%s", why);
            go(t, STEP_FENCE_LOCAL);
            return STEP_NEXT;
        case BACKUP_PLAN_REPLICATE_NOW:
            note(t, "%s", why);
            go(t, STEP_PREPARE_REPLICATE);
            return STEP_NEXT;
        case BACKUP_PLAN_HOLD: note(t, "%s", why); return STEP_DONE;
        }
        return STEP_NEXT;
    case VRRP_STATE_FAULT:
    case VRRP_STATE_STOP:
        if (t->cfg->transition.fence_on_fault && l->role == REDIS_ROLE_MASTER) {
            note(t, "fence_on_fault: demoting the local master to a replica of the peer");
            go(t,
               l->keys > 0 && t->peer_view.reachable ? STEP_FENCE_LOCAL : STEP_PREPARE_REPLICATE);
            return STEP_NEXT;
        }
        note(t, "replication left as it is (local %s)", redis_role_to_string(l->role));
        return STEP_DONE;
    }
    return STEP_DONE;
}

/* Take a snapshot, then continue at `then`. */
static enum step_result snapshot_then(struct transition *t, enum transition_step then) {
    t->after_snapshot = then;
    go(t, STEP_SNAPSHOT_START);
    return STEP_NEXT;
}

static long snapshot_timeout_ms(const struct transition *t) {
    /* A BGSAVE of a large dataset is slow; give it the larger of the two budgets. */
    long a = t->cfg->transition.catchup_timeout_ms, b = t->cfg->transition.backup_wait_timeout_ms;
    return (a > b ? a : b) + 30000;
}

static enum step_result step_snapshot_start(struct transition *t) {
    if (t->phase == 0) {
        if (!t->waiting)
            note(t, "local data would be discarded by the resync: saving a snapshot first");
        if (wait_expired(t, "BGSAVE to start", snapshot_timeout_ms(t)))
            return fail(t, "not switching: snapshot could not start within %ld ms", wait_ms(t));
        ask(t, t->local, "BGSAVE");
        return STEP_AWAIT;
    }
    const struct answer *a = &t->answers[0];
    if (a->status == REDIS_STATUS_REPLY && snapshot_bgsave_busy(a->error))
        return STEP_WAIT; /* another save is running: ask again when it is done */
    if (!answered(a))
        return fail(t, "not switching: snapshot failed: %s", a->error);
    go(t, STEP_SNAPSHOT_WAIT);
    return STEP_NEXT;
}

static enum step_result step_snapshot_wait(struct transition *t) {
    bool expired = wait_expired(t, "BGSAVE to finish", snapshot_timeout_ms(t));
    if (t->phase == 0) {
        ask_info(t, t->local, "persistence", &t->persistence);
        return STEP_AWAIT;
    }
    if (t->phase == 1) {
        const struct answer *a = &t->answers[0];
        if (!answered(a))
            return fail(t, "not switching: snapshot failed: INFO persistence: %s", a->error);
        if (t->persistence.bgsave_in_progress)
            return expired ? fail(t, "not switching: BGSAVE still running after %ld ms", wait_ms(t))
                           : STEP_WAIT;
        if (!t->persistence.last_bgsave_ok)
            return fail(t, "not switching: snapshot failed: BGSAVE failed "
                           "(rdb_last_bgsave_status:err; see the server log)");
        note(t, "BGSAVE of %lld keys done in %ld ms", t->local_info.keys, wait_ms(t));
        struct answer *dir = ask(t, t->local, "CONFIG GET dir");
        dir->value = t->rdb_dir;
        dir->value_size = sizeof(t->rdb_dir);
        struct answer *file = ask(t, t->local, "CONFIG GET dbfilename");
        file->value = t->rdb_file;
        file->value_size = sizeof(t->rdb_file);
        return STEP_AWAIT;
    }
    for (int i = 0; i < 2; i++)
        if (!answered(&t->answers[i]))
            return fail(t, "not switching: snapshot failed: %s", t->answers[i].error);
    go(t, STEP_SNAPSHOT_COPY);
    return STEP_NEXT;
}

static void on_copy_done(int r, const char *path, const char *error, void *userdata) {
    struct transition *t = userdata;
    t->copy = NULL; /* it freed itself */
    t->copy_result = r;
    snprintf(t->copy_path, sizeof(t->copy_path), "%s", path);
    snprintf(t->copy_error, sizeof(t->copy_error), "%s", error);
    if (--t->owed == 0)
        timer_arm_or_exit(t->timer, 0);
}

static enum step_result step_snapshot_copy(struct transition *t) {
    if (t->phase == 0) {
        char source[800];
        wait_expired(t, "the snapshot copy", snapshot_timeout_ms(t));
        snprintf(source, sizeof(source), "%s/%s", t->rdb_dir, t->rdb_file);
        int r = 0;
        t->copy = snapshot_copy_start(
            t->event, source, t->cfg->transition.snapshot_dir, t->local_info.replid,
            t->peer_view.reachable ? t->peer_view.info.replid : "", on_copy_done, t, &r);
        if (!t->copy)
            return fail(t, "not switching: snapshot copy could not start: %s", strerror(-r));
        t->owed++;
        timer_arm_or_exit(t->timer,
                          (uint64_t)snapshot_timeout_ms(t) * 1000u); /* the copy's deadline */
        return STEP_AWAIT;
    }
    if (t->copy_result < 0)
        return fail(t, "not switching: snapshot failed: %s", t->copy_error);
    note(t, "snapshot saved to %s (copied in %ld ms)", t->copy_path, wait_ms(t));
    t->snapshot_taken = true;
    go(t, t->after_snapshot);
    return STEP_NEXT;
}

/* ---- MASTER ---- */

static enum step_result catchup_expired(struct transition *t, long long offset) {
    long long behind = t->target_offset > 0 && offset >= 0 ? t->target_offset - offset : -1;
    log_error("MASTER: catch-up from the peer timed out after %d ms waiting for %s "
              "(offset %lld of %lld, %lld bytes behind)",
              t->cfg->transition.catchup_timeout_ms, t->wait_what, offset, t->target_offset,
              behind);
    if (t->cfg->transition.on_catchup_timeout == CATCHUP_TIMEOUT_PROMOTE) {
        note(t,
             "catch-up timed out %lld bytes behind: promoting anyway (on_catchup_timeout=promote)",
             behind);
        go(t, STEP_PROMOTE);
        return STEP_NEXT;
    }
    return fail(t,
                "catch-up timed out %lld bytes behind: staying a replica "
                "(on_catchup_timeout=stay)",
                behind);
}

static bool catchup_deadline_passed(const struct transition *t) {
    return monotonic_usec() >= t->catchup_deadline_usec;
}

/* We are a master that must first catch up from the peer: writes taken now would be
 * wiped by the resync (and missed by a snapshot already under way). Clients that
 * reach us through the VIP wait on the pause instead of being acknowledged, until
 * REPLICAOF makes us refuse them (READONLY). */
static enum step_result step_fence_for_catchup(struct transition *t) {
    if (replicates_from_peer(&t->local_info, &t->peer_view)) {
        go(t, STEP_WAIT_LINK);
        return STEP_NEXT;
    }
    if (t->local_info.role != REDIS_ROLE_MASTER) {
        go(t, STEP_REPLICATE_FROM_PEER);
        return STEP_NEXT;
    }
    if (t->phase == 0) {
        long pause_ms = t->cfg->transition.catchup_timeout_ms + snapshot_timeout_ms(t);
        t->paused_local = true; /* from the moment it is sent: a release is then due */
        ask_pause(t, t->local, &t->local_info, pause_ms);
        return STEP_AWAIT;
    }
    if (!answered(&t->answers[0]))
        return fail(t, "CLIENT PAUSE on the local Redis/Valkey failed: %s", t->answers[0].error);
    note(t, "paused local writes: this master must catch up before it takes any");
    go(t, STEP_REPLICATE_FROM_PEER);
    return STEP_NEXT;
}

static enum step_result step_replicate_from_peer(struct transition *t) {
    if (t->phase == 0) {
        if (!t->snapshot_taken && resync_would_lose_data(&t->local_info, &t->peer_view))
            return snapshot_then(t, STEP_REPLICATE_FROM_PEER);
        ask(t, t->local, "REPLICAOF %s %d", t->cfg->peer.host, t->cfg->peer.port);
        return STEP_AWAIT;
    }
    if (!answered(&t->answers[0]))
        return fail(t, "REPLICAOF peer failed: %s", t->answers[0].error);
    /* The pause must end here: a paused replica does not even complete its sync. */
    if (t->paused_local)
        unpause_local(t);
    note(t, "REPLICAOF peer to catch up");
    go(t, STEP_WAIT_LINK);
    return STEP_NEXT;
}

static enum step_result step_wait_link(struct transition *t) {
    wait_expired(t, "replication link up and sync done", t->cfg->transition.catchup_timeout_ms);
    if (t->phase == 0) {
        ask_info(t, t->local, "replication", &t->local_info);
        return STEP_AWAIT;
    }
    if (!answered(&t->answers[0]))
        return fail(t, "local Redis/Valkey: %s", t->answers[0].error);
    if (replica_link_settled(&t->local_info, &t->peer_view)) {
        note(t, "link up and synced in %ld ms", wait_ms(t));
        go(t, STEP_PAUSE_PEER);
        return STEP_NEXT;
    }
    if (catchup_deadline_passed(t))
        return catchup_expired(t, t->local_info.slave_repl_offset);
    return STEP_WAIT;
}

static enum step_result step_pause_peer(struct transition *t) {
    if (t->phase == 0) {
        uint64_t now = monotonic_usec();
        long left_ms =
            t->catchup_deadline_usec > now ? (long)((t->catchup_deadline_usec - now) / 1000u) : 0;
        long pause_ms = left_ms + t->cfg->transition.backup_wait_timeout_ms + 1;
        /* Freeze the peer's writes so its offset is final; it stays paused after we
         * are promoted (fenced) until its own BACKUP makes it our replica or the
         * pause ends. INFO goes in the same round trip: it is read after the pause. */
        t->paused_peer = true;
        ask_pause(t, t->peer, &t->peer_view.info, pause_ms);
        ask_info(t, t->peer, "replication", &t->peer_view.info);
        return STEP_AWAIT;
    }
    const struct answer *pause = &t->answers[0], *info = &t->answers[1];
    if (!answered(pause)) {
        t->paused_peer = false;
        /* An answer that refuses (an ACL without +client, say) is no dead peer:
         * promoting would skip the writes it still has. */
        if (pause->status == REDIS_STATUS_REPLY || pause->status == REDIS_STATUS_AUTH)
            return fail(t, "CLIENT PAUSE refused by the peer: %s", pause->error);
        note(t, "peer stopped answering during catch-up (%s): promoting at offset %lld",
             pause->error, t->local_info.slave_repl_offset);
        go(t, STEP_PROMOTE);
        return STEP_NEXT;
    }
    t->peer_view.reachable = answered(info);
    if (!t->peer_view.reachable || t->peer_view.info.role != REDIS_ROLE_MASTER) {
        if (t->peer_view.reachable) { /* a paused replica would not even apply its stream */
            unpause_writes(t->peer, &t->peer_view.info, "the peer");
            t->paused_peer = false;
        }
        note(t, "peer %s after pausing it: promoting at offset %lld",
             t->peer_view.reachable ? "is no longer master" : "stopped answering",
             t->local_info.slave_repl_offset);
        go(t, STEP_PROMOTE);
        return STEP_NEXT;
    }
    t->target_offset = t->peer_view.info.master_repl_offset;
    note(t, "paused peer writes at offset %lld", t->target_offset);
    go(t, STEP_WAIT_OFFSET);
    return STEP_NEXT;
}

static enum step_result step_wait_offset(struct transition *t) {
    wait_expired(t, "our offset to reach the peer's", t->cfg->transition.catchup_timeout_ms);
    if (t->phase == 0) {
        ask_info(t, t->local, "replication", &t->local_info);
        return STEP_AWAIT;
    }
    if (!answered(&t->answers[0]))
        return fail(t, "local Redis/Valkey: %s", t->answers[0].error);
    if (t->local_info.slave_repl_offset >= t->target_offset) {
        note(t, "caught up to offset %lld in %ld ms", t->target_offset, wait_ms(t));
        go(t, STEP_PROMOTE);
        return STEP_NEXT;
    }
    if (catchup_deadline_passed(t))
        return catchup_expired(t, t->local_info.slave_repl_offset);
    return STEP_WAIT;
}

/* A pause the peer left on us while we were its master would block our writes: it
 * is released in the same round trip. */
static enum step_result step_promote(struct transition *t) {
    if (t->phase == 0) {
        ask(t, t->local, "REPLICAOF NO ONE");
        unpause_local(t);
        return STEP_AWAIT;
    }
    if (!answered(&t->answers[0]))
        return fail(t, "REPLICAOF NO ONE failed: %s", t->answers[0].error);
    go(t, STEP_VERIFY_MASTER);
    return STEP_NEXT;
}

static enum step_result step_verify_master(struct transition *t) {
    bool expired = wait_expired(t, "role:master", VERIFY_MASTER_TIMEOUT_MS);
    if (t->phase == 0) {
        ask_info(t, t->local, "replication", &t->local_info);
        return STEP_AWAIT;
    }
    if (answered(&t->answers[0]) && t->local_info.role == REDIS_ROLE_MASTER) {
        note(t, "REPLICAOF NO ONE; writable after %ld ms", ms_since(t->start_usec));
        return STEP_DONE;
    }
    return expired ? fail(t, "role:master not reported %ld ms after REPLICAOF NO ONE", wait_ms(t))
                   : STEP_WAIT;
}

/* ---- BACKUP ---- */

static enum step_result step_fence_local(struct transition *t) {
    if (t->phase == 0) {
        /* Long enough for the wait and a snapshot after it; REPLICAOF lifts it earlier. */
        long pause_ms = t->cfg->transition.backup_wait_timeout_ms + snapshot_timeout_ms(t);
        t->paused_local = true;
        ask_pause(t, t->local, &t->local_info, pause_ms);
        /* Our offset is final only once writes are paused: INFO is read after it. */
        ask_info(t, t->local, NULL, &t->local_info);
        return STEP_AWAIT;
    }
    if (!answered(&t->answers[0]))
        return fail(t, "CLIENT PAUSE on the local Redis/Valkey failed: %s", t->answers[0].error);
    if (!answered(&t->answers[1]))
        return fail(t, "local Redis/Valkey: %s", t->answers[1].error);
    note(t, "paused local writes at offset %lld", t->local_info.master_repl_offset);
    go(t, STEP_WAIT_PEER_TAKES_WRITES);
    return STEP_NEXT;
}

static enum step_result step_wait_peer_takes_writes(struct transition *t) {
    bool expired = wait_expired(t, "the peer to be master with our writes",
                                t->cfg->transition.backup_wait_timeout_ms);
    if (t->phase == 0) {
        ask_info(t, t->peer, "replication", &t->peer_view.info);
        return STEP_AWAIT;
    }
    t->peer_view.reachable = answered(&t->answers[0]);
    if (peer_has_our_writes(&t->local_info, &t->peer_view)) {
        note(t, "peer is master with our writes (offset %lld) after %ld ms",
             t->peer_view.info.master_repl_offset, wait_ms(t));
        go(t, STEP_PREPARE_REPLICATE);
        return STEP_NEXT;
    }
    if (!peer_may_still_take_our_writes(&t->local_info, &t->peer_view)) {
        note(t,
             "peer is a master on another history (promoted at offset %lld, ours %lld): it "
             "will not take our writes",
             t->peer_view.info.second_repl_offset - 1, t->local_info.master_repl_offset);
        go(t, STEP_PREPARE_REPLICATE);
        return STEP_NEXT;
    }
    if (!expired)
        return STEP_WAIT;
    log_error("BACKUP: the peer did not take our writes within %d ms (peer %s, offset %lld; "
              "ours %lld)",
              t->cfg->transition.backup_wait_timeout_ms,
              t->peer_view.reachable ? redis_role_to_string(t->peer_view.info.role) : "unreachable",
              redis_info_data_offset(&t->peer_view.info), t->local_info.master_repl_offset);
    note(t, "peer did not take our writes within %ld ms", wait_ms(t));
    go(t, STEP_PREPARE_REPLICATE);
    return STEP_NEXT;
}

static enum step_result step_prepare_replicate(struct transition *t) {
    if (!t->snapshot_taken && resync_would_lose_data(&t->local_info, &t->peer_view))
        return snapshot_then(t, STEP_PREPARE_REPLICATE);
    go(t, STEP_REPLICATE_PEER);
    return STEP_NEXT;
}

static enum step_result step_replicate_peer(struct transition *t) {
    if (t->phase == 0) {
        ask(t, t->local, "REPLICAOF %s %d", t->cfg->peer.host, t->cfg->peer.port);
        return STEP_AWAIT;
    }
    if (!answered(&t->answers[0]))
        return fail(t, "REPLICAOF peer failed: %s", t->answers[0].error);
    /* Whoever paused us (our own fence, or a peer's MASTER catching up from us): a
     * paused replica does not apply its stream, so a replica must never stay paused. */
    unpause_local(t);
    note(t, "REPLICAOF peer: read-only replica after %ld ms", ms_since(t->start_usec));
    return STEP_DONE;
}

typedef enum step_result (*step_fn)(struct transition *t);

static const step_fn steps[] = {
    [STEP_SETTLE] = step_settle,
    [STEP_OBSERVE] = step_observe,
    [STEP_FENCE_FOR_CATCHUP] = step_fence_for_catchup,
    [STEP_REPLICATE_FROM_PEER] = step_replicate_from_peer,
    [STEP_WAIT_LINK] = step_wait_link,
    [STEP_PAUSE_PEER] = step_pause_peer,
    [STEP_WAIT_OFFSET] = step_wait_offset,
    [STEP_PROMOTE] = step_promote,
    [STEP_VERIFY_MASTER] = step_verify_master,
    [STEP_FENCE_LOCAL] = step_fence_local,
    [STEP_WAIT_PEER_TAKES_WRITES] = step_wait_peer_takes_writes,
    [STEP_PREPARE_REPLICATE] = step_prepare_replicate,
    [STEP_REPLICATE_PEER] = step_replicate_peer,
    [STEP_SNAPSHOT_START] = step_snapshot_start,
    [STEP_SNAPSHOT_WAIT] = step_snapshot_wait,
    [STEP_SNAPSHOT_COPY] = step_snapshot_copy,
};

/* ---- driver ---- */

/* Undo fences that only made sense if the transition completed. The peer's pause
 * goes too when we were superseded after promoting: the next transition decides who
 * takes writes, and a paused peer would only stall it. */
static void release_fences(struct transition *t) {
    if (t->paused_peer)
        unpause_writes(t->peer, &t->peer_view.info, "the peer");
    if (t->paused_local)
        unpause_local(t);
    t->paused_peer = false;
}

/* Stop listening: answers still owed are discarded by the links, a copy is killed. */
static void detach(struct transition *t) {
    redis_link_cancel(t->local, t);
    redis_link_cancel(t->peer, t);
    t->owed = 0;
    if (t->copy)
        snapshot_copy_cancel(t->copy);
    t->copy = NULL;
    sd_event_source_set_enabled(t->timer, SD_EVENT_OFF);
}

static void finish(struct transition *t, enum transition_outcome outcome) {
    struct transition_result *res = &t->result;
    res->outcome = outcome;
    res->duration_usec = monotonic_usec() - t->start_usec;
    detach(t);
    if (outcome != TRANSITION_OK)
        release_fences(t);
    long ms = (long)(res->duration_usec / 1000u);
    const char *state = vrrp_name(t);
    if (outcome == TRANSITION_OK)
        log_state("%s done in %ld ms: %s", state, ms, res->summary);
    else if (outcome == TRANSITION_SUPERSEDED)
        log_state("%s superseded by a newer notification after %ld ms, while waiting for %s", state,
                  ms, t->waiting ? t->wait_what : "its next step");
    else {
        log_error("%s failed after %ld ms: %s", state, ms, res->error);
        log_state("%s failed after %ld ms: %s", state, ms, res->error);
    }
    log_set_transition_id(NULL);
    t->hooks.done(res, t->hooks.userdata); /* may free t */
}

/* OBSERVE's INFO to the peer, unanswered for peer_silent_ms: the peer is gone for
 * this transition, as when the daemon has called it gone before the step asked. A
 * server killed with a large data set answers nothing, and keeps its sockets open,
 * until the kernel has freed its memory: waiting for them to close, or for the link's
 * command timeout, held a promotion a quarter of a second at 2 GiB. Returns whether
 * the transition gave up on that answer just now. */
static bool give_up_on_silent_peer(struct transition *t) {
    if (!t->peer_info_pending || t->peer_info_pending->arrived)
        return false;
    long silent_ms = ms_since(t->peer_asked_usec);
    if (silent_ms < t->cfg->check.peer_silent_ms)
        return false;
    redis_link_cancel(t->peer, t); /* OBSERVE's one request on the peer's link */
    t->owed--;
    t->peer_info_pending = NULL;
    snprintf(t->peer_error, sizeof(t->peer_error), "peer silent: INFO unanswered for %ld ms",
             silent_ms);
    return true;
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
    (void)s;
    (void)usec;
    struct transition *t = userdata;
    if (t->owed > 0 && !t->cancelled && t->peer_info_pending) {
        if (!give_up_on_silent_peer(t)) {
            /* Look again soon; an answer wakes the timer at once. */
            if (!t->peer_info_pending->arrived)
                timer_arm_or_exit(t->timer, (uint64_t)t->cfg->transition.poll_interval_ms * 1000u);
            return 0;
        }
        if (t->owed > 0)
            return 0; /* the local answer wakes the timer */
    }
    if (t->owed > 0 && !t->cancelled) {
        if (!t->copy || monotonic_usec() < t->wait_deadline_usec)
            return 0; /* still waiting for answers; the links bound each one */
        snapshot_copy_cancel(t->copy);
        t->copy = NULL;
        t->owed--;
        t->copy_result = -ETIMEDOUT;
        snprintf(t->copy_error, sizeof(t->copy_error), "the copy did not finish within %ld ms",
                 wait_ms(t));
    }
    log_set_transition_id(t->result.id);
    for (int i = 0; i < MAX_STEPS_PER_TICK; i++) {
        if (t->cancelled || (t->hooks.superseded && t->hooks.superseded(t->hooks.userdata))) {
            finish(t, TRANSITION_SUPERSEDED);
            return 0;
        }
        t->next_poll_usec = (uint64_t)t->cfg->transition.poll_interval_ms * 1000u;
        t->asked = 0;
        switch (steps[t->step](t)) {
        case STEP_NEXT: continue;
        case STEP_AWAIT:
            t->phase++;
            if (t->owed == 0) /* nothing was sent after all */
                timer_arm_or_exit(t->timer, 0);
            else if (t->peer_info_pending) /* to give up on a silent peer in time */
                timer_arm_or_exit(t->timer, t->next_poll_usec);
            log_set_transition_id(NULL);
            return 0;
        case STEP_WAIT:
            t->phase = 0;
            timer_arm_or_exit(t->timer, t->next_poll_usec);
            log_set_transition_id(NULL);
            return 0;
        case STEP_DONE: finish(t, TRANSITION_OK); return 0;
        case STEP_FAILED: finish(t, TRANSITION_FAILED); return 0;
        }
    }
    /* Not reached by a correct machine: yield to the loop and go on next tick. */
    timer_arm_or_exit(t->timer, 0);
    log_set_transition_id(NULL);
    return 0;
}

int transition_start(struct transition **out, sd_event *event, const struct config *cfg,
                     struct redis_link *local, struct redis_link *peer, enum vrrp_state target,
                     const char *id, const struct transition_hooks *hooks) {
    struct transition *t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    t->cfg = cfg;
    t->event = event;
    t->local = local;
    t->peer = peer;
    t->hooks = *hooks;
    t->result.target = target;
    t->result.outcome = TRANSITION_RUNNING;
    snprintf(t->result.id, sizeof(t->result.id), "%s", id);
    t->peer_view.host = cfg->peer.host;
    t->peer_view.port = cfg->peer.port;
    t->start_usec = monotonic_usec();
    go(t, STEP_SETTLE);
    /* Accuracy 1 µs: the default 250 ms slack would dominate every wait. */
    int r = sd_event_add_time(event, &t->timer, CLOCK_MONOTONIC, t->start_usec, 1, on_tick, t);
    if (r < 0) {
        free(t);
        return r;
    }
    *out = t;
    return 0;
}

void transition_cancel(struct transition *t) {
    if (t->result.outcome != TRANSITION_RUNNING)
        return;
    t->cancelled = true;
    timer_arm_or_exit(t->timer, 0);
}

const struct transition_result *transition_result(const struct transition *t) { return &t->result; }

void transition_free(struct transition *t) {
    if (!t)
        return;
    detach(t);
    t->timer = sd_event_source_disable_unref(t->timer);
    free(t);
}
