/* The local Redis's process, watched for its exit. A server killed with SIGKILL keeps
 * its sockets open until the kernel has freed its memory (a quarter of a second at
 * 2 GiB here), so the agent's connection sees nothing until then; the kernel marks
 * the task as exiting at once. Reading /proc/PID/stat every few milliseconds sees
 * that mark, a zombie or the task gone, and lets the agent fail at once. */
#ifndef RVA_PROCESS_WATCH_H
#define RVA_PROCESS_WATCH_H

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

/* How often a followed process is looked at. Each look wakes the daemon (a read of
 * 4 us, but a wake-up costs some 80 us of CPU on this lab's virtual machine): 50 a
 * second cost about 0.5% of a core there, 100 cost 0.8%, which the 1% budget at
 * interval_ms 100 (0.3% for the checks alone) could not take. */
#define PROCESS_WATCH_POLL_USEC 20000u

/* The fields of /proc/PID/stat the watch reads. */
struct process_stat {
    char comm[16]; /* the task's name: the executable's base name, cut to 15 bytes */
    char state;    /* R, S, D, T, Z, X, ... */
    unsigned long flags;
};

/* Parse the text of /proc/PID/stat (the name in parentheses may hold anything, even
 * parentheses: it ends at the last ')'). Returns 0, or -EBADMSG. Pure. */
int process_stat_parse(const char *text, struct process_stat *out);

/* The task is on its way out: marked exiting (PF_EXITING), a zombie, or dead. Pure. */
bool process_stat_exiting(const struct process_stat *stat);

struct process_watch;
/* The followed process is exiting or gone; `why` says which. The watch has stopped
 * following it. */
typedef void (*process_exit_fn)(struct process_watch *pw, const char *why, void *userdata);

struct process_watch {
    sd_event *event;
    sd_event_source *timer; /* armed while following */
    int stat_fd;            /* /proc/PID/stat of the followed process; -1 otherwise */
    pid_t pid;              /* followed; 0 otherwise */
    char comm[16];
    char not_followed[200]; /* why the last process offered was not followed (logged once) */
    process_exit_fn on_exit;
    void *userdata;
};

void process_watch_init(struct process_watch *pw, sd_event *event, process_exit_fn on_exit,
                        void *userdata);

/* Follow `pid`, which INFO server named along with `executable` (its path as Redis
 * started it): only when /proc/PID/stat can be read and names that executable, so a
 * server in another PID namespace (a container), or a /proc that hides other users'
 * processes, leaves crash detection to the connection. A no-op for the pid already
 * followed. */
void process_watch_follow(struct process_watch *pw, long long pid, const char *executable);

void process_watch_stop(struct process_watch *pw);

#endif
