"""The leak guard: nothing students receive holds reference code, a hidden check or a
hidden input. Every assignment is built and released through nbgrader; then every file in
the release and in the exchange's outbound folder is searched (``autograder.leaks``)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import exercises
from autograder.leaks import code_fingerprints, find_leaks, reference_fingerprints

from conftest import ROOT

pytestmark = pytest.mark.slow

NOTEBOOKS = [ROOT / "assignments" / f"{a}.ipynb" for a in exercises.ASSIGNMENT_IDS]


def hidden_check_modules() -> list[Path]:
    return [Path(sys.modules[exercises.hidden_checks(a).checks[0].run.__module__].__file__)
            for a in exercises.ASSIGNMENT_IDS]


def fingerprints() -> set[str]:
    """Reference and hidden-check code lines that the student notebooks do not show."""
    return reference_fingerprints(NOTEBOOKS) | code_fingerprints(hidden_check_modules(),
                                                                 NOTEBOOKS)


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    where = tmp_path_factory.mktemp("release")
    for assignment_id in exercises.ASSIGNMENT_IDS:
        run = subprocess.run([sys.executable, "-m", "autograder", "release", assignment_id,
                              "--nbgrader-dir", str(where / "course"),
                              "--exchange", str(where / "exchange")],
                             cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stdout + run.stderr
    return [where / "course" / "release", where / "exchange"]


def test_students_receive_only_the_notebooks(released):
    names = sorted(p.name for folder in released for p in folder.rglob("*") if p.is_file())
    expected = sorted([f"{a}.ipynb" for a in exercises.ASSIGNMENT_IDS] * 2)
    assert names == expected  # release/ and the exchange; no .hypothesis, no data files


def test_no_reference_or_hidden_check_code_reaches_students(released):
    found = fingerprints()
    assert len(found) > 300  # every assignment's references and hidden checks
    for folder in released:
        assert find_leaks(folder, found) == {}


def test_no_hidden_check_call_reaches_students(released):
    for folder in released:
        for path in folder.rglob("*.ipynb"):
            text = path.read_text()
            assert "hidden=True" not in text and "HIDDEN TESTS" not in text, path


def test_the_guard_sees_a_leak(tmp_path):
    """The search finds reference and hidden-check code where it is: in the instructors'
    source notebook, and in a notebook cell holding a line of a hidden check."""
    run = subprocess.run([sys.executable, "-m", "autograder", "build", "a3-detection",
                          "--nbgrader-dir", str(tmp_path / "course"), "--exchange",
                          str(tmp_path / "exchange")], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    source = tmp_path / "course" / "source" / "a3-detection"
    assert len(find_leaks(source, fingerprints())["a3-detection.ipynb"]) > 10
    hidden = sorted(code_fingerprints(hidden_check_modules()[2:3], NOTEBOOKS))[0]
    leaky = tmp_path / "leaky"
    leaky.mkdir()
    (leaky / "student.ipynb").write_text(json.dumps({"cells": [{"source": [hidden]}]}))
    assert find_leaks(leaky, {hidden}) == {"student.ipynb": [hidden]}
