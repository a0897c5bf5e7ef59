"""The otter-grader export: the master notebook, what students get, and ``otter run`` on a
correct and an incorrect submission (locally, without Docker)."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import exercises
from autograder.config import load_course
from autograder.instructor.grade_cells import grade_cells
from autograder.instructor.otter import export_otter, master_notebook
from autograder.instructor.source_notebook import ReferenceModule

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "a1-activations"
BUGGY_SIGMOID = "def sigmoid(z):\n    return np.exp(z) / (1 + np.exp(z))\n"


@pytest.fixture(scope="module")
def course():
    return load_course(ROOT / "course.yml")


@pytest.fixture(scope="module")
def exported(course, tmp_path_factory):
    """The exported assignment (otter assign's own run of the tests is left to the tests
    below, which run the same grading on a correct submission)."""
    out = tmp_path_factory.mktemp("otter")
    return export_otter(course, course.assignment(ASSIGNMENT), out, run_tests=False)


def test_master_notebook_has_a_question_per_exercise_and_a_test_per_check(course):
    assignment = course.assignment(ASSIGNMENT)
    nb = master_notebook(course.path(assignment.notebook), assignment)
    raw = [c.source for c in nb.cells if c.cell_type == "raw"]
    assert raw[0].startswith("# ASSIGNMENT CONFIG\nname: a1-activations\n")
    assert [r for r in raw if r.startswith("# BEGIN QUESTION")] == [
        "# BEGIN QUESTION\nname: sigmoid", "# BEGIN QUESTION\nname: sigmoid_derivative"]
    tests = [c.source for c in nb.cells if "# BEGIN TEST CONFIG" in c.source]
    cells = grade_cells(assignment)
    assert len(tests) == len(cells)
    for source, cell in zip(tests, cells, strict=True):
        assert f"points: {cell.points}\nhidden: {str(cell.hidden).lower()}\n" in source
        hidden = ", hidden=True" if cell.hidden else ""
        assert f'grade_check("{cell.function}", "{cell.check}"{hidden}, namespace=env)' in source


@pytest.mark.slow
def test_students_get_no_reference_code_and_no_hidden_check(course, exported):
    dist = exported.parent.parent
    student_files = [p for p in (dist / "student").rglob("*") if p.is_file()]
    assert [p.name for p in student_files] == [f"{ASSIGNMENT}.ipynb"]
    text = student_files[0].read_text()
    original = (ROOT / "assignments" / f"{ASSIGNMENT}.ipynb").read_text()
    reference = inspect.getsource(exercises.references(ASSIGNMENT))
    secret = [line.strip() for line in reference.splitlines()
              if len(line.strip()) > 8 and line.strip() not in original]
    solved = "return np.where(z >= 0, 1 / (1 + e), e / (1 + e))"
    assert solved in secret and solved in (dist / "autograder" / f"{ASSIGNMENT}.ipynb").read_text()
    assert [line for line in secret if json.dumps(line)[1:-1] in text or line in text] == []
    assert "hidden=True" not in text and "hidden: true" not in text
    checks = grade_cells(course.assignment(ASSIGNMENT))
    only_hidden = {c.check for c in checks if c.hidden} - {c.check for c in checks
                                                           if not c.hidden}
    assert only_hidden and [name for name in only_hidden if name in text] == []
    # what students do get: the stubs as the assignment has them, and the public tests
    nb = nbformat.reads(text, as_version=4)
    assert sum("# YOUR CODE HERE\n    raise NotImplementedError()" in c.source
               for c in nb.cells) == 2
    assert set(nb.metadata.otter.tests) == {"sigmoid", "sigmoid_derivative"}
    assert all("hidden=True" not in test for test in nb.metadata.otter.tests.values())


def submission(exported: Path, folder: Path, *, buggy_sigmoid: bool) -> Path:
    """The student notebook with the references' bodies filled in (and sigmoid replaced by an
    overflowing one, if asked)."""
    nb = nbformat.read(exported.parent.parent / "student" / f"{ASSIGNMENT}.ipynb", as_version=4)
    module = ReferenceModule(inspect.getsource(exercises.references(ASSIGNMENT)),
                             set(exercises.spec(ASSIGNMENT).functions))
    for cell in nb.cells:
        functions = cell.metadata.get("course", {}).get("functions")
        if functions:
            cell.source = module.solve(cell.source, functions, folder)
            if buggy_sigmoid and functions == ["sigmoid"]:
                cell.source = BUGGY_SIGMOID
    path = folder / f"{ASSIGNMENT}.ipynb"
    folder.mkdir()
    nbformat.write(nb, path)
    return path


def otter_run(autograder_zip: Path, notebook: Path) -> dict[str, dict]:
    """``otter run`` on one notebook: results.json's tests by name."""
    run = subprocess.run([sys.executable, "-m", "otter", "run", "-a", str(autograder_zip),
                          "-o", str(notebook.parent), "--no-logo", str(notebook)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads((notebook.parent / "results.json").read_text())
    return {t["name"]: t for t in results["tests"]}


@pytest.mark.slow
def test_otter_run_gives_full_marks_to_a_correct_submission(exported, tmp_path):
    tests = otter_run(exported, submission(exported, tmp_path / "correct", buggy_sigmoid=False))
    assert (tests["sigmoid"]["score"], tests["sigmoid"]["max_score"]) == (5.0, 5.0)
    assert (tests["sigmoid_derivative"]["score"],
            tests["sigmoid_derivative"]["max_score"]) == (5.0, 5.0)
    assert tests["Public Tests"]["status"] == "passed"


@pytest.mark.slow
def test_otter_run_names_the_failing_checks_of_an_incorrect_submission(exported, tmp_path):
    tests = otter_run(exported, submission(exported, tmp_path / "buggy", buggy_sigmoid=True))
    # exp(z) / (1 + exp(z)) is nan at +inf (public known-values, 0.5) and at 1e4 (hidden
    # extreme-values, 1.0); the reference derivative keeps full marks
    assert (tests["sigmoid"]["score"], tests["sigmoid"]["max_score"]) == (3.5, 5.0)
    assert tests["sigmoid_derivative"]["score"] == 5.0
    assert tests["Public Tests"]["status"] == "failed"
    assert "FAIL  sigmoid / known-values" in tests["Public Tests"]["output"]
    assert "FAIL  sigmoid / extreme-values" in tests["sigmoid"]["output"]
