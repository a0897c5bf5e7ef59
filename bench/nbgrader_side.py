"""nbgrader's own ``autograde`` on the benchmark's submissions, timed per submission.

The course folder is built by our ``course build`` code and released with nbgrader's
``generate_assignment``, so the hidden checks are nbgrader test cells (each calls one of
our checks in nbgrader's kernel); submissions go where ``nbgrader collect`` puts them.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from autograder.config import CourseConfig
from autograder.instructor.nbgrader_course import NbgraderCourse

from .notebooks import write_filled
from .submissions import BenchSubmission

# nbgrader logs "SubmittedAssignment<ID for STUDENT>" as it starts on a submission; the log
# format adds the time
LOG_FORMAT = "%(created)f %(message)s"
AUTOGRADING = re.compile(r"^(\d+\.\d+) SubmittedAssignment<\S+ for ([^>]+)>", re.MULTILINE)


def course_folder(course: CourseConfig, root: Path) -> NbgraderCourse:
    root = root.resolve()
    return NbgraderCourse(root=root, course_id=course.nbgrader.course_id,
                          exchange=root.parent / "exchange",
                          db_url=f"sqlite:///{root / 'gradebook.db'}")


def release(nbcourse: NbgraderCourse, course: CourseConfig, assignment_id: str) -> Path:
    """Build the source notebook and run nbgrader generate_assignment; the released notebook."""
    nbcourse.build(course, course.assignment(assignment_id))
    nbcourse.run("generate_assignment", assignment_id, "--force")
    return nbcourse.folder("release", assignment_id) / f"{assignment_id}.ipynb"


def place(nbcourse: NbgraderCourse, released: Path, subs: list[BenchSubmission]
          ) -> dict[str, Path]:
    """Each submission as a collected one: ``submitted/NAME/ID/ID.ipynb``."""
    paths = {}
    for sub in subs:
        folder = nbcourse.folder("submitted", sub.assignment, sub.name)
        paths[sub.name] = write_filled(released, sub.source, folder / released.name)
        (folder / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC\n")
    return paths


def copy_folder(nbcourse: NbgraderCourse, root: Path) -> NbgraderCourse:
    """A copy of the course folder, so that two graders do not write over each other."""
    shutil.copytree(nbcourse.root, root)
    return NbgraderCourse(root=root.resolve(), course_id=nbcourse.course_id,
                          exchange=nbcourse.exchange, db_url=f"sqlite:///{root / 'gradebook.db'}")


def autograde(nbcourse: NbgraderCourse, assignment_id: str, students: list[str] | None = None
              ) -> dict:
    """``nbgrader autograde`` once over every student (or only ``students``, one after
    another in one run): the wall time and each submission's time from nbgrader's log."""
    args = ["autograde", assignment_id, "--force", f"--Application.log_format={LOG_FORMAT}"]
    if students:
        args.append("--CourseDirectory.student_id=" + (
            students[0] if len(students) == 1 else "[" + ",".join(students) + "]"))
    started = time.time()
    log = nbcourse.run(*args)
    finished = time.time()
    starts = [(float(t), student) for t, student in AUTOGRADING.findall(log)]
    ends = [t for t, _ in starts[1:]] + [finished]
    per_submission = {student: end - t for (t, student), end in zip(starts, ends, strict=True)}
    return {"wall_s": finished - started, "per_submission_s": per_submission,
            "startup_s": starts[0][0] - started if starts else None}


def outcomes(nbcourse: NbgraderCourse, assignment_id: str, student: str) -> dict:
    """What nbgrader recorded for one student: the score, and the hidden test cells it ran
    per function (cells named FUNCTION-hidden-N that have an execution count)."""
    notebook = nbcourse.folder("autograded", assignment_id, student) / f"{assignment_id}.ipynb"
    ran: dict[str, int] = {}
    for cell in nbformat.read(notebook, as_version=4).cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if "-hidden-" in grade_id and cell.get("execution_count") is not None:
            function = grade_id.split("-hidden-")[0]
            ran[function] = ran.get(function, 0) + 1
    with Gradebook(nbcourse.db_url, nbcourse.course_id) as gradebook:
        score = gradebook.find_submission(assignment_id, student).score
    return {"score": score, "hidden_cells_run": ran}
