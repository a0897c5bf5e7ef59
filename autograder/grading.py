"""Grade one submission: read it, load it into a sandboxed worker, run the checks.

The score is decided here, in the grader's process, from decoded values only.
"""

from __future__ import annotations

import gc
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from . import exercises
from .checks.model import Check, CheckFailure
from .checks.recordings import recordings_for
from .checks.trial import Abort, Trial
from .config import AssignmentConfig, CourseConfig, ExerciseConfig, GradingConfig
from .placement import DEVICE_NAMES, sandbox_for
from .results import CheckResult, ExerciseResult, GradeResult
from .sandbox.process import StudentCrash, StudentProcess
from .submission import Submission, SubmissionError, read_submission

MAX_TIMEOUTS = 2  # after this many timed-out checks, a function's other checks are not run

class Grader:
    """Grades submissions of one course; the fork servers stay warm between submissions."""

    def __init__(self, course: CourseConfig):
        self.course = course
        self._loaded: set[str] = set()

    def grade_file(self, path: Path, assignment_id: str | None = None, *,
                   hidden: bool = True, progress: Callable | None = None) -> GradeResult:
        submission = read_submission(path, max_bytes=int(
            self.course.grading.max_submission_mb * 1e6))
        assignment_id = assignment_id or submission.assignment
        if assignment_id is None:
            raise SubmissionError(f"{path}: cannot tell which assignment this is; pass "
                                  "--assignment ID (needed for .py files)")
        return self.grade(submission, self.course.assignment(assignment_id), hidden=hidden,
                          progress=progress)

    def start(self, assignment: AssignmentConfig, *, hidden: bool = True):
        """Start the assignment's fork server (in the background) and load its checks and
        references meanwhile; returns the server and the device mode."""
        server, mode = sandbox_for(self.course.grading, assignment.id)
        assignment_checks(assignment.id, hidden=hidden)
        if assignment.id not in self._loaded:
            self._loaded.add(assignment.id)
            settle_loaded_objects()
        return server, mode

    def warm_up(self, assignment: AssignmentConfig) -> None:
        """Be ready to grade ``assignment``: its first submission then costs what the
        others do (batch workers call it before taking work)."""
        server, _ = self.start(assignment)
        server.wait_ready()

    def grade(self, submission: Submission, assignment: AssignmentConfig, *,
              hidden: bool = True, progress: Callable | None = None) -> GradeResult:
        started = time.monotonic()
        settings = self.course.grading
        server, mode = self.start(assignment, hidden=hidden)
        result = GradeResult(assignment.id, 0.0, 0.0, errors=list(submission.problems),
                             device=DEVICE_NAMES[mode])
        process = StudentProcess(server,
                                 [c.as_wire() for c in submission.cells],
                                 [e.function for e in assignment.exercises],
                                 load_timeout=settings.load_timeout)
        try:
            try:
                report = process.start()
            except StudentCrash as crash:
                result.errors.append(f"running the submission's cells failed: {crash}")
                report = None
            result.sandbox = report.sandbox if report else []
            run_exercises(process, report, assignment, settings, result, hidden=hidden,
                          mode=mode, deadline=started + settings.submission_timeout,
                          progress=progress)
        finally:
            process.close()
        result.seconds = time.monotonic() - started
        return result

    def ungradable(self, assignment: AssignmentConfig, reason: str) -> GradeResult:
        """The result of a submission that could not be read: every check failed, the
        reason recorded, so it still appears in gradebooks and reports."""
        result = GradeResult(assignment.id, 0.0, 0.0, errors=[reason], device="none")
        run_exercises(None, None, assignment, self.course.grading, result, hidden=True,
                      mode="cpu", deadline=float("inf"))
        return result


