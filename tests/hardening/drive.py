#!/usr/bin/python3
"""Drive one daemon through everything it does for a while, then judge what it left.

Used by `make memcheck` (the daemon under valgrind memcheck, briefly, in CI) and by
`make soak` (the plain daemon for ten minutes). A real local and a real peer Redis;
the peer named `localhost`, so host names are resolved (on threads) throughout. While
it runs, on schedules of their own:

- checks and peer polls at `--interval-ms`;
- the local Redis killed (-9) and restarted every `--redis-restart-s`;
- a transition every `--transition-s`, alternating MASTER and BACKUP (the BACKUP of
  a promoted, diverged node takes a snapshot);
- FIFO lines: good ones, garbage, an overlong one, a line split across writes;
- control requests: status, status --json, garbage, an oversize one, a client that
  hangs up without asking;
- a reload (SIGHUP) every `--reload-s`.

Then the daemon is stopped with SIGTERM (it must exit 0), and:
- memcheck: valgrind must report zero errors and zero definitely lost bytes;
- soak: RSS and open fds at the end are printed beside those at the start (after a
  warm-up) and must be equal (RSS within --rss-slack-kib, for the allocator's pages).
"""
import argparse
import os
import re
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "integration"))
from daemon_harness import FAST_FULL_SYNC, Daemon, wait_in_sync  # noqa: E402
from helpers import AGENT, RedisServer, wait_for  # noqa: E402

DAEMON_BINARY = AGENT.parent / "redis-vrrp-agentd"  # what `run` execs; valgrind needs it direct
VALGRIND = ["valgrind", "--tool=memcheck", "--leak-check=full", "--show-leak-kinds=definite",
            "--errors-for-leak-kinds=definite", "--track-fds=no", "--num-callers=30"]


