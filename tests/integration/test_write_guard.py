"""The write guard against real redis-servers: the daemon sets min-replicas-to-write on
its local Redis from what it sees of the peer, and Redis itself then refuses writes
without an in-sync replica. The partition it is for, and what it costs when the peer's
host dies, are measured by `make chaos ... --write-guard` (tests/chaos)."""
import signal

import pytest
import redis

from daemon_harness import FAST_FULL_SYNC
from helpers import Blackhole, wait_for

GUARD = {"write_guard": {"enabled": "yes", "max_lag_s": 1}}


def min_replicas(server):
    return int(server.client().config_get("min-replicas-to-write")["min-replicas-to-write"])


def write_accepted(server, key):
    """One SET, True when the server took it. Redis recounts its good replicas once a
    second from their last ACK, in whole seconds, so at min-replicas-max-lag 1 a
    loaded machine sees a write refused (NOREPLICAS) now and then with the replica in
    sync; the next ACK lifts it."""
    try:
        server.client().set(key, "1")
        return True
    except redis.exceptions.ResponseError as e:
        if "NOREPLICAS" not in str(e):
            raise
        return False


def guard_status(d, value):
    return d.wait_status(f"write guard at min-replicas-to-write {value}",
                         lambda s: s["write_guard"] and s["write_guard"]["min_replicas"] == value)


def test_writes_need_the_replica_until_its_redis_is_known_gone(redis_factory, daemons):
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    peer = redis_factory("peer").start()
    peer.client().replicaof("127.0.0.1", local.port)
    wait_for("the peer to replicate", lambda: peer.client().info("replication")
             ["master_link_status"] == "up", timeout=20)
    d = daemons("agent", local.port, peer.port, GUARD).start()

    s = guard_status(d, 1)
    assert "our replica in sync" in s["write_guard"]["why"], s["write_guard"]
    assert min_replicas(local) == 1
    assert int(local.client().config_get("min-replicas-max-lag")["min-replicas-max-lag"]) == 1
    # The replica is there: writes go on (within Redis's next recount at the latest).
    wait_for("a write taken with the replica in sync",
             lambda: write_accepted(local, "with-replica"), timeout=5)

    # A crashed Redis on a live host refuses the connection: definitive, writes go on.
    peer.kill(signal.SIGKILL)
    s = guard_status(d, 0)
    assert "refused" in s["write_guard"]["why"], s["write_guard"]
    assert min_replicas(local) == 0
    local.client().set("peer-gone", "1")
    assert "write guard: min-replicas-to-write 0" in d.log()
    d.stop()


def test_a_silent_peer_stops_writes_and_turning_the_guard_off_lifts_it(redis_factory, daemons):
    local = redis_factory("local").start()
    silent = Blackhole()
    try:
        sections = {**GUARD}
        d = daemons("agent", local.port, silent.port, sections).start()
        s = guard_status(d, 1)
        assert "silent" in s["write_guard"]["why"], s["write_guard"]
        # Redis itself refuses: no replica in sync, and the peer may be taking writes.
        with pytest.raises(redis.exceptions.ResponseError, match="NOREPLICAS"):
            local.client().set("k", "v")

        # Restarted with its own config, Redis forgets the guard: it is set again.
        local.kill(signal.SIGKILL)
        local.start()
        guard_status(d, 1)
        wait_for("the guard on the restarted Redis", lambda: min_replicas(local) == 1)

        sections["write_guard"] = {"enabled": "no"}
        d.write_config(sections)
        d.signal(signal.SIGHUP)
        d.wait_status("the write guard gone from status", lambda s: s["write_guard"] is None)
        assert min_replicas(local) == 0
        local.client().set("k", "v")
        d.stop()
    finally:
        silent.close()


def test_without_the_guard_the_operators_own_setting_is_left_alone(redis_factory, daemons,
                                                                   dead_port):
    local = redis_factory("local").start()
    local.client().config_set("min-replicas-to-write", 3)
    d = daemons("agent", local.port, dead_port).start()
    assert d.status()["write_guard"] is None
    d.stop()
    assert min_replicas(local) == 3