def run_exercises(process, report, assignment: AssignmentConfig, settings: GradingConfig,
                  result: GradeResult, *, hidden: bool, mode: str, deadline: float,
                  progress: Callable | None = None, only: str | None = None) -> None:
    """Run every check of every exercise against ``process`` and fill in ``result``
    (``only``: just the check of that name)."""
    spec = exercises.spec(assignment.id)
    checks, references = assignment_checks(assignment.id, hidden=hidden)
    recordings = (recordings_for(assignment.id, exercises.package_name(assignment.id))
                  if settings.replay_inputs else None)
    if report is not None:
        for err in report.errors:
            result.errors.append(f"{err['cell']}: {err['type']}: {err['message']}")
    for exercise in assignment.exercises:
        missing = missing_reason(report, exercise.function, spec, result)
        ex_result = ExerciseResult(exercise.function, 0.0, 0.0)
        timeouts = 0
        for check, max_points in weighted_checks(exercise, checks):
            if (check.hidden and not hidden) or only not in (None, check.name):
                continue
            seed = zlib.crc32(f"{settings.seed}:{assignment.id}:{check.id}".encode())
            reason = missing
            if reason is None and time.monotonic() > deadline:
                reason = "not run: the submission's time limit was reached"
            if reason is None and timeouts >= MAX_TIMEOUTS:
                reason = (f"not run: {exercise.function} ran out of time in {timeouts} "
                          "earlier checks")
            if reason:
                outcome = CheckResult(check.name, check.hidden, False, 0.0, max_points, reason,
                                      check.rule, seed=seed)
            else:
                trial = Trial(process, function=exercise.function,
                              references=references if check.hidden else None,
                              mode=mode, seed=seed,
                              deadline=min(deadline, time.monotonic() + settings.check_timeout),
                              max_examples=settings.max_examples,
                              call_timeout=settings.call_timeout, recordings=recordings,
                              check_id=check.id)
                outcome = run_check(check, trial, max_points, seed)
                timeouts += trial.timed_out
            if progress:
                progress(check, outcome)
            ex_result.checks.append(outcome)
        ex_result.max_score = sum(c.max_points for c in ex_result.checks)
        ex_result.score = sum(c.points for c in ex_result.checks)
        result.exercises.append(ex_result)
    result.score = sum(e.score for e in result.exercises)
    result.max_score = sum(e.max_score for e in result.exercises)


def settle_loaded_objects() -> None:
    """Take what is loaded so far (libraries, checks, references, which live as long as the
    process) out of the garbage collector's full passes. Those passes walk every tracked
    object, and hypothesis's shrinking allocates enough to start one every few
    submissions: frozen, the loaded objects cut the collector's time on the a1 set by
    about half (0.89 s to 0.39-0.50 s over two passes of its 16 submissions)."""
    gc.freeze()


def assignment_checks(assignment_id: str, *, hidden: bool) -> tuple[list[Check], object]:
    """The assignment's checks (the hidden ones too where installed) and, with ``hidden``,
    its references; an instructor's install must have both."""
    checks = exercises.public_checks(assignment_id).checks
    try:
        checks = checks + exercises.hidden_checks(assignment_id).checks
    except ImportError:
        if hidden:
            raise
    return checks, exercises.references(assignment_id) if hidden else None


def weighted_checks(exercise: ExerciseConfig, checks: list[Check]) -> list[tuple[Check, float]]:
    """The exercise's checks with their points: its points split by the checks' weights."""
    family = [c for c in checks if c.function == exercise.function]
    total_weight = sum(c.weight for c in family) or 1.0
    return [(c, exercise.points * c.weight / total_weight) for c in family]


def missing_reason(report, function: str, spec, result: GradeResult) -> str | None:
    """Why ``function`` cannot be checked at all, or None; notes signature mismatches."""
    if report is None:
        return "not graded: the submission's code could not be run"
    info = report.functions.get(function, {})
    if not info.get("defined"):
        return f"{function} is not defined in the submission"
    if not info.get("callable"):
        return f"{function} is defined, but as {info.get('type')}, not a function"
    names = [p[0] for p in info.get("parameters") or []]
    if info.get("parameters") is not None and names != spec.parameters(function):
        result.errors.append(f"{function}{info['signature']} does not have the contract's "
                             f"signature {function}{spec.functions[function]}")
    return None


def run_check(check: Check, trial: Trial, max_points: float, seed: int) -> CheckResult:
    started = time.monotonic()
    try:
        check.run(trial)
    except Abort as abort:
        failure = abort.failure
    except CheckFailure as exc:
        failure = exc
    except Exception as exc:
        failure = CheckFailure(f"the result could not be checked ({type(exc).__name__}: "
                               f"{exc})", counterexample=trial.last_call or None)
    else:
        return CheckResult(check.name, check.hidden, True, max_points, max_points, "passed",
                           check.rule, seed=seed, seconds=time.monotonic() - started)
    return CheckResult(check.name, check.hidden, False, 0.0, max_points,
                       f"Rule: {check.rule}\n{failure.full_message()}", check.rule,
                       counterexample=failure.counterexample, expected=failure.expected,
                       received=failure.received, seed=seed,
                       seconds=time.monotonic() - started)
