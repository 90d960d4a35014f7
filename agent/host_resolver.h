/* A host name resolved off the loop. getaddrinfo() can block for as long as the
 * resolver's timeouts (seconds per server, tries times): inside the daemon's loop
 * that would stop the checks, the FIFO and the watchdog. Each resolution runs on a
 * short-lived thread of its own, which hands the address back over a socket that
 * sd-event watches; the thread shares no memory with the loop, so a link closed
 * meanwhile leaves nothing for it to touch.
 *
 * The last good address is kept and used while a refresh runs: a DNS outage never
 * takes away a peer that was reachable. A numeric host needs no resolver at all. */
#ifndef RVA_HOST_RESOLVER_H
#define RVA_HOST_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "config.h"

/* A failed resolution is retried no sooner than this; a good address is refreshed
 * (at a reconnect) no sooner than the other: a peer that is down reconnects every
 * check, and must not cost a DNS query each time. */
#define HOST_RESOLVER_RETRY_MS 1000
#define HOST_RESOLVER_FRESH_MS 30000
/* Addresses kept of one name: a connect that fails moves on to the next. */
#define HOST_RESOLVER_ADDRESSES 4

struct host_resolver {
    const char *label; /* for messages: "[peer] host" */
    char host[CONFIG_NAME_MAX];
    char addresses[HOST_RESOLVER_ADDRESSES * 46]; /* numeric, space-separated, from the last
                                                     success; "" before the first */
    char error[160];            /* why the last attempt failed; "" after a success */
    bool running;               /* a thread is resolving */
    uint64_t next_refresh_usec; /* no new resolution before this */
    int result_fd;              /* the loop's end of the running thread's socket */
    sd_event_source *source;
    sd_event *event;
};

/* True when host is an IPv4 or IPv6 literal, which needs no resolution. */
bool host_is_numeric(const char *host);

void host_resolver_init(struct host_resolver *r, sd_event *event, const char *label,
                        const char *host);
/* Start a resolution unless one runs or the last one is too recent. 0, or a
 * negative errno when no thread could be started (error says why). */
int host_resolver_refresh(struct host_resolver *r);
/* The address for connect attempt `turn` (0, 1, ... round the list): false before
 * the first success. */
bool host_resolver_address(const struct host_resolver *r, unsigned turn, char *out,
                           size_t out_size);
void host_resolver_close(struct host_resolver *r);

#endif
