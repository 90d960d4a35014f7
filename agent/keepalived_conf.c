/* keepalived.conf reading for config-test. keepalived's grammar is keyword lines
 * and { } blocks, comments starting with # or !; this reads just enough of it. */
#include "keepalived_conf.h"
#include "keepalived_include.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "number.h"

/* As long as a path may be (KEEPALIVED_PATH_MAX): a longer one would be cut and
 * then differ from agent.conf's. */
#define MAX_TOKEN KEEPALIVED_PATH_MAX
/* A line number a file mark may carry: counting on from it never overflows an int. */
#define KEEPALIVED_LINE_MAX 1000000000

struct lexer {
    const char *p;
    bool line_start;                /* the token just read began a line */
    int line;                       /* the line of the token just read */
    char file[KEEPALIVED_PATH_MAX]; /* its file, from the last marker ("" before any) */
};

/* A file marker (keepalived_include.h) at p: take its file and line, and stop at its
 * newline, which the caller then counts as the line break before line N. */
static void read_mark(struct lexer *lx) {
    const char *path = lx->p + 1;
    const char *end = lx->p + strcspn(lx->p, "\n");
    const char *sep = memchr(path, KEEPALIVED_MARK_LINE, (size_t)(end - path));
    if (!sep) {
        lx->p = end;
        return;
    }
    snprintf(lx->file, sizeof(lx->file), "%.*s", (int)(sep - path), path);
    lx->line = (int)number_prefix(sep + 1, 1, KEEPALIVED_LINE_MAX, 1) - 1;
    lx->p = end;
}

/* Next token: a word, "{" or "}". Returns false at the end. */
static bool next_token(struct lexer *lx, char *tok) {
    lx->line_start = false;
    for (;;) {
        while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r' || *lx->p == '\n') {
            if (*lx->p == '\n') {
                lx->line_start = true;
                lx->line++;
            }
            lx->p++;
        }
        if (*lx->p == '#' || *lx->p == '!') {
            lx->p += strcspn(lx->p, "\n");
            continue;
        }
        if (*lx->p == KEEPALIVED_MARK) {
            read_mark(lx);
            continue;
        }
        break;
    }
    if (!*lx->p)
        return false;
    static const char stops[] = { ' ', '\t', '\r', '\n', '{', '}', '#', '!', KEEPALIVED_MARK, 0 };
    size_t len = (*lx->p == '{' || *lx->p == '}') ? 1 : strcspn(lx->p, stops);
    size_t copy = len < MAX_TOKEN - 1 ? len : MAX_TOKEN - 1;
    /* keepalived takes "quoted" words without their quotes. */
    size_t quote = (size_t)(copy >= 2 && lx->p[0] == '"' && lx->p[copy - 1] == '"');
    memcpy(tok, lx->p + quote, copy - 2 * quote);
    tok[copy - 2 * quote] = '\0';
    lx->p += len;
    return true;
}

/* The value after a keyword, on the same line (keepalived is line-oriented). */
static bool value_after(struct lexer *lx, char *tok) {
    struct lexer save = *lx;
    /* A brace is the block's, never a value: `name weight 0 }` ends the block. */
    if (next_token(lx, tok) && !lx->line_start && strcmp(tok, "{") != 0 && strcmp(tok, "}") != 0)
        return true;
    *lx = save;
    tok[0] = '\0';
    return false;
}

static bool is_notify_keyword(const char *k) {
    return strcmp(k, "notify") == 0 || strncmp(k, "notify_", 7) == 0;
}

/* The top-level blocks this reads; anything else is skipped. */
enum block { BLOCK_OTHER, BLOCK_GLOBAL, BLOCK_INSTANCE, BLOCK_TRACK_FILE };

#define MAX_TRACK_FILES 16

struct parse {
    struct lexer lx;
    int depth;
    enum block block;
    bool in_wanted;         /* inside the wanted instance */
    bool in_instance_track; /* inside its track_file { } block */
    bool track_entry_next;  /* the next word there starts an entry (after `{` or a line break) */
    bool found;
    struct keepalived_instance ki;
    /* Global settings, applied at the end: global_defs may follow the instance. */
    int version;
    bool states_on_reload, old_track_keyword, script_security;
    char script_user[64];
    char fifo_path[KEEPALIVED_PATH_MAX], fifo_conf[KEEPALIVED_PATH_MAX];
    int fifo_line;
    double startup_delay;
    int global_line;
    char global_conf[KEEPALIVED_PATH_MAX];
    /* Top-level track_file NAME { file PATH } blocks. */
    char track_names[MAX_TRACK_FILES][128], track_paths[MAX_TRACK_FILES][KEEPALIVED_PATH_MAX];
    int n_track_files;
    char found_names[512];
};

