/* Host names resolved on a thread (see host_resolver.h). */
#include "host_resolver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

/* What the thread owns: its copy of the name and its end of the socket. */
struct resolve_job {
    char host[CONFIG_NAME_MAX];
    int fd;
};

bool host_is_numeric(const char *host) {
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* The thread's answer, one datagram: "A<address> <address>..." (at most
 * HOST_RESOLVER_ADDRESSES, in getaddrinfo's order) or "E<reason>". */
static void *resolve_thread(void *arg) {
    struct resolve_job *job = arg;
    char answer[HOST_RESOLVER_ADDRESSES * INET6_ADDRSTRLEN + 2] = "A";
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    struct addrinfo *found = NULL;
    int r = getaddrinfo(job->host, NULL, &hints, &found);
    if (r != 0)
        snprintf(answer, sizeof(answer), "E%s",
                 r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
    int count = 0;
    for (const struct addrinfo *ai = found; ai && count < HOST_RESOLVER_ADDRESSES;
         ai = ai->ai_next) {
        char address[INET6_ADDRSTRLEN];
        const void *in = ai->ai_family == AF_INET6
                             ? (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
                             : (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
            !inet_ntop(ai->ai_family, in, address, sizeof(address)))
            continue;
        size_t used = strlen(answer);
        snprintf(answer + used, sizeof(answer) - used, "%s%s", count ? " " : "", address);
        count++;
    }
    if (found)
        freeaddrinfo(found);
    /* The loop may have closed its end (link closed): then this fails, quietly. */
    (void)send(job->fd, answer, strlen(answer), MSG_NOSIGNAL);
    close(job->fd);
    free(job);
    return NULL;
}

static void finish(struct host_resolver *r) {
    r->source = sd_event_source_disable_unref(r->source);
    if (r->result_fd >= 0)
        close(r->result_fd);
    r->result_fd = -1;
    r->running = false;
}

static void record(struct host_resolver *r, const char *answer) {
    if (answer[0] == 'A' && answer[1]) {
        if (strcmp(r->addresses, answer + 1) != 0)
            log_info("%s %s resolves to %s", r->label, r->host, answer + 1);
        snprintf(r->addresses, sizeof(r->addresses), "%s", answer + 1);
        r->error[0] = '\0';
        r->next_refresh_usec = monotonic_usec() + HOST_RESOLVER_FRESH_MS * 1000ull;
        return;
    }
    char error[sizeof(r->error)];
    snprintf(error, sizeof(error), "%s %s does not resolve (%s)", r->label, r->host,
             answer[0] == 'E' ? answer + 1 : "the resolver thread gave no answer");
    if (strcmp(error, r->error) != 0) /* said once, not at every retry */
        log_warning("%s%s", error, r->addresses[0] ? "; still using the last addresses" : "");
    snprintf(r->error, sizeof(r->error), "%s", error);
    r->next_refresh_usec = monotonic_usec() + HOST_RESOLVER_RETRY_MS * 1000ull;
}

static int on_answer(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
    (void)s;
    (void)revents;
    struct host_resolver *r = userdata;
    char answer[sizeof(r->addresses) + 2];
    ssize_t n = recv(fd, answer, sizeof(answer) - 1, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    answer[n > 0 ? n : 0] = '\0';
    finish(r);
    record(r, answer);
    return 0;
}

void host_resolver_init(struct host_resolver *r, sd_event *event, const char *label,
                        const char *host) {
    memset(r, 0, sizeof(*r));
    r->label = label;
    r->event = event;
    r->result_fd = -1;
    snprintf(r->host, sizeof(r->host), "%s", host);
}

int host_resolver_refresh(struct host_resolver *r) {
    if (r->running || monotonic_usec() < r->next_refresh_usec)
        return 0;
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) {
        snprintf(r->error, sizeof(r->error), "%s %s: cannot resolve: socketpair: %s", r->label,
                 r->host, strerror(errno));
        return -errno;
    }
    struct resolve_job *job = malloc(sizeof(*job));
    int err = job ? 0 : ENOMEM;
    bool started = false; /* from then on, job and fds[1] are the thread's */
    if (job) {
        snprintf(job->host, sizeof(job->host), "%s", r->host);
        job->fd = fds[1];
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        /* Signals stay with the loop's thread: the new one starts with all blocked. */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        pthread_t thread;
        err = pthread_create(&thread, &attr, resolve_thread, job);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        pthread_attr_destroy(&attr);
        started = err == 0;
    }
    if (started)
        err = -sd_event_add_io(r->event, &r->source, fds[0], EPOLLIN, on_answer, r);
    if (err != 0) {
        snprintf(r->error, sizeof(r->error), "%s %s: cannot resolve: %s", r->label, r->host,
                 strerror(err));
        close(fds[0]); /* a started thread's answer then fails, and it cleans up */
        if (!started) {
            close(fds[1]);
            free(job);
        }
        return -err;
    }
    r->result_fd = fds[0];
    r->running = true;
    return 0;
}

bool host_resolver_address(const struct host_resolver *r, unsigned turn, char *out,
                           size_t out_size) {
    int count = 0;
    for (const char *p = r->addresses; *p; p += strcspn(p, " "), p += *p == ' ')
        count++;
    if (count == 0)
        return false;
    const char *p = r->addresses;
    for (unsigned i = turn % (unsigned)count; i > 0; i--)
        p += strcspn(p, " ") + 1;
    snprintf(out, out_size, "%.*s", (int)strcspn(p, " "), p);
    return true;
}

void host_resolver_close(struct host_resolver *r) { finish(r); }
