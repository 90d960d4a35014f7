/* keepalived.conf reading for config-test. keepalived's grammar is keyword lines
 * and { } blocks, comments starting with # or !; this reads just enough of it. */
#include "keepalived_conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKEN 128

struct lexer {
    const char *p;
    bool line_start; /* the token just read began a line */
};

/* Next token: a word, "{" or "}". Returns false at the end. */
static bool next_token(struct lexer *lx, char *tok) {
    lx->line_start = false;
    for (;;) {
        while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r' || *lx->p == '\n') {
            if (*lx->p == '\n')
                lx->line_start = true;
            lx->p++;
        }
        if (*lx->p == '#' || *lx->p == '!') {
            lx->p += strcspn(lx->p, "\n");
            continue;
        }
        break;
    }
    if (!*lx->p)
        return false;
    size_t len = (*lx->p == '{' || *lx->p == '}') ? 1 : strcspn(lx->p, " \t\r\n{}#!");
    size_t copy = len < MAX_TOKEN - 1 ? len : MAX_TOKEN - 1;
    memcpy(tok, lx->p, copy);
    tok[copy] = '\0';
    lx->p += len;
    return true;
}

/* The value after a keyword, on the same line (keepalived is line-oriented). */
static bool value_after(struct lexer *lx, char *tok) {
    const char *save = lx->p;
    if (next_token(lx, tok) && !lx->line_start)
        return true;
    lx->p = save;
    tok[0] = '\0';
    return false;
}

static bool is_notify_keyword(const char *k) {
    return strcmp(k, "notify") == 0 || strncmp(k, "notify_", 7) == 0;
}

int keepalived_conf_find(const char *text, const char *instance, struct keepalived_instance *out,
                         char *err, size_t err_size) {
    struct lexer lx = { text, true };
    char tok[MAX_TOKEN], val[MAX_TOKEN], found_names[512] = "";
    int depth = 0, version = 2;
    bool fifo = false, states_on_reload = false, in_global = false, in_wanted = false,
         found = false;
    struct keepalived_instance ki;

    while (next_token(&lx, tok)) {
        if (strcmp(tok, "{") == 0) {
            depth++;
            continue;
        }
        if (strcmp(tok, "}") == 0) {
            if (--depth <= 0) {
                depth = 0;
                if (in_wanted)
                    found = true, *out = ki;
                in_global = in_wanted = false;
            }
            continue;
        }
        if (depth == 0 && strcmp(tok, "global_defs") == 0) {
            in_global = true;
        } else if (depth == 0 && strcmp(tok, "vrrp_instance") == 0 && value_after(&lx, val)) {
            size_t used = strlen(found_names);
            snprintf(found_names + used, sizeof(found_names) - used, "%s%s", used ? ", " : "", val);
            if (!found && (!instance[0] || strcmp(val, instance) == 0)) {
                in_wanted = true;
                memset(&ki, 0, sizeof(ki));
                snprintf(ki.name, sizeof(ki.name), "%s", val);
                ki.priority = 100;
                ki.advert_int = 1.0;
            }
        } else if (in_global && depth == 1) {
            if (strcmp(tok, "vrrp_version") == 0 && value_after(&lx, val))
                version = atoi(val);
            else if (strcmp(tok, "notify_fifo") == 0 || strcmp(tok, "vrrp_notify_fifo") == 0)
                fifo = true;
            else if (strcmp(tok, "fifo_write_vrrp_states_on_reload") == 0)
                states_on_reload = true;
        } else if (in_wanted && depth == 1) {
            if (strcmp(tok, "priority") == 0 && value_after(&lx, val))
                ki.priority = atoi(val);
            else if (strcmp(tok, "advert_int") == 0 && value_after(&lx, val))
                ki.advert_int = strtod(val, NULL);
            else if (strcmp(tok, "track_file") == 0)
                ki.tracks_file = true;
            else if (strcmp(tok, "nopreempt") == 0)
                ki.nopreempt = true;
            else if (is_notify_keyword(tok))
                ki.notify_scripts = true;
        }
    }
    if (!found) {
        if (instance[0])
            snprintf(err, err_size, "no vrrp_instance %s (instances found: %s)", instance,
                     found_names[0] ? found_names : "none");
        else
            snprintf(err, err_size, "no vrrp_instance at all");
        return -ENOENT;
    }
    /* global_defs may come after the instance: apply it at the end. */
    out->vrrp_version = version;
    out->notify_fifo = fifo;
    out->fifo_states_on_reload = states_on_reload;
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

int keepalived_conf_report(const struct keepalived_instance *ki, char *out, size_t size) {
    size_t used = 0;
    int warnings = 0;
    double advert = keepalived_effective_advert(ki), skew = keepalived_skew_seconds(ki);
#define PUT(...) (used += (size_t)snprintf(out + used, used < size ? size - used : 0, __VA_ARGS__))
    PUT("instance %s: priority %d, advert_int %g s, VRRPv%d\n", ki->name, ki->priority,
        ki->advert_int, ki->vrrp_version);
    PUT("expected VIP move to this node: %.3f s after a Redis or Valkey fault on the peer (skew time), "
        "%.3f s after the peer host crashes (3 adverts + skew)\n", skew,
        keepalived_silent_master_seconds(ki));
    if (ki->vrrp_version < 3 && ki->advert_int < 1.0) {
        PUT("warning: advert_int %g needs vrrp_version 3 in global_defs; VRRPv2 uses whole "
            "seconds, so it is %g s\n", ki->advert_int, advert);
        warnings++;
    }
    if (skew > 0.1) {
        struct keepalived_instance fast = *ki;
        fast.priority = 250;
        PUT("warning: priority %d: skew %.2f s; raise both priorities above 240 (e.g. 254 and "
            "250) to cut it to %.3f s\n", ki->priority, skew, keepalived_skew_seconds(&fast));
        warnings++;
    }
    if (keepalived_silent_master_seconds(ki) > 1.0) {
        PUT("note: a crashed host is noticed after 3 adverts; advert_int 0.1 with vrrp_version 3 "
            "cuts that to about 0.3 s, at the cost of 10 adverts a second\n");
    }
    if (!ki->tracks_file) {
        PUT("warning: instance %s tracks no track_file: the agent's health signal never "
            "reaches keepalived (add track_file { NAME weight 0 })\n", ki->name);
        warnings++;
    }
    if (ki->notify_scripts && !ki->notify_fifo) {
        PUT("warning: instance %s uses notify scripts and no notify_fifo: set global_defs { "
            "notify_fifo PATH } and [keepalived] notify_fifo so the daemon reads state changes "
            "in order, without a fork per change\n", ki->name);
        warnings++;
    } else if (!ki->notify_fifo) {
        PUT("warning: no notify_fifo in global_defs: the agent learns of state changes only "
            "from the VIP watch (set notify_fifo PATH and [keepalived] notify_fifo)\n");
        warnings++;
    } else if (!ki->fifo_states_on_reload) {
        PUT("warning: no fifo_write_vrrp_states_on_reload in global_defs: after a reload "
            "keepalived writes nothing to the FIFO for a state that did not change, so the "
            "agent cannot confirm it (add it to global_defs; keepalived 2.2.5 or later)\n");
        warnings++;
    }
#undef PUT
    return warnings;
}
