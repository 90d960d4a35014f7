"""How the failover benchmark prints a figure, in its own table and side by side."""
import statistics


def median_worst_ms(runs, key):
    """'median worst' of runs[i][key] (seconds) in ms, 15 characters wide; runs
    without the figure (None) are left out."""
    values = [r[key] for r in runs if r[key] is not None]
    if not values:
        return "     n/a       "
    return f"{statistics.median(values) * 1000:7.0f} {max(values) * 1000:7.0f}"
