"""make bench-scale: failover at scale. For each data set size (RVA_SCALE_SIZES_MIB,
default 10, 256 and 2048 MiB of 1 KiB values), the lab with real keepalived and both
agents, under a write load from redis-benchmark through the VIP (SETs of 100 bytes
over a key space of 100 000, as fast as RVA_SCALE_CLIENTS connections go) plus the
lab's acknowledged-write client. Then: kill -9 of the master's Redis, its empty
restart, its refill and the failback, a switchover there and back, and a split brain
(the nodes cut from each other, the clients reaching both) whose diverged data the
losing side's agent snapshots after the heal. Per size:

  - write outage of the failover and of the failback, acknowledged writes lost, when
    the killed Redis's sockets closed, when the VIP moved and when the survivor was
    promoted;
  - full syncs: on the survivor during the failover (must be none), the refill (one
    on the survivor's side), and the failback (must be a partial resync);
  - the refill: from the empty restart until a replica streams again (the restarted
    node, refilled; or the survivor, which then resynced from the empty node), and
    whether the restarted node held the VIP before that (it must not);
  - a switchover there and back: outage, writes paused;
  - the snapshot: BGSAVE and copy times, the write gap meanwhile, and the slowest
    answer to `status` from either daemon while it ran;
  - each daemon's CPU (share of one core) and RSS while the load runs, and its
    event loop's longest callback, in wall-clock time and in CPU time;
  - the write load's rate in commands and in replication stream bytes, and the
    memory the data set takes.

With RVA_SCALE_SENTINEL=yes (the default) each size runs again under Sentinel
(down-after 200 ms), the same load and the same crash, for the crash's columns.

Timings are reported, never asserted. The exit status is 1 when an agent row misses
a correctness target (target_misses: not converged, a write lost outside the crash
window, a full sync on failover, failback or switchover, the VIP early, no
snapshot), which is what the small form in CI checks. Redis is set up as the
README's sizing section says: repl-diskless-sync-delay 1, a replication backlog and
a replica output buffer large enough for the load (REPLICA_CONF). The agents check
the local and the peer server every 100 ms (AGENT_SETTINGS)."""
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

os.environ.setdefault("RVA_LAB_PREFIX", "rvs")
os.environ.setdefault("RVA_LAB_DIR", "/tmp/rva-scale-lab")

import redis  # noqa: E402

from figures import gap_in  # noqa: E402
import helpers  # noqa: E402
import lablib  # noqa: E402
import nemesis  # noqa: E402
import sentinel_lab  # noqa: E402
import server_kind  # noqa: E402

SIZES_MIB = [int(s) for s in os.environ.get("RVA_SCALE_SIZES_MIB", "10,256,2048").split(",")]
VALUE_BYTES = 1024
LOAD_CLIENTS = int(os.environ.get("RVA_SCALE_CLIENTS", "4"))
LOAD_KEYSPACE = 100_000
LOAD_VALUE_BYTES = 100
# How long the load runs before the fault, and over which the daemons' CPU is taken.
STEADY_S = float(os.environ.get("RVA_SCALE_STEADY_S", "10"))
# The CPU target is stated at this check interval, half the shipped 200 ms:
# both the local and the peer check run this often.
CHECK_INTERVAL_MS = 100
# agent.conf keys set for the run: key -> (the shipped value, the run's).
# RVA_SCALE_PEER_SILENT_MS measures what the silent-peer wait costs a failover.
AGENT_SETTINGS = {"interval_ms": (200, CHECK_INTERVAL_MS),
                  "peer_interval_ms": (200, CHECK_INTERVAL_MS),
                  "peer_silent_ms": (100, int(os.environ.get("RVA_SCALE_PEER_SILENT_MS", "100")))}
