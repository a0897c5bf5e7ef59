"""Record our grader's results where nbgrader looks for them.

For each graded student this writes ``autograded/STUDENT/ID/``: the submitted notebook with
every grade cell restored from the source and showing its check's outcome as output, the
result JSON (``results.json``, which feedback and reports read), and nbgrader's timestamp
and secret; and it sets each grade cell's score in nbgrader's gradebook. ``nbgrader
export``, formgrader and ``nbgrader generate_feedback`` then work as after nbgrader's own
autograde. A partial regrade (some exercises) replaces only those exercises' scores.
"""

from __future__ import annotations

import copy
import json
import shutil
import warnings
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.utils import parse_utc
from sqlalchemy.exc import SAWarning

from ..config import AssignmentConfig
from .grade_cells import GradeCell, grade_cells
from .nbgrader_course import NbgraderCourse

RESULTS_FILE = "results.json"
NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")


def merge(previous: dict | None, regraded: dict, functions: list[str] | None) -> dict:
    """``regraded``'s exercises in place of ``previous``'s, totals recomputed."""
    if previous is None or not functions:
        return regraded
    fresh = {e["function"]: e for e in regraded["exercises"]}
    merged = copy.deepcopy(previous)
    merged["exercises"] = [fresh.get(e["function"], e) for e in previous["exercises"]]
    merged["errors"] = regraded["errors"]
    merged["score"] = round(sum(e["score"] for e in merged["exercises"]), 6)
    merged["max_score"] = round(sum(e["max_score"] for e in merged["exercises"]), 6)
    return merged


def check_outcomes(result: dict) -> dict[tuple[str, str], dict]:
    return {(e["function"], c["name"]): c for e in result["exercises"] for c in e["checks"]}


def load_results(nbcourse: NbgraderCourse, assignment_id: str) -> dict[str, dict]:
    """Every graded student's result JSON, by student id."""
    found = {}
    for path in sorted((nbcourse.root / "autograded").glob(f"*/{assignment_id}/{RESULTS_FILE}")):
        found[path.parent.parent.name] = json.loads(path.read_text())
    return found


def copy_nbgrader_files(source: Path, target: Path) -> None:
    """nbgrader's timestamp and submission secret, which follow a submission from folder to
    folder (release_feedback needs them beside the feedback)."""
    for name in NBGRADER_FILES:
        if (source / name).is_file():
            shutil.copy(source / name, target / name)


def record(nbcourse: NbgraderCourse, assignment: AssignmentConfig, student: str,
           submitted: Path, result: dict, functions: list[str] | None = None) -> dict:
    """Store one student's (re)graded result everywhere nbgrader reads it; the merged result."""
    folder = nbcourse.folder("autograded", assignment.id, student)
    folder.mkdir(parents=True, exist_ok=True)
    results_path = folder / RESULTS_FILE
    previous = json.loads(results_path.read_text()) if results_path.is_file() else None
    result = merge(previous, result, functions)
    results_path.write_text(json.dumps(result, indent=1))
    copy_nbgrader_files(submitted.parent, folder)
    cells = grade_cells(assignment)
    outcomes = check_outcomes(result)
    notebook_id = nbcourse.notebook_name(assignment.id)
    write_autograded_notebook(nbcourse, assignment.id, submitted, folder / f"{notebook_id}.ipynb",
                              cells, outcomes)
    timestamp = (submitted.parent / "timestamp.txt")
    with Gradebook(nbcourse.db_url, nbcourse.course_id) as gradebook, \
            warnings.catch_warnings():
        # nbgrader's add_submission trips SQLAlchemy's autoflush warnings; they are harmless
        warnings.simplefilter("ignore", SAWarning)
        gradebook.update_or_create_student(student)
        extra = {"timestamp": parse_utc(timestamp.read_text().strip())} \
            if timestamp.is_file() else {}
        gradebook.update_or_create_submission(assignment.id, student, **extra)
        for cell in cells:
            if functions and cell.function not in functions:
                continue
            grade = gradebook.find_grade(cell.grade_id, notebook_id, assignment.id, student)
            outcome = outcomes.get((cell.function, cell.check))
            grade.auto_score = outcome["points"] if outcome else 0.0
            grade.needs_manual_grade = False
        gradebook.db.commit()
    return result


def write_autograded_notebook(nbcourse: NbgraderCourse, assignment_id: str, submitted: Path,
                              target: Path, cells: list[GradeCell],
                              outcomes: dict[tuple[str, str], dict]) -> None:
    """The submission with each grade cell as in the source, its check's outcome as output.

    A notebook that cannot be read is replaced by the source's grade cells alone, so the
    instructor still sees every check's outcome.
    """
    source = nbformat.read(nbcourse.folder("source", assignment_id)
                           / f"{nbcourse.notebook_name(assignment_id)}.ipynb", as_version=4)
    by_id = {c.metadata["nbgrader"]["grade_id"]: c for c in source.cells
             if c.metadata.get("nbgrader", {}).get("grade")}
    try:
        notebook = nbformat.read(submitted, as_version=4)
    except Exception:  # any unreadable notebook: the grade cells alone still show the outcome
        notebook = nbformat.v4.new_notebook(metadata=source.metadata)
    present = set()
    for i, cell in enumerate(notebook.cells):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in by_id:
            notebook.cells[i] = copy.deepcopy(by_id[grade_id])
            present.add(grade_id)
    notebook.cells.extend(copy.deepcopy(by_id[g]) for g in by_id if g not in present)
    checks = {c.grade_id: c for c in cells}
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in checks:
            check = checks[grade_id]
            cell.outputs = [check_output(check, outcomes.get((check.function, check.check)))]
    nbformat.write(notebook, target)


def check_output(cell: GradeCell, outcome: dict | None):
    """A grade cell's output: what running the check in the kernel would have shown."""
    name = f"{cell.function} / {cell.check}"
    if outcome is None:
        return nbformat.v4.new_output("error", ename="NotGraded", evalue=f"{name}: not graded",
                                      traceback=[f"{name} was not graded"])
    if outcome["passed"]:
        return nbformat.v4.new_output("stream", name="stdout", text=f"PASS  {name}\n")
    lines = outcome["message"].splitlines() or ["failed"]
    what = next((line for line in lines if not line.startswith("Rule:")), lines[0])
    return nbformat.v4.new_output("error", ename="AssertionError", evalue=f"{name}: {what}",
                                  traceback=[f"FAIL  {name}", *lines])
