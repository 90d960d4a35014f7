/* Logging for every module: levels, one target (journal, syslog or stderr), and the
 * optional state log that records one timestamped line per state change or step. */
#ifndef RVA_LOG_H
#define RVA_LOG_H

#include <stdbool.h>

enum log_target { LOG_TARGET_AUTO, LOG_TARGET_JOURNAL, LOG_TARGET_SYSLOG, LOG_TARGET_STDERR };
enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARNING, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* The names of the targets and levels, in enum order, NULL-terminated: the config
 * reads them, log lines print them. */
extern const char *const log_target_names[];
extern const char *const log_level_names[];

/* Choose the target and level; `auto` resolves to the journal when stderr is connected
 * to it (JOURNAL_STREAM, as systemd sets it) and to stderr otherwise. state_log may be
 * NULL or "" for none. Returns 0, or a negative errno if the state log cannot be opened. */
int log_setup(enum log_target target, enum log_level level, const char *state_log);
void log_close(void);

/* Structured context attached to journal entries (and prefixed on other targets):
 * the current transition id, empty for none. */
void log_set_transition_id(const char *id);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* log_msg() with ": <strerror(-r)>" appended; returns r (a negative errno), so that
 * an error is logged once, where it is handled: `return log_error_errno(r, "...")`. */
int log_msg_errno(enum log_level level, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* One line in the state log (if configured) and at info level in the main log. */
void log_state(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define log_error(...)            log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...)          log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...)             log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)            log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_error_errno(r, ...)   log_msg_errno(LOG_LEVEL_ERROR, (r), __VA_ARGS__)
#define log_warning_errno(r, ...) log_msg_errno(LOG_LEVEL_WARNING, (r), __VA_ARGS__)

#endif