# What a pair under this load needs (the README's sizing section): a backlog that
# holds the writes of a failover and then some, and a replica output buffer that
# holds the writes made while a large full sync is transferred.
REPLICA_CONF = ["repl-backlog-size 256mb", "client-output-buffer-limit replica 2gb 1gb 120",
                # DEBUG POPULATE fills the data set, from the lab's unix socket only.
                "enable-debug-command local",
                # The load generator's own user: it needs no secret on its command line.
                "user loadgen on nopass ~key:* +set +ping +config|get +info"]


def quiet(_):
    pass


class ScaleData:
    """A lab whose Redis is set up for load, node a filled before replication starts
    (DEBUG POPULATE is not replicated: b takes the data set in its first full sync).
    Mixed into the agent's lab and into Sentinel's."""
    full_sync_delay_s = 1

    def __init__(self, size_mib, **kw):
        super().__init__(**kw)
        self.keys = size_mib * 1024 * 1024 // VALUE_BYTES

    def render_configs(self):
        super().render_configs()
        for node in self.nodes.values():
            conf = node.dir / "redis.conf"
            conf.write_text(conf.read_text() + "\n".join(REPLICA_CONF) + "\n")

    def wait_settled(self, timeout=1800, quiet=False):
        # lab.up() waits for the first full sync of the whole data set: minutes at 2 GiB.
        return super().wait_settled(timeout=timeout, quiet=quiet)

    def start_services(self):
        started = time.monotonic()
        self.nodes["a"].redis(600).execute_command("DEBUG", "POPULATE", self.keys, "pre",
                                                   VALUE_BYTES)
        self.log(f"filled a with {self.keys} keys in {time.monotonic() - started:.1f} s")
        super().start_services()


class ScaleLab(ScaleData, lablib.Lab):
    """Both agents and keepalived: the load goes to the VIP."""
    manager = "agent"

    def render_configs(self):
        super().render_configs()
        for node in self.nodes.values():
            path = node.dir / "agent.conf"
            text = path.read_text()
            for key, (shipped_value, value) in AGENT_SETTINGS.items():
                shipped = f"\n{key} = {shipped_value}\n"
                if shipped not in text:
                    raise RuntimeError(f"{path}: no '{shipped.strip()}' to set to {value} "
                                       "(conf/agent.conf changed?)")
                text = text.replace(shipped, f"\n{key} = {value}\n")
            path.write_text(text)

    def load_target(self):
        return lablib.VIP

    def manager_pid(self, node):
        return node.pid("agent")


class ScaleSentinelLab(ScaleData, sentinel_lab.SentinelChaosLab):
    """Sentinel (down-after 200 ms) as in make chaos-sentinel: no VIP, the load goes to
    the master the Sentinels name when it (re)starts."""

    def load_target(self):
        return self.sentinel_master_addr()

    def manager_pid(self, node):
        return int((self.dir / f"sentinel-{node.name}" / "sentinel.pid").read_text())


class Load:
    """redis-benchmark from the client host to the lab's load target, started again
    whenever it exits (it gives up on a connection the failover drops)."""

    def __init__(self, lab):
        self.lab = lab
        self.stopping = threading.Event()
        self.restarts = 0
        self.proc = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def _run(self):
        log = open(self.lab.dir / "load.log", "ab")
        while not self.stopping.is_set():
            # "-a" is a placeholder: the user loadgen has no password (nopass).
            self.proc = subprocess.Popen(
                ["ip", "netns", "exec", lablib.NS["c"], "redis-benchmark", "-h",
                 self.lab.load_target(),
                 "-p", str(lablib.PORT), "--user", "loadgen", "-a", "none", "-t", "set",
                 "-d", str(LOAD_VALUE_BYTES), "-r", str(LOAD_KEYSPACE), "-n", "2000000000",
                 "-c", str(LOAD_CLIENTS), "-q"], stdout=log, stderr=log)
            self.proc.wait()
            self.restarts += 1
            self.stopping.wait(0.05)
        log.close()

    def stop(self):
        self.stopping.set()
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
        self.thread.join(timeout=10)


