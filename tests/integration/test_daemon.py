"""`redis-vrrp-agent run`, the daemon, against real redis-server processes: the track
file keepalived reads, the notify FIFO keepalived writes, the control socket (`notify`,
`status`, `maintenance`), SIGHUP reloads, the run_dir lock and VIP reconciliation. The
daemon runs as a subprocess with everything it writes under tmp_path; its stderr goes to
a file that is printed when a test fails."""
import os
import shutil
import signal
import socket
import stat
import subprocess
import time

import pytest

import redis_client
import server_kind
from daemon_harness import (FAST_FULL_SYNC, replicates_from, role, wait_in_sync,
                            wait_role)
from helpers import RedisServer, run_agent, wait_for

# ---- track file ----


def test_redis_crash_flips_track_file_at_once_and_restart_clears_it(redis_factory, daemons,
                                                                      dead_port):
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    # Polling alone would need interval_ms * fall = 6 s to call the crash.
    d = daemons("agent", local.port, dead_port,
                {"check": {"interval_ms": 2000, "fall": 3, "rise": 1, "fail_value": 7}}).start()
    assert d.track() == "0"

    local.kill(signal.SIGKILL)
    waited = d.wait_track(7, timeout=10)
    assert waited < 1.0, f"crash noticed after {waited:.2f}s: not event-driven"
    assert "local Redis/Valkey closed our connection: checking at once" in d.log()

    local.start()  # same port
    d.wait_track(0, timeout=10)
    d.stop()


def test_a_track_file_removed_as_the_value_changes_is_reported_and_the_change_recorded(
        redis_factory, daemons, dead_port):
    """The file is deleted, and before any periodic check (a minute apart) the local
    Redis is killed: the one write that follows both restores the file and changes its
    value, and the log says the first while the state log records the second. (The
    shipped values: keepalived reads the missing file as 0, not the healthy 1.)"""
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    d = daemons("agent", local.port, dead_port,
                {"check": {"interval_ms": 60000, "fall": 1, "healthy_value": 1,
                           "fail_value": 0}}).start()
    assert d.track() == "1"
    d.track_file.unlink()
    local.kill(signal.SIGKILL)
    d.wait_track(0, timeout=10)
    d.wait_log("was removed or changed behind the agent's back: wrote 0")
    assert f"track file {d.track_file} = 0" in d.state_log.read_text(), d.state_log.read_text()
    d.stop()


def test_fail_closed_values_for_weight_0_reverse(redis_factory, daemons, dead_port):
    """healthy_value 1, fail_value 0: keepalived's `weight 0 reverse` then reads a
    missing, empty or unreadable file (0) as a fault, as it reads a dead Redis."""
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    d = daemons("agent", local.port, dead_port,
                {"check": {"healthy_value": 1, "fail_value": 0, "rise": 1}}).start()
    d.wait_track(1)
    local.kill(signal.SIGKILL)
    d.wait_track(0)
    local.start()
    d.wait_track(1)
    d.stop()


def test_a_removed_or_overwritten_track_file_is_restored_at_the_next_check(redis_factory,
                                                                          daemons, dead_port):
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    d = daemons("agent", local.port, dead_port,
                {"check": {"interval_ms": 50, "healthy_value": 1, "fail_value": 0}}).start()
    d.wait_track(1)
    d.track_file.unlink()
    d.wait_track(1, timeout=5)
    d.wait_log("was removed or changed behind the agent's back: wrote 1")
    d.track_file.write_text("0\n")
    d.wait_track(1, timeout=5)
    d.stop()


def test_stopped_redis_flips_track_file_within_timeout_bound_and_sigcont_clears_it(
        redis_factory, daemons, dead_port):
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    d = daemons("agent", local.port, dead_port,
                {"redis": {"connect_timeout_ms": 200, "command_timeout_ms": 200},
                 "check": {"interval_ms": 100, "fall": 2, "rise": 2, "fail_value": 7}}).start()
    assert d.track() == "0"

    local.kill(signal.SIGSTOP)
    try:
        waited = d.wait_track(7, timeout=10)
        # (interval * fall + connect + command) * fall = 1.2 s; the rest is slack.
        assert waited < 3.0, f"stopped Redis noticed after {waited:.2f}s"
        assert "timeout after 200 ms" in d.log()
    finally:
        local.kill(signal.SIGCONT)
    d.wait_track(0, timeout=10)
    d.stop()


