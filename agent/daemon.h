/* The `run` command: the long-lived agent under systemd. */
#ifndef RVA_DAEMON_H
#define RVA_DAEMON_H

#include "config.h"

/* Run until SIGTERM/SIGINT; returns the process exit status. */
int daemon_run(const struct config *cfg, const char *config_path);

#endif
