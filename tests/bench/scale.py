"""make bench-scale: failover at scale. For each data set size (RVA_SCALE_SIZES_MIB,
default 10, 256 and 2048 MiB of 1 KiB values), the lab with real keepalived and both
agents, under a write load from redis-benchmark through the VIP (SETs of 100 bytes
over a key space of 100 000, as fast as RVA_SCALE_CLIENTS connections go) plus the
lab's acknowledged-write client. Then: kill -9 of the master's Redis, its empty
restart, its refill and the failback, and a switchover there and back. Per size:

  - write outage of the failover and of the failback, acknowledged writes lost, the
    VIP's move after the kill;
  - full syncs: on the survivor during the failover (must be none), the refill (one
    on the survivor's side), and the failback (must be a partial resync);
  - the refill: from the empty restart until the restarted node streams again, and
    whether it held the VIP before that (it must not);
  - a switchover there and back: outage, writes paused;
  - each daemon's CPU (share of one core) and RSS while the load runs, and its
    event loop's longest callback;
  - the write load's rate, and the memory the data set takes.

Timings are reported, never asserted: nothing here passes or fails, except a size
whose pair never converges (reported too). Redis is set up as the README's sizing
section says: repl-diskless-sync-delay 1, a replication backlog and a replica
output buffer large enough for the load (REPLICA_CONF)."""
import json
import os
import re
import signal
import subprocess
import threading
import time

os.environ.setdefault("RVA_LAB_PREFIX", "rvs")
os.environ.setdefault("RVA_LAB_DIR", "/tmp/rva-scale-lab")

import redis  # noqa: E402

from figures import gap_in  # noqa: E402
import lablib  # noqa: E402
import server_kind  # noqa: E402

SIZES_MIB = [int(s) for s in os.environ.get("RVA_SCALE_SIZES_MIB", "10,256,2048").split(",")]
VALUE_BYTES = 1024
LOAD_CLIENTS = int(os.environ.get("RVA_SCALE_CLIENTS", "4"))
LOAD_KEYSPACE = 100_000
LOAD_VALUE_BYTES = 100
# How long the load runs before the fault, and over which the daemons' CPU is taken.
STEADY_S = float(os.environ.get("RVA_SCALE_STEADY_S", "10"))
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


class ScaleLab(lablib.Lab):
    """The lab, its Redis set up for load, node a filled before replication starts
    (DEBUG POPULATE is not replicated: b takes the data set in its first full sync)."""
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