def test_track_file_fails_while_full_sync_runs_and_clears_once_synced(redis_factory, daemons):
    # The peer writes its RDB slowly (a 1 µs sleep every ~20 keys), so the full sync of
    # 300k keys takes over a second: many of the daemon's 50 ms checks fall inside it.
    peer = redis_factory("peer", extra=[FAST_FULL_SYNC, "rdb-key-save-delay -20"]).start()
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    c = peer.client()
    for start in range(0, 300000, 10000):
        pipe = c.pipeline(transaction=False)
        for i in range(start, start + 10000):
            pipe.set(f"key:{i}", b"v" * 100)
        pipe.execute()
    # A master with data of its own is ready even while the peer is a master too.
    local.client().set("local:only", 1)

    d = daemons("agent", local.port, peer.port,
                {"check": {"interval_ms": 50, "fall": 1, "rise": 1, "peer_interval_ms": 50,
                           "fail_value": 7}}).start()
    d.wait_status("the daemon to see the peer as a master",
                  lambda s: s["peer"]["reachable"] and s["peer"]["role"] == "master")
    d.wait_track(0)

    local.client().replicaof("127.0.0.1", peer.port)
    d.wait_track(7, timeout=10)
    info = local.info("replication")
    assert info["master_sync_in_progress"] == 1 or info["master_link_status"] == "down", info

    d.wait_track(0, timeout=60)
    info = local.info("replication")
    assert info["master_link_status"] == "up" and not info["master_sync_in_progress"], info
    assert local.client().dbsize() == 300000
    assert ("unhealthy: full sync from master in progress" in d.log()
            or "unhealthy: replica link to master is down" in d.log())
    d.stop()


# ---- notify FIFO ----


def replica_and_daemon(redis_factory, daemons, dead_port):
    """A local Redis replicating from a master that is not there, and a running
    daemon for it: a MASTER notification visibly promotes it, a BACKUP one points it
    back at dead_port."""
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    local.client().replicaof("127.0.0.1", dead_port)
    return local, daemons("agent", local.port, dead_port).start()


def test_fifo_line_drives_transition_and_malformed_lines_are_skipped(redis_factory, daemons,
                                                                      dead_port):
    local, d = replica_and_daemon(redis_factory, daemons, dead_port)

    d.write_fifo('INSTANCE "VI_1" MASTER 100\n')
    wait_role(local, "master")
    d.wait_log("notification INSTANCE VI_1 MASTER 100 (from notify FIFO)")

    d.write_fifo('INSTANCE "VI_1\n')
    d.write_fifo("garbage\n")
    d.write_fifo('INSTANCE "VI_1" BACKUP 90\n')
    wait_for("local to replicate from the peer", lambda: replicates_from(local, dead_port))
    log = d.log()
    assert "malformed notify FIFO line 'INSTANCE \"VI_1': unterminated quote (skipped)" in log
    # Not a VRRP line at all (keepalived writes checker lines there too): ignored.
    assert "ignoring non-VRRP line 'garbage'" in log
    assert d.status()["transition"]["count"] == 2
    assert d.running()
    d.stop()


def test_fifo_survives_writer_reopening_without_spinning(redis_factory, daemons, dead_port):
    local, d = replica_and_daemon(redis_factory, daemons, dead_port)

    # keepalived restarting: its end of the FIFO closes and opens again, several times.
    for _ in range(5):
        os.close(os.open(d.fifo, os.O_WRONLY | os.O_NONBLOCK))
    closed_at, cpu_at_close = time.monotonic(), d.cpu_seconds()

    d.write_fifo('INSTANCE "VI_1" MASTER 100\n')
    wait_role(local, "master")
    d.wait_log("notification INSTANCE VI_1 MASTER 100 (from notify FIFO)")

    # A daemon spinning on end-of-file would burn a whole CPU: measure over at least a
    # second after the last close (a measurement window, not a wait for a condition).
    time.sleep(max(0.0, 1.0 - (time.monotonic() - closed_at)))
    assert d.cpu_seconds() - cpu_at_close < 0.5
    assert d.cpu_seconds() < 0.5
    d.stop()


def keepalived_reload_recreates(fifo, lines):
    """What keepalived does on a reload with a FIFO it created: unlink, create a new
    one (or, as keepalived does on EEXIST, take the one the daemon was quicker to
    create), open it read-write and write into it at once (no reader needed)."""
    fifo.unlink()
    try:
        os.mkfifo(fifo, 0o600)
    except FileExistsError:
        pass
    fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    os.write(fd, lines.encode())
    return fd


