/* The witness protocol: one UDP datagram asks, one answers.
 *
 *   ask:    "rva-witness 1 probe HOST PORT NONCE"
 *   answer: "rva-witness 1 NONCE alive|gone|unknown DETAIL"
 *
 * HOST PORT name a Redis the witness was told to watch (--node), exactly as given
 * there; NONCE is the asker's, so a late answer to an earlier question is ignored.
 * "alive" means a Redis there answered PING just now (DETAIL: its first word,
 * PONG or NOAUTH or LOADING...); "gone" means it did not (DETAIL: refused, timeout,
 * closed); "unknown" means the witness does not watch that node. UDP: a node cut off
 * from the witness learns that from the silence, with no connection to time out. */
#ifndef RVA_WITNESS_PROTOCOL_H
#define RVA_WITNESS_PROTOCOL_H

#define WITNESS_PROTOCOL     "rva-witness 1"
#define WITNESS_DEFAULT_PORT 7480
#define WITNESS_DATAGRAM_MAX 512

#endif
