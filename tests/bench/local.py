"""Benchmarks that need only loopback Redis servers: the one-shot check against the
common shell check, `notify master` time to writable by how far the peer is ahead,
and the daemon's crash detection and cost. Timings only; nothing here passes or fails."""
import os
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import server_kind
from helpers import AGENT, RedisServer, run_agent, wait_for, write_config, write_password_file


def median_ms(samples):
    return statistics.median(samples) * 1000


def time_command(cmd, runs, env=None):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        samples.append(time.perf_counter() - start)
    return samples


def bench_check(tmp, runs=500):
    server = RedisServer(tmp, "check", password="bench-pw").start()
    try:
        pw = write_password_file(tmp / "check.pw", "bench-pw")
        conf = write_config(tmp / "check.conf", {"redis": {"port": server.port, "password_file": pw},
                                                 "peer": {"host": "192.0.2.12"}})
        # The shell check people copy: redis-cli PING compared in bash. The password
        # goes through REDISCLI_AUTH here, the least bad of the usual ways.
        shell = ["bash", "-c", f'[ "$({server_kind.CLI} -p {server.port} ping)" = PONG ]']
        env = dict(os.environ, REDISCLI_AUTH="bench-pw")
        agent = time_command([str(AGENT), "-c", str(conf), "check"], runs)
        baseline = time_command(shell, runs, env)
    finally:
        server.stop()
    a, b = median_ms(agent), median_ms(baseline)
    print(f"check, {runs} runs each (whole process, median):")
    print(f"  redis-vrrp-agent check       {a:7.2f} ms")
    print(f"  bash + {server_kind.CLI + ' PING':21}{b:7.2f} ms")
    print(f"  ratio                        {b / a:7.1f}x faster")


def fill(server, keys):
    c = server.client()
    for start in range(0, keys, 10000):
        pipe = c.pipeline(transaction=False)
        for i in range(start, min(keys, start + 10000)):
            pipe.set(f"k:{i}", "v" * 64)
        pipe.execute()


def bench_notify_master(tmp, runs=5):
    print(f"notify master -> writable, peer ahead by N keys ({runs} runs, median / worst):")
    for ahead in (0, 10_000, 100_000):
        samples = []
        for run in range(runs):
            d = tmp / f"notify-{ahead}-{run}"
            extra = ["repl-diskless-sync-delay 0"]
            local = RedisServer(d, "local", extra=extra).start()
            peer = RedisServer(d, "peer", extra=extra).start()
            try:
                # This node is the peer's replica, disconnected while the peer took
                # `ahead` writes (the lag a failover has to make good).
                local.client().replicaof("127.0.0.1", peer.port)
                # Streaming, not just "link up": a freshly synced replica is put online
                # only at its next REPLCONF ACK (up to 1 s later), which is not what
                # this measures.
                peer.client().set("streaming", 1)
                wait_for("the replica to stream", lambda: local.client().get("streaming"))
                local.client().config_set("repl-timeout", "60")
                local.kill(signal.SIGSTOP)
                fill(peer, ahead)
                local.kill(signal.SIGCONT)
                conf = write_config(d / "agent.conf", {
                    "agent": {"run_dir": d / "run"},
                    "redis": {"port": local.port}, "peer": {"host": "127.0.0.1", "port": peer.port},
                    "transition": {"snapshot_dir": d / "snap", "catchup_timeout_ms": 60000},
                    "log": {"target": "stderr", "level": "warning"}})
                start = time.perf_counter()
                r = run_agent("notify", "master", config=conf, timeout=120)
                samples.append(time.perf_counter() - start)
                assert local.client().info("replication")["role"] == "master", r.stderr
                assert local.client().dbsize() >= ahead
            finally:
                local.stop()
                peer.stop()
        print(f"  {ahead:>7} keys ahead    {median_ms(samples):8.1f} ms / {max(samples) * 1000:8.1f} ms")


def process_cost(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu_ticks = int(fields[11]) + int(fields[12])
    rss_kib = next(int(l.split()[1]) for l in Path(f"/proc/{pid}/status").read_text().splitlines()
                   if l.startswith("VmRSS:"))
    return cpu_ticks / os.sysconf("SC_CLK_TCK"), rss_kib


def bench_daemon(tmp, runs=10, cost_seconds=20):
    d = tmp / "daemon"
    server = RedisServer(d, "local").start()
    peer = RedisServer(d, "peer").start()
    track = d / "track"
    conf = write_config(d / "agent.conf", {
        "agent": {"run_dir": d / "run"}, "redis": {"port": server.port},
        "peer": {"host": "127.0.0.1", "port": peer.port},
        "check": {"interval_ms": 200, "fall": 2, "track_file": track, "fail_value": 1},
        "log": {"target": "stderr", "level": "warning"}})
    daemon = subprocess.Popen([str(AGENT), "-c", str(conf), "run"], stderr=subprocess.DEVNULL)
    try:
        detections = []
        for _ in range(runs):
            wait_for("track file 0", lambda: track.exists() and track.read_text().strip() == "0")
            start = time.perf_counter()
            server.kill(signal.SIGKILL)
            wait_for("track file 1", lambda: track.read_text().strip() == "1", interval=0.0005)
            detections.append(time.perf_counter() - start)
            server.start(empty=True)
        print(f"daemon crash detection, kill -9 -> track file = fail_value ({runs} runs):")
        print(f"  median {median_ms(detections):.1f} ms, worst {max(detections) * 1000:.1f} ms "
              f"(polling alone would take up to interval_ms * fall = 400 ms)")
        cpu0, _ = process_cost(daemon.pid)
        time.sleep(cost_seconds)  # measuring a rate over a fixed window, not waiting for a state
        cpu1, rss = process_cost(daemon.pid)
        print(f"daemon cost at interval_ms 200 (local + peer checks), over {cost_seconds} s:")
        print(f"  CPU {100 * (cpu1 - cpu0) / cost_seconds:.2f} % of one core, RSS {rss / 1024:.1f} MiB")
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=10)
        server.stop()
        peer.stop()


def main(sections):
    with tempfile.TemporaryDirectory(prefix="rva-bench-") as t:
        tmp = Path(t)
        if "check" in sections:
            bench_check(tmp)
        if "notify" in sections:
            bench_notify_master(tmp)
        if "daemon" in sections:
            bench_daemon(tmp)
