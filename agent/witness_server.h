/* `redis-vrrp-agent witness`: the third party of a two-node pair, for any third
 * machine (an application server, say). A node that has lost sight of its peer asks
 * the witness whether the peer's Redis still answers; if it does, the node is the one
 * cut off, and stays backup instead of taking the VIP beside a live master (see
 * witness_client.h). The witness keeps no state and needs no password: each question
 * is answered by a fresh PING to the named node, on a thread of its own, so one slow
 * probe delays no other answer. Protocol: witness_protocol.h. */
#ifndef RVA_WITNESS_SERVER_H
#define RVA_WITNESS_SERVER_H

/* Parse the witness's own options (argv: what follows the command word) and answer
 * until killed. Returns an exit status: 0 after --help, 2 for a bad option, 1 when
 * it cannot listen. */
int witness_run(int argc, char **argv);

#endif
