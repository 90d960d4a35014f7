/* Command line: global options, then one command. Each command loads the config
 * itself, so a config error is reported (exit 2) before anything touches Redis.
 *
 * Built twice. redis-vrrp-agentd has everything. redis-vrrp-agent (RVA_LEAN) links
 * only hiredis and inih: keepalived may fork `check` every second, and loading
 * libsystemd's dependency chain and libnl would double its cost. The lean binary
 * runs the one-shot commands itself and execs redis-vrrp-agentd, found beside it,
 * for `run` and for a `notify` that no daemon takes over. */
#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "control.h"
#include "hiredis_compat.h"
#include "keepalived_conf.h"
#include "keepalived_include.h"
#include "log.h"
#include "notification.h"
#include "redis_conn.h"
#include "track_file.h"
#ifndef RVA_LEAN
#include "daemon.h"
#include "notify_inline.h"
#include "witness_server.h"
#endif

#define EXIT_CONFIG 2
#define EXIT_USAGE  2

#ifndef RVA_VERSION
#define RVA_VERSION "0.1.0"
#endif

struct command_line {
    const char *config_path;
    int argc; /* arguments after the command word */
    char **argv;
    char **original_argv; /* the whole command line, to exec the daemon binary with */
};

#ifdef RVA_LEAN
/* Replace this process with redis-vrrp-agentd from the same directory, same
 * arguments. Returns only on failure. */
static int exec_full_binary(const struct command_line *cl) {
    char self[4096], path[4200];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n < 0) {
        fprintf(stderr, "redis-vrrp-agent: /proc/self/exe: %s\n", strerror(errno));
        return 1;
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    snprintf(path, sizeof(path), "%.*s/redis-vrrp-agentd", slash ? (int)(slash - self) : 1,
             slash ? self : ".");
    cl->original_argv[0] = path;
    execv(path, cl->original_argv);
    fprintf(stderr, "redis-vrrp-agent: cannot run %s: %s\n", path, strerror(errno));
    return 1;
}
#endif

static void usage(FILE *out) {
    fprintf(out, "usage: redis-vrrp-agent [-c FILE] COMMAND [ARGS]\n"
                 "\n"
                 "commands:\n"
                 "  check          one health check of the local Redis or Valkey (keepalived\n"
                 "                 vrrp_script): exit 0 healthy, 1 unhealthy, 2 config error\n"
                 "  notify ARGS    keepalived notify hook: INSTANCE|GROUP NAME STATE PRIORITY\n"
                 "                 or master|backup|fault|stop; re-points replication\n"
                 "  run            the daemon: continuous checks into the track file, transitions\n"
                 "                 from the notify FIFO, VIP watch, control socket\n"
                 "  status [--json]        ask the running daemon for its state\n"
                 "  maintenance on|off     move the VIP away for planned work (and back)\n"
                 "  switchover [--here|--to PEER] [--timeout MS] [--dry-run]\n"
                 "                 move the master to the other node, nothing lost, both nodes\n"
                 "                 staying eligible; prints the timeline\n"
                 "  config-test    validate the config and print the effective values\n"
                 "  after-stop     (systemd ExecStopPost) fail the track file unless the daemon\n"
                 "                 stopped cleanly\n"
                 "  witness --node ADDR:PORT --node ADDR:PORT [--listen ADDR[:PORT]]\n"
                 "                 the third party a node asks before it takes the VIP from a\n"
                 "                 silent peer (run on a third machine; no agent.conf)\n"
                 "  version        print the version\n"
                 "  help           print this help\n"
                 "\n"
                 "options:\n"
                 "  -c, --config FILE   config file (default " CONFIG_DEFAULT_PATH ")\n"
                 "  -h, --help          print this help\n"
                 "  -V, --version       print the version\n");
}

/* A file or socket that only root may use, refused to a command not run as root:
 * most often keepalived running check or notify as its script_user. */
