/* Unit tests for switchover_plan(): a table of named cases, each a safe view seen from
 * the master's side or from the replica's with one thing changed and the request's
 * --here/--to, proving every refusal (with its reason) and both directions allowed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "switchover.h"

#define LOCAL_HOST "192.0.2.11"
#define PEER_HOST  "192.0.2.12"
#define OTHER_HOST "192.0.2.99"
#define PORT       6379
/* The master's offset; the baseline replica is SMALL_LAG bytes behind it. */
#define MASTER_OFFSET 50000000LL
#define SMALL_LAG     100
#define MAX_LAG       SWITCHOVER_MAX_LAG_BYTES

/* Which node asks: the master, whose switchover goes AWAY, or its replica (HERE). */
enum side { FROM_MASTER, FROM_REPLICA };

/* The one thing a case changes in the safe view. */
enum change {
    NO_CHANGE,
    NO_PREFERENCE_FILE,
    NO_VIP,
    BUSY,
    MAINTENANCE,
    SPLIT_BRAIN,
    LOCAL_UNHEALTHY,
    LOCAL_INFO_UNKNOWN,
    PEER_UNREACHABLE,
    RECORD_NOT_READ,
    VIP_HERE,      /* the VIP on the replica's host */
    VIP_ELSEWHERE, /* the VIP away from the master's host */
    VRRP_MASTER,
    VRRP_BACKUP,
    VRRP_UNKNOWN, /* no word from keepalived yet */
    BOTH_MASTERS,
    BOTH_REPLICAS,
    REPLICA_LINK_DOWN,
    REPLICA_SYNCING,
    LAG_ABOVE_MAX,
    LAG_AT_MAX,
    REPLICA_OF_OTHER_HOST,
    REPLICA_OF_OTHER_PORT,
};

static struct redis_info master_info(void) {
    struct redis_info info;
    memset(&info, 0, sizeof(info));
    info.role = REDIS_ROLE_MASTER;
    info.master_repl_offset = MASTER_OFFSET;
    info.slave_repl_offset = -1;
    info.connected_replicas = 1;
    return info;
}

static struct redis_info replica_info(const char *master_host) {
    struct redis_info info;
    memset(&info, 0, sizeof(info));
    info.role = REDIS_ROLE_REPLICA;
    snprintf(info.master_host, sizeof(info.master_host), "%s", master_host);
    info.master_port = PORT;
    info.master_link_up = true;
    info.slave_repl_offset = MASTER_OFFSET - SMALL_LAG;
    info.master_repl_offset = MASTER_OFFSET - SMALL_LAG;
    return info;
}

/* A view in which a switchover is safe from `side`, then `change` applied to it.
 * `local` and `peer` receive the INFO the view points to. */
static struct switchover_view view_of(enum side side, enum change change, struct redis_info *local,
                                      struct redis_info *peer) {
    bool from_master = side == FROM_MASTER;
    *local = from_master ? master_info() : replica_info(PEER_HOST);
    *peer = from_master ? replica_info(LOCAL_HOST) : master_info();
    struct switchover_view v = {
        .preference_configured = true,
        .vip_configured = true,
        .local_healthy = true,
        .local_known = true,
        .local = local,
        .peer_reachable = true,
        .peer = peer,
        .peer_host = PEER_HOST,
        .peer_port = PORT,
        .vip_here = from_master,
        .vrrp_known = true,
        .vrrp_master = from_master,
        .record_read = true,
    };
    struct redis_info *master = from_master ? local : peer;
    struct redis_info *replica = from_master ? peer : local;
    switch (change) {
    case NO_CHANGE: break;
    case NO_PREFERENCE_FILE: v.preference_configured = false; break;
    case NO_VIP: v.vip_configured = false; break;
    case BUSY: v.busy = true; break;
    case MAINTENANCE: v.maintenance = true; break;
    case SPLIT_BRAIN: v.split_brain = true; break;
    case LOCAL_UNHEALTHY: v.local_healthy = false; break;
    case LOCAL_INFO_UNKNOWN: v.local_known = false; break;
    case PEER_UNREACHABLE: v.peer_reachable = false; break;
    case RECORD_NOT_READ: v.record_read = false; break;
    case VIP_HERE: v.vip_here = true; break;
    case VIP_ELSEWHERE: v.vip_here = false; break;
    case VRRP_MASTER: v.vrrp_master = true; break;
    case VRRP_BACKUP: v.vrrp_master = false; break;
    case VRRP_UNKNOWN: v.vrrp_known = false, v.vrrp_master = false; break;
    case BOTH_MASTERS: *replica = master_info(); break;
    case BOTH_REPLICAS: *master = replica_info(from_master ? PEER_HOST : LOCAL_HOST); break;
    case REPLICA_LINK_DOWN: replica->master_link_up = false; break;
    case REPLICA_SYNCING: replica->master_sync_in_progress = true; break;
    case LAG_ABOVE_MAX: replica->slave_repl_offset = MASTER_OFFSET - MAX_LAG - 1; break;
    case LAG_AT_MAX: replica->slave_repl_offset = MASTER_OFFSET - MAX_LAG; break;
    case REPLICA_OF_OTHER_HOST:
        snprintf(replica->master_host, sizeof(replica->master_host), "%s", OTHER_HOST);
        break;
    case REPLICA_OF_OTHER_PORT: replica->master_port = PORT + 1; break;
    }
    return v;
}

