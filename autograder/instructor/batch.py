"""Grade many submissions at once: a warm grader in each worker process, on every core.

Each worker process keeps one ``Grader`` (and so its warm fork servers) for all the
submissions it is given; the student code itself still runs in the grader's sandbox.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from ..config import AssignmentConfig, CourseConfig
from ..grading import Grader
from ..submission import SubmissionError, read_submission

_grader: Grader | None = None  # the worker process's own grader


def _start_worker(course: CourseConfig, assignment: AssignmentConfig, next_slot) -> None:
    global _grader
    if next_slot is not None:
        pin_to_own_core(next_slot)
    _grader = Grader(course)
    _grader.warm_up(assignment)


def pin_to_own_core(next_slot) -> None:
    """Keep this worker, and every process it starts, on one core of its own. A grader and
    its student's process take turns (each waits for the other's answer), so one pair keeps
    one core busy; pinned, their turns hand over on a warm core and never wait behind
    another worker's pair. A lone worker gains too: on a 2-core virtual machine, waking the
    other (idle) core for each turn cost it about 10% of its speed."""
    with next_slot.get_lock():
        index = next_slot.value
        next_slot.value += 1
    cores = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cores[index % len(cores)]})


def _grade(student: str, path: Path, assignment: AssignmentConfig) -> tuple[str, dict]:
    """One submission's result JSON; an unreadable file or a grader fault still gives one."""
    grader = _grader
    try:
        submission = read_submission(path, max_bytes=int(
            grader.course.grading.max_submission_mb * 1e6))
        result = grader.grade(submission, assignment)
    except SubmissionError as exc:
        result = grader.ungradable(assignment, str(exc))
    except Exception as exc:  # a fault of ours must not lose the other students' grades
        result = grader.ungradable(assignment, f"the grader failed on this submission "
                                               f"({type(exc).__name__}: {exc})")
    return student, result.to_json()


def only_functions(assignment: AssignmentConfig, functions: list[str] | None
                   ) -> AssignmentConfig:
    """The assignment restricted to some of its exercises (a partial regrade)."""
    if not functions:
        return assignment
    unknown = set(functions) - {e.function for e in assignment.exercises}
    if unknown:
        raise ValueError(f"{assignment.id} has no exercise {', '.join(sorted(unknown))}")
    return assignment.model_copy(update={"exercises": [
        e for e in assignment.exercises if e.function in functions]})


def grade_all(course: CourseConfig, assignment: AssignmentConfig,
              submissions: dict[str, Path], *, workers: int | None = None,
              on_done: Callable[[str, dict], None] | None = None) -> dict[str, dict]:
    """Grade every ``student -> notebook`` with ``workers`` processes (default: all cores)."""
    workers = max(1, min(workers or course.nbgrader.workers or os.cpu_count() or 1,
                         len(submissions)))
    results = {}
    context = multiprocessing.get_context("spawn")
    pinned = workers <= len(os.sched_getaffinity(0))
    next_slot = context.Value("i", 0) if pinned else None
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(course, assignment, next_slot)) as pool:
        futures = [pool.submit(_grade, student, path, assignment)
                   for student, path in submissions.items()]
        for future in as_completed(futures):
            student, result = future.result()
            results[student] = result
            if on_done:
                on_done(student, result)
    return dict(sorted(results.items()))
