"""make chaos: random faults against the two-host lab for MINUTES minutes under a
client writing through the VIP, then the checker's verdict. Not a pass/fail test of
timings: it fails only when an acknowledged write (or increment) is lost without a
fault that excuses it, when the pair does not converge, or when two masters serve
longer than the bounds in checker.py.

    tests/chaos/run.py [--minutes N] [--seed S] [--no-witness] [--kinds K,K] [--sentinel]
                       [--overlap]

--sentinel runs the same faults against Redis Sentinel instead (sentinel_lab.py),
for the side-by-side table of compare.py. --overlap adds, to about half of the
faults, a second one on the control plane (an agent killed, keepalived stopped or
reloaded, on either node) that starts while the first is held and may outlast its
heal: a crash while the agent is down, keepalived restarted during a refill. Its
draws come from a generator of their own, so the first faults stay the seed's.

The seed fixes the sequence of faults, their targets (master or replica) and their
durations, so a failing run can be replayed with the same faults; timings inside
the lab differ from run to run. A failing run's lab directory (every log, the
client's log of acknowledged writes, the timeline) is kept under build/chaos/."""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
# Its own namespaces and directory: a chaos run never shares them with the demo.
os.environ.setdefault("RVA_LAB_PREFIX", "rvc")
os.environ.setdefault("RVA_LAB_DIR", "/tmp/rva-chaos")
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(HERE))

import checker  # noqa: E402
import lablib  # noqa: E402
import nemesis  # noqa: E402
import sentinel_lab  # noqa: E402

CLIENT = ROOT / "scripts" / "chaos-client"
WITNESS_PORT = 7480
# The data set: a refill after an empty restart takes a few seconds through the
# throttled link of the slow-refill fault (10 MiB at 2 MiB/s).
PRELOAD_KEYS = 20000
PRELOAD_VALUE_BYTES = 512


# Longer than keepalived's master-down timer (3 adverts of 1 s, plus the skew).
QUIET_S = 4.0
# --overlap: the second faults, which lose nothing by themselves.
COMPANIONS = (nemesis.AgentKill, nemesis.KeepalivedStop, nemesis.KeepalivedReload)


class ChaosLab(lablib.Lab):
    """The lab, with a witness on the client host when asked for: the third party
    both nodes can reach, as an application server would be. Redis is set up as the
    README says (a full sync waits 1 s)."""
    manager = "agent"
    full_sync_delay_s = 1

    def __init__(self, witness, write_guard=False, **kw):
        super().__init__(**kw)
        self.witness = witness
        self.write_guard = write_guard

    def render_configs(self):
        super().render_configs()
        edits = []
        if self.witness:
            edits.append((r"^address =$", f"address = {lablib.CLIENT_ADDR}", "[witness] address"))
        if self.write_guard:
            edits.append((r"^enabled = no$", "enabled = yes", "[write_guard] enabled"))
        for node in self.nodes.values():
            conf = node.dir / "agent.conf"
            text = conf.read_text()
            for pattern, line, key in edits:
                text, n = re.subn(pattern, line, text, count=1, flags=re.M)
                assert n == 1, f"conf/agent.conf has no {key}"
            conf.write_text(text)

    def fault_class(self, kind):
        return kind

    def start_services(self):
        if self.witness:
            nodes = [arg for addr in lablib.NODES.values()
                     for arg in ("--node", f"{addr}:{lablib.PORT}")]
            log = open(self.dir / "witness.log", "ab")
            proc = subprocess.Popen(["ip", "netns", "exec", lablib.NS["c"], str(lablib.AGENT),
                                     "witness", "--listen", f"{lablib.CLIENT_ADDR}:{WITNESS_PORT}"]
                                    + nodes, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            log.close()
            (self.dir / "witness.pid").write_text(str(proc.pid))
        super().start_services()

    def down(self, quiet=False):
        lablib.kill_pidfile(self.dir / "witness.pid")
        lablib.kill_pidfile(self.dir / "client.pid")
        super().down(quiet)


def start_client(lab, log_path):
    out = open(lab.dir / "client.out", "ab")
    proc = subprocess.Popen(["ip", "netns", "exec", lablib.NS["c"], "/usr/bin/python3",
                             str(CLIENT)] + lab.writer_target_args()
                            + ["--password-file", str(lab.dir / "redis.pw"), "--log",
                               str(log_path)],
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "scripts")})
    out.close()
    (lab.dir / "client.pid").write_text(str(proc.pid))
    return proc