static void start_block(struct parse *ps, const char *tok, const char *instance) {
    char val[MAX_TOKEN];
    ps->block = BLOCK_OTHER;
    if (strcmp(tok, "global_defs") == 0) {
        ps->block = BLOCK_GLOBAL;
        ps->global_line = ps->lx.line;
        snprintf(ps->global_conf, sizeof(ps->global_conf), "%s", ps->lx.file);
    } else if ((strcmp(tok, "track_file") == 0 || strcmp(tok, "vrrp_track_file") == 0) &&
               value_after(&ps->lx, val)) {
        ps->old_track_keyword |= strcmp(tok, "vrrp_track_file") == 0;
        ps->block = BLOCK_TRACK_FILE;
        if (ps->n_track_files < MAX_TRACK_FILES) {
            snprintf(ps->track_names[ps->n_track_files], sizeof(ps->track_names[0]), "%s", val);
            ps->track_paths[ps->n_track_files][0] = '\0';
            ps->n_track_files++;
        }
    } else if (strcmp(tok, "vrrp_instance") == 0 && value_after(&ps->lx, val)) {
        ps->block = BLOCK_INSTANCE;
        size_t used = strlen(ps->found_names);
        snprintf(ps->found_names + used, sizeof(ps->found_names) - used, "%s%s", used ? ", " : "",
                 val);
        if (!ps->found && (!instance[0] || strcmp(val, instance) == 0)) {
            ps->in_wanted = true;
            memset(&ps->ki, 0, sizeof(ps->ki));
            snprintf(ps->ki.name, sizeof(ps->ki.name), "%s", val);
            ps->ki.line = ps->lx.line;
            snprintf(ps->ki.conf, sizeof(ps->ki.conf), "%s", ps->lx.file);
            ps->ki.priority = 100;
            ps->ki.advert_int = 1.0;
        }
    }
}

static void global_keyword(struct parse *ps, const char *tok) {
    char val[MAX_TOKEN];
    if (strcmp(tok, "vrrp_version") == 0 && value_after(&ps->lx, val)) {
        ps->version = (int)number_prefix(val, 2, 3, 0);
    } else if (strcmp(tok, "notify_fifo") == 0 || strcmp(tok, "vrrp_notify_fifo") == 0) {
        /* notify_fifo is what the agent configures; vrrp_notify_fifo only if it is absent. */
        if (value_after(&ps->lx, val) && (!ps->fifo_path[0] || strcmp(tok, "notify_fifo") == 0)) {
            snprintf(ps->fifo_path, sizeof(ps->fifo_path), "%s", val);
            snprintf(ps->fifo_conf, sizeof(ps->fifo_conf), "%s", ps->lx.file);
            ps->fifo_line = ps->lx.line;
        }
    } else if (strcmp(tok, "fifo_write_vrrp_states_on_reload") == 0) {
        ps->states_on_reload = true;
    } else if (strcmp(tok, "vrrp_startup_delay") == 0 && value_after(&ps->lx, val)) {
        ps->startup_delay = strtod(val, NULL);
    } else if (strcmp(tok, "script_user") == 0 && value_after(&ps->lx, val)) {
        snprintf(ps->script_user, sizeof(ps->script_user), "%s", val);
    } else if (strcmp(tok, "enable_script_security") == 0) {
        ps->script_security = true;
    }
}

static void instance_keyword(struct parse *ps, const char *tok) {
    char val[MAX_TOKEN];
    struct keepalived_instance *ki = &ps->ki;
    if (strcmp(tok, "priority") == 0 && value_after(&ps->lx, val))
        ki->priority = (int)number_prefix(val, 1, 255, ki->priority);
    else if (strcmp(tok, "advert_int") == 0 && value_after(&ps->lx, val))
        ki->advert_int = strtod(val, NULL);
    else if (strcmp(tok, "version") == 0 && value_after(&ps->lx, val))
        ki->vrrp_version = (int)number_prefix(val, 2, 3, 0);
    else if (strcmp(tok, "track_file") == 0)
        ps->in_instance_track = true;
    else if (strcmp(tok, "track_script") == 0)
        ki->tracks_script = true;
    else if (strcmp(tok, "nopreempt") == 0)
        ki->nopreempt = true;
    else if (strcmp(tok, "preempt_delay") == 0 && value_after(&ps->lx, val))
        ki->preempt_delay = strtod(val, NULL);
    else if (is_notify_keyword(tok))
        ki->notify_scripts = true;
}

