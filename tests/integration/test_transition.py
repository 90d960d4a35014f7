"""`redis-vrrp-agent notify` against two real redis-servers, "this node" A and "the
peer" B, each with its own agent config. keepalived is emulated: the VIP is a variable
saying which server clients write to, and moving it runs `notify ... MASTER` on the new
holder and `notify ... BACKUP` on the old one, concurrently, as keepalived would."""
import os
import re
import shutil
import subprocess
import threading
import time

import pytest

from helpers import (Vip, VipWriter, fill_keys, finish_agent, missing_keys, replica_in_sync,
                     run_agent, start_agent, wait_for, write_node_config)

# Full syncs start at once instead of after the default 5 s wait for more replicas.
FAST_FULL_SYNC = "repl-diskless-sync-delay 0"


class Node:
    """One node of the pair: its redis-server and the agent config naming the other's."""

    def __init__(self, name, server, node_dir):
        self.name = name
        self.server = server
        self.dir = node_dir
        self.config = None
        self.state_log = node_dir / "state.log"
        self.snapshot_dir = node_dir / "snapshots"
        self.run_dir = node_dir / "run"

    def configure(self, peer, **transition):
        self.config = write_node_config(self.dir, self.server, peer.server, **transition)

    def notify_args(self, state, priority, instance):
        return ["notify", "INSTANCE", instance, state, priority]

    def notify(self, state, priority=100, instance="VI_1", timeout=30):
        return run_agent(*self.notify_args(state, priority, instance), config=self.config,
                         timeout=timeout)

    def start_notify(self, state, priority=100, instance="VI_1"):
        return start_agent(*self.notify_args(state, priority, instance), config=self.config)

    def log(self):
        return self.state_log.read_text() if self.state_log.exists() else ""

    def role(self):
        return self.server.info("replication")["role"]

    def dbsize(self):
        return self.server.client().dbsize()


@pytest.fixture
def pair(redis_factory, tmp_path):
    """make(a_extra=[...], b_extra=[...], **transition) -> (A, B), both servers running
    as standalone masters, each node's [peer] the other."""

    def make(a_extra=(), b_extra=(), **transition):
        a = Node("A", redis_factory("a", extra=[FAST_FULL_SYNC, *a_extra]), tmp_path / "node-a")
        b = Node("B", redis_factory("b", extra=[FAST_FULL_SYNC, *b_extra]), tmp_path / "node-b")
        a.configure(b, **transition)
        b.configure(a, **transition)
        a.server.start()
        b.server.start()
        return a, b

    return make


def replicate(replica, master):
    """REPLICAOF, then wait until the master really streams to the replica: after a
    diskless full sync the replica reports its link up before the master sends it
    anything (that starts on the replica's next REPLCONF ACK, up to a second later), so
    a write that moves the master's offset must arrive."""
    replica.server.client().replicaof("127.0.0.1", master.server.port)
    c = master.server.client()
    c.set("probe:stream", 1)
    c.delete("probe:stream")
    wait_for(f"{replica.name} in sync with {master.name}",
             lambda: replica_in_sync(replica.server, master.server))


def move_vip(vip, to, frm):
    """keepalived moving the VIP: clients go to `to` at once, then both notify hooks run
    at the same time. Returns (MASTER run, BACKUP run)."""
    vip.holder = to.server
    master_run = to.start_notify("MASTER", 100)
    backup_run = frm.start_notify("BACKUP", 90)
    return finish_agent(master_run), finish_agent(backup_run)


def assert_ok(run):
    assert run.returncode == 0, f"{run.args} exited {run.returncode}:\n{run.stderr}"


def assert_writable_now(node):
    """A SET answers within the client's 2 s timeout: no CLIENT PAUSE left behind (the
    agent's pauses last seconds longer than that)."""
    assert node.server.client().set("probe:writable", 1) is True


STALL_TABLE = "rva_test_stall"


