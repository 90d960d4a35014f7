"""Print the failover benchmark of several platforms side by side, from the JSON
that tests/bench/failover.py writes to $RVA_BENCH_JSON.
    side_by_side.py LEG=FILE...     e.g. debian12-redis=build/matrix/bench-debian12-redis.json
Rows are each table's systems and figures, columns the platforms; a platform
without a figure shows n/a. Nothing here passes or fails."""
import json
import sys

from figures import median_worst_ms

FIGURES = [("failover_outage", "failover outage"), ("failback_outage", "failback outage"),
           ("move", "VIP/master move")]


def lost(runs):
    if not runs:
        return "n/a"
    acked = sum(r["acked"] for r in runs)
    return f"{sum(r['lost_failover'] + r['lost_failback'] for r in runs)} of {acked}"


def main(args):
    legs = {}
    for arg in args:
        leg, _, path = arg.partition("=")
        with open(path) as f:
            legs[leg] = json.load(f)
    titles = list(dict.fromkeys(t for tables in legs.values() for t in tables))
    width = max(17, *(len(leg) for leg in legs))
    print("Failover benchmark by platform (ms: median worst; lost: acknowledged writes)")
    for title in titles:
        print(title.split(":")[0])
        print(f"  {'system, figure':<46}" + "".join(f"{leg:>{width + 2}}" for leg in legs))
        systems = list(dict.fromkeys(s for tables in legs.values() for s in tables.get(title, {})))
        for system in systems:
            per_leg = [tables.get(title, {}).get(system, []) for tables in legs.values()]
            for key, label in FIGURES:
                cells = [median_worst_ms(runs, key) if runs else "n/a" for runs in per_leg]
                print(f"  {system + ', ' + label:<46}" + "".join(f"{c:>{width + 2}}" for c in cells))
            print(f"  {system + ', lost writes':<46}"
                  + "".join(f"{lost(runs):>{width + 2}}" for runs in per_leg))
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
