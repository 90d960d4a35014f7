"""The failover benchmark: the same lab, the same client, the same faults, for the
agent and for the alternatives. The client writes through the VIP (or via
Sentinel). Two faults: the master's redis-server is killed with SIGKILL, or the
master's host crashes (link down, every process on it killed). Once the other node
took over, the old master comes back empty (its Redis restarted, or the host
"rebooted": link up, Redis empty, its services started). Reported per
system (N runs, median and worst): write outage on failover and on failback (the
longest gap between acknowledged writes), time for the VIP (or Sentinel's master)
to move, and acknowledged writes lost. Nothing here passes or fails."""
import json
import os
import shutil
import tempfile
from pathlib import Path
import signal
import statistics
import time

os.environ.setdefault("RVA_LAB_PREFIX", "rvb")
os.environ.setdefault("RVA_LAB_DIR", "/tmp/rva-bench-lab")

import baselines  # noqa: E402
from figures import gap_in, median_worst_ms  # noqa: E402
import lablib  # noqa: E402

RUNS = int(os.environ.get("RVA_BENCH_RUNS", "5"))
HOOK_RUNS = int(os.environ.get("RVA_BENCH_HOOK_RUNS", "2"))
# Every run's figures, by table title and system, written to $RVA_BENCH_JSON when
# set (scripts/bench-matrix prints the platforms side by side from them).
ALL_RESULTS = {}


def quiet(_):
    pass


def converged_after_restart(lab, old, new, uses_vip):
    def check():
        info = new.redis().info("replication")
        if uses_vip:
            return (old.holds_vip() and not new.holds_vip() and old.role() == "master"
                    and info["role"] == "slave" and info.get("master_link_status") == "up")
        # Sentinel does not fail back: the restarted node must end a replica.
        old_info = old.redis().info("replication")
        return old_info["role"] == "slave" and old_info.get("master_link_status") == "up"
    return check


def one_run(make_lab, uses_vip, fault):
    lab = make_lab()
    try:
        lab.up()
        old, new = lab.nodes["a"], lab.nodes["b"]
        monitor = lablib.StateMonitor(lab).start()
        report_path = lab.dir / "writer-report.json"
        writer = lab.start_writer(report_path)
        # Steady state first: a replica whose sync just finished is only streamed to
        # after its first REPLCONF ACK (up to 1 s later), and a crash in that window
        # loses every write since the sync, whatever manages the pair.
        lablib.wait_for("writes to flow and reach the replica",
                        lambda: old.dbsize() > 1000 and new.dbsize() > 500, 30)

        kill_mono, kill_wall = time.monotonic(), time.time()
        if fault == "host":
            lab.crash_host(old.name)
        else:
            old.kill("redis", signal.SIGKILL)
        if uses_vip:
            lablib.wait_for("the peer to hold the VIP as master",
                            lambda: new.holds_vip() and new.role() == "master", 90)
        else:
            lablib.wait_for("the peer to be master", lambda: new.role() == "master", 90)
        base = new.dbsize()
        lablib.wait_for("writes to land on the new master", lambda: new.dbsize() > base + 500, 90)

        restart_wall = time.time()
        if fault == "host":
            lab.reboot_host(old.name)
        else:
            old.start_redis(empty=True)
        converged = True
        try:
            lablib.wait_for("the pair to converge after the empty restart",
                            converged_after_restart(lab, old, new, uses_vip), 90)
            final = old if uses_vip else new
            base = final.dbsize()
            lablib.wait_for("writes to land on the final master",
                            lambda: final.dbsize() > base + 500, 60)
        except TimeoutError:
            converged = False
        end_wall = time.time()

        os.kill(writer.pid, signal.SIGTERM)
        writer.wait(timeout=180)
        monitor.stop()
        report = json.loads(report_path.read_text())
        moved = (monitor.first("vip", new.name, after=kill_mono) if uses_vip
                 else monitor.first(f"{new.name}.role", "master", after=kill_mono))
        lost_before = sum(1 for t in report["missing_ack_times"] if t < restart_wall)
        if report["missing"]:
            # Keep the evidence: every host's logs, state logs and snapshots.
            keep = Path(tempfile.mkdtemp(prefix="rva-bench-lost-"))
            shutil.copytree(lab.dir, keep, dirs_exist_ok=True, ignore_dangling_symlinks=True,
                            ignore=shutil.ignore_patterns("*.sock", "*.fifo", "notify.fifo"))
            print(f"    ({report['missing']} acknowledged writes lost; lab kept in {keep})")
        return {
            "failover_outage": gap_in(report, kill_wall, restart_wall),
            "failback_outage": gap_in(report, restart_wall, end_wall),
            "move": (moved - kill_mono) if moved else None,
            "acked": report["acknowledged"],
            "lost_failover": lost_before,
            "lost_failback": report["missing"] - lost_before,
            "converged": converged,
        }
    finally:
        lab.down(quiet=True)


