/* The node's side of the witness (witness_server.h): when the peer has gone silent
 * and this node does not hold the VIP, it asks the witness whether the peer's Redis
 * still answers, again every time its peer watch polls, until the peer is back.
 *
 * What the answer means for the VIP (daemon.c): "alive" says this node is the one cut
 * off from a live master, so it holds back (fails its track file) instead of taking
 * the VIP beside it; no answer says this node is cut off from both, and holds back
 * too: taking the VIP needs two of the three to agree that the master is gone.
 * "gone" lets keepalived do what it would do without a witness. Until the first
 * answer nothing is held back, so a real crash costs no more than without one. */
#ifndef RVA_WITNESS_CLIENT_H
#define RVA_WITNESS_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

enum witness_verdict {
    WITNESS_UNASKED,    /* no question since the peer was last seen */
    WITNESS_PEER_ALIVE, /* the witness reaches the peer's Redis */
    WITNESS_PEER_GONE,  /* it does not either */
    WITNESS_NO_ANSWER,  /* the witness did not answer within timeout_ms */
};

struct witness_client;
typedef void (*witness_fn)(struct witness_client *w, void *userdata);

struct witness_client {
    char address[64]; /* for messages: "192.0.2.13 port 7480" */
    int fd;
    int timeout_ms;
    sd_event_source *io, *deadline;
    bool in_flight;
    char nonce[24];
    uint64_t asked; /* questions sent, for nonces */
    enum witness_verdict verdict;
    char detail[64]; /* the witness's detail ("PONG", "timeout"), or why no answer */
    uint64_t verdict_usec;
    witness_fn on_verdict; /* after every answer (or timeout) */
    void *userdata;
};

/* A UDP socket to the witness at address (numeric) and port. Returns 0 or a negative
 * errno. */
int witness_client_open(struct witness_client *w, sd_event *event, const char *address, int port,
                        int timeout_ms, witness_fn on_verdict, void *userdata);
void witness_client_close(struct witness_client *w);

/* Ask about the Redis at peer_host:peer_port, unless a question is in flight. */
void witness_client_ask(struct witness_client *w, const char *peer_host, int peer_port);

/* The peer is back: forget the verdict (an answer still in flight is ignored). */
void witness_client_forget(struct witness_client *w);

/* Whether the verdict says to hold back: the peer alive, or no answer. */
bool witness_says_hold(const struct witness_client *w);

const char *witness_verdict_to_string(enum witness_verdict v);

#endif