def streaming(node):
    """The node replicates with its link up and no sync running."""
    try:
        info = node.redis(0.5).info("replication")
    except (OSError, redis.RedisError):  # down, or loading
        return False
    return (info["role"] == "slave" and info.get("master_link_status") == "up"
            and not info.get("master_sync_in_progress"))


class SyncWatch:
    """Samples a node's replication state every 20 ms: when it first streams from its
    peer (link up, no sync) after `since`."""

    def __init__(self, node):
        self.node = node
        self.samples = []  # (monotonic, streaming)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def _run(self):
        while not self.stopping.wait(0.02):
            self.samples.append((time.monotonic(), streaming(self.node)))

    def first_streaming(self, since):
        return next((t for t, s in self.samples if t >= since and s), None)

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=5)


def connected_to(node):
    """A socket to the node's Redis that nothing is sent on: it reads EOF when the
    server's sockets close, which the kernel does for a killed process only after
    it has freed the process's memory."""
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(str(node.socket))
    return sock


def closed(sock):
    """Whether the server end of sock has closed (it is non-blocking)."""
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


def seconds_until_each(conditions, since, timeout=120):
    """Polls every condition (name -> callable) until each has held once; returns
    name -> seconds from `since` to the first poll that saw it. Polled side by side:
    one that blocks on the killed server (the lab's monitor asks it too) would see the
    others late."""
    seen = {}
    while len(seen) < len(conditions):
        if time.monotonic() - since > timeout:
            missing = ", ".join(name for name in conditions if name not in seen)
            raise TimeoutError(f"not within {timeout} s of the kill: {missing}")
        for name, condition in conditions.items():
            if name not in seen and condition():
                seen[name] = time.monotonic() - since
        time.sleep(0.002)
    return seen


def stats(node):
    return node.redis(5).info("stats")


def daemon_cost(pid, seconds):
    """(share of one core, RSS MiB) of process pid over `seconds`."""

    def cpu_ticks():
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    before, started = cpu_ticks(), time.monotonic()
    time.sleep(seconds)  # the measurement's window, not a wait for a condition
    used = (cpu_ticks() - before) / os.sysconf("SC_CLK_TCK")
    rss_kib = next(int(line.split()[1]) for line in open(f"/proc/{pid}/status")
                   if line.startswith("VmRSS:"))
    return used / (time.monotonic() - started), rss_kib / 1024


def loop_stall_ms(node):
    """The daemon's longest event-loop callback, in wall-clock ms and in its own CPU ms
    (the gap between the two is time the kernel gave to others: on 2 cores, the load,
    both Redis servers and their forks)."""
    r = subprocess.run([str(lablib.AGENT), "-c", str(node.dir / "agent.conf"), "status",
                        "--json"], capture_output=True, text=True, timeout=10)
    try:
        loop = json.loads(r.stdout)["loop"]
        return loop["max_stall_ms"], loop["max_cpu_ms"]
    except (ValueError, KeyError):
        return None


def commands_per_s(node, seconds=2.0):
    before = stats(node)["total_commands_processed"]
    time.sleep(seconds)  # the rate's window
    return (stats(node)["total_commands_processed"] - before) / seconds


def switch(node, peer):
    """`switchover` from node (the master) to peer; returns writes paused (s) or None."""
    r = node.switchover("--timeout", "30000")
    if r.returncode != 0:
        raise RuntimeError(f"switchover failed:\n{r.stdout}{r.stderr}")
    lablib.wait_for(f"the VIP on {peer.name}", peer.holds_vip, 60)
    paused = re.search(r"writes paused\s+([\d.]+) ms", r.stdout)
    return float(paused.group(1)) / 1000 if paused else None


