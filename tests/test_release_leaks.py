"""The leak guard: nothing students receive holds reference code, a hidden check or a
hidden input. Every assignment is built and released through nbgrader; then every file in
the release and in the exchange's outbound folder is searched."""

import ast
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import exercises

from conftest import ROOT

pytestmark = [pytest.mark.xdist_group("release_leaks"), pytest.mark.slow]


def student_notebook_text() -> str:
    """What the student notebooks show anyway (stubs, imports, formulas in the recap)."""
    return "\n".join(
        "".join(cell["source"])
        for assignment_id in exercises.ASSIGNMENT_IDS
        for cell in json.loads((ROOT / "assignments" / f"{assignment_id}.ipynb")
                               .read_text())["cells"])


def significant_lines(source: str) -> set[str]:
    """Code lines long enough to be telling, without comments, docstrings, imports and
    anything the student notebooks show anyway."""
    shown = student_notebook_text()
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.Module | ast.ClassDef) and \
                ast.get_docstring(node) is not None:
            first = node.body[0]
            docstrings.update(range(first.lineno, first.end_lineno + 1))
    lines = set()
    for number, line in enumerate(source.splitlines(), 1):
        text = line.split("#")[0].strip()
        if (number not in docstrings and len(text) >= 16 and text not in shown
                and not text.startswith(("import ", "from "))):
            lines.add(text)
    return lines


def reference_lines() -> dict[str, set[str]]:
    return {a: significant_lines(inspect.getsource(exercises.references(a)))
            for a in exercises.ASSIGNMENT_IDS}


def hidden_check_lines() -> set[str]:
    lines = set()
    for assignment_id in exercises.ASSIGNMENT_IDS:
        module = sys.modules[exercises.hidden_checks(assignment_id).checks[0].run.__module__]
        lines |= significant_lines(inspect.getsource(module))
    return lines


@pytest.fixture(scope="module")
def released_files(tmp_path_factory):
    where = tmp_path_factory.mktemp("release")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
                                 f"{os.environ.get('PATH', '')}"}
    for assignment_id in exercises.ASSIGNMENT_IDS:
        run = subprocess.run([sys.executable, "-m", "autograder", "release", assignment_id,
                              "--nbgrader-dir", str(where / "course"),
                              "--exchange", str(where / "exchange")],
                             cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
        assert run.returncode == 0, run.stdout + run.stderr
    files = [p for folder in (where / "course" / "release", where / "exchange")
             for p in folder.rglob("*") if p.is_file()]
    return {p: p.read_text() for p in files}


def test_students_receive_only_the_notebooks(released_files):
    names = sorted(p.name for p in released_files)
    expected = sorted([f"{a}.ipynb" for a in exercises.ASSIGNMENT_IDS] * 2)
    assert names == expected  # release/ and the exchange; no .hypothesis, no data files


def test_no_reference_code_reaches_students(released_files):
    for assignment_id, lines in reference_lines().items():
        assert len(lines) >= 3, assignment_id
        for path, text in released_files.items():
            if assignment_id in path.name:
                leaked = [line for line in lines if line in text]
                assert not leaked, f"{path}: {leaked[:3]}"


def test_no_hidden_check_reaches_students(released_files):
    lines = hidden_check_lines()
    for path, text in released_files.items():
        assert "hidden=True" not in text and "HIDDEN TESTS" not in text, path
        assert "solutions" not in text, path
        leaked = [line for line in lines if line in text]
        assert not leaked, f"{path}: {leaked[:3]}"


def test_the_guard_would_see_a_leak():
    """The searches above find reference and hidden-check code when it is there."""
    source = inspect.getsource(exercises.references("a3-detection"))
    assert any(line in source for line in reference_lines()["a3-detection"])
    hidden = inspect.getsource(sys.modules[
        exercises.hidden_checks("a3-detection").checks[0].run.__module__])
    assert sum(line in hidden for line in hidden_check_lines()) > 20
