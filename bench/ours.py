"""Our grader, measured: a cold ``course grade`` process, warm per-submission latency with
one and with several grading processes, and the batch throughput of ``grade_all``.

Latency is timed inside each grading process around ``Grader.grade_file`` (the work one
submission costs a warm grader: its fork servers started, its checks loaded); throughput is
the wall time of the real batch path, ``autograder.instructor.batch.grade_all``, pool start
included.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from autograder.config import CourseConfig
from autograder.grading import Grader
from autograder.instructor.batch import grade_all, pin_to_own_core

from . import probes as probes_module

ROOT = Path(__file__).resolve().parent.parent


# Forks the command from a small process and times it there: a child forked from this
# (large) process would report this process's memory as its own peak (Linux keeps the
# larger ru_maxrss across exec).
LAUNCHER = """
import json, os, sys, time
out = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.dup2(out, 1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
print(json.dumps({"seconds": time.perf_counter() - started, "maxrss_kb": usage.ru_maxrss,
                  "exit": os.waitstatus_to_exitcode(status)}))
"""


def cold_grade(path: Path, assignment_id: str, runs: int, scratch: Path) -> dict:
    """``python -m autograder grade FILE -a ID --json`` in a new process: once on a machine
    that has graded nothing yet (no recorded inputs: hypothesis draws every input), then
    ``runs`` times more (replaying what the first run recorded, as any later run does). The
    wall times, and the peak RSS of the process and the children it waited for."""
    out, cache = scratch / "cold-grade.json", scratch / f"cold-cache-{assignment_id}"
    shutil.rmtree(cache, ignore_errors=True)
    seconds, peaks = [], []
    for _ in range(runs + 1):
        launched = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, str(out),
                                   sys.executable, "-m", "autograder", "grade", str(path),
                                   "-a", assignment_id, "--json"], cwd=ROOT,
                                  env=dict(os.environ, COURSE_CACHE_DIR=str(cache)),
                                  capture_output=True, text=True, check=True)
        timing = json.loads(launched.stdout)
        if timing["exit"] != 0:
            raise RuntimeError(f"course grade {path} exited with {timing['exit']}")
        seconds.append(timing["seconds"])
        peaks.append(timing["maxrss_kb"] / 1024)
    result = json.loads(out.read_text())
    return {"first_s": seconds[0], "runs_s": seconds[1:], "peak_rss_mb": max(peaks),
            "score": result["score"], "max_score": result["max_score"],
            "device": result["device"]}


_grader: Grader | None = None
_probes: probes_module.Probes | None = None


def _start_worker(course: CourseConfig, warmups: list[tuple[Path, str]], next_slot) -> None:
    """A warm grader on a core of its own, as ``grade_all`` runs them: each assignment's
    fork server started and its checks loaded by grading a file that defines nothing (so
    no check calls anything)."""
    global _grader, _probes
    pin_to_own_core(next_slot)
    _grader, _probes = Grader(course), probes_module.install()
    for path, assignment_id in warmups:
        _grader.grade_file(path, assignment_id)


def _timed_grade(name: str, path: Path, assignment_id: str) -> dict:
    """One submission graded by this process's warm grader, with what the probes saw."""
    _probes.reset()
    started = time.perf_counter()
    result = _grader.grade_file(path, assignment_id)
    seconds = time.perf_counter() - started
    return {"name": name, "assignment": assignment_id, "seconds": seconds,
            "score": result.score, "max_score": result.max_score,
            "device": result.device,
            "checks_s": sum(c.seconds for e in result.exercises for c in e.checks),
            "hidden": _probes.per_function(hidden=True), "pid": os.getpid(),
            "grader_hwm_mb": probes_module.vm_hwm_mb(),
            "fork_servers_hwm_mb": _probes.fork_servers_hwm_mb(),
            "worker_hwm_mb": max(_probes.worker_hwm_mb, default=None)}


def latencies(course: CourseConfig, items: list[tuple[str, Path, str]], workers: int,
              scratch: Path) -> list[dict]:
    """Grade ``(name, path, assignment)`` items on ``workers`` warm grading processes."""
    empty = scratch / "defines-nothing.py"
    empty.write_text("# defines nothing: grading it only warms the grader up\n")
    warmups = [(empty, a) for a in dict.fromkeys(item[2] for item in items)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(course, warmups, context.Value("i", 0))) as pool:
        futures = [pool.submit(_timed_grade, *item) for item in items]
        return [f.result() for f in futures]


def batch_throughput(course: CourseConfig, assignment_id: str, paths: dict[str, Path],
                     workers: int) -> dict:
    """``grade_all`` over ``paths`` with ``workers`` processes: wall time, submissions per
    second, and the steady rate between the first and the last result."""
    done_at = []
    started = time.perf_counter()
    results = grade_all(course, course.assignment(assignment_id), paths, workers=workers,
                        on_done=lambda student, result: done_at.append(time.perf_counter()))
    wall = time.perf_counter() - started
    steady = (len(done_at) - 1) / (done_at[-1] - done_at[0]) if len(done_at) > 1 else None
    return {"workers": workers, "submissions": len(paths), "wall_s": wall,
            "per_second": len(paths) / wall, "steady_per_second": steady,
            "scores": {s: r["score"] for s, r in results.items()}}


def grade_all_command(nbgrader_dir: Path, assignment_id: str, exchange: Path) -> dict:
    """``course grade ID --all`` on a course folder (gradebook writes included)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", assignment_id, "--all",
                           "--json", "--nbgrader-dir", str(nbgrader_dir), "--exchange",
                           str(exchange)], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"course grade --all failed: {done.stderr[-2000:]}")
    scores = {s: r["score"] for s, r in json.loads(done.stdout).items()}
    return {"wall_s": wall, "submissions": len(scores), "scores": scores}
