"""The sandbox's own cost per submission: the same checks on the same submission, once
through the sandboxed worker (``Grader``) and once on the functions loaded into this very
process (``InProcess``, as ``autograder.notebook`` runs public checks in a kernel).

The difference of the two times is what the sandbox adds: the fork, loading the cells in
the worker, and every call and value crossing the socket. Both run in a fresh grading
process, alternately, after one warm-up of each, so neither pays for imports or a cold
fork server. Only submissions that get the same score both ways are compared.
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from autograder import exercises
from autograder.config import CourseConfig
from autograder.grading import Grader, run_exercises
from autograder.instructor.batch import pin_to_own_core
from autograder.placement import DEVICE_NAMES, resolve_device
from autograder.results import GradeResult
from autograder.sandbox.inprocess import InProcess
from autograder.submission import read_submission


def grade_in_process(course: CourseConfig, path: Path, assignment_id: str) -> GradeResult:
    """Public and hidden checks on the submission's functions defined in this process."""
    assignment = course.assignment(assignment_id)
    settings = course.grading
    mode = resolve_device(settings.device, exercises.spec(assignment_id).uses_torch)
    namespace: dict = {"__name__": "__submission__"}
    for cell in read_submission(path).cells:
        exec(compile(cell.source, cell.name, "exec"), namespace)  # our own generated code
    process = InProcess(namespace, [e.function for e in assignment.exercises], mode)
    result = GradeResult(assignment_id, 0.0, 0.0, device=DEVICE_NAMES[mode])
    run_exercises(process, process.report, assignment, settings, result, hidden=True,
                  mode=mode, deadline=time.monotonic() + settings.submission_timeout)
    return result


def _pairs(course: CourseConfig, path: Path, assignment_id: str, repeats: int) -> dict:
    grader = Grader(course)
    grader.grade_file(path, assignment_id)
    grade_in_process(course, path, assignment_id)
    sandboxed, in_process, scores = [], [], set()  # (how, score) pairs
    for _ in range(repeats):
        started = time.perf_counter()
        scores.add(("sandboxed", grader.grade_file(path, assignment_id).score))
        sandboxed.append(time.perf_counter() - started)
        started = time.perf_counter()
        scores.add(("in-process", grade_in_process(course, path, assignment_id).score))
        in_process.append(time.perf_counter() - started)
    same = len({score for _, score in scores}) == 1
    return {"sandboxed_s": sandboxed, "in_process_s": in_process, "same_score": same,
            "scores": sorted(scores),
            "overhead_s": statistics.median(sandboxed) - statistics.median(in_process)
            if same else None}


def overhead(course: CourseConfig, path: Path, assignment_id: str, repeats: int) -> dict:
    """Sandboxed minus in-process grading time of one submission (medians of ``repeats``),
    measured in a fresh process so that in-process student code cannot touch the bench,
    on a core of its own as ``grade_all``'s workers run."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=pin_to_own_core,
                             initargs=(context.Value("i", 0),)) as pool:
        return pool.submit(_pairs, course, path, assignment_id, repeats).result()
