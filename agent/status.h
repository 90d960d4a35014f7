/* The daemon's status for `redis-vrrp-agent status` (text or JSON) and the metrics
 * textfile for node_exporter. Formatting only. */
#ifndef RVA_STATUS_H
#define RVA_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "agent.h"

void status_format_text(const struct agent *a, char *out, size_t size);
void status_format_json(const struct agent *a, char *out, size_t size);

/* Write the node_exporter textfile atomically; returns 0 or a negative errno. */
int status_write_metrics(const struct agent *a, const char *path);

#endif