def test_fifo_recreated_by_a_keepalived_reload_is_followed(redis_factory, daemons, dead_port):
    local, d = replica_and_daemon(redis_factory, daemons, dead_port)

    # The notification is written before the daemon can have reopened anything: it
    # waits in the new FIFO's buffer, and must still be read.
    fd = keepalived_reload_recreates(d.fifo, 'INSTANCE "VI_1" MASTER 100\n')
    try:
        wait_role(local, "master")
        # Removed, then replaced: which one the daemon saw first depends on timing.
        d.wait_log("(keepalived reloaded or stopped?)")
        d.wait_log("notification INSTANCE VI_1 MASTER 100 (from notify FIFO)")
        # And the next write to the new FIFO is heard too.
        os.write(fd, b'INSTANCE "VI_1" BACKUP 90\n')
        wait_for("local to replicate from the peer", lambda: replicates_from(local, dead_port))
    finally:
        os.close(fd)
    assert d.status()["transition"]["count"] == 2
    d.stop()


def test_fifo_removed_by_a_stopping_keepalived_is_created_again(redis_factory, daemons,
                                                               dead_port):
    local, d = replica_and_daemon(redis_factory, daemons, dead_port)

    d.fifo.unlink()
    wait_for("the daemon to create the FIFO again", d.fifo.exists, 5)
    assert stat.S_ISFIFO(d.fifo.stat().st_mode)
    d.wait_log("was removed")
    # keepalived, starting again, opens the existing FIFO and writes.
    d.write_fifo('INSTANCE "VI_1" MASTER 100\n')
    wait_role(local, "master")
    d.stop()


def test_a_fifo_path_taken_by_a_regular_file_is_reported_once_then_followed_again(
        redis_factory, daemons, dead_port):
    local, d = replica_and_daemon(redis_factory, daemons, dead_port)

    d.fifo.unlink()
    d.fifo.write_text("not a FIFO\n")
    d.wait_log("cannot reopen: exists and is not a FIFO")
    # The once-a-second check goes on, but says so once: a window of three checks
    # (a measurement of what is logged, not a wait for a state).
    time.sleep(3)
    assert d.log().count("cannot reopen") == 1, d.log()

    d.fifo.unlink()
    wait_for("the daemon to create the FIFO again",
             lambda: d.fifo.exists() and stat.S_ISFIFO(d.fifo.stat().st_mode), 5)
    d.write_fifo('INSTANCE "VI_1" MASTER 100\n')
    wait_role(local, "master")
    d.stop()


def test_fifo_line_for_another_instance_is_ignored(redis_factory, daemons, dead_port):
    local, d = replica_and_daemon(redis_factory, daemons, dead_port)

    # FAULT leaves replication alone (fence_on_fault = no): it only marks that every
    # earlier line has been read.
    d.write_fifo('INSTANCE "VI_9" MASTER 100\n')
    d.write_fifo('INSTANCE "VI_1" FAULT 100\n')
    status = d.wait_status("the FAULT transition to end",
                           lambda s: s["transition"]["last"] is not None)
    assert status["transition"]["count"] == 1
    assert status["transition"]["last"]["target"] == "FAULT"
    assert role(local) == "slave"
    assert ("ignoring INSTANCE VI_9 MASTER 100 from notify FIFO: not about instance VI_1"
            in d.log())
    d.stop()


# ---- control socket ----


def test_notify_command_hands_over_to_the_running_daemon(redis_factory, daemons):
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    peer = redis_factory("peer", extra=[FAST_FULL_SYNC]).start()
    d = daemons("agent", local.port, peer.port).start()

    start = time.monotonic()
    r = d.cli("notify", "INSTANCE", "VI_1", "BACKUP", "90", timeout=10)
    elapsed = time.monotonic() - start
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert elapsed < 2.0, f"notify took {elapsed:.2f}s: it should only hand over"
    assert "REPLICAOF" not in r.stderr  # the transition did not run inline

    wait_for("local to replicate from the peer", lambda: replicates_from(local, peer.port))
    d.wait_log("notification INSTANCE VI_1 BACKUP 90 (from control socket)")
    d.wait_log("BACKUP done in")
    d.stop()