def stall_stream(master, replica_port):
    """Drop what `master` streams to its replica's connection (nftables on loopback,
    that one connection only): the replica stays linked, and falls behind."""
    rule = (f"table inet {STALL_TABLE} {{ chain in {{ type filter hook input priority 0; "
            f"ip saddr 127.0.0.1 tcp sport {master.port} tcp dport {replica_port} drop; }}\n}}\n")
    subprocess.run(["nft", "-f", "-"], input=rule, text=True, check=True)


def unstall_stream():
    subprocess.run(["nft", "delete", "table", "inet", STALL_TABLE], check=False)


def replica_connection_port(master):
    """The local port of the one replica's connection, from the master's CLIENT LIST."""
    clients = master.client().client_list(_type="replica")
    assert len(clients) == 1, clients
    return int(clients[0]["addr"].rsplit(":", 1)[1])


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("nft"), reason="needs root and nft")
def test_master_catches_up_when_peer_is_thousands_of_keys_ahead(pair):
    a, b = pair()
    fill_keys(b.server, 1000, "old")
    replicate(a, b)
    # A stays linked, but B's stream to it is dropped while B takes 20000 keys (10 MB),
    # so A is far behind when the notification arrives and must catch up during the
    # transition. (A SIGSTOPped A raced: resumed, it could read the whole stream
    # before it answered the transition's INFO.)
    stall_stream(b.server, replica_connection_port(b.server))
    try:
        fill_keys(b.server, 20000, "ahead", value_size=500)
        run = a.start_notify("MASTER")
        wait_for("the transition to observe both offsets",
                 lambda: "MASTER: local replica offset=" in a.log(), timeout=30)
    finally:
        unstall_stream()
    assert_ok(finish_agent(run))

    assert a.role() == "master"
    assert a.dbsize() == 21000
    assert missing_keys(a.server, [f"ahead:{i}" for i in range(20000)]) == []
    log = a.log()
    observed = re.search(r"MASTER: local replica offset=(\d+) keys=\d+; "
                         r"peer \S+ master offset=(\d+)", log)
    assert observed, log
    assert int(observed[1]) < int(observed[2]), "A was not behind: the test proves nothing"
    caught_up = re.search(r"caught up to offset (\d+)", log)
    assert caught_up and int(caught_up[1]) >= int(observed[2]), log
    for line in ("catching up first", "link up and synced in", "paused peer writes at offset",
                 "REPLICAOF NO ONE; writable after", "MASTER done in"):
        assert line in log


def test_master_after_restart_empty_refills_from_peer_before_serving(pair):
    a, b = pair()
    fill_keys(b.server, 20000)
    replicate(a, b)
    a.server.stop()
    a.server.start(empty=True)  # no dump, no replicaof: a standalone master with 0 keys
    assert (a.role(), a.dbsize()) == ("master", 0)
    expected = b.dbsize()

    samples = []  # (role, keys) of A, read atomically by one INFO
    stop = threading.Event()

    def poll_a():
        c = a.server.client()
        while not stop.is_set():
            try:
                info = c.info("replication", "keyspace")
                samples.append((info["role"], info.get("db0", {}).get("keys", 0)))
            except Exception as e:  # a server busy loading may not answer in time
                samples.append(("error", type(e).__name__))

    poller = threading.Thread(target=poll_a, daemon=True)
    poller.start()
    try:
        wait_for("the poller's first sample", lambda: samples)
        run = a.notify("MASTER")
    finally:
        stop.set()
        poller.join(10)
    assert_ok(run)

    roles = [role for role, _ in samples]
    assert "slave" in roles, "the poller never saw A as a replica: it proves nothing"
    first_replica = roles.index("slave")
    # Before the agent acted, A was the empty master keepalived handed the VIP to.
    assert set(samples[:first_replica]) <= {("master", 0), ("error", "TimeoutError")}
    served_short = [(role, keys) for role, keys in samples[first_replica:]
                    if role == "master" and keys < expected]
    assert served_short == [], "A served as master before it had the peer's keys"
    assert samples[-1] == ("master", expected)
    assert a.dbsize() == expected
    assert "REPLICAOF peer to catch up" in a.log()


