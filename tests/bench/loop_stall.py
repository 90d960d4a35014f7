"""How long the daemon's event loop stays blocked in the faults the e2e tests inject:
the longest single callback (status --json "loop"), a fresh daemon per scenario,
and how long a notify FIFO line waits to be handled while the peer is blackholed and
the local Redis is stopped. The baseline for making every Redis call asynchronous.
Timings only; nothing here passes or fails."""
import json
import os
import signal
import subprocess
import time

from helpers import AGENT, Blackhole, RedisServer, free_port, wait_for, write_config


class Daemon:
    def __init__(self, d, local_port, peer_port):
        d.mkdir(parents=True, exist_ok=True)
        self.fifo = d / "notify.fifo"
        self.conf = write_config(d / "agent.conf", {
            "agent": {"run_dir": d / "run"}, "redis": {"port": local_port},
            "peer": {"host": "127.0.0.1", "port": peer_port},
            "check": {"track_file": d / "track"},
            "keepalived": {"instance": "VI_1", "notify_fifo": self.fifo},
            "transition": {"snapshot_dir": d / "snapshots"},
            "log": {"target": "stderr", "level": "warning"}})
        self.proc = subprocess.Popen([str(AGENT), "-c", str(self.conf), "run"],
                                     stderr=subprocess.DEVNULL)
        wait_for("the daemon to answer status", self.status, 10)

    def status(self):
        r = subprocess.run([str(AGENT), "-c", str(self.conf), "status", "--json"],
                           capture_output=True, text=True, timeout=10)
        return json.loads(r.stdout) if r.returncode == 0 else None

    def write_fifo(self, line):
        fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.write(fd, line.encode())
        os.close(fd)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def scenario(tmp, name, act, blackholed_peer=False):
    """A fresh local Redis and daemon; act(local, daemon); the worst stall."""
    d = tmp / name.replace(" ", "_")
    local = RedisServer(d, "local").start()
    peer = Blackhole() if blackholed_peer else RedisServer(d, "peer").start()
    daemon = Daemon(d, local.port, peer.port)
    try:
        extra = act(local, daemon) or ""
        loop = wait_for("a status answer", daemon.status, 30)[0]["loop"]
        print(f"  {name:<52} {loop['max_stall_ms']:8.1f} {loop['p99_stall_ms']:8.2f}  {extra}")
    finally:
        local.kill(signal.SIGCONT)
        daemon.stop()
        local.stop()
        peer.close() if blackholed_peer else peer.stop()


def idle(local, daemon):
    time.sleep(3)  # a measurement window: the loop's ordinary work for 3 s


def sigstop_local(local, daemon):
    local.kill(signal.SIGSTOP)
    time.sleep(2)  # the fault's duration, as in the e2e SIGSTOP test
    local.kill(signal.SIGCONT)


def kill_local(local, daemon):
    local.kill(signal.SIGKILL)
    time.sleep(1)
    local.start()


def fifo_latency(local, daemon):
    """A FIFO line while the local Redis is stopped (the peer is blackholed): how long
    until the daemon reports the state it names."""
    local.kill(signal.SIGSTOP)
    time.sleep(1)
    start = time.monotonic()
    daemon.write_fifo('INSTANCE "VI_1" FAULT 100\n')
    wait_for("the FIFO line to be handled",
             lambda: (daemon.status() or {}).get("vrrp_state") == "FAULT", 30, interval=0.002)
    handled_ms = (time.monotonic() - start) * 1000
    local.kill(signal.SIGCONT)
    return f"FIFO line handled after {handled_ms:.0f} ms"


def master_with_blackholed_peer(local, daemon):
    local.client().replicaof("127.0.0.1", free_port())
    daemon.write_fifo('INSTANCE "VI_1" MASTER 100\n')
    wait_for("the MASTER transition to end",
             lambda: ((daemon.status() or {}).get("transition") or {}).get("last"), 30)


def main():
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory(prefix="rva-bench-loop-") as t:
        tmp = Path(t)
        print("event loop: longest single callback and 99th percentile (ms), a fresh daemon each")
        print(f"  {'scenario':<52} {'max':>8} {'p99':>8}")
        scenario(tmp, "idle 3 s", idle)
        scenario(tmp, "local Redis SIGSTOP for 2 s", sigstop_local)
        scenario(tmp, "local Redis kill -9 and restart", kill_local)
        scenario(tmp, "peer blackholed for 3 s", idle, blackholed_peer=True)
        scenario(tmp, "MASTER transition, peer blackholed", master_with_blackholed_peer,
                 blackholed_peer=True)
        scenario(tmp, "FIFO line, local stopped and peer blackholed", fifo_latency,
                 blackholed_peer=True)