static void explain_permission(void) {
    uid_t uid = geteuid();
    if (uid == 0)
        return;
    struct passwd *pw = getpwuid(uid);
    fprintf(stderr,
            "redis-vrrp-agent: running as user %s (uid %u), not root: keepalived runs "
            "vrrp_script and notify scripts as its script_user (keepalived_script if that user "
            "exists); set global_defs { script_user root } in keepalived.conf, or use the "
            "daemon's track file and notify FIFO, which need no scripts\n",
            pw ? pw->pw_name : "?", (unsigned)uid);
}

/* Load the config or explain why not. Logging starts on stderr at the configured level. */
static int load_config(const struct command_line *cl, struct config *cfg) {
    char err[1024];
    if (config_load(cfg, cl->config_path, err, sizeof(err)) < 0) {
        fprintf(stderr, "redis-vrrp-agent: config error: %s\n", err);
        if (strstr(err, strerror(EACCES)))
            explain_permission();
        return -1;
    }
    return 0;
}

static int cmd_check(const struct command_line *cl) {
    struct config cfg;
    if (load_config(cl, &cfg) < 0) {
        printf("unhealthy: config error\n");
        return EXIT_CONFIG;
    }
    log_setup(LOG_TARGET_STDERR, cfg.log.level, NULL);
    struct redis_conn conn;
    struct check_result result;
    redis_conn_init(&conn, &cfg.redis);
    check_run(&conn, &result);
    redis_conn_close(&conn);
    printf("%s\n", result.reason);
    return check_exit_code(&result);
}

/* Logging for commands that act: the configured target and level, and the state log. */
static int setup_logging(const struct config *cfg) {
    int r = log_setup(cfg->log.target, cfg->log.level, cfg->log.state_log);
    if (r < 0)
        fprintf(stderr, "redis-vrrp-agent: %s: [log] state_log = %s: %s\n", cfg->path,
                cfg->log.state_log, strerror(-r));
    return r;
}

/* Send a request to the daemon of the configured run_dir and print its reply.
 * Returns the exit status, or -1 when no daemon listens (r says why). */
static int ask_daemon(const struct config *cfg, const char *request, bool quiet_ok, int *r) {
    char reply[CONTROL_REPLY_MAX];
    *r = control_request(cfg->agent.run_dir, request, reply, sizeof(reply));
    if (*r < 0)
        return -1;
    bool ok = strncmp(reply, "ok", 2) == 0;
    const char *body = ok ? reply + strcspn(reply, "\n") : reply;
    if (*body == '\n')
        body++;
    if (!ok)
        fprintf(stderr, "redis-vrrp-agent: daemon: %s", reply);
    else if (!quiet_ok)
        fputs(body, stdout);
    return ok ? 0 : 1;
}

/* Why `command` reached no daemon, and, when the socket refused us, what to do. */
static void report_no_daemon(const char *command, int r) {
    fprintf(stderr, "redis-vrrp-agent %s: %s\n", command,
            r == -ENOENT || r == -ECONNREFUSED ? "no daemon is running for this run_dir"
                                               : strerror(-r));
    if (r == -EACCES) {
        fprintf(stderr, "redis-vrrp-agent: the control socket answers only root and the "
                        "agent's own user\n");
        explain_permission();
    }
}

