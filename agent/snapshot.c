/* Snapshots of data a resync would discard. */
#include "snapshot.h"

#include "run_dir.h"

#include <systemd/sd-daemon.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int snapshot_start(struct redis_conn *local, char *err, size_t err_size) {
    redisReply *reply = redis_conn_command(local, "BGSAVE");
    if (!reply) {
        snprintf(err, err_size, "BGSAVE: %s", local->error);
        return -1;
    }
    int r = 1;
    if (reply->type == REDIS_REPLY_ERROR) {
        /* A save for a replica's full sync, or an AOF rewrite, may be running. */
        if (strstr(reply->str, "in progress") || strstr(reply->str, "child process"))
            r = 0;
        else {
            snprintf(err, err_size, "BGSAVE: %s", reply->str);
            r = -1;
        }
    }
    freeReplyObject(reply);
    return r;
}

int snapshot_save_finished(struct redis_conn *local, char *err, size_t err_size) {
    redisReply *reply = redis_conn_command(local, "INFO persistence");
    if (!reply || reply->type != REDIS_REPLY_STRING) {
        snprintf(err, err_size, "INFO persistence: %s", reply ? reply->str : local->error);
        if (reply)
            freeReplyObject(reply);
        return -1;
    }
    struct redis_info info;
    int parsed = redis_info_parse(reply->str, &info);
    freeReplyObject(reply);
    if (parsed < 0) {
        snprintf(err, err_size, "INFO persistence: garbage reply");
        return -1;
    }
    if (info.bgsave_in_progress)
        return 0;
    if (!info.last_bgsave_ok) {
        snprintf(err, err_size, "BGSAVE failed (rdb_last_bgsave_status:err; see the server log)");
        return -1;
    }
    return 1;
}

/* CONFIG GET name -> value. */
static int config_get(struct redis_conn *local, const char *name, char *out, size_t size,
                      char *err, size_t err_size) {
    redisReply *reply = redis_conn_command(local, "CONFIG GET %s", name);
    int r = -1;
    if (!reply)
        snprintf(err, err_size, "CONFIG GET %s: %s", name, local->error);
    else if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
             reply->element[1]->type != REDIS_REPLY_STRING)
        snprintf(err, err_size, "CONFIG GET %s: unexpected reply%s%s", name,
                 reply->type == REDIS_REPLY_ERROR ? ": " : "",
                 reply->type == REDIS_REPLY_ERROR ? reply->str : "");
    else {
        snprintf(out, size, "%s", reply->element[1]->str);
        r = 0;
    }
    if (reply)
        freeReplyObject(reply);
    return r;
}

/* Copy a whole file. A large RDB takes a while on a slow disk and this runs in the
 * event loop: keep systemd's watchdog fed (a no-op when not under systemd). */
static int copy_fd(int in, int out) {
    char buf[1 << 16];
    for (unsigned long chunks = 1;; chunks++) {
        if (chunks % 1024 == 0) /* every 64 MiB */
            sd_notify(0, "WATCHDOG=1");
        ssize_t n = read(in, buf, sizeof(buf));
        if (n == 0)
            return 0;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                return -errno;
            }
            done += w;
        }
    }
}

int snapshot_copy(struct redis_conn *local, const char *snapshot_dir, const char *local_replid,
                  const char *peer_replid, char *path, size_t path_size, char *err,
                  size_t err_size) {
    char dir[512], dbfilename[256], source[800], tmp[900];
    if (config_get(local, "dir", dir, sizeof(dir), err, err_size) < 0 ||
        config_get(local, "dbfilename", dbfilename, sizeof(dbfilename), err, err_size) < 0)
        return -1;
    snprintf(source, sizeof(source), "%s/%s", dir, dbfilename);

    int r = ensure_directory(snapshot_dir, 0700);
    if (r < 0) {
        snprintf(err, err_size, "snapshot_dir %s: %s", snapshot_dir, strerror(-r));
        return -1;
    }
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    snprintf(path, path_size, "%s/dump-%s-local-%s-peer-%s.rdb", snapshot_dir, stamp,
             local_replid[0] ? local_replid : "none", peer_replid[0] ? peer_replid : "unknown");
    snprintf(tmp, sizeof(tmp), "%s.partial", path);

    int in = open(source, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        snprintf(err, err_size, "open %s: %s", source, strerror(errno));
        return -1;
    }
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) {
        snprintf(err, err_size, "create %s: %s", tmp, strerror(errno));
        close(in);
        return -1;
    }
    r = copy_fd(in, out);
    if (r == 0 && fsync(out) < 0)
        r = -errno;
    close(in);
    if (close(out) < 0 && r == 0)
        r = -errno;
    if (r == 0 && rename(tmp, path) < 0)
        r = -errno;
    if (r < 0) {
        unlink(tmp);
        snprintf(err, err_size, "copy %s to %s: %s", source, path, strerror(-r));
        return -1;
    }
    return 0;
}
