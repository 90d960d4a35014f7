"""`[peer] host` given as a name: resolved off the daemon's loop (host_resolver.c),
then used like an address. (A name that does not resolve is a row of the bad-input
catalogue, test_bad_input.py.)"""
import re

from daemon_harness import FAST_FULL_SYNC, replicates_from, wait_in_sync
from helpers import wait_for


def test_a_peer_named_by_host_name_is_resolved_and_used(redis_factory, daemons):
    # The agent hands the name to REPLICAOF and Redis resolves it itself: Debian 13
    # lists ::1 first for localhost, and Redis 8 does not fall back to 127.0.0.1, so
    # the peer listens on both ("-": only if this host has IPv6).
    peer = redis_factory("peer", extra=[FAST_FULL_SYNC, "bind 127.0.0.1 -::1"]).start()
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    d = daemons("agent", local.port, peer.port, {"peer": {"host": "localhost"}}).start()

    d.wait_status("the peer, named localhost, to be reachable",
                  lambda s: s["peer"]["reachable"] and s["peer"]["role"] == "master")
    wait_for("the log to say what localhost resolved to",
             lambda: re.search(r"\[peer\] host localhost resolves to (\S+ )*127\.0\.0\.1", d.log()))

    # A transition re-points replication at the peer by the name the operator gave.
    r = d.cli("notify", "INSTANCE", "VI_1", "BACKUP", "90", timeout=10)
    assert r.returncode == 0, r.stderr
    wait_for("local to replicate from the peer", lambda: replicates_from(local, peer.port))
    wait_in_sync(local, peer)
    d.stop()
