"""How long the daemon's event loop stays blocked in the faults the e2e tests inject:
the longest single callback (status --json "loop"), a fresh daemon per scenario,
and how long a notify FIFO line waits to be handled while the peer is blackholed and
the local Redis is stopped, and how long a control request waits while a 1 GiB
snapshot is copied. Timings only;
nothing here passes or fails.

RVA_BENCH_AGENT=PATH runs another build (an older commit's, say) with the same
scenarios, so that a change's effect shows side by side."""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

from helpers import (AGENT, Blackhole, RedisServer, control_request, fill_incompressible, free_port,
                     wait_for, write_config)

BENCH_AGENT = Path(os.environ.get("RVA_BENCH_AGENT", AGENT))
SNAPSHOT_MIB = 1024


class Daemon:
    def __init__(self, d, local_port, peer_port):
        d.mkdir(parents=True, exist_ok=True)
        self.fifo = d / "notify.fifo"
        self.run_dir = d / "run"
        self.conf = write_config(d / "agent.conf", {
            "agent": {"run_dir": self.run_dir}, "redis": {"port": local_port},
            "peer": {"host": "127.0.0.1", "port": peer_port},
            "check": {"track_file": d / "track"},
            "keepalived": {"instance": "VI_1", "notify_fifo": self.fifo},
            "transition": {"snapshot_dir": d / "snapshots"},
            "log": {"target": "stderr", "level": "warning"}})
        self.proc = subprocess.Popen([str(BENCH_AGENT), "-c", str(self.conf), "run"],
                                     stderr=subprocess.DEVNULL)
        wait_for("the daemon to answer status", self.status, 10)

    def status(self):
        """status --json over the control socket, straight from here (no CLI to fork,
        so that polling it measures the daemon, not process start-up)."""
        try:
            text = control_request(self.run_dir, "status --json", timeout=30)[0]
        except OSError:
            return None
        return json.loads(text[3:]) if text.startswith("ok\n") else None

    def write_fifo(self, line):
        fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.write(fd, line.encode())
        os.close(fd)

    def fifo_latency_ms(self, state):
        """Write a FIFO line naming `state`; ms until status reports it."""
        start = time.monotonic()
        self.write_fifo(f'INSTANCE "VI_1" {state} 100\n')
        wait_for("the FIFO line to be handled",
                 lambda: (self.status() or {}).get("vrrp_state") == state, 60, interval=0.0005)
        return (time.monotonic() - start) * 1000

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def scenario(tmp, name, act, peer_kind="redis", prepare=None):
    """A fresh local Redis and daemon; act(local, peer, daemon); the worst stall.
    peer_kind: "redis", or "blackhole" (accepts, never answers). prepare(local) runs
    before the daemon starts, so that its load is not in the figures."""
    d = tmp / name.replace(" ", "_").replace(",", "")
    local = RedisServer(d, "local").start()
    peer = Blackhole() if peer_kind == "blackhole" else RedisServer(d, "peer").start()
    if prepare:
        prepare(local)
    daemon = Daemon(d, local.port, peer.port)
    try:
        extra = act(local, peer, daemon) or ""
        loop = wait_for("a status answer", daemon.status, 60)[0]["loop"]
        print(f"  {name:<48} {loop['max_stall_ms']:9.1f} {loop['p99_stall_ms']:8.2f} "
              f"{loop.get('max_cpu_ms', float('nan')):8.2f}  {extra}", flush=True)
    finally:
        local.kill(signal.SIGCONT)
        if peer_kind == "redis":
            peer.kill(signal.SIGCONT)
        daemon.stop()
        local.stop()
        peer.close() if peer_kind == "blackhole" else peer.stop()


def idle(local, peer, daemon):
    time.sleep(3)  # a measurement window: the loop's ordinary work for 3 s


def sigstop_local(local, peer, daemon):
    local.kill(signal.SIGSTOP)
    time.sleep(2)  # the fault's duration, as in the e2e SIGSTOP test
    local.kill(signal.SIGCONT)


def sigstop_peer(local, peer, daemon):
    peer.kill(signal.SIGSTOP)
    time.sleep(2)
    peer.kill(signal.SIGCONT)


def kill_local(local, peer, daemon):
    local.kill(signal.SIGKILL)
    time.sleep(1)
    local.start()


def fifo_latency(local, peer, daemon):
    """A FIFO line while the local Redis is stopped (the peer is blackholed): how long
    until the daemon reports the state it names."""
    local.kill(signal.SIGSTOP)
    time.sleep(1)
    handled_ms = daemon.fifo_latency_ms("FAULT")
    local.kill(signal.SIGCONT)
    return f"FIFO line handled after {handled_ms:.1f} ms"


def master_with_blackholed_peer(local, peer, daemon):
    local.client().replicaof("127.0.0.1", free_port())
    daemon.write_fifo('INSTANCE "VI_1" MASTER 100\n')
    wait_for("the MASTER transition to end",
             lambda: ((daemon.status() or {}).get("transition") or {}).get("last"), 30)


def snapshot(local, peer, daemon):
    """A BACKUP whose resync would discard our 1 GiB (the peer is a master on another
    history): BGSAVE, then the copy. Control requests are sent all through the copy;
    the slowest answer is printed."""
    snapshots = daemon.run_dir.parent / "snapshots"
    daemon.write_fifo('INSTANCE "VI_1" BACKUP 90\n')
    wait_for("the copy to start", lambda: snapshots.exists() and list(snapshots.glob("*")),
             120, interval=0.001)
    slowest_ms, answers = 0.0, 0
    deadline = time.monotonic() + 120
    while not list(snapshots.glob("*.rdb")) and time.monotonic() < deadline:
        start = time.monotonic()
        daemon.status()
        slowest_ms = max(slowest_ms, (time.monotonic() - start) * 1000)
        answers += 1
    return f"slowest of {answers} status answers during the copy: {slowest_ms:.1f} ms"


def main():
    import tempfile
    with tempfile.TemporaryDirectory(prefix="rva-bench-loop-") as t:
        tmp = Path(t)
        print(f"event loop of {BENCH_AGENT}: longest single callback, 99th percentile, and the "
              "most CPU one callback used (ms), a fresh daemon each")
        print(f"  {'scenario':<48} {'max':>9} {'p99':>8} {'max cpu':>8}")
        scenario(tmp, "idle 3 s", idle)
        scenario(tmp, "local Redis SIGSTOP for 2 s", sigstop_local)
        scenario(tmp, "local Redis kill -9 and restart", kill_local)
        scenario(tmp, "peer Redis SIGSTOP for 2 s", sigstop_peer)
        scenario(tmp, "peer blackholed for 3 s", idle, peer_kind="blackhole")
        scenario(tmp, "MASTER transition, peer blackholed", master_with_blackholed_peer,
                 peer_kind="blackhole")
        scenario(tmp, "FIFO line, local stopped and peer blackholed", fifo_latency,
                 peer_kind="blackhole")
        scenario(tmp, f"snapshot of {SNAPSHOT_MIB} MiB", snapshot,
                 prepare=lambda local: fill_incompressible(local, SNAPSHOT_MIB))
