/* The preference record and this node's id. */
#include "preference.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "run_dir.h"

static bool valid_node_id(const char *s) {
    return strlen(s) == NODE_ID_LEN && strspn(s, "0123456789abcdef") == NODE_ID_LEN;
}

int preference_record_from_fields(const char *const *fields, size_t pairs,
                                  struct preference_record *out, char *why, size_t why_size) {
    memset(out, 0, sizeof(*out));
    if (pairs == 0)
        return 0;
    const char *epoch = NULL, *verb = NULL, *node = NULL;
    for (size_t i = 0; i < pairs; i++) {
        const char *name = fields[2 * i], *value = fields[2 * i + 1];
        if (strcmp(name, "epoch") == 0)
            epoch = value;
        else if (strcmp(name, "verb") == 0)
            verb = value;
        else if (strcmp(name, "node") == 0)
            node = value;
        /* Other fields (when, by whom) are for people reading the record. */
    }
    char *end = NULL;
    /* Digits only, and far from overflow: writers add one or two to it. */
    long long e = epoch && epoch[0] >= '0' && epoch[0] <= '9' ? strtoll(epoch, &end, 10) : 0;
    if (!epoch || !end || *end || e < 1 || e > PREFERENCE_EPOCH_MAX) {
        snprintf(why, why_size, "%s: epoch %s is not a number from 1 to %lld", PREFERENCE_KEY,
                 epoch ? epoch : "missing", PREFERENCE_EPOCH_MAX);
        return -EBADMSG;
    }
    if (!verb || (strcmp(verb, "prefer") != 0 && strcmp(verb, "avoid") != 0)) {
        snprintf(why, why_size, "%s: verb %s is neither prefer nor avoid", PREFERENCE_KEY,
                 verb ? verb : "missing");
        return -EBADMSG;
    }
    if (!node || !valid_node_id(node)) {
        snprintf(why, why_size, "%s: node %.40s is not a node id (%d hex digits)", PREFERENCE_KEY,
                 node ? node : "missing", NODE_ID_LEN);
        return -EBADMSG;
    }
    out->present = true;
    out->epoch = e;
    out->verb = strcmp(verb, "prefer") == 0 ? PREFERENCE_PREFER : PREFERENCE_AVOID;
    snprintf(out->node, sizeof(out->node), "%s", node);
    return 0;
}

static bool prefers(const struct preference_record *r, const char *me) {
    bool named = strcmp(r->node, me) == 0;
    /* Two nodes: a node not named is the other one. */
    return r->verb == PREFERENCE_PREFER ? named : !named;
}

int preference_level(const struct preference_record *r, const char *me, int current) {
    if (!r->present)
        return current;
    return prefers(r, me) ? PREFERENCE_LEVEL_PREFERRED : PREFERENCE_LEVEL_YIELD;
}

const char *preference_describe(const struct preference_record *r, const char *me) {
    if (!r->present)
        return "nothing recorded";
    return prefers(r, me) ? "prefers this node" : "prefers the peer";
}

int node_id_load(const char *state_dir, char out[NODE_ID_LEN + 1], char *err, size_t err_size) {
    char path[512];
    snprintf(path, sizeof(path), "%s/node-id", state_dir);
    char text[64];
    int r = run_dir_read_file(path, text, sizeof(text));
    if (r == 0 && valid_node_id(text)) {
        memcpy(out, text, NODE_ID_LEN + 1);
        return 0;
    }
    if (r == 0) {
        snprintf(err, err_size, "%s: not a node id (%d hex digits); remove it to make a new one",
                 path, NODE_ID_LEN);
        return -EBADMSG;
    }
    if (r != -ENOENT) {
        snprintf(err, err_size, "%s: %s", path, strerror(-r));
        return r;
    }
    unsigned char bytes[NODE_ID_LEN / 2];
    if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes)) {
        r = -errno;
        snprintf(err, err_size, "getrandom: %s", strerror(-r));
        return r;
    }
    for (size_t i = 0; i < sizeof(bytes); i++)
        snprintf(out + 2 * i, 3, "%02x", bytes[i]);
    r = ensure_directory(state_dir, 0755);
    if (r >= 0)
        r = run_dir_write_file(path, out);
    if (r < 0)
        snprintf(err, err_size, "%s: %s", path, strerror(-r));
    return r;
}
