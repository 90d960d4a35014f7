/* `redis-vrrp-agent witness`: the third party of a two-node pair. */
#include "witness_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "log.h"
#include "number.h"
#include "witness_protocol.h"

#define WITNESS_NODES_MAX 4
/* Probes running at once; a flood beyond it is dropped, not queued. */
#define WITNESS_PROBES_MAX 32

struct witness_node {
    char name[96]; /* HOST:PORT as given, what askers name it by */
    char host[64];
    int port;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char last_verdict[64]; /* to log changes only; guarded by verdict_lock */
};

struct witness {
    int fd;
    int probe_timeout_ms;
    struct witness_node nodes[WITNESS_NODES_MAX];
    int n_nodes;
};

static pthread_mutex_t verdict_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int probes_running;

/* "ADDR:PORT" or "[ADDR6]:PORT" (the port optional when default_port > 0), numeric
 * only: a witness must not wait on a resolver to say whether a peer is alive. */
static int parse_endpoint(const char *text, int default_port, char *host, size_t host_size,
                          int *port, struct sockaddr_storage *addr, socklen_t *addr_len, char *why,
                          size_t why_size) {
    const char *port_text = NULL;
    size_t host_len;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || (close[1] != '\0' && close[1] != ':')) {
            snprintf(why, why_size, "'[' without a matching ']' before the port");
            return -EINVAL;
        }
        host_len = (size_t)(close - text - 1);
        text++;
        port_text = close[1] == ':' ? close + 2 : NULL;
    } else {
        const char *colon = strrchr(text, ':');
        if (colon && strchr(text, ':') != colon) {
            snprintf(why, why_size, "an IPv6 address needs brackets: [ADDRESS]:PORT");
            return -EINVAL;
        }
        host_len = colon ? (size_t)(colon - text) : strlen(text);
        port_text = colon ? colon + 1 : NULL;
    }
    if (host_len == 0 || host_len >= host_size) {
        snprintf(why, why_size, "no address before the port");
        return -EINVAL;
    }
    memcpy(host, text, host_len);
    host[host_len] = '\0';
    if (port_text) {
        long long p = number_prefix(port_text, 1, 65535, -1);
        char check[8];
        snprintf(check, sizeof(check), "%lld", p);
        if (p < 0 || strcmp(check, port_text) != 0) {
            snprintf(why, why_size, "port '%s' is not a number from 1 to 65535", port_text);
            return -EINVAL;
        }
        *port = (int)p;
    } else if (default_port > 0) {
        *port = default_port;
    } else {
        snprintf(why, why_size, "no port: give ADDRESS:PORT");
        return -EINVAL;
    }
    struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
                              .ai_family = AF_UNSPEC,
                              .ai_socktype = SOCK_STREAM };
    struct addrinfo *res;
    char service[8];
    snprintf(service, sizeof(service), "%d", *port);
    if (getaddrinfo(host, service, &hints, &res) != 0) {
        snprintf(why, why_size, "'%s' is not a numeric IPv4 or IPv6 address", host);
        return -EINVAL;
    }
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *addr_len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static int remaining_ms(const struct timespec *deadline) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
    return ms > 0 ? (int)ms : 0;
}

/* Whether a Redis at the node answers PING within the timeout: "alive PONG",
 * "alive NOAUTH" (it wants a password, which the witness never has: any reply
 * shows a live server), "gone refused", "gone timeout"... */
static void probe(const struct witness_node *node, int timeout_ms, char *verdict, size_t size) {
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    int fd = socket(node->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(verdict, size, "gone socket:%s", strerror(errno));
        return;
    }
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    if (connect(fd, (const struct sockaddr *)&node->addr, node->addr_len) < 0 &&
        errno != EINPROGRESS) {
        snprintf(verdict, size, "gone %s", errno == ECONNREFUSED ? "refused" : "unreachable");
        goto out;
    }
    if (poll(&p, 1, remaining_ms(&deadline)) <= 0) {
        snprintf(verdict, size, "gone timeout");
        goto out;
    }
    int so_error = 0;
    socklen_t len = sizeof(so_error);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
    if (so_error) {
        snprintf(verdict, size, "gone %s", so_error == ECONNREFUSED ? "refused" : "unreachable");
        goto out;
    }
    if (send(fd, "PING\r\n", 6, MSG_NOSIGNAL) != 6) {
        snprintf(verdict, size, "gone closed");
        goto out;
    }
    p.events = POLLIN;
    char reply[64];
    ssize_t n = 0;
    if (poll(&p, 1, remaining_ms(&deadline)) <= 0 ||
        (n = recv(fd, reply, sizeof(reply) - 1, 0)) <= 0) {
        snprintf(verdict, size, "gone %s", n < 0 || p.revents & POLLIN ? "closed" : "timeout");
        goto out;
    }
    reply[n] = '\0';
    if (reply[0] != '+' && reply[0] != '-') {
        snprintf(verdict, size, "gone not-redis");
        goto out;
    }
    /* The first word, without "ERR": "+PONG" -> PONG, "-NOAUTH ..." -> NOAUTH. */
    size_t word = strcspn(reply + 1, " \r\n");
    snprintf(verdict, size, "alive %.*s", (int)(word < 20 ? word : 20), reply + 1);
out:
    close(fd);
}