def test_master_with_peer_dead_promotes_at_once(pair):
    a, b = pair()
    fill_keys(b.server, 1000)
    replicate(a, b)
    b.server.stop()

    start = time.monotonic()
    run = a.notify("MASTER")
    elapsed = time.monotonic() - start
    assert_ok(run)
    assert a.role() == "master"
    assert a.dbsize() == 1000
    assert "peer unreachable: nothing to catch up from" in a.log()
    # Peer connect timeout 200 ms; the rest is a generous hang guard, not a benchmark.
    assert elapsed < 0.2 + 3.0


def test_backup_after_master_resyncs_partially_from_promoted_peer(pair):
    a, b = pair()
    fill_keys(a.server, 2500, "before")
    replicate(b, a)
    fill_keys(a.server, 2500, "after")  # streamed: A's offset is well past 0
    wait_for("B in sync with A", lambda: replica_in_sync(b.server, a.server))
    stats_before = b.server.info("stats")

    master_run, backup_run = move_vip(Vip(a.server), to=b, frm=a)
    assert_ok(master_run)
    assert_ok(backup_run)

    assert b.role() == "master"
    wait_for("A in sync with B", lambda: replica_in_sync(a.server, b.server))
    assert a.server.info("replication")["master_port"] == b.server.port
    stats_after = b.server.info("stats")
    assert stats_after["sync_partial_ok"] == stats_before["sync_partial_ok"] + 1
    assert stats_after["sync_full"] == stats_before["sync_full"]
    keys = [f"{p}:{i}" for p in ("before", "after") for i in range(2500)]
    assert missing_keys(b.server, keys) == []
    assert missing_keys(a.server, keys) == []
    assert "peer is master with our writes" in a.log()
    assert_writable_now(b)


def test_master_superseded_by_backup_while_catching_up_ends_replica(pair):
    # A loads the full sync slowly (10000 keys x 100 us) but keeps answering INFO,
    # so its MASTER catch-up is still running when BACKUP arrives.
    a, b = pair(a_extra=["key-load-delay 100", "loading-process-events-interval-bytes 1024"])
    fill_keys(b.server, 10000)

    start = time.monotonic()
    first = a.start_notify("MASTER", 100)
    wait_for("A's MASTER to start catching up", lambda: "REPLICAOF peer to catch up" in a.log())
    # keepalived's next notification about 100 ms after the first (scenario timing only).
    time.sleep(max(0.0, 0.1 - (time.monotonic() - start)))
    second = a.start_notify("BACKUP", 90)
    assert_ok(finish_agent(first))
    assert_ok(finish_agent(second))

    log = a.log()
    # Superseded while it waited for the full sync, not after it had finished.
    assert re.search(r"MASTER superseded by a newer notification after \d+ ms\b.*"
                     r"replication link up and sync done", log), log
    assert "MASTER done" not in log
    assert "BACKUP done" in log
    assert b.role() == "master"
    assert_writable_now(b)
    wait_for("A in sync with B", lambda: replica_in_sync(a.server, b.server), timeout=15)
    assert a.dbsize() == b.dbsize() == 10001  # 10000 and the writability probe


def test_backup_superseded_by_master_while_waiting_for_peer_ends_master(pair):
    a, b = pair()
    fill_keys(a.server, 1000)
    replicate(b, a)

    # Nobody promotes B, so A's BACKUP waits (fenced) for the peer to take its writes.
    first = a.start_notify("BACKUP", 90)
    wait_for("A's BACKUP to wait for the peer", lambda: "paused local writes" in a.log())
    second = a.start_notify("MASTER", 100)
    assert_ok(finish_agent(first))
    assert_ok(finish_agent(second))

    log = a.log()
    assert re.search(r"BACKUP superseded by a newer notification after \d+ ms\b.*"
                     r"the peer to be master with our writes", log), log
    assert "BACKUP done" not in log
    assert "MASTER done" in log
    assert a.role() == "master"
    assert_writable_now(a)  # the superseded BACKUP's fence was lifted
    wait_for("B in sync with A", lambda: replica_in_sync(b.server, a.server))
    assert b.dbsize() == 1001


