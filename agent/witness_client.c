/* Witness client. */
#include "witness_client.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "witness_protocol.h"

static void set_verdict(struct witness_client *w, enum witness_verdict v, const char *detail) {
    w->in_flight = false;
    w->verdict = v;
    w->verdict_usec = monotonic_usec();
    snprintf(w->detail, sizeof(w->detail), "%s", detail);
    sd_event_source_set_enabled(w->deadline, SD_EVENT_OFF);
    if (w->on_verdict)
        w->on_verdict(w, w->userdata);
}

static int on_answer(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
    (void)s;
    (void)revents;
    struct witness_client *w = userdata;
    char text[WITNESS_DATAGRAM_MAX], nonce[24], verdict[16], detail[64] = "";
    ssize_t n = recv(fd, text, sizeof(text) - 1, MSG_DONTWAIT);
    if (n < 0) {
        /* ECONNREFUSED: an ICMP error, nothing listens on the witness's port. */
        if (errno == ECONNREFUSED && w->in_flight)
            set_verdict(w, WITNESS_NO_ANSWER, "port unreachable");
        return 0;
    }
    text[n] = '\0';
    if (strncmp(text, WITNESS_PROTOCOL " ", sizeof(WITNESS_PROTOCOL)) != 0 ||
        sscanf(text + sizeof(WITNESS_PROTOCOL), "%23s %15s %63s", nonce, verdict, detail) < 2)
        return 0;
    /* An answer to an earlier question, or after forget(): not about now. */
    if (!w->in_flight || strcmp(nonce, w->nonce) != 0)
        return 0;
    if (strcmp(verdict, "alive") == 0)
        set_verdict(w, WITNESS_PEER_ALIVE, detail);
    else if (strcmp(verdict, "gone") == 0)
        set_verdict(w, WITNESS_PEER_GONE, detail);
    else /* "unknown": the witness does not watch our peer; it cannot vouch either way */
        set_verdict(w, WITNESS_NO_ANSWER, "does not watch the peer (its --node list)");
    return 0;
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
    (void)s;
    (void)usec;
    struct witness_client *w = userdata;
    char detail[64];
    snprintf(detail, sizeof(detail), "no answer within %d ms", w->timeout_ms);
    set_verdict(w, WITNESS_NO_ANSWER, detail);
    return 0;
}

int witness_client_open(struct witness_client *w, sd_event *event, const char *address, int port,
                        int timeout_ms, witness_fn on_verdict, void *userdata) {
    memset(w, 0, sizeof(*w));
    w->fd = -1;
    w->timeout_ms = timeout_ms;
    w->on_verdict = on_verdict;
    w->userdata = userdata;
    snprintf(w->address, sizeof(w->address), "%s port %d", address, port);
    struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
                              .ai_socktype = SOCK_DGRAM };
    struct addrinfo *res;
    char service[8];
    snprintf(service, sizeof(service), "%d", port);
    if (getaddrinfo(address, service, &hints, &res) != 0)
        return -EINVAL; /* config validation made sure it is numeric */
    w->fd = socket(res->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    /* connect(): only the witness's answers arrive, and an ICMP refusal is reported. */
    int r = w->fd < 0 || connect(w->fd, res->ai_addr, res->ai_addrlen) < 0 ? -errno : 0;
    freeaddrinfo(res);
    if (r == 0)
        r = sd_event_add_io(event, &w->io, w->fd, EPOLLIN, on_answer, w);
    if (r == 0)
        r = sd_event_add_time(event, &w->deadline, CLOCK_MONOTONIC, 0, 1, on_deadline, w);
    if (r == 0)
        r = sd_event_source_set_enabled(w->deadline, SD_EVENT_OFF);
    if (r < 0)
        witness_client_close(w);
    return r;
}

void witness_client_close(struct witness_client *w) {
    w->io = sd_event_source_disable_unref(w->io);
    w->deadline = sd_event_source_disable_unref(w->deadline);
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
}

void witness_client_ask(struct witness_client *w, const char *peer_host, int peer_port) {
    if (w->in_flight || w->fd < 0)
        return;
    char text[WITNESS_DATAGRAM_MAX];
    snprintf(w->nonce, sizeof(w->nonce), "%llu", (unsigned long long)++w->asked);
    int n = snprintf(text, sizeof(text), WITNESS_PROTOCOL " probe %s %d %s", peer_host, peer_port,
                     w->nonce);
    if (send(w->fd, text, (size_t)n, MSG_DONTWAIT) != n) {
        char detail[64];
        snprintf(detail, sizeof(detail), "cannot send: %s", strerror(errno));
        w->in_flight = true;
        set_verdict(w, WITNESS_NO_ANSWER, detail);
        return;
    }
    w->in_flight = true;
    timer_arm_or_exit(w->deadline, (uint64_t)w->timeout_ms * 1000u);
}

void witness_client_forget(struct witness_client *w) {
    w->in_flight = false;
    w->verdict = WITNESS_UNASKED;
    w->detail[0] = '\0';
    if (w->deadline)
        sd_event_source_set_enabled(w->deadline, SD_EVENT_OFF);
}

bool witness_says_hold(const struct witness_client *w) {
    return w->verdict == WITNESS_PEER_ALIVE || w->verdict == WITNESS_NO_ANSWER;
}

const char *witness_verdict_to_string(enum witness_verdict v) {
    switch (v) {
    case WITNESS_UNASKED: return "unasked";
    case WITNESS_PEER_ALIVE: return "peer-alive";
    case WITNESS_PEER_GONE: return "peer-gone";
    case WITNESS_NO_ANSWER: return "no-answer";
    }
    return "?";
}
