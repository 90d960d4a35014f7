/* Whether this host holds the VIP ([keepalived] vip, IPv4 or IPv6), from the kernel:
 * a netlink address dump at start, then address events, read in the event loop. */
#ifndef RVA_VIP_WATCH_H
#define RVA_VIP_WATCH_H

#include <stdbool.h>
#include <systemd/sd-event.h>

struct nl_sock;
struct nl_addr;

typedef void (*vip_watch_fn)(bool vip_here, void *userdata);

struct vip_watch {
    struct nl_sock *sock;
    struct nl_addr *vip;
    sd_event_source *source;
    bool here;
    vip_watch_fn on_change;
    void *userdata;
};

/* Parse `vip` and start watching. Returns 0, -EINVAL for an address that does not
 * parse, or another negative errno. */
int vip_watch_open(struct vip_watch *w, sd_event *event, const char *vip, vip_watch_fn on_change,
                   void *userdata);
void vip_watch_close(struct vip_watch *w);

#endif