def crash(lab, row, monitor):
    """kill -9 of a's Redis (the master) under load, until b is the master the clients
    are sent to; then a restarted empty, until it streams from b again. Returns the
    kill's and the restart's wall times."""
    a, b = lab.nodes["a"], lab.nodes["b"]
    watches = {node.name: SyncWatch(node).start() for node in (a, b)}
    replid_b = b.redis(5).info("replication")["master_replid"]
    probe = connected_to(a)
    probe.setblocking(False)
    kill_mono, kill_wall = time.monotonic(), time.time()
    a.kill("redis", signal.SIGKILL)
    # When the killed server's sockets closed, when the VIP reached b (Sentinel: when
    # b was promoted, which is the move), and when b was promoted.
    promoted = lambda: b.role() == "master"  # noqa: E731
    times = seconds_until_each({"sockets_closed_s": lambda: closed(probe),
                                "moved_s": b.holds_vip if lab.manager == "agent" else promoted,
                                "promoted_s": promoted}, kill_mono)
    probe.close()
    row.update(times)
    lablib.wait_for("b to be the master the clients are sent to",
                    lambda: b.role() == "master" and (lab.manager == "agent" and b.holds_vip()
                                                      or lab.load_target() == b.addr), 120)
    # Promoted in place: its previous history is the one it replicated, not a full sync's.
    row["survivor_promoted_in_place"] = (
        b.redis(5).info("replication")["master_replid2"] == replid_b)

    # The refill: a restarted empty, streaming from b again; never the VIP before. The
    # pair is redundant again once either node streams: b streaming means it resynced
    # from the empty node (Sentinel can make a the master again), which is a loss.
    a.stop("redis")
    restart_mono, restart_wall = time.monotonic(), time.time()
    a.start_redis(empty=True)
    full_syncs = sum(stats(n)["sync_full"] for n in (a, b))

    def first_streaming():
        firsts = [(t, name) for name, watch in watches.items()
                  if (t := watch.first_streaming(restart_mono)) is not None]
        return min(firsts, default=None)
    lablib.wait_for("a replica streaming again (a refilled from b, or b from a)",
                    first_streaming, 1800, interval=0.2)
    refilled, row["refilled_node"] = first_streaming()
    for watch in watches.values():
        watch.stop()
    row["refill_s"] = refilled - restart_mono
    row["refill_full_syncs"] = sum(stats(n)["sync_full"] for n in (a, b)) - full_syncs
    if lab.manager == "agent":
        early = monitor.first("vip", "a", after=restart_mono)
        row["vip_before_refilled"] = bool(early and early < refilled)
    return kill_wall, restart_wall


def failback_and_switchover(lab, row):
    """After the refill: a takes the VIP back (b must resync partially), then a
    switchover there and back. Returns the wall times of the failback's end and of
    the switchovers' start and end."""
    a, b = lab.nodes["a"], lab.nodes["b"]
    lablib.wait_for("the VIP back on a, b its replica",
                    lambda: a.holds_vip() and not b.holds_vip() and a.role() == "master"
                    and streaming(b), 300, interval=0.2)
    failback_wall = time.time()
    a_stats = stats(a)
    row["failback_full_syncs"] = a_stats["sync_full"]
    row["failback_partial_syncs"] = a_stats["sync_partial_ok"]

    time.sleep(2.0)  # writes before the switchover, to measure its gap alone
    full_before = stats(a)["sync_full"] + stats(b)["sync_full"]
    switch_wall = time.time()
    paused = [switch(a, b), switch(b, a)]
    lab.wait_settled(timeout=120, quiet=True)
    row["switchover_full_syncs"] = stats(a)["sync_full"] + stats(b)["sync_full"] - full_before
    row["switchover_paused_s"] = max((p for p in paused if p is not None), default=None)
    return failback_wall, switch_wall, time.time()


def agent_log_ms(node, pattern):
    """The number in the last line of the node's agent log that matches pattern."""
    found = re.findall(pattern, (node.dir / "agent.log").read_text())
    return float(found[-1]) if found else None


def replicated_offset(node):
    return node.redis(5).info("replication")["master_repl_offset"]


# How long after the heal the losing side's agent may take to save its diverged data:
# generous for a 2 GiB BGSAVE and copy, short enough that a run where nothing diverged
# says so within minutes.
SNAPSHOT_WAIT_S = 300
SNAPSHOT_SAVED = r"snapshot saved to \S+ \(copied in (\d+) ms\)"


