"""``GET /metrics`` in the Prometheus text format, read from the store at scrape time so
the numbers survive restarts and cover every worker."""

from __future__ import annotations

from collections import Counter

from .store import Store

DURATION_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600)


class RequestCounters:
    """Refused requests by reason, counted in the server process."""

    def __init__(self):
        self.refused: Counter[str] = Counter()

    def refuse(self, reason: str) -> None:
        self.refused[reason] += 1


def render_metrics(store: Store, counters: RequestCounters, workers_alive: int | None) -> str:
    jobs = store.job_counts()
    buckets, count, total = store.grading_seconds(DURATION_BUCKETS)
    lines = [
        "# HELP grader_queue_depth Submissions waiting to be graded.",
        "# TYPE grader_queue_depth gauge",
        f"grader_queue_depth {jobs['queued']}",
        "# HELP grader_jobs_running Submissions being graded now.",
        "# TYPE grader_jobs_running gauge",
        f"grader_jobs_running {jobs['running']}",
        "# HELP grader_results_total Graded submissions by status.",
        "# TYPE grader_results_total counter",
        f'grader_results_total{{status="done"}} {jobs["done"]}',
        f'grader_results_total{{status="error"}} {jobs["error"]}',
        "# HELP grader_grading_seconds Time to grade one submission.",
        "# TYPE grader_grading_seconds histogram",
    ]
    lines += [f'grader_grading_seconds_bucket{{le="{bound}"}} {n}'
              for bound, n in zip(DURATION_BUCKETS, buckets, strict=True)]
    lines += [f'grader_grading_seconds_bucket{{le="+Inf"}} {count}',
              f"grader_grading_seconds_sum {total:.6f}",
              f"grader_grading_seconds_count {count}",
              "# HELP grader_refused_requests_total Requests refused, by reason.",
              "# TYPE grader_refused_requests_total counter"]
    lines += [f'grader_refused_requests_total{{reason="{reason}"}} {n}'
              for reason, n in sorted(counters.refused.items())]
    if workers_alive is not None:
        lines += ["# HELP grader_local_workers Local worker processes alive.",
                  "# TYPE grader_local_workers gauge", f"grader_local_workers {workers_alive}"]
    return "\n".join(lines) + "\n"
