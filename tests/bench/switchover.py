"""The switchover benchmark: a planned move of the master, there and back, while the
lab's client writes (the failover benchmark's lab and client), for the agent's
`switchover`, Sentinel's SENTINEL FAILOVER and Redis's own FAILOVER command.
Reported per system (N runs, each moving the master there and back; median and
worst over the moves): the write outage (the longest gap between acknowledged
writes while the move runs), how long writes were paused on the old master (the
agent's timeline; n/a where it cannot be seen), how long the move took from the
command to a settled pair, and acknowledged writes lost. Nothing here passes or
fails."""
import json
import os
import re
import signal
import subprocess
import time

os.environ.setdefault("RVA_LAB_PREFIX", "rvb")
os.environ.setdefault("RVA_LAB_DIR", "/tmp/rva-bench-lab")

import baselines  # noqa: E402
from figures import gap_in, median_worst_ms  # noqa: E402
import lablib  # noqa: E402

RUNS = int(os.environ.get("RVA_BENCH_RUNS", "5"))


def quiet(_):
    pass


class PlainPairLab(baselines.SentinelLab):
    """A master and its replica, nothing managing them: Redis's FAILOVER moves the
    role, and the client, which knows both addresses, writes to whichever is master."""

    def start_services(self):
        self.nodes["b"].redis().replicaof(self.nodes["a"].addr, lablib.PORT)

    def writer_target_args(self):
        return ["--hosts", ",".join(n.addr for n in self.nodes.values())]


def streams_from(new, old):
    """`new` is master and `old` streams from it."""
    info = old.redis().info("replication")
    return (new.role() == "master" and info["role"] == "slave"
            and info.get("master_host") == new.addr and info.get("master_link_status") == "up")


def agent_move(lab, new, old):
    """Run `switchover` on the old master; returns (writes paused s, or None)."""
    r = old.switchover("--timeout", "10000")
    if r.returncode != 0:
        raise RuntimeError(f"switchover failed:\n{r.stdout}{r.stderr}")
    paused = re.search(r"writes paused\s+([\d.]+) ms", r.stdout)
    lablib.wait_for("the VIP on the new master", lambda: new.holds_vip(), 30)
    return float(paused.group(1)) / 1000 if paused else None


def sentinel_move(lab, new, old):
    # Asked of the Sentinel on the client host, until it accepts: it refuses while it
    # has not yet discovered the replica (NOGOODSLAVE) or while its last failover is
    # still in progress (INPROG).
    def accepted():
        r = lablib.run("ip", "netns", "exec", lablib.NS["c"], "redis-cli", "-h",
                       lablib.CLIENT_ADDR, "-p", "26379", "SENTINEL", "FAILOVER", "mymaster",
                       check=False)
        return r.stdout.strip() == "OK"
    lablib.wait_for("Sentinel to accept SENTINEL FAILOVER", accepted, 60, interval=0.1)
    return None


def redis_failover_move(lab, new, old):
    # FAILOVER (Redis 6.2+) pauses writes until the replica has caught up, then swaps
    # the roles itself; the pause is not visible from outside.
    old.redis().execute_command("FAILOVER")
    return None


def one_run(make_lab, move):
    lab = make_lab()
    try:
        lab.up()
        a, b = lab.nodes["a"], lab.nodes["b"]
        report_path = lab.dir / "writer-report.json"
        writer = lab.start_writer(report_path)
        lablib.wait_for("writes to flow and reach the replica",
                        lambda: a.dbsize() > 1000 and b.dbsize() > 500, 30)
        syncs = sum(n.redis().info("stats")["sync_full"] for n in (a, b))
        moves = []
        for new, old in ((b, a), (a, b)):
            start_mono, start_wall = time.monotonic(), time.time()
            paused = move(lab, new, old)
            lablib.wait_for("the new master to take writes and the old one to stream from it",
                            lambda: streams_from(new, old), 60)
            base = new.dbsize()
            lablib.wait_for("writes to land on the new master", lambda: new.dbsize() > base + 300,
                            60)
            moves.append({"start": start_wall, "end": time.time(), "paused": paused,
                          "took": time.monotonic() - start_mono})
        os.kill(writer.pid, signal.SIGTERM)
        writer.wait(timeout=180)
        report = json.loads(report_path.read_text())
        full = sum(n.redis().info("stats")["sync_full"] for n in (a, b)) - syncs
        return [{"outage": gap_in(report, m["start"], m["end"]), "paused": m["paused"],
                 "took": m["took"], "lost": report["missing"] if i == 0 else 0,
                 "acked": report["acknowledged"] if i == 0 else 0,
                 "full_syncs": full if i == 0 else 0} for i, m in enumerate(moves)]
    finally:
        lab.down(quiet=True)


def main():
    print("Planned switchover under load, there and back (ms; median, worst over the moves)")
    print(f"  {'system':<40} {'write outage':>15}   {'writes paused':>15}   {'move took':>15}"
          "   lost writes, full resyncs")
    systems = [
        (f"agent switchover, advert_int 1 (x{RUNS})", lambda: lablib.Lab(log=quiet), agent_move),
        (f"Sentinel FAILOVER, down-after 200 (x{RUNS})",
         lambda: baselines.SentinelLab(down_after_ms=200, log=quiet), sentinel_move),
        (f"Redis FAILOVER, client knows both (x{RUNS})", lambda: PlainPairLab(log=quiet),
         redis_failover_move),
    ]
    wanted = os.environ.get("RVA_BENCH_SYSTEMS")
    for name, make_lab, move in systems:
        if wanted and not any(w.strip() and w.strip() in name for w in wanted.split(";")):
            continue
        moves = []
        for _ in range(RUNS):
            try:
                moves += one_run(make_lab, move)
            except (RuntimeError, TimeoutError, subprocess.CalledProcessError) as e:
                print(f"    a run failed: {str(e).splitlines()[0]}")
        if not moves:
            continue
        figures = "   ".join(median_worst_ms(moves, k) for k in ("outage", "paused", "took"))
        print(f"  {name:<40} {figures}   {sum(m['lost'] for m in moves)} of "
              f"{sum(m['acked'] for m in moves)}, {sum(m['full_syncs'] for m in moves)}")
    print()


if __name__ == "__main__":
    main()