/* An entry of the instance's track_file block: NAME [weight W [reverse]]. */
static void instance_track_entry(struct parse *ps, const char *name) {
    char val[MAX_TOKEN];
    struct keepalived_instance *ki = &ps->ki;
    bool first = !ki->track_name[0];
    if (first) {
        snprintf(ki->track_name, sizeof(ki->track_name), "%s", name);
        snprintf(ki->track_conf, sizeof(ki->track_conf), "%s", ps->lx.file);
        ki->track_line = ps->lx.line;
    }
    while (value_after(&ps->lx, val)) {
        if (strcmp(val, "weight") == 0 && value_after(&ps->lx, val) && first)
            ki->track_weight = (int)number_prefix(val, -254, 254, 0);
        else if (strcmp(val, "reverse") == 0 && first)
            ki->track_reverse = true;
    }
}

static void keyword(struct parse *ps, const char *tok, const char *instance) {
    if (ps->depth == 0) {
        start_block(ps, tok, instance);
    } else if (ps->block == BLOCK_GLOBAL && ps->depth == 1) {
        global_keyword(ps, tok);
    } else if (ps->block == BLOCK_TRACK_FILE && ps->depth == 1 && strcmp(tok, "file") == 0) {
        char val[MAX_TOKEN];
        if (value_after(&ps->lx, val) && ps->n_track_files > 0)
            snprintf(ps->track_paths[ps->n_track_files - 1], sizeof(ps->track_paths[0]), "%s", val);
    } else if (ps->in_wanted && ps->depth == 1) {
        instance_keyword(ps, tok);
    } else if (ps->in_wanted && ps->in_instance_track && ps->depth == 2 &&
               (ps->lx.line_start || ps->track_entry_next)) {
        ps->track_entry_next = false;
        instance_track_entry(ps, tok);
    }
}

int keepalived_conf_find(const char *text, const char *instance, struct keepalived_instance *out,
                         char *err, size_t err_size) {
    static struct parse ps; /* large (paths): not on the stack */
    memset(&ps, 0, sizeof(ps));
    ps.lx = (struct lexer){ .p = text, .line_start = true, .line = 1 };
    ps.version = 2;
    char tok[MAX_TOKEN];
    while (next_token(&ps.lx, tok)) {
        if (strcmp(tok, "{") == 0) {
            ps.depth++;
            ps.track_entry_next = ps.in_instance_track && ps.depth == 2;
        } else if (strcmp(tok, "}") == 0) {
            if (ps.depth == 2)
                ps.in_instance_track = false;
            if (--ps.depth <= 0) {
                ps.depth = 0;
                if (ps.in_wanted)
                    ps.found = true, *out = ps.ki;
                ps.in_wanted = false;
                ps.block = BLOCK_OTHER;
            }
        } else {
            keyword(&ps, tok, instance);
        }
    }
    if (!ps.found) {
        if (instance[0])
            snprintf(err, err_size, "no vrrp_instance %s (instances found: %s)", instance,
                     ps.found_names[0] ? ps.found_names : "none");
        else
            snprintf(err, err_size, "no vrrp_instance at all");
        return -ENOENT;
    }
    if (!out->vrrp_version)
        out->vrrp_version = ps.version;
    out->fifo_states_on_reload = ps.states_on_reload;
    out->startup_delay = ps.startup_delay;
    out->old_track_keyword = ps.old_track_keyword;
    out->script_security = ps.script_security;
    snprintf(out->script_user, sizeof(out->script_user), "%s", ps.script_user);
    snprintf(out->fifo_path, sizeof(out->fifo_path), "%s", ps.fifo_path);
    out->fifo_line = ps.fifo_line;
    out->global_line = ps.global_line;
    snprintf(out->global_conf, sizeof(out->global_conf), "%s", ps.global_conf);
    snprintf(out->fifo_conf, sizeof(out->fifo_conf), "%s", ps.fifo_conf);
    for (int i = 0; i < ps.n_track_files; i++)
        if (strcmp(ps.track_names[i], out->track_name) == 0)
            snprintf(out->track_path, sizeof(out->track_path), "%s", ps.track_paths[i]);
    return 0;
}

double keepalived_effective_advert(const struct keepalived_instance *ki) {
    if (ki->vrrp_version < 3 && ki->advert_int < 1.0)
        return 1.0;
    return ki->advert_int;
}

