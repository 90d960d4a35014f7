"""The chaos run's checker: reads the client's log of acknowledged operations
(scripts/chaos-client) and the lab's sampled states, and says what was lost, what
excuses each loss, how long two masters served, and how long writes stopped."""
import statistics
from dataclasses import dataclass, field

# After a heal, how long two masters may both be reachable by the client before the
# agents have demoted one: detection (a peer poll), preemption (an advert) and one
# transition, with room for a slow machine.
DUAL_AFTER_HEAL_BOUND_S = 10.0
# From the heal of the last fault until one master, one streaming replica, the VIP
# on the master: a refill of the run's data set included.
CONVERGE_BOUND_S = 60.0


@dataclass
class FaultRecord:
    kind: str
    node: str
    target_was_master: bool
    t_inject: float
    t_heal: float = 0.0
    t_converged: float = 0.0
    converged: bool = False
    loss_window: tuple = None   # (start, end, why) or None
    isolates_target: bool = False  # the client cannot reach the target meanwhile
    lost: list = field(default_factory=list)
    lost_increments: int = 0
    outage_s: float = 0.0
    dual_master_s: float = 0.0
    dual_master_after_heal_s: float = 0.0
    dual_vip_s: float = 0.0

    @property
    def converge_s(self):
        return self.t_converged - self.t_heal if self.converged else None


class AckLog:
    """The client's log: acknowledged SETs (seq -> time), INCRs (counter -> [(value,
    time)]) and reads."""

    def __init__(self, path):
        self.sets = {}
        self.incrs = {}
        self.reads = []
        self._path = path
        self._offset = 0
        self.refresh()

    def refresh(self):
        with open(self._path) as f:
            f.seek(self._offset)
            for line in f:
                if not line.endswith("\n"):
                    break  # a line still being written: read it next time
                self._offset += len(line)
                parts = line.rstrip("\n").split(",")
                if parts[0] == "s":
                    self.sets[int(parts[1])] = float(parts[2])
                elif parts[0] == "i":
                    self.incrs.setdefault(int(parts[1]), []).append((int(parts[2]),
                                                                     float(parts[3])))
                elif parts[0] == "r":
                    self.reads.append((int(parts[1]), parts[2] == "1", float(parts[3])))

    def ack_times(self):
        return sorted(self.sets.values())


def missing_sets(master, seqs):
    """The seqs whose key w:SEQ is not on `master` (a redis client)."""
    missing = []
    seqs = sorted(seqs)
    for i in range(0, len(seqs), 2000):
        chunk = seqs[i:i + 2000]
        pipe = master.pipeline(transaction=False)
        for seq in chunk:
            pipe.exists(f"w:{seq}")
        missing += [seq for seq, present in zip(chunk, pipe.execute()) if not present]
    return missing


def lost_increments(master, incrs):
    """[(counter, acked value, time)] of acknowledged INCRs the master's counter has
    fallen below (an increment it no longer holds), and [(counter, earlier value,
    later value, later time)] for the client seeing a counter go backwards."""
    lost, backwards = [], []
    for counter, acks in incrs.items():
        final = int(master.get(f"c:{counter}") or 0)
        lost += [(counter, v, t) for v, t in acks if v > final]
        top = 0
        for v, t in acks:
            if v <= top:
                backwards.append((counter, top, v, t))
            top = max(top, v)
    return lost, backwards


def attribute(t, faults):
    """The fault whose loss window holds time t, or None."""
    for f in faults:
        if f.loss_window and f.loss_window[0] <= t <= f.loss_window[1]:
            return f
    return None


def intervals(events, predicate):
    """[(start, end)] while predicate(state) held, from StateMonitor events."""
    state, out, start = {}, [], None
    for t, what, value in events:
        state[what] = value
        holds = predicate(state)
        if holds and start is None:
            start = t
        elif not holds and start is not None:
            out.append((start, t))
            start = None
    if start is not None:
        out.append((start, events[-1][0] if events else start))
    return out


def overlap(spans, lo, hi):
    return sum(max(0.0, min(e, hi) - max(s, lo)) for s, e in spans)


def both_masters(state):
    return state.get("a.role") == "master" and state.get("b.role") == "master"


def both_vip(state):
    return state.get("vip") == "a+b"


def longest_gap(times, lo, hi):
    """The longest stretch in [lo, hi] without an acknowledged write."""
    inside = [t for t in times if lo <= t <= hi]
    before = [t for t in times if t < lo]
    after = [t for t in times if t > hi]
    points = ([before[-1]] if before else [lo]) + inside + ([after[0]] if after else [hi])
    return max((b - a for a, b in zip(points, points[1:])), default=hi - lo)


def summarize(faults):
    """Rows per fault kind: count, outage median/worst, lost (excused), dual masters,
    converge median/worst."""
    rows = {}
    for f in faults:
        rows.setdefault(f.kind, []).append(f)
    table = []
    for kind, fs in sorted(rows.items()):
        outages = [f.outage_s for f in fs]
        converge = [f.converge_s for f in fs if f.converge_s is not None]
        table.append({
            "kind": kind, "count": len(fs),
            "outage_median_s": statistics.median(outages), "outage_worst_s": max(outages),
            "lost": sum(len(f.lost) for f in fs),
            "lost_increments": sum(f.lost_increments for f in fs),
            "dual_master_s": sum(f.dual_master_s for f in fs),
            "dual_master_after_heal_worst_s": max(f.dual_master_after_heal_s for f in fs),
            "dual_vip_s": sum(f.dual_vip_s for f in fs),
            "converge_median_s": statistics.median(converge) if converge else None,
            "converge_worst_s": max(converge) if converge else None,
            "unconverged": sum(1 for f in fs if not f.converged),
        })
    return table


def format_table(table):
    head = (f"{'fault':<32}{'n':>4}{'outage med':>11}{'worst':>7}{'lost':>6}{'incr':>6}"
            f"{'2 masters':>10}{'after heal':>11}{'2 VIPs':>8}{'converge med':>13}{'worst':>7}")
    lines = [head, "-" * len(head)]
    for r in table:
        def s(v):
            return "-" if v is None else f"{v:.2f}"
        lines.append(f"{r['kind']:<32}{r['count']:>4}{s(r['outage_median_s']):>11}"
                     f"{s(r['outage_worst_s']):>7}{r['lost']:>6}{r['lost_increments']:>6}"
                     f"{s(r['dual_master_s']):>10}{s(r['dual_master_after_heal_worst_s']):>11}"
                     f"{s(r['dual_vip_s']):>8}{s(r['converge_median_s']):>13}"
                     f"{s(r['converge_worst_s']):>7}")
    return "\n".join(lines)
