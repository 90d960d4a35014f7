"""The agent's chaos run and Sentinel's, side by side: per fault kind, what each lost,
how long writes stopped, how long two masters served and how long the pair took to
converge. Both runs should have the same seed and length (make chaos-compare).
Exits 1 when the agent's run has problems.

    tests/chaos/compare.py AGENT_REPORT.json SENTINEL_REPORT.json"""
import json
import sys

COLUMNS = (("n", "count", "{:d}"), ("outage med", "outage_median_s", "{:.2f}"),
           ("worst", "outage_worst_s", "{:.2f}"), ("lost", "lost", "{:d}"),
           ("2 masters", "dual_master_s", "{:.2f}"), ("converge", "converge_median_s", "{:.2f}"))
CELL_WIDTH = 10


def cells(row):
    if row is None:
        return ["n/a".rjust(CELL_WIDTH)] + [""] * (len(COLUMNS) - 1)
    return [("-" if row[key] is None else fmt.format(row[key])).rjust(CELL_WIDTH)
            for _, key, fmt in COLUMNS]


def side_by_side(agent, sentinel):
    rows = {name: {r["kind"]: r for r in report["table"]}
            for name, report in (("agent", agent), ("sentinel", sentinel))}
    kinds = sorted(set(rows["agent"]) | set(rows["sentinel"]))
    titles = [t.rjust(CELL_WIDTH) for t, _, _ in COLUMNS]
    width = CELL_WIDTH * len(COLUMNS)
    lines = [f"{'':<32}{'agent':^{width}} | {'Sentinel':^{width}}",
             f"{'fault':<32}{''.join(titles)} | {''.join(titles)}"]
    lines.append("-" * len(lines[-1]))
    for kind in kinds:
        lines.append(f"{kind:<32}{''.join(cells(rows['agent'].get(kind)))} | "
                     f"{''.join(cells(rows['sentinel'].get(kind)))}")
    lines.append("")
    for name, r in (("agent", agent), ("Sentinel", sentinel)):
        lines.append(f"{name}: seed {r['seed']}, {r['minutes']:g} min, {r['acknowledged']} "
                     f"acknowledged writes, {r['lost']} lost ({r['lost_unexcused']} outside a "
                     f"crash window), {r['lost_increments']} increments lost; problems: "
                     f"{'; '.join(r['problems']) or 'none'}")
    if agent["seed"] != sentinel["seed"]:
        lines.append(f"note: the seeds differ ({agent['seed']} and {sentinel['seed']}): "
                     "not the same faults")
    return "\n".join(lines)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    agent, sentinel = (json.loads(open(path).read()) for path in sys.argv[1:])
    print(side_by_side(agent, sentinel))
    # Sentinel's losses are what the comparison shows; the agent's fail the run.
    sys.exit(1 if agent["problems"] else 0)


if __name__ == "__main__":
    main()