double keepalived_skew_seconds(const struct keepalived_instance *ki) {
    return (256 - ki->priority) / 256.0 * keepalived_effective_advert(ki);
}

double keepalived_silent_master_seconds(const struct keepalived_instance *ki) {
    return 3 * keepalived_effective_advert(ki) + keepalived_skew_seconds(ki);
}

int keepalived_conf_report(const struct keepalived_instance *ki, const char *conf_path, char *out,
                           size_t size) {
    size_t used = 0;
    int warnings = 0;
    /* Instance warnings point at its vrrp_instance line, global ones at global_defs
     * (or, with none, at the instance too). */
    const char *inst_conf = ki->conf[0] ? ki->conf : conf_path;
    const char *glob_conf =
        ki->global_line ? (ki->global_conf[0] ? ki->global_conf : conf_path) : inst_conf;
    int glob_line = ki->global_line ? ki->global_line : ki->line;
    double advert = keepalived_effective_advert(ki), skew = keepalived_skew_seconds(ki);
#define PUT(...)                 (used += (size_t)snprintf(out + used, used < size ? size - used : 0, __VA_ARGS__))
#define WARN_AT(file, line, ...) (PUT("warning: %s:%d: ", file, line), PUT(__VA_ARGS__))
    PUT("instance %s: priority %d, advert_int %g s, VRRPv%d\n", ki->name, ki->priority,
        ki->advert_int, ki->vrrp_version);
    PUT("expected VIP move to this node: %.3f s after a Redis or Valkey fault on the peer (skew "
        "time), "
        "%.3f s after the peer host crashes (3 adverts + skew)\n",
        skew, keepalived_silent_master_seconds(ki));
    if (ki->vrrp_version < 3 && ki->advert_int < 1.0) {
        WARN_AT(inst_conf, ki->line,
                "advert_int %g needs vrrp_version 3 in global_defs; VRRPv2 uses whole "
                "seconds, so it is %g s\n",
                ki->advert_int, advert);
        warnings++;
    }
    if (skew > 0.1) {
        struct keepalived_instance fast = *ki;
        fast.priority = 250;
        WARN_AT(inst_conf, ki->line,
                "priority %d: skew %.2f s; raise both priorities above 240 (e.g. 254 and "
                "250) to cut it to %.3f s\n",
                ki->priority, skew, keepalived_skew_seconds(&fast));
        warnings++;
    }
    if (keepalived_silent_master_seconds(ki) > 1.0) {
        PUT("note: a crashed host is noticed after 3 adverts; advert_int 0.1 with vrrp_version 3 "
            "cuts that to about 0.3 s, at the cost of 10 adverts a second\n");
    }
    if (!ki->track_name[0]) {
        WARN_AT(inst_conf, ki->line,
                "instance %s tracks no track_file: the agent's health signal never "
                "reaches keepalived (add track_file { NAME weight 0 })\n",
                ki->name);
        warnings++;
    }
    if (ki->notify_scripts && !ki->fifo_path[0]) {
        WARN_AT(inst_conf, ki->line,
                "instance %s uses notify scripts and no notify_fifo: set global_defs { "
                "notify_fifo PATH } and [keepalived] notify_fifo so the daemon reads state changes "
                "in order, without a fork per change\n",
                ki->name);
        warnings++;
    } else if (!ki->fifo_path[0]) {
        WARN_AT(glob_conf, glob_line,
                "no notify_fifo in global_defs: the agent learns of state changes only "
                "from the VIP watch (set notify_fifo PATH and [keepalived] notify_fifo)\n");
        warnings++;
    } else if (!ki->fifo_states_on_reload) {
        WARN_AT(glob_conf, glob_line,
                "no fifo_write_vrrp_states_on_reload in global_defs: after a reload "
                "keepalived writes nothing to the FIFO for a state that did not change, so the "
                "agent cannot confirm it (add it to global_defs; keepalived 2.2.5 or later)\n");
        warnings++;
    }
    if (ki->nopreempt)
        PUT("note: nopreempt: this node never takes the VIP back from a healthy peer; "
            "after a failover the roles stay swapped until the peer fails\n");
    else if (ki->preempt_delay > 0)
        PUT("note: preempt_delay %g s: a failback to this node waits that long after it "
            "could take the VIP back\n",
            ki->preempt_delay);
    if (ki->startup_delay > 0)
        PUT("note: vrrp_startup_delay %g s: after keepalived starts, this node neither takes "
            "nor claims the VIP for that long\n",
            ki->startup_delay);
    bool scripts = ki->notify_scripts || ki->tracks_script;
    bool root_scripts = strcmp(ki->script_user, "root") == 0;
    if (scripts && !root_scripts && (ki->script_user[0] || ki->script_security)) {
        WARN_AT(inst_conf, ki->line,
                "instance %s runs scripts as %s%s: as any user but root, `check` and "
                "`notify` cannot read a 0600 agent.conf or password file, nor use the control "
                "socket (set global_defs { script_user root }, or use the track file and notify "
                "FIFO)\n",
                ki->name, ki->script_user[0] ? ki->script_user : "keepalived_script",
                ki->script_security ? " (enable_script_security)" : "");
        warnings++;
    } else if (scripts && !root_scripts) {
        PUT("note: with no script_user, keepalived runs scripts as keepalived_script if that "
            "user exists, else as root: set global_defs { script_user root } to choose\n");
    }
    if (ki->old_track_keyword) {
        WARN_AT(inst_conf, ki->line,
                "vrrp_track_file is the keyword of keepalived before 2.1; the agent needs "
                "2.1 or later (top-level track_file; install a newer keepalived and rename the "
                "block)\n");
        warnings++;
    }
#undef WARN_AT
#undef PUT
    return warnings;
}

