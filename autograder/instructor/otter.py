"""The same assignment as an otter-grader assignment, for ``otter run`` and Gradescope.

``export_otter`` writes an otter "master notebook" (otter assign's format) from the assignment
notebook and the references, then runs ``otter assign`` on it. Each graded function is one
question: its stub is filled with the reference between otter's solution delimiters (with a
prompt that gives students back the original stub), and each of its checks is one
exception-based otter test that calls ``grade_check``: public checks as public tests, hidden
checks as otter's hidden tests, with the points of the nbgrader grade cells.

Otter runs the tests in the student's kernel: the machine that grades must have this package
installed (with ``solutions/``, for the hidden checks), and there the student's code could reach
the references. ``course grade`` keeps the two apart in its sandbox; otter cannot.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

from .. import exercises
from ..config import AssignmentConfig, CourseConfig
from .grade_cells import GradeCell, grade_cells
from .source_notebook import BuildError, ReferenceModule

REQUIREMENTS_NOTE = """\
# The Gradescope image must pip-install this project (the course autograder, with solutions/),
# for example from its git repository:
#   course-autograder @ git+https://example.org/your/course.git
# Put that line here (uncommented) and export again; otter generate adds otter-grader itself.
"""


def export_otter(course: CourseConfig, assignment: AssignmentConfig, out_dir: Path, *,
                 requirement: str | None = None, run_tests: bool = True) -> Path:
    """Write the master notebook into ``out_dir``, run ``otter assign`` into ``out_dir/dist``,
    and return the autograder zip (``dist/autograder/``; students get ``dist/student/``).

    ``requirement`` is the pip requirement that installs this project on Gradescope; without
    it the requirements file only says what to put there. ``run_tests`` has otter assign grade
    the solved notebook with the zip and fail unless it gets full marks.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    requirements = out_dir / "requirements.txt"
    requirements.write_text(REQUIREMENTS_NOTE + (f"{requirement}\n" if requirement else ""))
    master = out_dir / f"{assignment.id}.ipynb"
    nbformat.write(master_notebook(course.path(assignment.notebook), assignment), master)
    dist = out_dir / "dist"
    command = [sys.executable, "-m", "otter", "assign", "--no-pdfs", str(master), str(dist)]
    if not run_tests:
        command.insert(-2, "--no-run-tests")
    run = subprocess.run(command, cwd=out_dir, capture_output=True, text=True)
    if run.returncode != 0:
        raise OtterError(f"otter assign failed ({run.returncode}):\n{run.stdout}{run.stderr}")
    zips = sorted((dist / "autograder").glob(f"{assignment.id}-autograder_*.zip"))
    if not zips:
        raise OtterError(f"otter assign wrote no autograder zip:\n{run.stdout}{run.stderr}")
    return zips[-1]


class OtterError(RuntimeError):
    """``otter assign`` failed; the message holds its output."""


def master_notebook(notebook: Path, assignment: AssignmentConfig):
    """The otter master notebook of ``assignment`` (an nbformat node).

    A question spans a graded function's solution cell and the public-checks cell under it;
    its tests follow. Solution cells of functions the course does not grade are filled too
    (otter strips solutions from every cell), so the autograder notebook runs whole.
    """
    nb = nbformat.read(notebook, as_version=4)
    module = ReferenceModule(inspect.getsource(exercises.references(assignment.id)),
                             set(exercises.spec(assignment.id).functions))
    graded = [e.function for e in assignment.exercises]
    tests: dict[str, list[GradeCell]] = {f: [] for f in graded}
    for check in grade_cells(assignment):
        tests[check.function].append(check)
    cells = [raw(assignment_config(assignment))]
    question = None
    for cell in nb.cells:
        course = cell.metadata.get("course", {})
        if question and (course.get("role"), course.get("function")) != ("checks", question):
            cells += question_end(tests[question])
            question = None
        if course.get("role") == "solution":
            functions = course["functions"]
            cell.source = module.solve(cell.source, functions, notebook, region=otter_region)
            asked = [f for f in functions if f in tests]
            if len(asked) > 1:
                raise BuildError(f"{notebook}: otter needs one graded function per solution "
                                 f"cell, not {', '.join(asked)}")
            if asked:
                question = asked[0]
                cells += [raw(f"# BEGIN QUESTION\nname: {question}"), raw("# BEGIN SOLUTION"),
                          cell, raw("# END SOLUTION")]
                graded.remove(question)
                continue
        cells.append(cell)
        if question:
            cells += question_end(tests[question])
            question = None
    if question:
        cells += question_end(tests[question])
    if graded:
        raise BuildError(f"{notebook}: no solution cell for {', '.join(graded)}")
    nb.cells = cells
    return nb


def assignment_config(assignment: AssignmentConfig) -> str:
    config = {
        "name": assignment.id,
        "requirements": "requirements.txt",
        "export_cell": False,
        "check_all_cell": False,
        "strip_solutions_from_all_cells": True,
        "tests": {"ok_format": False},
        "generate": {"pdf": False},
        "python_version": f"{sys.version_info.major}.{sys.version_info.minor}",
    }
    return "# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False)


def otter_region(body: str, indent: str) -> str:
    """The reference body as otter's solution, then a prompt that gives students back the
    stub itself (otter drops the prompt's delimiter lines from the student notebook)."""
    return (f"{indent}# BEGIN SOLUTION NO PROMPT\n{body}\n{indent}# END SOLUTION\n"
            f'{indent}""" # BEGIN PROMPT\n{indent}# YOUR CODE HERE\n'
            f'{indent}raise NotImplementedError()\n{indent}""" # END PROMPT')


def question_end(checks: list[GradeCell]) -> list:
    """The question's tests block (one test per check) and its end."""
    return [raw("# BEGIN TESTS"), *(test_cell(c) for c in checks), raw("# END TESTS"),
            raw("# END QUESTION")]


def test_cell(check: GradeCell):
    """An exception-based otter test: otter passes the notebook's globals as ``env``."""
    hidden = ", hidden=True" if check.hidden else ""
    name = "test_" + check.grade_id.replace("-", "_")
    config = yaml.safe_dump({"points": check.points, "hidden": check.hidden}, sort_keys=False)
    return nbformat.v4.new_code_cell(
        f'""" # BEGIN TEST CONFIG\n{config}""" # END TEST CONFIG\n'
        f"def {name}(env):\n"
        "    from autograder.notebook import grade_check\n"
        f'    grade_check("{check.function}", "{check.check}"{hidden}, namespace=env)\n')


def raw(text: str):
    return nbformat.v4.new_raw_cell(text)