def summarize(name, runs):
    lost_f = sum(r["lost_failover"] for r in runs)
    lost_b = sum(r["lost_failback"] for r in runs)
    acked = sum(r["acked"] for r in runs)
    not_converged = sum(1 for r in runs if not r["converged"])
    outages = "   ".join(median_worst_ms(runs, key)
                           for key in ("failover_outage", "failback_outage", "move"))
    print(f"  {name:<34} {outages}   {lost_f:>6} / {lost_b:<6} of {acked:>7}"
          + (f"  ({not_converged} run(s) never converged)" if not_converged else ""))
    return runs


def median(runs, key):
    values = [r[key] for r in runs if r[key] is not None]
    return statistics.median(values) if values else None


def agent_lab(advert_int):
    return lambda: lablib.Lab(advert_int=advert_int, log=quiet)


def run_table(title, systems, fault):
    print(title)
    print(f"  {'system':<34} {'failover outage':>15}   {'failback outage':>15}   "
          f"{'VIP/master move':>15}   lost writes failover / failback")
    wanted = os.environ.get("RVA_BENCH_SYSTEMS")
    results = {}
    for name, make_lab, uses_vip, runs in systems:
        if wanted and not any(w.strip() and w.strip() in name for w in wanted.split(";")):
            continue
        results[name] = summarize(name, [one_run(make_lab, uses_vip, fault) for _ in range(runs)])
    ALL_RESULTS[title] = results
    agent = next((r for n, r in results.items() if n.startswith("agent")), None)
    a = median(agent, "failover_outage") if agent else None
    for name, runs in results.items():
        other = median(runs, "failover_outage")
        if not name.startswith("agent") and a and other:
            print(f"  failover outage of {name.split(' (')[0]}: {other / a:.1f}x the agent's")
    print()


def main():
    run_table("Redis crash: kill -9 of the master's redis-server, then its empty restart "
              "(ms; median, worst)", [
        (f"agent, advert_int 1 (x{RUNS})", agent_lab(1.0), True, RUNS),
        (f"agent, advert_int 0.1 (x{RUNS})", agent_lab(0.1), True, RUNS),
        (f"shell hooks (x{HOOK_RUNS})", lambda: baselines.HooksLab(log=quiet), True, HOOK_RUNS),
        (f"Sentinel, down-after 1000 (x{RUNS})",
         lambda: baselines.SentinelLab(down_after_ms=1000, log=quiet), False, RUNS),
        (f"Sentinel, down-after 200 (x{RUNS})",
         lambda: baselines.SentinelLab(down_after_ms=200, log=quiet), False, RUNS),
    ], "redis")
    run_table("Host crash: the master's link down and every process on it killed, then a "
              "reboot with Redis empty (ms; median, worst)", [
        (f"agent, advert_int 0.1 (x{RUNS})", agent_lab(0.1), True, RUNS),
        (f"shell hooks (x{HOOK_RUNS})", lambda: baselines.HooksLab(log=quiet), True, HOOK_RUNS),
        (f"Sentinel, down-after 200 (x{RUNS})",
         lambda: baselines.SentinelLab(down_after_ms=200, log=quiet), False, RUNS),
    ], "host")
    if os.environ.get("RVA_BENCH_JSON"):
        Path(os.environ["RVA_BENCH_JSON"]).write_text(json.dumps(ALL_RESULTS, indent=1))
