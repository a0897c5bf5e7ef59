"""Public checks inside a student's Jupyter kernel: ``run_checks(sigmoid)``.

The functions are called in the kernel itself (it is the student's own machine and
code); the report is a table in Jupyter and plain text in a terminal.
"""

from __future__ import annotations

import sys
import time

from . import exercises
from .config import AssignmentConfig, ExerciseConfig, GradingConfig
from .grading import run_exercises
from .placement import DEVICE_NAMES, resolve_device
from .results import GradeResult
from .sandbox.inprocess import InProcess


class Report:
    """The public checks' result: rendered as HTML in Jupyter, as text elsewhere."""

    def __init__(self, result: GradeResult):
        self.result = result

    @property
    def passed(self) -> bool:
        return all(c.passed for e in self.result.exercises for c in e.checks)

    def _repr_html_(self) -> str:
        from .report import render_html

        return render_html(self.result)

    def __str__(self) -> str:
        lines = []
        for exercise in self.result.exercises:
            for check in exercise.checks:
                mark = "PASS" if check.passed else "FAIL"
                lines.append(f"{mark}  {exercise.function} / {check.name}")
                if not check.passed:
                    lines.extend("      " + line for line in check.message.splitlines())
        lines.extend(f"NOTE  {e}" for e in self.result.errors)
        passed = sum(c.passed for e in self.result.exercises for c in e.checks)
        total = sum(len(e.checks) for e in self.result.exercises)
        kind = "hidden" if any(c.hidden for e in self.result.exercises for c in e.checks) \
            else "public"
        lines.append(f"{passed} of {total} {kind} checks passed")
        return "\n".join(lines)

    __repr__ = __str__


def run_checks(*functions, namespace: dict | None = None) -> Report:
    """Run the public checks of ``functions`` (default: every contract function defined in
    the caller's namespace) on the caller's own definitions."""
    namespace = namespace if namespace is not None else sys._getframe(1).f_globals
    names = [f if isinstance(f, str) else f.__name__ for f in functions]
    if not names:
        names = [n for a in exercises.ASSIGNMENT_IDS for n in exercises.spec(a).functions
                 if callable(namespace.get(n))]
    return Report(check_in_kernel(names, namespace))


def grade_check(function: str, check: str, *, hidden: bool = False,
                namespace: dict | None = None) -> None:
    """Run one check of ``function`` on the caller's definition; print the result, or raise
    AssertionError when it fails. It is an nbgrader test cell, which must show no value
    (nbgrader would read one as partial credit); hidden checks need the references."""
    namespace = namespace if namespace is not None else sys._getframe(1).f_globals
    report = Report(check_in_kernel([function], namespace, hidden=hidden, only=check))
    ran = [c for e in report.result.exercises for c in e.checks]
    if not ran:
        raise ValueError(f"{function} has no {'hidden' if hidden else 'public'} check "
                         f"named {check!r}")
    if not report.passed:
        raise AssertionError(str(report))
    print(report)


def check_in_kernel(names: list[str], namespace: dict, *, hidden: bool = False,
                    only: str | None = None) -> GradeResult:
    """Run the checks of ``names`` (functions of one assignment) in this process."""
    assignment_ids = {exercises.assignment_of_function(n) for n in names}
    if not names or None in assignment_ids or len(assignment_ids) != 1:
        raise ValueError(f"the checks need functions of one assignment, got {names}")
    assignment_id = assignment_ids.pop()
    spec = exercises.spec(assignment_id)
    assignment = AssignmentConfig(
        id=assignment_id, title=assignment_id, notebook="",
        exercises=[ExerciseConfig(function=n, points=1.0) for n in names])
    settings = GradingConfig()
    mode = resolve_device(settings.device, spec.uses_torch)
    process = InProcess(namespace, names, mode)
    result = GradeResult(assignment_id, 0.0, 0.0, device=DEVICE_NAMES[mode])
    run_exercises(process, process.report, assignment, settings, result, hidden=hidden,
                  mode=mode, deadline=time.monotonic() + settings.submission_timeout,
                  only=only)
    return result