struct plan_case {
    enum side side;
    enum change change;
    bool here;                           /* --here */
    const char *to;                      /* --to, or NULL */
    int expected;                        /* 0, -EBUSY or -EINVAL */
    enum switchover_direction direction; /* when allowed */
    const char *why;                     /* when refused: a phrase the reason must contain */
};

#define NO_HERE false
#define HERE    true
#define NO_TO   NULL

#define ALLOWED(side_, change_, here_, to_, direction_)                                    \
    {                                                                                      \
        .side = (side_), .change = (change_), .here = (here_), .to = (to_), .expected = 0, \
        .direction = (direction_)                                                          \
    }
#define REFUSED(side_, change_, here_, to_, code_, why_)                                         \
    {                                                                                            \
        .side = (side_), .change = (change_), .here = (here_), .to = (to_), .expected = (code_), \
        .why = (why_)                                                                            \
    }

/* ---- allowed ---- */

static const struct plan_case master_gives_the_role_away =
    ALLOWED(FROM_MASTER, NO_CHANGE, NO_HERE, NO_TO, SWITCHOVER_AWAY);
static const struct plan_case master_gives_the_role_to_the_peer =
    ALLOWED(FROM_MASTER, NO_CHANGE, NO_HERE, "peer", SWITCHOVER_AWAY);
static const struct plan_case master_gives_the_role_to_the_peer_host =
    ALLOWED(FROM_MASTER, NO_CHANGE, NO_HERE, PEER_HOST, SWITCHOVER_AWAY);
static const struct plan_case master_whose_keepalived_is_not_heard_from_yet_gives_the_role_away =
    ALLOWED(FROM_MASTER, VRRP_UNKNOWN, NO_HERE, NO_TO, SWITCHOVER_AWAY);
static const struct plan_case master_gives_the_role_to_a_replica_exactly_max_lag_behind =
    ALLOWED(FROM_MASTER, LAG_AT_MAX, NO_HERE, NO_TO, SWITCHOVER_AWAY);
static const struct plan_case replica_takes_the_role_with_here =
    ALLOWED(FROM_REPLICA, NO_CHANGE, HERE, NO_TO, SWITCHOVER_HERE);
static const struct plan_case replica_takes_the_role_without_a_flag =
    ALLOWED(FROM_REPLICA, NO_CHANGE, NO_HERE, NO_TO, SWITCHOVER_HERE);
static const struct plan_case replica_exactly_max_lag_behind_takes_the_role =
    ALLOWED(FROM_REPLICA, LAG_AT_MAX, HERE, NO_TO, SWITCHOVER_HERE);

/* ---- refused: the request, the configuration, the agent's state ---- */

static const struct plan_case without_preference_file_is_refused =
    REFUSED(FROM_MASTER, NO_PREFERENCE_FILE, NO_HERE, NO_TO, -EINVAL,
            "preference_file and vip must be set");
static const struct plan_case without_vip_is_refused =
    REFUSED(FROM_MASTER, NO_VIP, NO_HERE, NO_TO, -EINVAL, "preference_file and vip must be set");
static const struct plan_case to_an_unknown_host_is_refused =
    REFUSED(FROM_MASTER, NO_CHANGE, NO_HERE, OTHER_HOST, -EINVAL,
            "--to " OTHER_HOST ": the peer is " PEER_HOST " ([peer] host)");
static const struct plan_case to_this_node_is_refused =
    REFUSED(FROM_MASTER, NO_CHANGE, NO_HERE, LOCAL_HOST, -EINVAL, "this pair has no other node");
/* The request is checked before the agent's state: it will never be right. */
static const struct plan_case to_an_unknown_host_is_refused_as_such_while_busy =
    REFUSED(FROM_MASTER, BUSY, NO_HERE, OTHER_HOST, -EINVAL, "this pair has no other node");