def test_the_loop_stays_responsive_while_the_local_redis_hangs(redis_factory, daemons, dead_port):
    """A local Redis stopped for longer than the command timeout: the check waits on
    its deadline without holding the loop, so the longest callback stays far below
    the timeout (the bound only catches a blocking call), and the figures reach
    status and the metrics file."""
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    d = daemons("agent", local.port, dead_port)
    metrics = d.dir / "metrics.prom"
    d.write_config({"redis": {"command_timeout_ms": 300}, "metrics": {"textfile": metrics}})
    d.start()
    before = d.wait_status("some callbacks", lambda s: s["loop"]["callbacks"] > 10)["loop"]
    local.kill(signal.SIGSTOP)
    try:
        d.wait_track(1, timeout=10)
        # Asked while the server is still stopped: the answer cannot wait on it.
        loop = d.status()["loop"]
    finally:
        local.kill(signal.SIGCONT)
    assert loop["max_stall_ms"] < 250, loop
    assert 0 < loop["p99_stall_ms"] <= loop["max_stall_ms"], loop
    # CPU time and wall time come from two clocks: allow their granularity.
    assert 0 < loop["max_cpu_ms"] <= loop["max_stall_ms"] + 1, loop
    assert loop["callbacks"] > before["callbacks"]
    wait_for("the metrics file to carry the stall",
             lambda: 'redis_vrrp_agent_loop_stall_seconds{stat="max"} 0.' in metrics.read_text()
             and 'redis_vrrp_agent_loop_stall_seconds{stat="max_cpu"} 0.' in metrics.read_text(), 10)
    assert "event loop:   longest callback" in d.cli("status", timeout=10).stdout
    d.stop()


def test_status_json_reports_state_and_last_transition(redis_factory, daemons):
    peer = redis_factory("peer", extra=[FAST_FULL_SYNC]).start()
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    local.client().replicaof("127.0.0.1", peer.port)
    wait_in_sync(local, peer)
    d = daemons("agent", local.port, peer.port).start()

    s = d.wait_status("a healthy replica and a reachable peer",
                      lambda s: s["local"]["healthy"] and s["peer"]["reachable"])
    assert s["local"]["role"] == "replica"
    assert isinstance(s["local"]["offset"], int)
    assert s["peer"]["role"] == "master"
    assert s["vip_here"] is False
    assert s["split_brain"] is False
    assert s["maintenance"] is False
    assert s["transition"]["last"] is None

    r = d.cli("notify", "INSTANCE", "VI_1", "BACKUP", "90", timeout=10)
    assert r.returncode == 0, r.stderr
    s = d.wait_status("the BACKUP transition to end", lambda s: s["transition"]["last"])
    last = s["transition"]["last"]
    assert last["target"] == "BACKUP"
    assert last["outcome"] == "ok"
    assert isinstance(last["duration_ms"], int) and last["duration_ms"] >= 0

    text = d.cli("status", timeout=10)
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("local:        replica, healthy")
    assert "last:         BACKUP ok in" in text.stdout
    d.stop()


def test_status_without_daemon_exits_3(redis_factory, daemons, dead_port):
    local = redis_factory("local").start()
    d = daemons("agent", local.port, dead_port).start()
    d.stop()
    r = d.cli("status", timeout=10)
    assert r.returncode == 3, (r.stdout, r.stderr)
    assert "no daemon is running" in r.stderr
    r = d.cli("status", "--json", timeout=10)
    assert r.returncode == 3
    assert r.stdout == ""


def test_maintenance_reports_fail_value_and_survives_daemon_restart(redis_factory, daemons,
                                                                     dead_port):
    local = redis_factory("local").start()
    d = daemons("agent", local.port, dead_port, {"check": {"fail_value": 7}}).start()
    assert d.track() == "0"

    r = d.cli("maintenance", "on", timeout=10)
    assert r.returncode == 0, r.stderr
    d.wait_track(7, timeout=5)
    assert d.status()["maintenance"] is True
    assert (d.run_dir / "maintenance").exists()

    d.stop()
    d.start()  # removes the old track file first: what it holds now is the new run's
    assert d.track() == "7"
    assert d.status()["maintenance"] is True
    assert "maintenance is on (from" in d.log()

    r = d.cli("maintenance", "off", timeout=10)
    assert r.returncode == 0, r.stderr
    d.wait_track(0, timeout=5)
    assert not (d.run_dir / "maintenance").exists()
    assert d.status()["maintenance"] is False
    d.stop()


def test_split_brain_is_reported_while_both_are_masters(redis_factory, daemons):
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    peer = redis_factory("peer", extra=[FAST_FULL_SYNC]).start()
    d = daemons("agent", local.port, peer.port).start()

    d.wait_status("split_brain true", lambda s: s["split_brain"], timeout=5)
    d.wait_log("split brain: the local Redis/Valkey and the peer are both masters")

    peer.client().replicaof("127.0.0.1", local.port)
    s = d.wait_status("split_brain false", lambda s: not s["split_brain"], timeout=5)
    assert s["peer"]["role"] == "replica"
    d.wait_log("split brain over: one master again")
    d.stop()


