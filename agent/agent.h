/* struct agent: everything the daemon holds, in one place, passed explicitly:
 * the config, the watchers (local Redis, peer Redis, VIP, notify FIFO, control
 * socket), the track file, and the running and last transitions. */
#ifndef RVA_AGENT_H
#define RVA_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "config.h"
#include "control.h"
#include "local_watch.h"
#include "notification.h"
#include "loop_stats.h"
#include "notify_fifo.h"
#include "peer_watch.h"
#include "preference.h"
#include "reconcile.h"
#include "redis_link.h"
#include "split_brain.h"
#include "switchover.h"
#include "track_file.h"
#include "transition.h"
#include "vip_watch.h"
#include "witness_client.h"
#include "sync_guard.h"
#include "write_guard.h"

/* The preference file and the record it mirrors (see preference.h). */
struct agent_preference {
    char node_id[NODE_ID_LEN + 1];
    struct track_file file;
    int level;                       /* what the file holds */
    struct preference_record record; /* the newest one read or written here */
    char last_error[256];            /* the record could not be read: logged once */
};

/* The running switchover, or the last one's report (for `switchover-status`). */
struct agent_switchover {
    struct switchover *running; /* NULL when none */
    unsigned long started;      /* its id is "s<started>" */
    bool ok;                    /* the last one's outcome, once it has ended */
    char report[2048];
};

struct last_transition {
    bool valid;
    struct transition_result result;
    time_t ended;
};

/* What the daemon is doing besides its ordinary work. */
enum agent_lifecycle {
    AGENT_RUNNING,
    AGENT_RELOAD_PENDING, /* SIGHUP came: reload once no transition runs and the links
                             owe nothing (run_loop) */
    AGENT_QUITTING,       /* stopping: exit once the same holds */
};

struct agent {
    struct config cfg;
    const char *config_path;
    sd_event *event;
    int run_dir_lock_fd;
    uint64_t started_usec;
    enum agent_lifecycle lifecycle;

    /* The two Redis links, shared by the watches and transitions. */
    struct redis_link local_link, peer_link;
    struct local_watch local;
    struct peer_watch peer;
    struct vip_watch vip;
    bool vip_watched;
    uint64_t vip_changed_usec; /* when the VIP last came or went (monotonic) */
    struct notify_fifo fifo;
    bool fifo_open;
    struct control_server control;
    struct track_file track;
    struct witness_client witness;
    bool witness_open;
    bool witness_holding; /* the track file fails because of the witness's verdict */
    struct write_guard guard;
    struct sync_guard sync_guard;
    struct stall_watch stall; /* is our replication keeping up with the peer? */

    /* Transitions: one runs at a time (NULL when none); a newer notification cancels
     * it and waits in `pending` until it has stopped. */
    struct transition *transition;
    bool has_pending;
    struct notification pending;
    unsigned long transitions_started;
    struct last_transition last;
    struct agent_preference preference;
    struct agent_switchover switchover;

    bool vrrp_known; /* a notification has been received */
    enum vrrp_state vrrp_state;
    bool maintenance;
    struct split_brain split_brain;
    time_t split_brain_last_seen; /* for status after it is over; 0 never */
    struct reconcile_timer reconcile;
    bool ready_sent;
    char last_status[200];
    struct loop_stats loop; /* how long each dispatched callback ran */
};

#endif