static int cmd_notify(const struct command_line *cl) {
    struct notification n;
    char err[300];
    if (notification_parse_args(cl->argc, cl->argv, &n, err, sizeof(err)) < 0) {
        fprintf(stderr, "redis-vrrp-agent notify: %s\n", err);
        return EXIT_USAGE;
    }
    struct config cfg;
    if (load_config(cl, &cfg) < 0)
        return EXIT_CONFIG;
    if (setup_logging(&cfg) < 0)
        return EXIT_CONFIG;
    /* With a daemon running, hand over: it orders notifications from every source. */
    char formatted[280], request[300];
    int r;
    notification_format(&n, formatted, sizeof(formatted));
    snprintf(request, sizeof(request), "notify %s", formatted);
    int status = ask_daemon(&cfg, request, true, &r);
    if (status >= 0)
        return status;
    /* Inline only when no daemon listens: one that is alive but slow to answer must
     * not get a second transition running beside its own. */
    if (r != -ENOENT && r != -ECONNREFUSED) {
        fprintf(stderr,
                "redis-vrrp-agent notify: daemon of %s did not take the "
                "notification: %s\n",
                cfg.agent.run_dir, strerror(-r));
        if (r == -EACCES)
            explain_permission();
        return 1;
    }
    if (!notification_matches(&n, cfg.keepalived.instance)) {
        log_info("ignoring %s: not about instance %s", request + 7, cfg.keepalived.instance);
        return 0;
    }
#ifdef RVA_LEAN
    return exec_full_binary(cl);
#else
    return notify_run_inline(&cfg, &n);
#endif
}

static int cmd_run(const struct command_line *cl) {
    struct config cfg;
    if (cl->argc > 0) {
        fprintf(stderr, "redis-vrrp-agent run: unexpected argument '%s'\n", cl->argv[0]);
        return EXIT_USAGE;
    }
    if (load_config(cl, &cfg) < 0 || setup_logging(&cfg) < 0)
        return EXIT_CONFIG;
#ifdef RVA_LEAN
    return exec_full_binary(cl);
#else
    return daemon_run(&cfg, cl->config_path);
#endif
}

static int cmd_status(const struct command_line *cl) {
    bool json = cl->argc == 1 && strcmp(cl->argv[0], "--json") == 0;
    if (cl->argc > 1 || (cl->argc == 1 && !json)) {
        fprintf(stderr, "redis-vrrp-agent status: usage: status [--json]\n");
        return EXIT_USAGE;
    }
    struct config cfg;
    if (load_config(cl, &cfg) < 0)
        return EXIT_CONFIG;
    int r, status = ask_daemon(&cfg, json ? "status --json" : "status", false, &r);
    if (status < 0) {
        report_no_daemon("status", r);
        return 3; /* like systemctl status: not running */
    }
    return status;
}