# ---- lifecycle ----


def test_sighup_with_broken_config_keeps_running_one_and_valid_config_takes_effect(
        redis_factory, daemons, dead_port):
    local = redis_factory("local").start()
    sections = {"check": {"fail_value": 7}}
    d = daemons("agent", local.port, dead_port, sections).start()
    assert d.track() == "0"

    d.config.write_text("this is not [an ini file\n")
    d.signal(signal.SIGHUP)
    d.wait_log("(keeping the running config)")
    assert d.running()
    # The running config still drives the track file: a crash shows its fail_value.
    local.kill(signal.SIGKILL)
    d.wait_track(7)
    local.start()
    d.wait_track(0)

    sections["check"]["fail_value"] = 9
    d.write_config(sections)
    d.signal(signal.SIGHUP)
    d.wait_log("configuration reloaded from")
    local.kill(signal.SIGKILL)
    d.wait_track(9)
    local.start()
    d.wait_track(0)
    d.stop()


def test_daemons_with_different_run_dirs_coexist_and_same_run_dir_is_refused(
        redis_factory, daemons, dead_port):
    local = redis_factory("local").start()
    a = daemons("a", local.port, dead_port).start()
    b = daemons("b", local.port, dead_port).start()
    assert a.cli("status", timeout=10).returncode == 0
    assert b.cli("status", timeout=10).returncode == 0

    # Its own track file and FIFO, but a's run_dir.
    c = daemons("c", local.port, dead_port, {"agent": {"run_dir": a.run_dir}})
    r = run_agent("run", config=c.config, timeout=10)
    assert r.returncode != 0
    assert "another daemon runs with this run_dir" in r.stderr
    assert not c.track_file.exists()

    assert a.running() and b.running()
    assert a.cli("status", timeout=10).returncode == 0
    a.stop()
    b.stop()


def test_daemon_killed_with_sigkill_leaves_nothing_that_blocks_a_restart(redis_factory, daemons,
                                                                         dead_port):
    local = redis_factory("local").start()
    d = daemons("agent", local.port, dead_port).start()
    d.kill()
    # Its control socket is still on disk, but nothing listens on it.
    r = d.cli("status", timeout=10)
    assert r.returncode == 3, (r.stdout, r.stderr)
    assert "no daemon is running" in r.stderr

    d.start()
    assert d.cli("status", timeout=10).returncode == 0
    d.stop()


# ---- VIP reconciliation in a network namespace of our own ----


class NamespacedRedis(RedisServer):
    """A redis-server inside a network namespace: it listens on the namespace's own
    127.0.0.1, and the test reaches it through its unix socket (paths cross netns)."""

    def __init__(self, workdir, name, netns, extra=()):
        super().__init__(workdir, name, unix_socket=True, extra=extra)
        self.netns = netns

    def start(self, empty=False, wait=True):
        conf = self.dir / "redis.conf"
        conf.write_text(self.conf_text())
        conf.chmod(0o600)
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.netns, server_kind.SERVER,
                                      str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_for(f"redis {self.name} in netns {self.netns} to answer PING",
                 lambda: self.client().ping(), timeout=10)
        return self

    def client(self, **kw):
        return redis_client.connect(2, unix_socket_path=self.unix_socket, **kw)


class Netns:
    """A network namespace with lo up and one end of a veth pair (192.0.2.1/24, IPv6
    off). The other end stays down in the root namespace, so nothing leaves."""

    def __init__(self, tmp_path):
        pid = os.getpid()
        self.name = f"rva-test-{pid}"
        self.inside = f"rvai{pid}"
        self.outside = f"rvao{pid}"
        self.tmp_path = tmp_path
        self.servers = []

    def ip(self, *args, check=True):
        return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10,
                              check=check)

    def exec(self, *args, check=True):
        return subprocess.run(["ip", "netns", "exec", self.name, *args], capture_output=True,
                              text=True, timeout=10, check=check)

    def create(self):
        self.ip("netns", "add", self.name)
        self.exec("ip", "link", "set", "lo", "up")
        self.ip("link", "add", self.outside, "type", "veth", "peer", "name", self.inside)
        self.ip("link", "set", self.inside, "netns", self.name)
        self.exec("sysctl", "-qw", f"net.ipv6.conf.{self.inside}.disable_ipv6=1")
        subprocess.run(["sysctl", "-qw", f"net.ipv6.conf.{self.outside}.disable_ipv6=1"],
                       capture_output=True, timeout=10)
        self.exec("ip", "addr", "add", "192.0.2.1/24", "dev", self.inside)
        self.exec("ip", "link", "set", self.inside, "up")
        return self

    def redis(self, name, extra=()):
        server = NamespacedRedis(self.tmp_path, name, self.name, extra=extra)
        self.servers.append(server)
        return server

    def destroy(self):
        for server in self.servers:
            server.stop()
        self.ip("link", "del", self.outside, check=False)
        self.ip("netns", "del", self.name, check=False)