struct probe_job {
    struct witness *w;
    struct witness_node *node;
    struct sockaddr_storage asker;
    socklen_t asker_len;
    char nonce[32];
};

static void *run_probe(void *arg) {
    struct probe_job *job = arg;
    char verdict[64], answer[WITNESS_DATAGRAM_MAX];
    probe(job->node, job->w->probe_timeout_ms, verdict, sizeof(verdict));
    int n = snprintf(answer, sizeof(answer), WITNESS_PROTOCOL " %s %s", job->nonce, verdict);
    sendto(job->w->fd, answer, (size_t)n, 0, (const struct sockaddr *)&job->asker, job->asker_len);
    pthread_mutex_lock(&verdict_lock);
    if (strcmp(verdict, job->node->last_verdict) != 0) {
        log_info("%s: %s (was %s)", job->node->name, verdict,
                 job->node->last_verdict[0] ? job->node->last_verdict : "not asked yet");
        snprintf(job->node->last_verdict, sizeof(job->node->last_verdict), "%s", verdict);
    }
    pthread_mutex_unlock(&verdict_lock);
    free(job);
    atomic_fetch_sub(&probes_running, 1);
    return NULL;
}

static void answer_now(struct witness *w, const struct sockaddr_storage *to, socklen_t to_len,
                       const char *nonce, const char *verdict) {
    char answer[WITNESS_DATAGRAM_MAX];
    int n = snprintf(answer, sizeof(answer), WITNESS_PROTOCOL " %s %s", nonce, verdict);
    sendto(w->fd, answer, (size_t)n, 0, (const struct sockaddr *)to, to_len);
}

static void handle_datagram(struct witness *w, char *text, const struct sockaddr_storage *from,
                            socklen_t from_len) {
    char host[64], port_text[8], nonce[32], extra;
    /* Anything else is dropped without an answer: nothing to learn from a reply. */
    if (strncmp(text, WITNESS_PROTOCOL " probe ", sizeof(WITNESS_PROTOCOL " probe ") - 1) != 0 ||
        sscanf(text + sizeof(WITNESS_PROTOCOL " probe ") - 1, "%63s %7s %31s %c", host, port_text,
               nonce, &extra) != 3)
        return;
    long long port = number_prefix(port_text, 1, 65535, -1);
    char port_again[8];
    snprintf(port_again, sizeof(port_again), "%lld", port);
    if (port < 0 || strcmp(port_again, port_text) != 0)
        return; /* "6379x" or "06379" is not a port we were given */
    struct witness_node *node = NULL;
    for (int i = 0; i < w->n_nodes; i++)
        if (strcmp(w->nodes[i].host, host) == 0 && w->nodes[i].port == port)
            node = &w->nodes[i];
    if (!node) {
        answer_now(w, from, from_len, nonce, "unknown not-watched");
        return;
    }
    if (atomic_fetch_add(&probes_running, 1) >= WITNESS_PROBES_MAX) {
        atomic_fetch_sub(&probes_running, 1);
        return;
    }
    struct probe_job *job = calloc(1, sizeof(*job));
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (job) {
        *job = (struct probe_job){ .w = w, .node = node, .asker = *from, .asker_len = from_len };
        snprintf(job->nonce, sizeof(job->nonce), "%s", nonce);
    }
    if (!job || pthread_create(&thread, &attr, run_probe, job) != 0) {
        free(job);
        atomic_fetch_sub(&probes_running, 1);
    }
    pthread_attr_destroy(&attr);
}

