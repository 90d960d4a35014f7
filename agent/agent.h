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
#include "reconcile.h"
#include "track_file.h"
#include "transition.h"
#include "vip_watch.h"

struct last_transition {
    bool valid;
    char id[40];
    enum vrrp_state target;
    enum transition_outcome outcome;
    long duration_ms;
    time_t ended;
    char summary[1024];
    char error[300];
};

struct agent {
    struct config cfg;
    const char *config_path;
    sd_event *event;
    int run_dir_lock_fd;
    uint64_t started_usec;

    struct local_watch local;
    struct peer_watch peer;
    struct vip_watch vip;
    bool vip_watched;
    struct notify_fifo fifo;
    bool fifo_open;
    struct control_server control;
    struct track_file track;

    /* Transitions: one runs at a time; a newer notification supersedes it and waits
     * in `pending` until it has stopped. */
    struct transition transition;
    bool transition_running;
    bool supersede_requested;
    bool has_pending;
    struct notification pending;
    unsigned long transitions_started;
    struct last_transition last;

    bool vrrp_known;          /* a notification has been received */
    enum vrrp_state vrrp_state;
    bool maintenance;
    bool split_brain;
    uint64_t split_brain_logged_usec;
    uint64_t split_brain_since_usec; /* when both were first seen as masters, 0 if not */
    time_t split_brain_last_seen;     /* for status after it is over; 0 never */
    enum reconcile_action reconcile_seen; /* what reconciliation called for, and since when */
    uint64_t reconcile_since_usec;
    bool ready_sent;
    bool reload_requested;
    bool quitting;
    char last_status[200];
    struct loop_stats loop; /* how long each dispatched callback ran */
};

#endif
