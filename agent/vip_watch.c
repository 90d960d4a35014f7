/* VIP watch over rtnetlink. One socket carries both the initial RTM_GETADDR dump
 * (unicast replies) and the IPv4/IPv6 address multicast groups, so no event can
 * fall between the dump and the subscription: we subscribe first, then dump. */
#include "vip_watch.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/addr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/rtnl.h>
#include <netlink/socket.h>

#include "log.h"

struct parse_ctx {
    struct vip_watch *w;
    int msg_type;
};

static bool same_address(struct nl_addr *a, struct nl_addr *b) {
    return a && b && nl_addr_get_family(a) == nl_addr_get_family(b) &&
           nl_addr_get_len(a) == nl_addr_get_len(b) &&
           memcmp(nl_addr_get_binary_addr(a), nl_addr_get_binary_addr(b), nl_addr_get_len(a)) == 0;
}

static void on_addr_object(struct nl_object *obj, void *arg) {
    struct parse_ctx *ctx = arg;
    struct rtnl_addr *addr = (struct rtnl_addr *)obj;
    if (!same_address(rtnl_addr_get_local(addr), ctx->w->vip))
        return;
    bool here = ctx->msg_type == RTM_NEWADDR;
    if (here == ctx->w->here)
        return;
    ctx->w->here = here;
    log_info("VIP %s on this host (interface index %d)", here ? "appeared" : "left",
             rtnl_addr_get_ifindex(addr));
    if (ctx->w->on_change)
        ctx->w->on_change(here, ctx->w->userdata);
}

static int on_netlink_msg(struct nl_msg *msg, void *arg) {
    struct parse_ctx ctx = { .w = arg, .msg_type = nlmsg_hdr(msg)->nlmsg_type };
    if (ctx.msg_type == RTM_NEWADDR || ctx.msg_type == RTM_DELADDR)
        nl_msg_parse(msg, on_addr_object, &ctx);
    return NL_OK;
}

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
    (void)s;
    (void)fd;
    (void)revents;
    struct vip_watch *w = userdata;
    for (;;) {
        int r = nl_recvmsgs_default(w->sock);
        if (r == -NLE_AGAIN)
            return 0;
        if (r < 0) {
            /* An overrun loses events: the state may be stale, so ask again. */
            log_warning("VIP watch: netlink: %s; re-reading addresses", nl_geterror(r));
            nl_rtgen_request(w->sock, RTM_GETADDR, AF_UNSPEC, NLM_F_DUMP);
            return 0;
        }
    }
}

int vip_watch_open(struct vip_watch *w, sd_event *event, const char *vip, vip_watch_fn on_change,
                   void *userdata) {
    memset(w, 0, sizeof(*w));
    w->on_change = on_change;
    w->userdata = userdata;
    if (nl_addr_parse(vip, AF_UNSPEC, &w->vip) < 0 ||
        (nl_addr_get_family(w->vip) != AF_INET && nl_addr_get_family(w->vip) != AF_INET6))
        return vip_watch_close(w), -EINVAL;

    w->sock = nl_socket_alloc();
    if (!w->sock)
        return vip_watch_close(w), -ENOMEM;
    nl_socket_disable_seq_check(w->sock);
    nl_socket_modify_cb(w->sock, NL_CB_VALID, NL_CB_CUSTOM, on_netlink_msg, w);
    int r = nl_connect(w->sock, NETLINK_ROUTE);
    if (r >= 0)
        r = nl_socket_add_memberships(w->sock, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, 0);
    if (r >= 0)
        r = nl_socket_set_nonblocking(w->sock);
    if (r >= 0)
        r = nl_rtgen_request(w->sock, RTM_GETADDR, AF_UNSPEC, NLM_F_DUMP);
    if (r < 0) {
        log_error("VIP watch: netlink: %s", nl_geterror(r));
        vip_watch_close(w);
        return -EIO;
    }
    r = sd_event_add_io(event, &w->source, nl_socket_get_fd(w->sock), EPOLLIN, on_readable, w);
    if (r < 0)
        vip_watch_close(w);
    return r;
}

void vip_watch_close(struct vip_watch *w) {
    w->source = sd_event_source_disable_unref(w->source);
    if (w->sock)
        nl_socket_free(w->sock);
    w->sock = NULL;
    if (w->vip)
        nl_addr_put(w->vip);
    w->vip = NULL;
}