SPLIT_KEYS = 2000  # 100 B values: about 0.3 MB of a's own stream during the cut


def write_beside(node, keys):
    """keys SETs on node itself (it must still be a master), pipelined."""
    pipe = node.redis(30).pipeline(transaction=False)
    for i in range(keys):
        pipe.set(f"split:{node.name}:{i}", "x" * LOAD_VALUE_BYTES)
    try:
        pipe.execute()
    except redis.RedisError as e:
        raise TimeoutError(f"{node.name} took no write of its own during the cut: {e}") from e


def snapshots_saved(node):
    return len(re.findall(SNAPSHOT_SAVED, (node.dir / "agent.log").read_text()))


def snapshot_saver(lab, saved_before):
    """The node whose agent has logged a snapshot saved since saved_before (counts by
    node name), or None."""
    for node in lab.nodes.values():
        if snapshots_saved(node) > saved_before[node.name]:
            return node
    return None


def diverged_snapshot(lab, row):
    """The nodes cut from each other, the client reaching both (nftables, as in make
    chaos): b takes the VIP and takes writes beside a. After the heal one side yields,
    and its agent saves that side's diverged data (BGSAVE, then a copy in a child)
    before the full resync. Which side yields is the agents' call (the one whose peer
    was promoted from its history and took writes since), so both are watched.
    Records the saving agent's BGSAVE and copy times, the longest write gap through the
    VIP while it runs, and the slowest answer of either daemon to status meanwhile."""
    a, b = lab.nodes["a"], lab.nodes["b"]
    report_path = lab.dir / "writer-split-report.json"
    writer = lab.start_writer(report_path, duration=3600)
    try:
        nemesis.nft(a, nemesis.drop_peer_rules(b.addr))
        nemesis.nft(b, nemesis.drop_peer_rules(a.addr))
        lablib.wait_for("b to hold the VIP as master",
                        lambda: b.holds_vip() and b.role() == "master", 60)
        offsets = {n.name: replicated_offset(n) for n in (a, b)}
        # Through the VIP the clients reach whichever master answered ARP last, often b
        # alone for the whole cut: a also takes writes of its own, on its unix socket,
        # so that both sides diverge whoever the clients reach.
        write_beside(a, SPLIT_KEYS)
        lablib.wait_for("writes on both sides of the cut", lambda: all(
            replicated_offset(n) > offsets[n.name] + 100_000 for n in (a, b)), 60)
        saved_before = {n.name: snapshots_saved(n) for n in (a, b)}
        nemesis.nft_clear(a)
        nemesis.nft_clear(b)
        window_start = time.time()
        slowest_s, answers = 0.0, 0
        deadline = time.monotonic() + SNAPSHOT_WAIT_S
        while snapshot_saver(lab, saved_before) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no agent saved a snapshot of diverged data within "
                                   f"{SNAPSHOT_WAIT_S} s of the heal (see both agent logs)")
            for node in (a, b):
                slowest_s = max(slowest_s, helpers.control_request(
                    node.dir / "run", "status --json", timeout=30)[1])
                answers += 1
        window_end = time.time()
        saver = snapshot_saver(lab, saved_before)
        lab.wait_settled()
    except TimeoutError as e:
        row["snapshot_error"] = str(e)
        return
    finally:
        os.kill(writer.pid, signal.SIGTERM)
        writer.wait(timeout=600)
    report = json.loads(report_path.read_text())
    row["snapshot_node"] = saver.name
    row["snapshot_bgsave_s"] = agent_log_ms(saver, r"BGSAVE of \d+ keys done in (\d+) ms") / 1000
    row["snapshot_copy_s"] = agent_log_ms(saver, SNAPSHOT_SAVED) / 1000
    row["snapshot_write_gap_s"] = gap_in(report, window_start, window_end)
    row["snapshot_status_answers"] = answers
    row["snapshot_slowest_status_s"] = slowest_s


