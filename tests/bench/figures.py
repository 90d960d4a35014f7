"""What the lab benchmarks share: the write outage read from the client's report, and
how a figure is printed, in its own table and side by side."""
import statistics


def median_worst_ms(runs, key):
    """'median worst' of runs[i][key] (seconds) in ms, 15 characters wide; runs
    without the figure (None) are left out."""
    values = [r[key] for r in runs if r[key] is not None]
    if not values:
        return "     n/a       "
    return f"{statistics.median(values) * 1000:7.0f} {max(values) * 1000:7.0f}"


def gap_in(report, start_wall, end_wall):
    """Longest gap between acknowledged writes that overlaps [start_wall, end_wall]."""
    gaps = [e - s for s, e in report["gaps"] if e >= start_wall and s <= end_wall]
    return max(gaps, default=0.0)