def preload(master):
    r = master.redis(5.0)
    value = "x" * PRELOAD_VALUE_BYTES
    for i in range(0, PRELOAD_KEYS, 1000):
        pipe = r.pipeline(transaction=False)
        for k in range(i, min(i + 1000, PRELOAD_KEYS)):
            pipe.set(f"preload:{k}", value)
        pipe.execute()


class Run:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.overlap_rng = random.Random(f"overlap-{args.seed}")
        self.kinds = [nemesis.KINDS[k] for k in args.kinds]
        if args.sentinel:
            self.lab = sentinel_lab.SentinelChaosLab(directory=lablib.LAB_DIR, log=self.say)
        else:
            self.lab = ChaosLab(args.witness, args.write_guard, directory=lablib.LAB_DIR,
                                log=self.say)
        # A third party that can tell a cut link from a dead peer: the witness, or the
        # Sentinel on the client host. With one, a partition of the nodes excuses no loss.
        self.third_party = args.witness or args.sentinel
        self.faults = []
        self.timeline = []  # (time, text)
        self.started = time.time()

    def say(self, text):
        now = time.time()
        self.timeline.append((now, text))
        print(f"[{now - self.started:8.2f}] {text}", flush=True)

    def pick(self):
        """The next fault: kind, target (from the seed), duration, pause before it."""
        kind = self.rng.choice(self.kinds)
        target = "replica" if kind.replica_only else self.rng.choice(["master", "replica"])
        if self.args.target and not kind.replica_only:
            target = self.args.target  # drawn anyway, as --hold-s
        hold_s = 0.0 if kind is nemesis.KeepalivedReload else self.rng.uniform(1.0, 6.0)
        if self.args.hold_s is not None and kind is not nemesis.KeepalivedReload:
            hold_s = self.args.hold_s  # drawn anyway, so a seed picks the same faults
        pause_s = self.rng.uniform(1.0, 4.0)
        return kind, target, hold_s, pause_s

    def wait_quiet(self):
        """Until no role, VIP or track file has changed for QUIET_S. A failback that
        keepalived still has pending (a node of higher priority, healthy again after
        a refill, preempts once its master-down timer of 3 adverts runs out) belongs
        to the last fault's recovery: a fault injected in the middle of it would be
        two at once."""
        start = time.monotonic()

        def quiet():
            last = self.monitor.events[-1][0] if self.monitor.events else start
            return time.monotonic() - max(last, start) >= QUIET_S

        lablib.wait_for(f"{QUIET_S:g} s without a change of role, VIP or track file", quiet,
                        checker.CONVERGE_BOUND_S, log=self.say)

    def one_fault(self, drawn, target, hold_s):
        kind = self.lab.fault_class(drawn)
        if kind is None:
            self.say(f"skip {drawn.name}: nothing of the kind under {self.lab.manager}")
            return True
        try:
            self.wait_quiet()
        except TimeoutError as e:
            self.say(f"NOT CONVERGED: still changing before the next fault: {e}")
            return False
        master = self.lab.nodes[self.lab.wait_settled(quiet=True)]
        node = master if target == "master" else self.lab.nodes[master.peer]
        fault = kind(self.lab, node, self.third_party)
        rec = checker.FaultRecord(kind.name, node.name, target == "master", time.time(),
                                  isolates_target=kind in (nemesis.LinkCut, nemesis.Isolate,
                                                           nemesis.HostCrash))
        self.faults.append(rec)
        self.say(f"inject {kind.name} on {node.name} ({target}), for {hold_s:.1f} s")
        fault.inject()
        held_from = time.time()
        companion = self.companion(kind, node.name, hold_s)
        # The faults' durations, drawn from the seed: not waits for a condition.
        steps = [(hold_s, lambda: self.heal(fault, rec))] + companion
        for at, step in sorted(steps, key=lambda s: s[0]):
            time.sleep(max(0.0, held_from + at - time.time()))
            step()
        try:
            settled = self.lab.wait_settled(timeout=checker.CONVERGE_BOUND_S, quiet=True)
        except TimeoutError as e:
            self.say(f"NOT CONVERGED within {checker.CONVERGE_BOUND_S:.0f} s after the heal: {e}")
            return False
        for r in self.faults[-(1 + bool(companion)):]:
            r.converged, r.t_converged = True, time.time()
        if rec.loss_window and fault.loses_until_converged():
            rec.loss_window = (rec.loss_window[0], rec.t_converged, rec.loss_window[2])
        self.say(f"converged in {rec.converge_s:.2f} s: master {settled}")
        return True

    def heal(self, fault, rec):
        fault.heal()
        rec.t_heal = time.time()
        rec.loss_window = fault.loss_window(rec.t_inject, rec.t_heal, rec.target_was_master)
        self.say(f"heal {fault.name} on {fault.node.name}")

    def companion(self, first, first_node, hold_s):
        """With --overlap, for about half of the faults: a control-plane fault on
        either node, injected while the first is held, healed up to 4 s later (maybe
        after the first). Returns its [(seconds after the first, step)], or []."""
        r = self.overlap_rng
        if not self.args.overlap or r.random() < 0.5:
            return []
        drawn, name = r.choice(COMPANIONS), r.choice(sorted(self.lab.nodes))
        start_s, held_s = r.uniform(0.0, hold_s), r.uniform(0.5, 4.0)
        kind = self.lab.fault_class(drawn)
        # Nothing of the kind here; the same fault twice on one node; or a process
        # on a crashed host, which its reboot starts anyway.
        if kind is None or (name == first_node and (kind is first or first is nemesis.HostCrash)):
            return []
        fault = kind(self.lab, self.lab.nodes[name], self.third_party)
        rec = checker.FaultRecord(f"{kind.name} (overlapping)", name, False, 0.0)

        def inject():
            rec.t_inject = time.time()
            self.faults.append(rec)
            self.say(f"inject {kind.name} on {name}, during {first.name}, for {held_s:.1f} s")
            fault.inject()
        return [(start_s, inject), (start_s + held_s, lambda: self.heal(fault, rec))]

    def interim_check(self, acks, checked):
        """After a heal: the writes acknowledged since the last check, on the master?"""
        acks.refresh()
        new = [s for s in acks.sets if s not in checked]
        master = self.lab.nodes[self.lab.wait_settled(quiet=True)]
        missing = checker.missing_sets(master.redis(5.0), new)
        checked.update(new)
        unexcused = [s for s in missing if not checker.attribute(acks.sets[s], self.faults)]
        if missing:
            self.say(f"check: {len(missing)} of {len(new)} new acknowledged writes missing"
                     f" ({len(unexcused)} unexcused)")

    def run(self):
        lab = self.lab
        self.say(f"chaos: seed {self.args.seed}, {self.args.minutes:g} min, {lab.manager}, witness "
                 f"{'on' if self.args.witness else 'off'}, write guard "
                 f"{'on' if self.args.write_guard else 'off'}, kinds {','.join(self.args.kinds)}")
        lab.up()
        preload(lab.master())
        monitor = self.monitor = lablib.StateMonitor(lab).start()
        mono_to_wall = time.time() - time.monotonic()
        log_path = lab.dir / "acks.log"
        log_path.write_text("")
        client = start_client(lab, log_path)
        acks = checker.AckLog(log_path)
        lablib.wait_for("the client's first acknowledged write",
                        lambda: (acks.refresh(), acks.sets)[1], 30, log=self.say)
        checked = set()
        deadline = time.time() + self.args.minutes * 60
        ok = True
        try:
            while time.time() < deadline and ok:
                kind, target, hold_s, pause_s = self.pick()
                time.sleep(pause_s)  # the nemesis's random interval between faults
                ok = self.one_fault(kind, target, hold_s)
                if ok:
                    self.interim_check(acks, checked)
            time.sleep(1.0)  # the client's last acknowledgements reach its log
        finally:
            client.terminate()
            client.wait(timeout=10)
            monitor.stop()
        events = [(t + mono_to_wall, what, value) for t, what, value in monitor.events]
        verdict = self.final_check(acks, events, converged=ok)
        lab.down()
        return verdict

    def final_check(self, acks, events, converged):
        acks.refresh()
        master = self.lab.nodes[self.lab.wait_settled(quiet=True)] if converged else None
        problems = [] if converged else ["the pair did not converge after the last fault"]
        lost_sets, lost_incr, backwards = [], [], []
        if master:
            r = master.redis(5.0)
            lost_sets = checker.missing_sets(r, acks.sets)
            lost_incr, backwards = checker.lost_increments(r, acks.incrs)
        unexcused = 0
        for seq in lost_sets:
            f = checker.attribute(acks.sets[seq], self.faults)
            if f:
                f.lost.append(seq)
            else:
                unexcused += 1
        unexcused_incr = 0
        for _, _, t in lost_incr:
            f = checker.attribute(t, self.faults)
            if f:
                f.lost_increments += 1
            else:
                unexcused_incr += 1
        if unexcused:
            problems.append(f"{unexcused} acknowledged writes lost outside any fault's window")
        if unexcused_incr:
            problems.append(f"{unexcused_incr} acknowledged increments lost outside any fault's "
                            "window")
        times = acks.ack_times()
        masters = checker.intervals(events, checker.both_masters)
        vips = checker.intervals(events, checker.both_vip)
        for f in self.faults:
            end = f.t_converged if f.converged else (events[-1][0] if events else f.t_heal)
            hidden = (checker.overlap(masters, f.t_inject, f.t_heal) if f.isolates_target else 0)
            f.dual_master_s = checker.overlap(masters, f.t_inject, end) - hidden
            f.dual_master_after_heal_s = checker.overlap(masters, f.t_heal, end)
            hidden_vip = (checker.overlap(vips, f.t_inject, f.t_heal) if f.isolates_target else 0)
            f.dual_vip_s = checker.overlap(vips, f.t_inject, end) - hidden_vip
            f.outage_s = checker.longest_gap(times, f.t_inject, end)
            if f.dual_master_after_heal_s > checker.DUAL_AFTER_HEAL_BOUND_S:
                problems.append(f"{f.kind} on {f.node}: two masters for "
                                f"{f.dual_master_after_heal_s:.2f} s after the heal (bound "
                                f"{checker.DUAL_AFTER_HEAL_BOUND_S:g} s)")
            if self.third_party and f.kind == nemesis.SplitNodes.name and (
                    f.lost or f.dual_vip_s > 0):
                problems.append(f"{f.kind} on {f.node} with a third party: {len(f.lost)} writes "
                                "lost,"
                                f" both nodes held the VIP for {f.dual_vip_s:.2f} s (must be 0)")
        table = checker.summarize(self.faults)
        report = {
            "seed": self.args.seed, "minutes": self.args.minutes, "manager": self.lab.manager,
            "witness": self.args.witness,
            "write_guard": self.args.write_guard,
            "acknowledged": len(acks.sets), "increments": sum(map(len, acks.incrs.values())),
            "lost": len(lost_sets), "lost_unexcused": unexcused,
            "lost_increments": len(lost_incr), "counter_went_backwards": len(backwards),
            "reads": len(acks.reads), "reads_not_found": sum(1 for r in acks.reads if not r[1]),
            "table": table, "problems": problems,
            "faults": [{k: v for k, v in vars(f).items() if k != "lost"} | {"lost": len(f.lost)}
                       for f in self.faults],
        }
        self.write_outputs(report, events)
        return report

    def write_outputs(self, report, events):
        out = Path(self.args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.json").write_text(json.dumps(report, indent=1, default=str))
        lines = [f"{t - self.started:9.3f}  {text}" for t, text in self.timeline]
        lines += [f"{t - self.started:9.3f}    {what} = {value}" for t, what, value in events
                  if what != "a.track" and what != "b.track"]
        (out / "timeline.txt").write_text("\n".join(sorted(lines, key=lambda s: float(s.split()[0])))
                                          + "\n")
        print()
        print(checker.format_table(report["table"]))
        print(f"\nacknowledged writes {report['acknowledged']}, lost {report['lost']} "
              f"({report['lost_unexcused']} outside a fault's window); increments "
              f"{report['increments']}, lost {report['lost_increments']}, seen going backwards "
              f"{report['counter_went_backwards']}; reads {report['reads']}, acknowledged key "
              f"not found {report['reads_not_found']}")
        print(f"timeline: {out / 'timeline.txt'}; report: {out / 'report.json'}")


def replay_command(args):
    """The command line that runs the same faults again."""
    words = ["tests/chaos/run.py", "--seed", str(args.seed), "--minutes", f"{args.minutes:g}"]
    if args.sentinel:
        words.append("--sentinel")
    elif not args.witness:
        words.append("--no-witness")
    if args.write_guard:
        words.append("--write-guard")
    if args.kinds != list(nemesis.KINDS):
        words += ["--kinds", ",".join(args.kinds)]
    if args.hold_s is not None:
        words += ["--hold-s", f"{args.hold_s:g}"]
    if args.overlap:
        words.append("--overlap")
    if args.target:
        words += ["--target", args.target]
    return " ".join(words)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("MINUTES", 3)))
    parser.add_argument("--seed", type=int,
                        default=int(os.environ.get("SEED") or random.SystemRandom().randrange(1 << 31)))
    parser.add_argument("--no-witness", dest="witness", action="store_false")
    parser.add_argument("--kinds", default=",".join(nemesis.KINDS),
                        type=lambda s: s.split(","), help="fault kinds, comma-separated")
    parser.add_argument("--write-guard", action="store_true",
                        help="[write_guard] enabled on both nodes (for a pair without a witness)")
    parser.add_argument("--hold-s", type=float, default=None,
                        help="hold every fault this long instead of a random 1-6 s")
    parser.add_argument("--target", choices=["master", "replica"], default=None,
                        help="aim every fault at this node instead of a random one")
    parser.add_argument("--overlap", action="store_true",
                        help="a control-plane fault during about half of the others")
    parser.add_argument("--sentinel", action="store_true",
                        help="the same faults against Redis Sentinel (3 Sentinels, one on the "
                             "client host) instead of the agent")
    parser.add_argument("--out", default=None,
                        help="where the report goes (build/chaos/last, or build/chaos/sentinel)")
    args = parser.parse_args()
    if args.sentinel and (args.write_guard or not args.witness):
        parser.error("--sentinel runs no agent: --write-guard and --no-witness do not apply")
    if args.sentinel:
        args.witness = False  # the agent's witness; Sentinel brings its own third party
    args.out = args.out or str(ROOT / "build" / "chaos" / ("sentinel" if args.sentinel else "last"))
    unknown = [k for k in args.kinds if k not in nemesis.KINDS]
    if unknown:
        parser.error(f"unknown fault kind(s) {', '.join(unknown)}: choose from "
                     f"{', '.join(nemesis.KINDS)}")
    report = Run(args).run()
    if report["problems"]:
        kept = ROOT / "build" / "chaos" / f"failed-seed-{args.seed}-{int(time.time())}"
        shutil.copytree(lablib.LAB_DIR, kept, ignore=shutil.ignore_patterns("*.sock", "*.fifo"))
        shutil.copytree(args.out, kept / "report", dirs_exist_ok=True)
        print("\nCHAOS FAILED:\n  " + "\n  ".join(report["problems"]))
        print(f"logs kept in {kept}; replay with: {replay_command(args)}")
        sys.exit(1)
    print(f"\nchaos passed (seed {args.seed})")


if __name__ == "__main__":
    main()