def one_size(size_mib, lab_class):
    lab = lab_class(size_mib, log=quiet)
    row = {"size_mib": size_mib, "manager": lab.manager}
    started = time.monotonic()
    try:
        lab.up()
        a, b = lab.nodes["a"], lab.nodes["b"]
        lablib.wait_for("b to stream the data set from a", lambda: streaming(b), 1800,
                        interval=0.5)
        row["version"] = a.redis(5).info("server")["redis_version"]
        row["first_sync_s"] = time.monotonic() - started
        row["used_memory_mib"] = a.redis(5).info("memory")["used_memory"] / 2**20
        monitor = lablib.StateMonitor(lab).start()
        load = Load(lab).start()
        report_path = lab.dir / "writer-report.json"
        writer = lab.start_writer(report_path, duration=3600)
        lablib.wait_for("writes to flow", lambda: a.dbsize() > lab.keys + 1000, 60)
        row["load_ops_s"] = commands_per_s(a)
        # The replication stream's rate: what the backlog must hold per second that a
        # replica is away and still resyncs partially (the README's sizing section).
        offset_before, steady_started = replicated_offset(a), time.monotonic()
        (row["cpu_a"], row["rss_a"]), (row["cpu_b"], row["rss_b"]) = (
            daemon_cost(lab.manager_pid(a), STEADY_S), daemon_cost(lab.manager_pid(b), STEADY_S))
        row["repl_mib_s"] = ((replicated_offset(a) - offset_before) / 2**20
                             / (time.monotonic() - steady_started))

        kill_wall, restart_wall = crash(lab, row, monitor)
        if lab.manager == "agent":
            failback_wall, switch_wall, switch_end_wall = failback_and_switchover(lab, row)
        os.kill(writer.pid, signal.SIGTERM)
        writer.wait(timeout=600)
        if lab.manager == "agent":
            diverged_snapshot(lab, row)
            stalls = [stall for stall in (loop_stall_ms(a), loop_stall_ms(b)) if stall]
            row["loop_stall_ms"] = max((wall for wall, _ in stalls), default=None)
            row["loop_stall_cpu_ms"] = max((cpu for _, cpu in stalls), default=None)
        load.stop()
        monitor.stop()
        (lab.dir / "timeline.json").write_text(json.dumps(monitor.events))
        row["load_restarts"] = load.restarts
        report = json.loads(report_path.read_text())
        row["failover_outage_s"] = gap_in(report, kill_wall, restart_wall)
        if lab.manager == "agent":
            row["failback_outage_s"] = gap_in(report, restart_wall + row["refill_s"],
                                              failback_wall)
            row["switchover_outage_s"] = gap_in(report, switch_wall, switch_end_wall)
        row["acked"] = report["acknowledged"]
        row["lost"] = report["missing"]
        # The writer lists the first 1000 missing writes' ack times: any beyond those
        # count as outside the window.
        times = report["missing_ack_times"]
        row["lost_outside_crash_window"] = report["missing"] - len(times) + sum(
            1 for t in times if t < kill_wall - 0.25 or t > kill_wall + 0.05)
        row["converged"] = True
    except TimeoutError as e:
        row["converged"] = False
        row["error"] = str(e)
    finally:
        lab.down(quiet=True)
    return row


LAB_CLASSES = [ScaleLab] + ([ScaleSentinelLab] if os.environ.get("RVA_SCALE_SENTINEL", "yes")
                            == "yes" else [])
