"""The assignment notebooks run top to bottom in a real Jupyter kernel (nbclient):
with the references filled in, every public-check cell reports all passed; as shipped,
the stubs make the checks report "not implemented" instead of crashing."""

import importlib
import inspect
import re

import nbformat
import pytest
from nbclient import NotebookClient

from autograder import exercises
from autograder.notebook import check_in_kernel

from conftest import ROOT

pytestmark = pytest.mark.slow
COUNT = re.compile(r"(\d+) of (\d+) public checks passed")


def role(cell):
    return cell.metadata.get("course", {}).get("role")


def run(nb):
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    return nb


def check_reports(nb):
    """(passed, total, text) of every check cell's displayed report."""
    reports = []
    for cell in nb.cells:
        if cell.cell_type != "code" or role(cell) != "checks" or "run_checks(" not in cell.source:
            continue
        text = "".join(o.get("data", {}).get("text/plain", "") + o.get("text", "")
                       for o in cell.outputs)
        assert "text/html" in str(cell.outputs), cell.source
        match = COUNT.search(text)
        assert match, f"no report from {cell.source!r}: {text[:500]}"
        reports.append((int(match.group(1)), int(match.group(2)), text))
    return reports


@pytest.mark.parametrize("assignment_id", exercises.ASSIGNMENT_IDS)
def test_notebook_with_references_passes_its_public_checks(assignment_id):
    nb = nbformat.read(ROOT / "assignments" / f"{assignment_id}.ipynb", as_version=4)
    assert nb.metadata["course"]["assignment"] == assignment_id
    reference = importlib.import_module(f"solutions.{exercises.module_name(assignment_id)}")
    module_source = inspect.getsource(reference)
    for cell in nb.cells:
        if role(cell) == "solution":
            cell.source = module_source
    reports = check_reports(run(nb))
    assert len(reports) == len(exercises.spec(assignment_id).functions) + 1
    for passed, total, text in reports:
        assert passed == total > 0, text


@pytest.mark.parametrize("assignment_id", exercises.ASSIGNMENT_IDS)
def test_stub_notebook_reports_not_implemented(assignment_id):
    nb = nbformat.read(ROOT / "assignments" / f"{assignment_id}.ipynb", as_version=4)
    for passed, total, text in check_reports(run(nb)):
        assert passed < total
        assert "not implemented yet" in text


@pytest.mark.parametrize("assignment_id", exercises.ASSIGNMENT_IDS)
def test_every_check_runs_in_a_kernel_on_the_references(assignment_id):
    """What `nbgrader validate` of a source notebook (and otter's tests) run: every check,
    public and hidden, through the in-process runner, passes on the references."""
    references = vars(exercises.references(assignment_id))
    result = check_in_kernel(list(exercises.spec(assignment_id).functions), references,
                             hidden=True)
    checks = [(e.function, c) for e in result.exercises for c in e.checks]
    assert [f"{f}/{c.name}: {c.message}" for f, c in checks if not c.passed] == []
    assert any(c.hidden for _, c in checks) and any(not c.hidden for _, c in checks)
