/* Snapshots of data a resync would discard. */
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run_dir.h"

struct snapshot_copy {
    sd_event_source *child;
    pid_t pid;
    int error_fd;       /* the child writes its error message here */
    bool cancelled;     /* nobody waits for it any more */
    char path[1024];    /* the copy's final name */
    char partial[1100]; /* its name until complete */
    snapshot_done_fn on_done;
    void *userdata;
};

bool snapshot_bgsave_busy(const char *error_reply) {
    /* Redis gives these no error code of their own (both are ERR): a save for a
     * replica's full sync, or an AOF rewrite, is running. */
    return strstr(error_reply, "in progress") || strstr(error_reply, "child process");
}

/* Bytes per copy_file_range call: each call runs in the kernel without a scheduling
 * point on most kernels, so small calls let the daemon (and Redis) have a CPU back
 * promptly on a small machine. */
#define COPY_CHUNK_BYTES (1 << 20)
/* The copying child's nice value: below the daemon and Redis. */
#define SNAPSHOT_COPY_NICE 10

/* In the child: copy in, fsync, return 0 or a negative errno. copy_file_range lets
 * the kernel move the bytes; read/write where it cannot (another filesystem on old
 * kernels). */
static int copy_fd(int in, int out) {
    for (;;) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, COPY_CHUNK_BYTES, 0);
        if (n == 0)
            break;
        if (n > 0)
            continue;
        if (errno == EINTR)
            continue;
        if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
            return -errno;
        char buf[1 << 16];
        while ((n = read(in, buf, sizeof(buf))) != 0) {
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return -errno;
            for (ssize_t done = 0; done < n;) {
                ssize_t w = write(out, buf + done, (size_t)(n - done));
                if (w < 0 && errno != EINTR)
                    return -errno;
                done += w > 0 ? w : 0;
            }
        }
        break;
    }
    return fsync(out) < 0 ? -errno : 0;
}

/* The child's whole job; exits with the errno that stopped it, the message on fd. */
static void __attribute__((noreturn))
copy_in_child(const struct snapshot_copy *c, const char *rdb_path, const char *dir) {
    char error[1500] = "";
    /* A copy may wait; the daemon's loop and the Redis it guards may not. A failure
     * only means the copy competes harder for the CPU. */
    (void)setpriority(PRIO_PROCESS, 0, SNAPSHOT_COPY_NICE);
    int r = ensure_directory(dir, 0700);
    int in = -1, out = -1;
    if (r < 0)
        snprintf(error, sizeof(error), "snapshot_dir %s: %s", dir, strerror(-r));
    if (r == 0 && (in = open(rdb_path, O_RDONLY | O_CLOEXEC)) < 0) {
        r = -errno;
        snprintf(error, sizeof(error), "open %s: %s", rdb_path, strerror(-r));
    }
    if (r == 0 && (out = open(c->partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
        r = -errno;
        snprintf(error, sizeof(error), "create %s: %s", c->partial, strerror(-r));
    }
    if (r == 0)
        r = copy_fd(in, out);
    if (out >= 0 && close(out) < 0 && r == 0)
        r = -errno;
    if (r == 0 && rename(c->partial, c->path) < 0)
        r = -errno;
    if (r < 0 && !error[0])
        /* The reason first: messages about it are bounded, and these paths are long. */
        snprintf(error, sizeof(error), "%s copying %s to %s", strerror(-r), rdb_path, c->path);
    if (r < 0) {
        if (out >= 0)
            unlink(c->partial);
        ssize_t ignored = write(c->error_fd, error, strlen(error));
        (void)ignored;
    }
    _exit(r < 0 ? -r : 0);
}

static void copy_free(struct snapshot_copy *c) {
    sd_event_source_disable_unref(c->child);
    if (c->error_fd >= 0)
        close(c->error_fd);
    free(c);
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
    (void)s;
    struct snapshot_copy *c = userdata;
    if (c->cancelled) {
        unlink(c->partial);
        copy_free(c);
        return 0;
    }
    char error[1500] = "";
    ssize_t n = read(c->error_fd, error, sizeof(error) - 1);
    error[n > 0 ? n : 0] = '\0';
    int r = 0;
    if (si->si_code != CLD_EXITED) {
        r = -EINTR;
        snprintf(error, sizeof(error), "the copying process was killed by signal %d",
                 si->si_status);
        unlink(c->partial);
    } else if (si->si_status != 0) {
        r = -si->si_status;
    }
    snapshot_done_fn on_done = c->on_done;
    void *done_userdata = c->userdata;
    char path[sizeof(c->path)];
    snprintf(path, sizeof(path), "%s", c->path);
    copy_free(c);
    on_done(r, path, error, done_userdata);
    return 0;
}

struct snapshot_copy *snapshot_copy_start(sd_event *event, const char *rdb_path,
                                          const char *snapshot_dir, const char *local_replid,
                                          const char *peer_replid, snapshot_done_fn on_done,
                                          void *userdata, int *r) {
    struct snapshot_copy *c = calloc(1, sizeof(*c));
    if (!c) {
        *r = -ENOMEM;
        return NULL;
    }
    c->error_fd = -1;
    c->on_done = on_done;
    c->userdata = userdata;
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    snprintf(c->path, sizeof(c->path), "%s/dump-%s-local-%s-peer-%s.rdb", snapshot_dir, stamp,
             local_replid[0] ? local_replid : "none", peer_replid[0] ? peer_replid : "unknown");
    snprintf(c->partial, sizeof(c->partial), "%s.partial", c->path);

    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
        *r = -errno;
        free(c);
        return NULL;
    }
    c->pid = fork();
    if (c->pid < 0) {
        *r = -errno;
        close(fds[0]);
        close(fds[1]);
        free(c);
        return NULL;
    }
    if (c->pid == 0) {
        /* Nothing of the daemon's stays open in the child: not its run_dir lock (a
         * restarted daemon must get it while an orphaned copy finishes), not its
         * sockets. */
        int keep = fds[1];
        close_range(3, (unsigned)keep - 1, 0);
        close_range((unsigned)keep + 1, ~0u, 0);
        c->error_fd = keep;
        copy_in_child(c, rdb_path, snapshot_dir);
    }
    close(fds[1]);
    c->error_fd = fds[0];
    *r = sd_event_add_child(event, &c->child, c->pid, WEXITED, on_child, c);
    if (*r < 0) {
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        unlink(c->partial);
        copy_free(c);
        return NULL;
    }
    return c;
}

void snapshot_copy_cancel(struct snapshot_copy *c) {
    c->cancelled = true;
    kill(c->pid, SIGKILL);
}