static void witness_usage(FILE *out) {
    fprintf(out,
            "usage: redis-vrrp-agent witness --node ADDRESS:PORT --node ADDRESS:PORT\n"
            "                                [--listen ADDRESS[:PORT]] [--probe-timeout-ms MS]\n"
            "  --node              a Redis of the pair (numeric address), as the nodes'\n"
            "                      [peer] host and port name it; given once per node\n"
            "  --listen            where to answer (UDP; default 0.0.0.0:%d)\n"
            "  --probe-timeout-ms  how long a node's Redis has to answer PING (default 200)\n",
            WITNESS_DEFAULT_PORT);
}

static int parse_args(int argc, char **argv, struct witness *w, struct sockaddr_storage *listen,
                      socklen_t *listen_len, char *listen_name, size_t listen_name_size) {
    char why[160];
    const char *listen_text = "0.0.0.0";
    w->probe_timeout_ms = 200;
    for (int i = 0; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--help") == 0) {
            witness_usage(stdout);
            return 1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "redis-vrrp-agent witness: %s needs a value\n", opt);
            return -EINVAL;
        }
        const char *value = argv[++i];
        if (strcmp(opt, "--listen") == 0) {
            listen_text = value;
        } else if (strcmp(opt, "--probe-timeout-ms") == 0) {
            long long ms = number_prefix(value, 1, 60000, -1);
            char check[16];
            snprintf(check, sizeof(check), "%lld", ms);
            if (ms < 0 || strcmp(check, value) != 0) {
                fprintf(stderr,
                        "redis-vrrp-agent witness: --probe-timeout-ms '%s': not a number of "
                        "milliseconds from 1 to 60000\n",
                        value);
                return -EINVAL;
            }
            w->probe_timeout_ms = (int)ms;
        } else if (strcmp(opt, "--node") == 0) {
            if (w->n_nodes == WITNESS_NODES_MAX) {
                fprintf(stderr, "redis-vrrp-agent witness: more than %d --node options\n",
                        WITNESS_NODES_MAX);
                return -EINVAL;
            }
            struct witness_node *n = &w->nodes[w->n_nodes];
            if (parse_endpoint(value, 0, n->host, sizeof(n->host), &n->port, &n->addr, &n->addr_len,
                               why, sizeof(why)) < 0) {
                fprintf(stderr, "redis-vrrp-agent witness: --node '%s': %s\n", value, why);
                return -EINVAL;
            }
            snprintf(n->name, sizeof(n->name), "%s", value);
            w->n_nodes++;
        } else {
            fprintf(stderr, "redis-vrrp-agent witness: unknown option '%s' (try --help)\n", opt);
            return -EINVAL;
        }
    }
    if (w->n_nodes == 0) {
        fprintf(stderr, "redis-vrrp-agent witness: no --node given: name the pair's two Redis "
                        "servers\n");
        return -EINVAL;
    }
    char host[64];
    int port;
    if (parse_endpoint(listen_text, WITNESS_DEFAULT_PORT, host, sizeof(host), &port, listen,
                       listen_len, why, sizeof(why)) < 0) {
        fprintf(stderr, "redis-vrrp-agent witness: --listen '%s': %s\n", listen_text, why);
        return -EINVAL;
    }
    snprintf(listen_name, listen_name_size, "%s port %d", host, port);
    return 0;
}

int witness_run(int argc, char **argv) {
    static struct witness w;
    struct sockaddr_storage listen;
    socklen_t listen_len;
    char listen_name[96];
    int r = parse_args(argc, argv, &w, &listen, &listen_len, listen_name, sizeof(listen_name));
    if (r != 0)
        return r > 0 ? 0 : 2;
    w.fd = socket(listen.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (w.fd < 0 || bind(w.fd, (const struct sockaddr *)&listen, listen_len) < 0) {
        fprintf(stderr, "redis-vrrp-agent witness: cannot listen on UDP %s: %s\n", listen_name,
                strerror(errno));
        return 1;
    }
    log_info("witness: answering on UDP %s for %d node(s), probe timeout %d ms", listen_name,
             w.n_nodes, w.probe_timeout_ms);
    sd_notify(0, "READY=1");
    for (;;) {
        char text[WITNESS_DATAGRAM_MAX];
        struct sockaddr_storage from;
        socklen_t from_len = sizeof(from);
        ssize_t n = recvfrom(w.fd, text, sizeof(text) - 1, 0, (struct sockaddr *)&from, &from_len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            log_error("witness: recvfrom: %s", strerror(errno));
            return 1;
        }
        text[n] = '\0';
        handle_datagram(&w, text, &from, from_len);
    }
}