static const struct plan_case busy_agent_is_refused =
    REFUSED(FROM_MASTER, BUSY, NO_HERE, NO_TO, -EBUSY, "a transition is running here");
static const struct plan_case maintenance_is_refused =
    REFUSED(FROM_MASTER, MAINTENANCE, NO_HERE, NO_TO, -EBUSY, "maintenance is on here");
static const struct plan_case split_brain_is_refused =
    REFUSED(FROM_MASTER, SPLIT_BRAIN, NO_HERE, NO_TO, -EBUSY, "split brain");
static const struct plan_case unhealthy_local_redis_is_refused = REFUSED(
    FROM_MASTER, LOCAL_UNHEALTHY, NO_HERE, NO_TO, -EBUSY, "local Redis/Valkey is not healthy");
static const struct plan_case local_info_unknown_is_refused = REFUSED(
    FROM_MASTER, LOCAL_INFO_UNKNOWN, NO_HERE, NO_TO, -EBUSY, "local Redis/Valkey is not healthy");
static const struct plan_case unreachable_peer_is_refused =
    REFUSED(FROM_MASTER, PEER_UNREACHABLE, NO_HERE, NO_TO, -EBUSY,
            "peer's Redis/Valkey (" PEER_HOST ":6379) does not answer");
static const struct plan_case unread_preference_record_is_refused =
    REFUSED(FROM_MASTER, RECORD_NOT_READ, NO_HERE, NO_TO, -EBUSY,
            "preference record (" PREFERENCE_KEY ") could not be read");

/* ---- refused: the master's side ---- */

static const struct plan_case here_on_the_master_is_refused = REFUSED(
    FROM_MASTER, NO_CHANGE, HERE, NO_TO, -EINVAL, "--here: this node is already the master");
static const struct plan_case master_without_the_vip_is_refused =
    REFUSED(FROM_MASTER, VIP_ELSEWHERE, NO_HERE, NO_TO, -EBUSY, "master but the VIP is not here");
static const struct plan_case master_whose_keepalived_is_not_master_is_refused =
    REFUSED(FROM_MASTER, VRRP_BACKUP, NO_HERE, NO_TO, -EBUSY, "not in MASTER state");
static const struct plan_case both_masters_are_refused =
    REFUSED(FROM_MASTER, BOTH_MASTERS, NO_HERE, NO_TO, -EBUSY, "roles: local master, peer master");
static const struct plan_case both_replicas_are_refused = REFUSED(
    FROM_MASTER, BOTH_REPLICAS, NO_HERE, NO_TO, -EBUSY, "roles: local replica, peer replica");
static const struct plan_case replica_with_its_link_down_is_refused =
    REFUSED(FROM_MASTER, REPLICA_LINK_DOWN, NO_HERE, NO_TO, -EBUSY, "link to the master is down");
static const struct plan_case replica_still_syncing_is_refused = REFUSED(
    FROM_MASTER, REPLICA_SYNCING, NO_HERE, NO_TO, -EBUSY, "link to the master is still syncing");
static const struct plan_case replica_one_byte_above_max_lag_is_refused =
    REFUSED(FROM_MASTER, LAG_ABOVE_MAX, NO_HERE, NO_TO, -EBUSY,
            "the replica is 1048577 bytes behind (at most 1048576)");

/* ---- refused: the replica's side ---- */

static const struct plan_case to_on_the_replica_is_refused = REFUSED(
    FROM_REPLICA, NO_CHANGE, NO_HERE, "peer", -EINVAL, "--to peer: the peer is already the master");
static const struct plan_case to_the_peer_host_on_the_replica_is_refused =
    REFUSED(FROM_REPLICA, NO_CHANGE, NO_HERE, PEER_HOST, -EINVAL,
            "--to " PEER_HOST ": the peer is already the master");
static const struct plan_case replica_with_the_vip_is_refused =
    REFUSED(FROM_REPLICA, VIP_HERE, HERE, NO_TO, -EBUSY, "replica but the VIP is here");
static const struct plan_case replica_whose_keepalived_is_master_is_refused =
    REFUSED(FROM_REPLICA, VRRP_MASTER, HERE, NO_TO, -EBUSY,
            "keepalived here is in MASTER state but Redis is a replica");
static const struct plan_case replica_of_another_host_is_refused =
    REFUSED(FROM_REPLICA, REPLICA_OF_OTHER_HOST, HERE, NO_TO, -EBUSY,
            "replicates from " OTHER_HOST ":6379, not from the peer");