def rss_kib(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def control_garbage(run_dir):
    """Requests a client could send by mistake or malice; each must get an answer or a
    close, never a hang or a crash."""
    path = str(Path(run_dir) / "control.sock")
    for payload in (b"\xff\xfe garbage\n", b"x" * 5000 + b"\n", b"status", b""):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(path)
            if payload:
                s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            while s.recv(4096):
                pass


class Schedule:
    """Calls `action` every `period_s` seconds (never if period_s is 0)."""

    def __init__(self, period_s, action):
        self.period_s, self.action, self.due = period_s, action, time.monotonic() + period_s
        self.count = 0

    def poll(self, now):
        if self.period_s and now >= self.due:
            self.action()
            self.count += 1
            self.due = now + self.period_s


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mode", choices=("memcheck", "soak"), required=True)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--interval-ms", type=int, default=50)
    p.add_argument("--redis-restart-s", type=float, default=30)
    p.add_argument("--transition-s", type=float, default=60)
    p.add_argument("--reload-s", type=float, default=20)
    p.add_argument("--warmup-s", type=float, default=20, help="soak: before the first sample")
    p.add_argument("--rss-slack-kib", type=int, default=256)
    args = p.parse_args()

    base = Path(tempfile.mkdtemp(prefix=f"rvt-{args.mode}-"))
    peer = RedisServer(base, "peer", extra=[FAST_FULL_SYNC]).start()
    local = RedisServer(base, "local", extra=[FAST_FULL_SYNC, f"replicaof 127.0.0.1 {peer.port}"])
    local.start()
    prefix, agent, start_timeout = [], AGENT, 10
    valgrind_log = base / "valgrind.log"
    if args.mode == "memcheck":
        prefix = VALGRIND + [f"--log-file={valgrind_log}"]
        agent, start_timeout = DAEMON_BINARY, 120
    d = Daemon(base, "agent", local.port, peer.port,
               {"peer": {"host": "localhost"},
                "check": {"interval_ms": args.interval_ms, "peer_interval_ms": args.interval_ms},
                "log": {"level": "info"}},
               prefix=prefix, agent=agent)
    d.start(timeout=start_timeout)
    print(f"drive: {args.mode}: daemon pid {d.pid} in {base}, for {args.seconds:g} s")

    states = ["MASTER", "BACKUP"]

    def transition():
        state = states[schedules["transition"].count % 2]
        d.write_fifo(f'INSTANCE "VI_1" {state} 100\n')

    def restart_redis():
        local.kill()
        local.start()

    def fifo_noise():
        d.write_fifo('INSTANCE "VI_1" PANIC 100\n\x00\xff garbage\n' + "y" * 6000 + "\n")
        # A repeat of the state the last transition asked for, split across two writes:
        # the daemon must join the pieces and find nothing to do.
        d.write_fifo('INSTANCE "VI_')
        d.write_fifo(f'1" {states[(schedules["transition"].count - 1) % 2]} 100\n')

    writes = {"peer": 0, "local": 0}

    def write_some():
        """Writes on both sides whenever they are masters: the transitions then have
        offsets to catch up, writes to hand over, and diverged data to snapshot."""
        for name, server in (("peer", peer), ("local", local)):
            try:
                server.client().set(f"{name}:{writes[name]}", "x" * 100)
                writes[name] += 1
            except Exception:
                pass  # a replica, or restarting: that is the point

    def control_noise():
        for line in ("status", "status --json", "switchover-status s0", "nonsense"):
            d.request(line)
        control_garbage(d.run_dir)

    schedules = {
        "transition": Schedule(args.transition_s, transition),
        "redis restart": Schedule(args.redis_restart_s, restart_redis),
        "reload": Schedule(args.reload_s, lambda: d.signal(signal.SIGHUP)),
        "fifo noise": Schedule(0.5, fifo_noise),
        "control noise": Schedule(0.2, control_noise),
        "writes": Schedule(0.1, write_some),
    }
    start = time.monotonic()
    first_sample = None
    while time.monotonic() - start < args.seconds:
        now = time.monotonic()
        for s in schedules.values():
            s.poll(now)
        if args.mode == "soak" and first_sample is None and now - start >= args.warmup_s:
            first_sample = (rss_kib(d.pid), open_fds(d.pid))
        if not d.running():
            raise SystemExit(f"drive: the daemon died; log:\n{d.log()[-4000:]}")
        time.sleep(0.05)  # the driver's own pace, not a wait for the daemon

    # End as a pair should: local a replica of the peer again, in sync.
    d.write_fifo('INSTANCE "VI_1" BACKUP 90\n')
    _, waited = wait_for("local to replicate from the peer again",
                         lambda: local.info()["role"] == "slave", timeout=60)
    wait_in_sync(local, peer, timeout=60)
    print(f"drive: waited {waited:.1f} s for local to be the peer's replica at the end")
    status = d.status()
    last_sample = (rss_kib(d.pid), open_fds(d.pid))
    d.stop(timeout=60)
    counts = ", ".join(f"{name} {s.count}" for name, s in schedules.items())
    print(f"drive: done: {counts}; keys written: {writes}; "
          f"loop callbacks {status['loop']['callbacks']}")
    failed = False
    if args.mode == "memcheck":
        log = valgrind_log.read_text()
        errors = int(re.search(r"ERROR SUMMARY: (\d+) errors", log).group(1))
        lost = re.search(r"definitely lost: ([\d,]+) bytes", log)
        lost_bytes = int(lost.group(1).replace(",", "")) if lost else 0
        print(f"memcheck: {errors} errors, {lost_bytes} bytes definitely lost ({valgrind_log})")
        if errors or lost_bytes:
            print(log[-20000:])
            failed = True
    else:
        (rss0, fds0), (rss1, fds1) = first_sample, last_sample
        print(f"soak: RSS {rss0} KiB at the start, {rss1} KiB at the end; "
              f"open fds {fds0} at the start, {fds1} at the end")
        failed = fds1 != fds0 or rss1 > rss0 + args.rss_slack_kib
    local.stop()
    peer.stop()
    if failed:
        raise SystemExit(f"drive: {args.mode} FAILED; logs in {base}")
    print(f"drive: {args.mode} passed")


if __name__ == "__main__":
    main()