@pytest.fixture
def netns(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("VIP reconciliation test needs root (it creates a network namespace)")
    if not shutil.which("ip"):
        pytest.skip("VIP reconciliation test needs iproute2's ip")
    ns = Netns(tmp_path)
    try:
        ns.create()
        yield ns
    finally:
        ns.destroy()


def test_vip_arriving_makes_local_master_and_leaving_makes_it_backup(netns, daemons):
    vip = "192.0.2.100"
    peer = netns.redis("peer", extra=[FAST_FULL_SYNC]).start()
    local = netns.redis("local", extra=[FAST_FULL_SYNC]).start()
    local.client().replicaof("127.0.0.1", peer.port)
    wait_in_sync(local, peer)
    d = daemons("agent", local.port, peer.port,
                {"keepalived": {"vip": vip, "reconcile_grace_ms": 300},
                 "check": {"interval_ms": 100}},
                prefix=["ip", "netns", "exec", netns.name]).start()
    d.wait_log(f"VIP {vip} is not on this host")
    assert role(local) == "slave"

    netns.exec("ip", "addr", "add", f"{vip}/32", "dev", netns.inside)
    waited = wait_role(local, "master", timeout=10)
    assert waited < 0.3 + 3.0, f"MASTER after {waited:.2f}s"
    d.wait_log(f"VIP {vip} is on this host")
    d.wait_log("reconcile: VIP here and local Redis replica")
    assert d.status()["vip_here"] is True

    # The peer never left: both are now masters, and the VIP goes away.
    assert role(peer) == "master"
    netns.exec("ip", "addr", "del", f"{vip}/32", "dev", netns.inside)
    waited = wait_for("local to replicate from the peer again",
                      lambda: replicates_from(local, peer.port), timeout=10)[1]
    assert waited < 0.3 + 3.0, f"BACKUP after {waited:.2f}s"
    d.wait_log(f"VIP {vip} left this host")
    d.wait_log("reconcile: VIP not here and local Redis master")
    assert d.status()["vip_here"] is False
    d.stop()


def test_master_transition_does_not_wait_for_a_peer_seen_silent(redis_factory, daemons):
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    peer = redis_factory("peer", extra=[FAST_FULL_SYNC]).start()
    local.client().replicaof("127.0.0.1", peer.port)
    wait_for("replica link up", lambda: local.info()["master_link_status"] == "up")
    # Asking a stopped peer would cost connect + command timeout: 2 s here.
    d = daemons("agent", local.port, peer.port,
                {"peer": {"connect_timeout_ms": 1000, "command_timeout_ms": 1000}}).start()
    peer.kill(signal.SIGSTOP)
    try:
        d.wait_status("the peer to be seen silent", lambda s: not s["peer"]["reachable"],
                      timeout=10)
        d.write_fifo('INSTANCE "VI_1" MASTER 100\n')
        wait_for("local to be master", lambda: local.info()["role"] == "master", timeout=10)
        last = d.wait_status("the transition to end",
                             lambda s: s["transition"]["last"] is not None)["transition"]["last"]
        assert last["outcome"] == "ok"
        assert last["duration_ms"] < 500, last
        assert "peer silent" in last["summary"] or "timeout" in last["summary"], last
    finally:
        peer.kill(signal.SIGCONT)
    d.stop()


def test_control_clients_hanging_up_early_do_not_kill_the_daemon(redis_factory, daemons, dead_port):
    local = redis_factory("local").start()
    d = daemons("agent", local.port, dead_port).start()
    path = str(d.run_dir / "control.sock")
    for _ in range(50):  # ask, and close before the (large) reply is read
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.sendall(b"status --json\n")
        s.close()
    assert d.running(), d.log()
    assert d.status()["local"]["role"] == "master"
    d.stop()
