"""Which nbgrader grade cell records which check: one cell per check, with its points.

Public checks keep their names (``sigmoid-known-values``); hidden ones are numbered
(``sigmoid-hidden-2``), so that nothing a student receives names what they test.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import exercises
from ..config import AssignmentConfig
from ..grading import weighted_checks


@dataclass(frozen=True)
class GradeCell:
    grade_id: str
    function: str
    check: str
    hidden: bool
    points: float

    @property
    def call(self) -> str:
        """The test cell's code: run this one check in the kernel."""
        hidden = ", hidden=True" if self.hidden else ""
        return f'grade_check("{self.function}", "{self.check}"{hidden})'


def grade_cells(assignment: AssignmentConfig) -> list[GradeCell]:
    """Every check of the assignment as a grade cell, exercise by exercise, public first.

    Points are split as the grader splits them: an exercise's points in proportion to its
    checks' weights, so the gradebook's total equals ``course grade``'s score.
    """
    checks = (exercises.public_checks(assignment.id).checks
              + exercises.hidden_checks(assignment.id).checks)
    cells = []
    for exercise in assignment.exercises:
        number = 0
        for check, points in weighted_checks(exercise, checks):
            points = round(points, 6)
            if check.hidden:
                number += 1
                grade_id = f"{check.function}-hidden-{number}"
            else:
                grade_id = f"{check.function}-{check.name}"
            cells.append(GradeCell(grade_id, check.function, check.name, check.hidden, points))
    return cells
