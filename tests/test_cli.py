"""The ``course`` command as a user runs it: exit codes, JSON shape, help."""

import json
import subprocess
import sys

import pytest

from conftest import ROOT

CORRECT = "tests/submissions/a1-activations/correct_naive.py"
BUGGY = "tests/submissions/a1-activations/bug_exp_ratio.py"


def course(*args):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_grade_json_has_the_documented_shape():
    run = course("grade", BUGGY, "--assignment", "a1-activations", "--json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert set(data) >= {"assignment", "score", "max_score", "exercises", "errors"}
    assert data["assignment"] == "a1-activations"
    assert [e["function"] for e in data["exercises"]] == ["sigmoid", "sigmoid_derivative"]
    for exercise in data["exercises"]:
        assert set(exercise) == {"function", "score", "max_score", "checks"}
        for check in exercise["checks"]:
            assert set(check) >= {"name", "hidden", "passed", "points", "max_points", "message"}
    assert 0 < data["score"] < data["max_score"] == 10
    failed = [c for e in data["exercises"] for c in e["checks"] if not c["passed"]]
    assert {c["name"] for c in failed} >= {"extreme-values"}
    assert all("Input: sigmoid" in c["message"] for c in failed if c["name"] == "extreme-values"
               and "derivative" not in c["message"])


def test_check_runs_only_public_checks():
    run = course("check", CORRECT, "-a", "a1-activations", "--json")
    data = json.loads(run.stdout)
    checks = [c for e in data["exercises"] for c in e["checks"]]
    assert checks and not any(c["hidden"] for c in checks)
    assert all(c["passed"] for c in checks)


def test_human_output_shows_tables_and_total():
    run = course("grade", CORRECT, "-a", "a1-activations")
    assert run.returncode == 0
    assert "matches-reference" in run.stdout and "a1-activations: 10 / 10" in run.stdout


@pytest.mark.parametrize("args, words", [
    (("grade", "no/such/file.py", "-a", "a1-activations"), "no such file"),
    (("grade", CORRECT, "-a", "a9-unknown"), "unknown assignment 'a9-unknown'"),
    (("grade", CORRECT), "pass --assignment ID"),
    (("--course", "missing.yml", "list"), "cannot read the course file"),
])
def test_errors_are_one_line_and_exit_non_zero(args, words):
    run = course(*args)
    assert run.returncode == 2
    assert words in run.stderr
    assert run.stderr.strip().count("\n") == 0


def test_list_and_help():
    run = course("list")
    assert run.returncode == 0 and "beam_search(log_prob_fn, bos, eos" in run.stdout
    data = json.loads(course("list", "--json").stdout)
    assert data["assignments"][0]["id"] == "a1-activations"
    for sub in ("list", "check", "grade"):
        assert course(sub, "--help").returncode == 0


def test_grade_starts_the_sandbox_before_importing_the_grader():
    """The fork server boots while the grader imports hypothesis and the checks."""
    code = ("import sys; from pathlib import Path\n"
            "from autograder.cli.grading import start_sandbox\n"
            "from autograder.config import load_course\n"
            "from autograder.sandbox import forkserver\n"
            "start_sandbox(load_course(), None, Path(sys.argv[1]))\n"
            "server, = forkserver._servers.values()\n"
            "print(server.preload, 'hypothesis' in sys.modules,"
            " 'autograder.grading' in sys.modules)\n")
    notebook = ROOT / "assignments" / "a1-activations.ipynb"  # names its assignment
    done = subprocess.run([sys.executable, "-c", code, str(notebook)], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["('numpy',)", "False", "False"]