static const struct plan_case replica_of_another_port_of_the_peer_is_refused =
    REFUSED(FROM_REPLICA, REPLICA_OF_OTHER_PORT, HERE, NO_TO, -EBUSY,
            "replicates from " PEER_HOST ":6380, not from the peer");
static const struct plan_case local_replica_with_its_link_down_is_refused =
    REFUSED(FROM_REPLICA, REPLICA_LINK_DOWN, HERE, NO_TO, -EBUSY, "link to the master is down");
static const struct plan_case local_replica_one_byte_above_max_lag_is_refused =
    REFUSED(FROM_REPLICA, LAG_ABOVE_MAX, HERE, NO_TO, -EBUSY, "1048577 bytes behind");
static const struct plan_case both_replicas_seen_from_a_replica_are_refused =
    REFUSED(FROM_REPLICA, BOTH_REPLICAS, HERE, NO_TO, -EBUSY, "roles: local replica, peer replica");

static void run_case(void **state) {
    const struct plan_case *c = *state;
    struct redis_info local, peer;
    struct switchover_view v = view_of(c->side, c->change, &local, &peer);
    enum switchover_direction direction =
        c->direction == SWITCHOVER_AWAY ? SWITCHOVER_HERE : SWITCHOVER_AWAY;
    char why[512] = "";
    int r = switchover_plan(&v, c->here, c->to, &direction, why, sizeof(why));
    if (r != c->expected)
        print_error("returned %d (%s), expected %d\n", r, why, c->expected);
    assert_int_equal(r, c->expected);
    if (c->expected == 0) {
        assert_int_equal(direction, c->direction);
        return;
    }
    if (!strstr(why, c->why))
        print_error("reason \"%s\" does not say \"%s\"\n", why, c->why);
    assert_non_null(strstr(why, c->why));
}

/* One cmocka test per case, named for the behaviour it proves. */
#define CASE_TEST(c) \
    { .name = "test_switchover_plan_" #c, .test_func = run_case, .initial_state = (void *)&(c) }

int main(void) {
    const struct CMUnitTest tests[] = {
        CASE_TEST(master_gives_the_role_away),
        CASE_TEST(master_gives_the_role_to_the_peer),
        CASE_TEST(master_gives_the_role_to_the_peer_host),
        CASE_TEST(master_whose_keepalived_is_not_heard_from_yet_gives_the_role_away),
        CASE_TEST(master_gives_the_role_to_a_replica_exactly_max_lag_behind),
        CASE_TEST(replica_takes_the_role_with_here),
        CASE_TEST(replica_takes_the_role_without_a_flag),
        CASE_TEST(replica_exactly_max_lag_behind_takes_the_role),
        CASE_TEST(without_preference_file_is_refused),
        CASE_TEST(without_vip_is_refused),
        CASE_TEST(to_an_unknown_host_is_refused),
        CASE_TEST(to_this_node_is_refused),
        CASE_TEST(to_an_unknown_host_is_refused_as_such_while_busy),
        CASE_TEST(busy_agent_is_refused),
        CASE_TEST(maintenance_is_refused),
        CASE_TEST(split_brain_is_refused),
        CASE_TEST(unhealthy_local_redis_is_refused),
        CASE_TEST(local_info_unknown_is_refused),
        CASE_TEST(unreachable_peer_is_refused),
        CASE_TEST(unread_preference_record_is_refused),
        CASE_TEST(here_on_the_master_is_refused),
        CASE_TEST(master_without_the_vip_is_refused),
        CASE_TEST(master_whose_keepalived_is_not_master_is_refused),
        CASE_TEST(both_masters_are_refused),
        CASE_TEST(both_replicas_are_refused),
        CASE_TEST(replica_with_its_link_down_is_refused),
        CASE_TEST(replica_still_syncing_is_refused),
        CASE_TEST(replica_one_byte_above_max_lag_is_refused),
        CASE_TEST(to_on_the_replica_is_refused),
        CASE_TEST(to_the_peer_host_on_the_replica_is_refused),
        CASE_TEST(replica_with_the_vip_is_refused),
        CASE_TEST(replica_whose_keepalived_is_master_is_refused),
        CASE_TEST(replica_of_another_host_is_refused),
        CASE_TEST(replica_of_another_port_of_the_peer_is_refused),
        CASE_TEST(local_replica_with_its_link_down_is_refused),
        CASE_TEST(local_replica_one_byte_above_max_lag_is_refused),
        CASE_TEST(both_replicas_seen_from_a_replica_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