int keepalived_conf_cross_check(const struct keepalived_instance *ki, const char *conf_path,
                                const char *agent_track_file, int agent_healthy_value,
                                const char *agent_fifo, char *out, size_t size) {
    size_t used = 0;
    int warnings = 0;
    if (size > 0)
        out[0] = '\0';
    const char *track_conf = ki->track_conf[0] ? ki->track_conf : conf_path;
    const char *fifo_conf = ki->fifo_conf[0] ? ki->fifo_conf : conf_path;
#define WARN(file, line, ...)                                                                     \
    (used +=                                                                                      \
     (size_t)snprintf(out + used, used < size ? size - used : 0, "warning: %s:%d: ", file, line), \
     used += (size_t)snprintf(out + used, used < size ? size - used : 0, __VA_ARGS__), warnings++)
    if (ki->track_name[0] && !ki->track_path[0]) {
        WARN(track_conf, ki->track_line,
             "instance %s tracks '%s', but no top-level track_file %s { file "
             "%s } defines it: keepalived ignores the entry (add the block)\n",
             ki->name, ki->track_name, ki->track_name, agent_track_file);
    } else if (ki->track_name[0] && strcmp(ki->track_path, agent_track_file) != 0) {
        WARN(track_conf, ki->track_line,
             "instance %s tracks %s, but the agent writes %s ([check] "
             "track_file): keepalived never sees the agent's health (make them the same)\n",
             ki->name, ki->track_path, agent_track_file);
    }
    if (ki->track_name[0] && ki->track_weight != 0) {
        WARN(track_conf, ki->track_line,
             "instance %s tracks %s with weight %d: a failure only lowers the "
             "priority instead of putting the instance in FAULT, and the VIP may stay on a node "
             "whose Redis is down (use weight 0)\n",
             ki->name, ki->track_name, ki->track_weight);
    } else if (ki->track_name[0] && ki->track_reverse && agent_healthy_value == 0) {
        WARN(track_conf, ki->track_line,
             "instance %s tracks %s with weight 0 reverse, but the "
             "agent writes 0 when healthy: keepalived takes that for a fault (set [check] "
             "healthy_value = 1 and fail_value = 0, or drop reverse)\n",
             ki->name, ki->track_name);
    } else if (ki->track_name[0] && !ki->track_reverse && agent_healthy_value != 0) {
        WARN(track_conf, ki->track_line,
             "instance %s tracks %s with weight 0, but the agent "
             "writes %d when healthy: keepalived takes that for a fault (add reverse, or set "
             "[check] healthy_value = 0 and a non-zero fail_value)\n",
             ki->name, ki->track_name, agent_healthy_value);
    }
    if (ki->fifo_path[0] && agent_fifo[0] && strcmp(ki->fifo_path, agent_fifo) != 0) {
        WARN(fifo_conf, ki->fifo_line,
             "keepalived writes state changes to %s, but the agent reads %s "
             "([keepalived] notify_fifo): the agent never hears them (make them the same)\n",
             ki->fifo_path, agent_fifo);
    } else if (ki->fifo_path[0] && !agent_fifo[0]) {
        WARN(fifo_conf, ki->fifo_line,
             "keepalived writes state changes to %s, but [keepalived] "
             "notify_fifo is empty: nobody reads them (set it to %s)\n",
             ki->fifo_path, ki->fifo_path);
    }
#undef WARN
    return warnings;
}
