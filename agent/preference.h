/* Which node keepalived should favour, independent of health. The pair's answer is
 * one record in Redis (a hash, so it replicates to the other node and survives a
 * restart of either agent), naming a node by the id each agent keeps in its
 * state_dir. Each agent mirrors it into keepalived's second track file, the
 * preference file: 0 when this node is preferred (or nothing is recorded), 1 when it
 * yields; keepalived's `weight -N` (N above the priority gap) turns the 1 into a
 * priority below the peer's, so keepalived moves the VIP by its own preemption and
 * both nodes stay eligible to take over after a fault.
 *
 * The record names the node by a verb, so that either agent can write it knowing only
 * its own id: "prefer <id>" (written by the node that is to be preferred) or
 * "avoid <id>" (written by the node that is to yield). Pure: no I/O but node_id_load. */
#ifndef RVA_PREFERENCE_H
#define RVA_PREFERENCE_H

#include <stdbool.h>
#include <stddef.h>

#define PREFERENCE_KEY "redis-vrrp-agent:preference"
/* Taken with SET NX PX on the master for the length of one switchover. */
#define SWITCHOVER_LOCK_KEY  "redis-vrrp-agent:switchover"
#define NODE_ID_LEN          32
#define PREFERENCE_EPOCH_MAX 1000000000000000LL

/* What the agent writes into the preference file. */
enum { PREFERENCE_LEVEL_PREFERRED = 0, PREFERENCE_LEVEL_YIELD = 1 };

enum preference_verb { PREFERENCE_PREFER, PREFERENCE_AVOID };

struct preference_record {
    bool present;    /* false: nothing recorded (a new pair, a flushed one) */
    long long epoch; /* grows by one with every record written */
    enum preference_verb verb;
    char node[NODE_ID_LEN + 1];
};

/* Read a record from HGETALL's field/value pairs (`fields` has 2 * pairs entries).
 * No pairs: not present. Returns 0, or -EBADMSG with the reason in `why`. */
int preference_record_from_fields(const char *const *fields, size_t pairs,
                                  struct preference_record *out, char *why, size_t why_size);

/* The level for node `me`: the record's answer, or `current` when nothing is
 * recorded (the preference file keeps what the last record said). */
int preference_level(const struct preference_record *r, const char *me, int current);

/* "prefers this node", "prefers the peer", "nothing recorded" */
const char *preference_describe(const struct preference_record *r, const char *me);

/* This node's id, from state_dir/node-id, created (random, 32 hex digits) on first
 * use. Returns 0 or a negative errno with the reason in err. */
int node_id_load(const char *state_dir, char out[NODE_ID_LEN + 1], char *err, size_t err_size);

#endif