def test_backup_with_diverged_histories_snapshots_local_data_first(pair, redis_factory):
    a, b = pair(backup_wait_timeout_ms=300)
    fill_keys(a.server, 1000, "a-only")
    fill_keys(b.server, 1500, "b-only")
    a_replid = a.server.info("replication")["master_replid"]
    b_replid = b.server.info("replication")["master_replid"]

    assert_ok(a.notify("BACKUP", 90))

    snapshots = list(a.snapshot_dir.glob("*.rdb"))
    assert len(snapshots) == 1, list(a.snapshot_dir.iterdir())
    snapshot = snapshots[0]
    assert a_replid in snapshot.name and b_replid in snapshot.name
    assert f"saved to {snapshot}" in a.log()
    wait_for("A in sync with B", lambda: replica_in_sync(a.server, b.server))
    assert a.dbsize() == 1500

    restored = redis_factory("restored", extra=[f"dir {a.snapshot_dir}",
                                                 f"dbfilename {snapshot.name}"]).start()
    assert restored.client().dbsize() == 1000
    assert missing_keys(restored, [f"a-only:{i}" for i in range(1000)]) == []


def test_writes_acknowledged_through_the_vip_survive_failover_and_failback(pair):
    a, b = pair()
    replicate(b, a)
    vip = Vip(a.server)
    writer = VipWriter(vip)
    writer.start()
    try:
        wait_for("writes acknowledged by A", lambda: writer.acked_on(a.server) >= 500)
        for run in move_vip(vip, to=b, frm=a):
            assert_ok(run)
        wait_for("writes acknowledged by B", lambda: writer.acked_on(b.server) >= 500)
        acked_on_a = writer.acked_on(a.server)
        for run in move_vip(vip, to=a, frm=b):
            assert_ok(run)
        wait_for("writes acknowledged by A after failback",
                 lambda: writer.acked_on(a.server) >= acked_on_a + 500)
    finally:
        writer.stop()

    print(f"\n{len(writer.acked)} writes acknowledged of {writer.attempts} attempted "
          f"(A {writer.acked_on(a.server)}, B {writer.acked_on(b.server)}); "
          f"not acknowledged: {writer.errors}")
    assert a.role() == "master"
    assert missing_keys(a.server, writer.acked) == []
    wait_for("B in sync with A", lambda: replica_in_sync(b.server, a.server))
    assert missing_keys(b.server, writer.acked) == []


@pytest.mark.parametrize("args, message", [
    ([], "got 0 arguments"),
    (["bogus"], "'bogus': expected master, backup, fault or stop"),
    (["INSTANCE", "VI_1", "SIDEWAYS", "100"], "state 'SIDEWAYS': expected MASTER, BACKUP"),
    (["INSTANCE", "VI_1", "MASTER", "999"], "priority '999': expected a number from 0 to 255"),
    (["INSTANCE", "VI_1", "MASTER", "100", "extra"], "got 5 arguments"),
])
def test_bad_notify_arguments_exit_2_naming_the_problem(redis_factory, tmp_path, args, message):
    # Servers never started: a usage error must be found before anything is touched.
    local, peer = redis_factory("a"), redis_factory("b")
    config = write_node_config(tmp_path / "node-a", local, peer)
    r = run_agent("notify", *args, config=config)
    assert r.returncode == 2
    assert message in r.stderr
    assert not (tmp_path / "node-a" / "state.log").exists()


def test_notification_for_another_instance_is_ignored(pair):
    a, b = pair()
    fill_keys(b.server, 100)
    replicate(a, b)

    r = a.notify("MASTER", 100, instance="VI_9")
    assert r.returncode == 0, r.stderr
    assert "ignoring INSTANCE VI_9 MASTER 100: not about instance VI_1" in r.stderr
    assert (a.role(), b.role()) == ("slave", "master")
    assert not (a.run_dir / "notify.latest").exists()
    assert "notification" not in a.log()