COLUMNS = [
    ("MiB", "size_mib", "{:d}"), ("manager", "manager", "{}"), ("mem MiB", "used_memory_mib", "{:.0f}"),
    ("load/s", "load_ops_s", "{:.0f}"), ("repl MiB/s", "repl_mib_s", "{:.1f}"), ("outage s", "failover_outage_s", "{:.2f}"),
    ("closed s", "sockets_closed_s", "{:.2f}"), ("moved s", "moved_s", "{:.2f}"),
    ("promoted s", "promoted_s", "{:.2f}"), ("lost", "lost", "{:d}"),
    ("lost*", "lost_outside_crash_window", "{:d}"),
    ("in place", "survivor_promoted_in_place", "{}"),
    ("refill s", "refill_s", "{:.1f}"), ("refilled", "refilled_node", "{}"), ("VIP early", "vip_before_refilled", "{}"),
    ("fb outage", "failback_outage_s", "{:.2f}"), ("fb full", "failback_full_syncs", "{:d}"),
    ("so outage", "switchover_outage_s", "{:.2f}"), ("so paused", "switchover_paused_s", "{:.3f}"),
    ("so full", "switchover_full_syncs", "{:d}"),
    ("snap on", "snapshot_node", "{}"), ("snap bgsave", "snapshot_bgsave_s", "{:.1f}"), ("snap copy", "snapshot_copy_s", "{:.1f}"),
    ("snap gap", "snapshot_write_gap_s", "{:.2f}"),
    ("snap status", "snapshot_slowest_status_s", "{:.3f}"),
    ("cpu a %", "cpu_a", "{:.2%}"), ("rss a", "rss_a", "{:.1f}"), ("stall ms", "loop_stall_ms",
                                                                    "{:.1f}"),
    ("stall cpu", "loop_stall_cpu_ms", "{:.1f}"),
]


def target_misses(row):
    """What an agent row breaks of the issue's correctness targets (never a timing):
    converged, nothing acknowledged lost outside the crash window, no full sync where a
    partial one must do, the VIP never on a node still refilling, a snapshot of the
    diverged data saved."""
    if not row["converged"]:
        return [f"did not converge: {row['error']}"]
    checks = [
        (row["lost_outside_crash_window"] == 0,
         f"{row['lost_outside_crash_window']} acknowledged writes lost outside the crash window"),
        (row["survivor_promoted_in_place"], "the survivor needed a full sync to be promoted"),
        (row["refilled_node"] == "a", "the survivor resynced from the node restarted empty"),
        (row["failback_full_syncs"] == 0, f"{row['failback_full_syncs']} full syncs on failback"),
        (row["switchover_full_syncs"] == 0,
         f"{row['switchover_full_syncs']} full syncs during the switchovers"),
        (not row["vip_before_refilled"], "the refilling node held the VIP before it caught up"),
        ("snapshot_error" not in row, row.get("snapshot_error")),
    ]
    return [what for ok, what in checks if not ok]


def cell(row, key, fmt):
    value = row.get(key)
    return "-" if value is None else fmt.format(value)


def main():
    print(f"{server_kind.NAME}; load: redis-benchmark SET {LOAD_VALUE_BYTES} B over "
          f"{LOAD_KEYSPACE} keys, {LOAD_CLIENTS} connections; plus the acknowledged-write "
          "client")
    rows = []
    for size in SIZES_MIB:
        for lab_class in LAB_CLASSES:
            rows.append(one_size(size, lab_class))
            print(json.dumps(rows[-1]), flush=True)
    width = 12
    print("".join(title.rjust(width) for title, _, _ in COLUMNS))
    for row in rows:
        print("".join(cell(row, key, fmt).rjust(width) for _, key, fmt in COLUMNS))
    print("lost*: acknowledged writes lost outside the crash window (250 ms before the kill); "
          "in place: the survivor was promoted without a full sync; refilled: the node that "
          "streamed first after the empty restart (a: refilled from the survivor; b: the "
          "survivor resynced from the empty node); fb full: full syncs the "
          "old master served on failback (0: b resynced partially); so full: full syncs "
          "during the switchover there and back; an outage of 0.00: no gap over the "
          "acknowledged-write client's 20 ms")
    out = os.environ.get("RVA_SCALE_JSON")
    if out:
        with open(out, "w") as f:
            json.dump(rows, f, indent=1)
    misses = [f"{row['size_mib']} MiB: {miss}" for row in rows if row["manager"] == "agent"
              for miss in target_misses(row)]
    for miss in misses:
        print(f"bench-scale: target missed: {miss}")
    return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())