class Load:
    """redis-benchmark through the VIP from the client host, started again whenever it
    exits (it gives up on a connection the failover drops)."""

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
                ["ip", "netns", "exec", lablib.NS["c"], "redis-benchmark", "-h", lablib.VIP,
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


def stats(node):
    return node.redis(5).info("stats")


def daemon_cost(node, seconds):
    """(share of one core, RSS MiB) of the node's daemon over `seconds`."""
    pid = node.pid("agent")

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
    r = subprocess.run([str(lablib.AGENT), "-c", str(node.dir / "agent.conf"), "status",
                        "--json"], capture_output=True, text=True, timeout=10)
    try:
        return json.loads(r.stdout)["loop"]["max_stall_ms"]
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


def one_size(size_mib):
    lab = ScaleLab(size_mib, log=quiet)
    row = {"size_mib": size_mib}
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
        watch = SyncWatch(a).start()
        load = Load(lab).start()
        report_path = lab.dir / "writer-report.json"
        writer = lab.start_writer(report_path, duration=3600)
        lablib.wait_for("writes to flow", lambda: a.dbsize() > lab.keys + 1000, 60)
        row["load_ops_s"] = commands_per_s(a)
        (row["cpu_a"], row["rss_a"]), (row["cpu_b"], row["rss_b"]) = (
            daemon_cost(a, STEADY_S), daemon_cost(b, STEADY_S))

        # The failover: kill -9 of a's Redis, under load.
        replid_b = b.redis(5).info("replication")["master_replid"]
        kill_mono, kill_wall = time.monotonic(), time.time()
        a.kill("redis", signal.SIGKILL)
        lablib.wait_for("b to hold the VIP as master",
                        lambda: b.holds_vip() and b.role() == "master", 120)
        moved = monitor.first("vip", "b", after=kill_mono)
        row["vip_move_s"] = moved - kill_mono if moved else None
        # Promoted in place: its previous history is the one it replicated, not a
        # full sync's.
        row["survivor_promoted_in_place"] = (
            b.redis(5).info("replication")["master_replid2"] == replid_b)

        # The refill: a restarted empty, streaming from b again; never the VIP before.
        a.stop("redis")
        restart_mono, restart_wall = time.monotonic(), time.time()
        a.start_redis(empty=True)
        full_b = stats(b)["sync_full"]
        lablib.wait_for("a to refill from b", lambda: watch.first_streaming(restart_mono),
                        1800, interval=0.2)
        refilled = watch.first_streaming(restart_mono)
        row["refill_s"] = refilled - restart_mono
        row["refill_full_syncs"] = stats(b)["sync_full"] - full_b
        early = monitor.first("vip", "a", after=restart_mono)
        row["vip_before_refilled"] = bool(early and early < refilled)

        # The failback: a takes the VIP back once refilled; b must resync partially.
        lablib.wait_for("the VIP back on a, b its replica",
                        lambda: a.holds_vip() and not b.holds_vip() and a.role() == "master"
                        and streaming(b), 300, interval=0.2)
        failback_wall = time.time()
        a_stats = stats(a)
        row["failback_full_syncs"] = a_stats["sync_full"]
        row["failback_partial_syncs"] = a_stats["sync_partial_ok"]

        # A switchover there and back.
        time.sleep(2.0)  # writes before the switchover, to measure its gap alone
        full_before = stats(a)["sync_full"] + stats(b)["sync_full"]
        switch_wall = time.time()
        paused = [switch(a, b), switch(b, a)]
        lab.wait_settled(timeout=120, quiet=True)
        switch_end_wall = time.time()
        row["switchover_full_syncs"] = stats(a)["sync_full"] + stats(b)["sync_full"] - full_before
        row["switchover_paused_s"] = max((p for p in paused if p is not None), default=None)
        row["loop_stall_ms"] = max(filter(None, (loop_stall_ms(a), loop_stall_ms(b))),
                                   default=None)

        os.kill(writer.pid, signal.SIGTERM)
        writer.wait(timeout=600)
        load.stop()
        monitor.stop()
        watch.stop()
        row["load_restarts"] = load.restarts
        report = json.loads(report_path.read_text())
        row["failover_outage_s"] = gap_in(report, kill_wall, restart_wall)
        row["failback_outage_s"] = gap_in(report, restart_wall + row["refill_s"], failback_wall)
        row["switchover_outage_s"] = gap_in(report, switch_wall, switch_end_wall)
        row["acked"] = report["acknowledged"]
        row["lost"] = report["missing"]
        row["lost_outside_crash_window"] = sum(
            1 for t in report["missing_ack_times"] if t < kill_wall - 0.25 or t > kill_wall + 0.05)
        row["converged"] = True
    except TimeoutError as e:
        row["converged"] = False
        row["error"] = str(e)
    finally:
        lab.down(quiet=True)
    return row


COLUMNS = [
    ("MiB", "size_mib", "{:d}"), ("mem MiB", "used_memory_mib", "{:.0f}"),
    ("load/s", "load_ops_s", "{:.0f}"), ("outage s", "failover_outage_s", "{:.2f}"),
    ("VIP s", "vip_move_s", "{:.2f}"), ("lost", "lost", "{:d}"),
    ("lost*", "lost_outside_crash_window", "{:d}"),
    ("in place", "survivor_promoted_in_place", "{}"),
    ("refill s", "refill_s", "{:.1f}"), ("VIP early", "vip_before_refilled", "{}"),
    ("fb outage", "failback_outage_s", "{:.2f}"), ("fb full", "failback_full_syncs", "{:d}"),
    ("so outage", "switchover_outage_s", "{:.2f}"), ("so paused", "switchover_paused_s", "{:.3f}"),
    ("so full", "switchover_full_syncs", "{:d}"),
    ("cpu a %", "cpu_a", "{:.2%}"), ("rss a", "rss_a", "{:.1f}"), ("stall ms", "loop_stall_ms",
                                                                    "{:.1f}"),
]


def cell(row, key, fmt):
    value = row.get(key)
    return "-" if value is None else fmt.format(value)


def main():
    print(f"{server_kind.NAME}; load: redis-benchmark SET {LOAD_VALUE_BYTES} B over "
          f"{LOAD_KEYSPACE} keys, {LOAD_CLIENTS} connections; plus the acknowledged-write "
          "client")
    rows = []
    for size in SIZES_MIB:
        rows.append(one_size(size))
        print(json.dumps(rows[-1]), flush=True)
    width = 10
    print("".join(title.rjust(width) for title, _, _ in COLUMNS))
    for row in rows:
        print("".join(cell(row, key, fmt).rjust(width) for _, key, fmt in COLUMNS))
    print("lost*: acknowledged writes lost outside the crash window (250 ms before the kill); "
          "in place: the survivor was promoted without a full sync; fb full: full syncs the "
          "old master served on failback (0: b resynced partially); so full: full syncs "
          "during the switchover there and back")
    out = os.environ.get("RVA_SCALE_JSON")
    if out:
        with open(out, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
