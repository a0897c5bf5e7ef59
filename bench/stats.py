"""Summaries of timings: median, p95 (nearest rank), min, max, count; repeated runs of one
measurement merged into one."""

from __future__ import annotations

import math
import statistics


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {"n": len(values), "median": statistics.median(values),
            "p95": percentile(values, 95), "min": min(values), "max": max(values)}


def merged_runs(runs: list[dict]) -> dict:
    """Repeated runs of one measurement as one: each number (and each number of a dict of
    numbers) averaged, other fields from the first run, and every run's wall time."""
    def merge(values):
        first = values[0]
        if all(v == first for v in values) or first is None:
            return first
        if isinstance(first, (int, float)) and not isinstance(first, bool):
            return statistics.fmean(values)
        if isinstance(first, dict) and all(isinstance(v, dict) and v.keys() == first.keys()
                                           for v in values):
            return {k: merge([v[k] for v in values]) for k in first}
        return first

    merged = {key: merge([run.get(key) for run in runs]) for key in runs[0]}
    merged["runs_wall_s"] = [run["wall_s"] for run in runs]
    return merged