static int cmd_maintenance(const struct command_line *cl) {
    if (cl->argc != 1 || (strcmp(cl->argv[0], "on") != 0 && strcmp(cl->argv[0], "off") != 0)) {
        fprintf(stderr, "redis-vrrp-agent maintenance: usage: maintenance on|off\n");
        return EXIT_USAGE;
    }
    struct config cfg;
    if (load_config(cl, &cfg) < 0)
        return EXIT_CONFIG;
    char request[32];
    snprintf(request, sizeof(request), "maintenance %s", cl->argv[0]);
    int r, status = ask_daemon(&cfg, request, false, &r);
    if (status < 0) {
        report_no_daemon("maintenance", r);
        return 1;
    }
    return status;
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Start a switchover in the daemon, then follow it until it has ended. */
static int cmd_switchover(const struct command_line *cl) {
    struct config cfg;
    if (load_config(cl, &cfg) < 0)
        return EXIT_CONFIG;
    char request[512] = "switchover";
    long timeout_ms = cfg.transition.switchover_timeout_ms;
    for (int i = 0; i < cl->argc; i++) {
        if (strcmp(cl->argv[i], "--timeout") == 0 && i + 1 < cl->argc)
            timeout_ms = strtol(cl->argv[i + 1], NULL, 10);
        size_t used = strlen(request);
        snprintf(request + used, sizeof(request) - used, " %s", cl->argv[i]);
    }
    char reply[CONTROL_REPLY_MAX];
    int r = control_request(cfg.agent.run_dir, request, reply, sizeof(reply));
    if (r < 0) {
        report_no_daemon("switchover", r);
        return 1;
    }
    char id[24];
    if (sscanf(reply, "ok started %23s", id) != 1) {
        fprintf(stderr, "redis-vrrp-agent: daemon: %s", reply);
        return 1;
    }
    /* The daemon bounds the switchover by its timeout; this bounds the asking. */
    char status_request[64];
    snprintf(status_request, sizeof(status_request), "switchover-status %s", id);
    long long give_up_ms = now_ms() + timeout_ms + 5000;
    while (now_ms() < give_up_ms) {
        struct timespec poll = { .tv_nsec = 10L * 1000 * 1000 };
        nanosleep(&poll, NULL);
        r = control_request(cfg.agent.run_dir, status_request, reply, sizeof(reply));
        if (r < 0) {
            report_no_daemon("switchover", r);
            return 1;
        }
        if (strncmp(reply, "ok running", 10) == 0)
            continue;
        bool ok = strncmp(reply, "ok done\n", 8) == 0;
        const char *body = reply + strcspn(reply, "\n");
        /* The report follows the first line; a bare error line is the message itself. */
        fputs(*body && body[1] ? body + 1 : reply, ok ? stdout : stderr);
        return ok ? 0 : 1;
    }
    fprintf(stderr,
            "redis-vrrp-agent switchover: the daemon did not report the end of %s "
            "within %ld ms\n",
            id, timeout_ms + 5000);
    return 1;
}

/* config-test's second half: how fast keepalived, as configured, moves the VIP.
 * A missing keepalived.conf is only noted (it may live elsewhere); one without the
 * configured instance is an error. Returns 0 or EXIT_CONFIG. */
static int report_keepalived(const struct config *cfg) {
    static char text[1 << 20];
    char err[4400], report[8192];
    int r = keepalived_conf_load(cfg->keepalived.config, text, sizeof(text), err, sizeof(err));
    if (r == -ENOENT && access(cfg->keepalived.config, F_OK) < 0) {
        printf("# keepalived config %s: %s: timing report skipped\n", cfg->keepalived.config,
               strerror(-r));
        return 0;
    }
    if (r < 0) {
        fprintf(stderr, "redis-vrrp-agent: config error: %s: [keepalived] config = %s: %s\n",
                cfg->path, cfg->keepalived.config, err);
        return EXIT_CONFIG;
    }
    struct keepalived_instance ki;
    if (keepalived_conf_find(text, cfg->keepalived.instance, &ki, err, sizeof(err)) < 0) {
        fprintf(stderr, "redis-vrrp-agent: config error: %s: [keepalived] config = %s: %s\n",
                cfg->path, cfg->keepalived.config, err);
        return EXIT_CONFIG;
    }
    keepalived_conf_report(&ki, cfg->keepalived.config, report, sizeof(report));
    size_t used = strlen(report);
    keepalived_conf_cross_check(&ki, cfg->keepalived.config, cfg->check.track_file,
                                cfg->check.healthy_value, cfg->keepalived.notify_fifo,
                                report + used, sizeof(report) - used);
    printf("# keepalived config %s\n", cfg->keepalived.config);
    for (char *save = NULL, *line = strtok_r(report, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save))
        printf("# %s\n", line);
    return 0;
}

static int cmd_config_test(const struct command_line *cl) {
    struct config cfg;
    if (load_config(cl, &cfg) < 0)
        return EXIT_CONFIG;
    config_print(&cfg, stdout);
    printf("\n");
    if (report_keepalived(&cfg) != 0)
        return EXIT_CONFIG;
    printf("# %s: configuration ok\n", cfg.path);
    return 0;
}

/* systemd's ExecStopPost. A daemon killed by the watchdog, crashed or exited with an
 * error left the track file at its last value, maybe "healthy", which keepalived
 * would keep believing until the successor's first check: fail it now. systemd
 * says how the daemon ended in SERVICE_RESULT; a clean stop ("success") leaves the
 * file alone, so that a restart, an upgrade or a plain stop never moves the VIP. */
static int cmd_after_stop(const struct command_line *cl) {
    const char *result = getenv("SERVICE_RESULT");
    if (!result) {
        fprintf(stderr, "redis-vrrp-agent after-stop: SERVICE_RESULT is not set: this "
                        "command is systemd's ExecStopPost\n");
        return EXIT_USAGE;
    }
    if (strcmp(result, "success") == 0)
        return 0;
    struct config cfg;
    if (load_config(cl, &cfg) < 0)
        return EXIT_CONFIG;
    struct track_file tf;
    track_file_init(&tf, cfg.check.track_file);
    int r = track_file_set(&tf, cfg.check.fail_value);
    if (r < 0) {
        fprintf(stderr, "redis-vrrp-agent after-stop: %s: %s\n", cfg.check.track_file,
                strerror(-r));
        return 1;
    }
    fprintf(stderr,
            "redis-vrrp-agent after-stop: the daemon ended with result '%s': "
            "track file %s = %d until the next daemon's first check\n",
            result, cfg.check.track_file, cfg.check.fail_value);
    return 0;
}

static int cmd_witness(const struct command_line *cl) {
    /* No agent.conf: a witness runs on a third machine, with its options only. */
    if (log_setup(LOG_TARGET_AUTO, LOG_LEVEL_INFO, NULL) < 0)
        return 1;
#ifdef RVA_LEAN
    return exec_full_binary(cl);
#else
    return witness_run(cl->argc, cl->argv);
#endif
}

static int cmd_version(const struct command_line *cl) {
    (void)cl;
    printf("redis-vrrp-agent %s (hiredis %s)\n", RVA_VERSION, RVA_HIREDIS_VERSION);
    return 0;
}

struct command {
    const char *name;
    int (*run)(const struct command_line *cl);
};

static const struct command commands[] = {
    { "check", cmd_check },
    { "config-test", cmd_config_test },
    { "notify", cmd_notify },
    { "run", cmd_run },
    { "status", cmd_status },
    { "maintenance", cmd_maintenance },
    { "switchover", cmd_switchover },
    { "after-stop", cmd_after_stop },
    { "witness", cmd_witness },
    { "version", cmd_version },
    /* As other daemons spell it; in the command's place, like --help. */
    { "--version", cmd_version },
    { "-V", cmd_version },
};

/* Pull -c/--config out from anywhere on the line, so both
 * `redis-vrrp-agent -c F check` and `redis-vrrp-agent check -c F` work. */
static int parse_command_line(int argc, char **argv, struct command_line *cl, const char **cmd) {
    cl->config_path = CONFIG_DEFAULT_PATH;
    cl->original_argv = argv;
    cl->argc = 0;
    cl->argv = calloc((size_t)argc + 1, sizeof(char *));
    *cmd = NULL;
    if (!cl->argv)
        return -ENOMEM;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "redis-vrrp-agent: %s needs a file name\n", a);
                return -EINVAL;
            }
            cl->config_path = argv[++i];
        } else if (strncmp(a, "--config=", 9) == 0) {
            cl->config_path = a + 9;
        } else if (!*cmd) {
            *cmd = a;
        } else {
            cl->argv[cl->argc++] = argv[i];
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    /* Most commands read a password file: no core dump may hold it, and no other
     * process of the same user may read this one's memory (/proc/PID/mem, ptrace).
     * An exec (run -> redis-vrrp-agentd) resets this, so both binaries set it here. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    struct command_line cl;
    const char *cmd;
    int status = EXIT_USAGE;
    if (parse_command_line(argc, argv, &cl, &cmd) < 0)
        goto out;
    if (!cmd || strcmp(cmd, "help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        usage(cmd ? stdout : stderr);
        status = cmd ? 0 : EXIT_USAGE;
        goto out;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(cmd, commands[i].name) == 0) {
            status = commands[i].run(&cl);
            goto out;
        }
    fprintf(stderr, "redis-vrrp-agent: unknown command '%s' (try --help)\n", cmd);
out:
    free(cl.argv);
    log_close();
    return status;
}
