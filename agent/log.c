/* Logging: one process-wide logger. This is the one piece of mutable state outside
 * struct agent, as in systemd's log.c: every module logs, and threading a logger
 * through every call would add noise without adding safety (we are single-threaded). */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* RVA_LEAN: the one-shot commands' binary links no libsystemd (see main.c); there
 * the journal target writes to stderr, which systemd connects to the journal. */
#ifndef RVA_LEAN
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>
#endif

static struct {
    enum log_target target;
    enum log_level level;
    int state_fd;
    char transition_id[64];
} logger = { LOG_TARGET_STDERR, LOG_LEVEL_INFO, -1, "" };

const char *const log_target_names[] = { "auto", "journal", "syslog", "stderr", NULL };
const char *const log_level_names[] = { "error", "warning", "info", "debug", NULL };

int log_setup(enum log_target target, enum log_level level, const char *state_log) {
    if (target == LOG_TARGET_AUTO)
        target = getenv("JOURNAL_STREAM") ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR;
    if (target == LOG_TARGET_SYSLOG && logger.target != LOG_TARGET_SYSLOG)
        openlog("redis-vrrp-agent", LOG_PID, LOG_DAEMON);
    logger.target = target;
    logger.level = level;

    int fd = -1;
    if (state_log && *state_log) {
        fd = open(state_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd < 0)
            return -errno;
    }
    if (logger.state_fd >= 0)
        close(logger.state_fd);
    logger.state_fd = fd;
    return 0;
}

void log_close(void) {
    if (logger.state_fd >= 0)
        close(logger.state_fd);
    logger.state_fd = -1;
    if (logger.target == LOG_TARGET_SYSLOG)
        closelog();
}

void log_set_transition_id(const char *id) {
    snprintf(logger.transition_id, sizeof(logger.transition_id), "%s", id ? id : "");
}

static int syslog_priority(enum log_level level) {
    static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
    return prio[level];
}

static void log_emit(enum log_level level, const char *text) {
    switch (logger.target) {
#ifndef RVA_LEAN
    case LOG_TARGET_JOURNAL:
        sd_journal_send("MESSAGE=%s", text, "PRIORITY=%d", syslog_priority(level),
                        "SYSLOG_IDENTIFIER=redis-vrrp-agent", "RVA_TRANSITION_ID=%s",
                        logger.transition_id, NULL);
        break;
#endif
    case LOG_TARGET_SYSLOG: syslog(syslog_priority(level), "%s", text); break;
    default: {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        localtime_r(&ts.tv_sec, &tm);
        fprintf(stderr, "%02d:%02d:%02d.%03ld %s: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
                ts.tv_nsec / 1000000, log_level_names[level], text);
        break;
    }
    }
}

/* Format into a bounded buffer, prefixing the transition id where the target has no
 * structured field for it. */
static void log_format(char *buf, size_t size, bool with_id, const char *fmt, va_list ap) {
    size_t used = 0;
    if (with_id && logger.transition_id[0])
        used = (size_t)snprintf(buf, size, "[%s] ", logger.transition_id);
    if (used < size)
        vsnprintf(buf + used, size - used, fmt, ap);
}

void log_msg(enum log_level level, const char *fmt, ...) {
    if (level > logger.level)
        return;
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    log_format(buf, sizeof(buf), logger.target != LOG_TARGET_JOURNAL, fmt, ap);
    va_end(ap);
    log_emit(level, buf);
}

int log_msg_errno(enum log_level level, int r, const char *fmt, ...) {
    if (level > logger.level)
        return r;
    char text[1800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    log_msg(level, "%s: %s", text, strerror(r < 0 ? -r : r));
    return r;
}

void log_state(const char *fmt, ...) {
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    log_format(buf, sizeof(buf), true, fmt, ap);
    va_end(ap);
    if (LOG_LEVEL_INFO <= logger.level)
        log_emit(LOG_LEVEL_INFO, buf);
    if (logger.state_fd < 0)
        return;

    struct timespec ts;
    struct tm tm;
    char line[2200];
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ld %s\n",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, buf);
    if (n > (int)sizeof(line))
        n = sizeof(line);
    /* One write() per line on an O_APPEND fd keeps lines whole; a failed write of
     * the state log must never stop a transition, so it is only reported. */
    if (write(logger.state_fd, line, (size_t)n) < 0)
        log_emit(LOG_LEVEL_WARNING, "state log write failed");
}
