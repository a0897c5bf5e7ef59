"""A broken submission costs only what it breaks: every other function is still graded."""

import json
import textwrap

import pytest

from autograder.submission import read_submission

GOOD_SIGMOID = """
import numpy as np

def sigmoid(z):
    return 1 / (1 + np.exp(-z))
"""


def scores(result):
    return {e.function: (e.score, e.max_score) for e in result.exercises}


def messages(result, function):
    exercise = next(e for e in result.exercises if e.function == function)
    return [c.message for c in exercise.checks]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize("body, words", [
    ("raise RuntimeError('boom')", "raised RuntimeError: boom"),
    ("while True:\n        pass", "did not return within"),
    ("return 'a string'", "should be a numpy array, but it is a Python str"),
    ("return object()", "cannot be sent"),
    ("import os\n    os._exit(3)", "could not finish"),
    ("import sys\n    sys.exit(0)", "raised SystemExit"),
])
def test_broken_derivative_costs_only_its_points(quick_grader, tmp_path, body, words):
    path = write(tmp_path, "sub.py", GOOD_SIGMOID + f"\ndef sigmoid_derivative(z):\n    {body}\n")
    result = quick_grader.grade_file(path, "a1-activations")
    got = scores(result)
    assert got["sigmoid"][0] == pytest.approx(got["sigmoid"][1])
    assert got["sigmoid_derivative"][0] == 0
    assert any(words in m for m in messages(result, "sigmoid_derivative")), \
        messages(result, "sigmoid_derivative")


def test_syntax_error_in_one_function_keeps_the_others(grader, tmp_path):
    path = write(tmp_path, "sub.py", GOOD_SIGMOID + "\ndef sigmoid_derivative(z)\n    return z\n")
    result = grader.grade_file(path, "a1-activations")
    assert scores(result)["sigmoid"] == (5.0, 5.0)
    assert scores(result)["sigmoid_derivative"][0] == 0
    assert any("SyntaxError at line" in e for e in result.errors)
    assert "not defined" in messages(result, "sigmoid_derivative")[0]


def test_missing_function_and_wrong_signature_are_named(grader, tmp_path):
    path = write(tmp_path, "sub.py", "import numpy as np\ndef sigmoid(x, y=1):\n"
                                     "    return 1 / (1 + np.exp(-x))\n")
    result = grader.grade_file(path, "a1-activations")
    assert scores(result)["sigmoid"] == (5.0, 5.0)
    assert messages(result, "sigmoid_derivative")[0] == \
        "sigmoid_derivative is not defined in the submission"
    assert any("does not have the contract's signature sigmoid(z)" in e for e in result.errors)


def notebook(cells, assignment="a1-activations"):
    return {"nbformat": 4, "nbformat_minor": 5,
            "metadata": {"course": {"assignment": assignment}},
            "cells": [{"cell_type": "code", "id": f"c{i}", "metadata": meta, "source": src,
                       "outputs": [], "execution_count": None}
                      for i, (src, meta) in enumerate(cells)]}


def test_notebook_cells_fail_alone(grader, tmp_path):
    nb = notebook([
        (GOOD_SIGMOID, {}),
        ("1 / 0", {}),
        ("%matplotlib inline\nimport numpy as np\n", {}),
        ("from autograder.notebook import run_checks\nrun_checks(sigmoid)",
         {"course": {"role": "checks"}}),
        ("def sigmoid_derivative(z):\n    s = sigmoid(z)\n    return s * (1 - s)\n", {}),
    ])
    path = tmp_path / "sub.ipynb"
    path.write_text(json.dumps(nb))
    result = grader.grade_file(path)
    assert result.assignment == "a1-activations"
    assert result.score == result.max_score == 10
    assert result.errors == ["cell 2: ZeroDivisionError: division by zero"]


@pytest.mark.parametrize("content, words", [
    (b"{not json", "not a valid notebook: its JSON is broken at line 1"),
    (b'{"nbformat": 4, "metadata": {}}', "has no cells"),
    (b"\xff\xfe\x00garbage", "not valid UTF-8"),
])
def test_unreadable_notebooks_score_zero_with_a_reason(grader, tmp_path, content, words):
    path = tmp_path / "sub.ipynb"
    path.write_bytes(content)
    result = grader.grade_file(path, "a1-activations")
    assert result.score == 0
    assert any(words in e for e in result.errors), result.errors
    assert all(not c.passed for e in result.exercises for c in e.checks)


def test_old_nbformat_3_is_read(tmp_path):
    nb = {"nbformat": 3, "nbformat_minor": 0, "metadata": {},
          "worksheets": [{"cells": [{"cell_type": "code", "input": GOOD_SIGMOID}]}]}
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(nb))
    sub = read_submission(path)
    assert len(sub.cells) == 1 and "def sigmoid" in sub.cells[0].source
    assert "old notebook format 3" in sub.problems[0]


def test_oversized_file_is_refused_with_a_reason(tmp_path):
    path = tmp_path / "big.py"
    path.write_text("x = 1\n" * 1000)
    sub = read_submission(path, max_bytes=100)
    assert sub.cells == [] and "over the" in sub.problems[0]


def test_same_submission_gives_identical_json(grader):
    path = "tests/submissions/a1-activations/bug_exp_ratio.py"
    first = grader.grade_file(path, "a1-activations").to_json()
    second = grader.grade_file(path, "a1-activations").to_json()
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert first["score"] < first["max_score"]


def test_cell_ids_and_huge_outputs_do_not_matter(grader, tmp_path):
    nb = notebook([(GOOD_SIGMOID, {}),
                   ("def sigmoid_derivative(z):\n    s = sigmoid(z)\n    return s * (1 - s)\n",
                    {})])
    nb["cells"][0]["id"] = nb["cells"][1]["id"] = "same-id"
    del nb["cells"][1]["id"]
    nb["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout",
                                  "text": "x" * 5_000_000}]
    path = tmp_path / "sub.ipynb"
    path.write_text(json.dumps(nb))
    result = grader.grade_file(path)
    assert result.score == result.max_score == 10


def test_what_a_failing_function_printed_is_shown_as_text(grader, tmp_path):
    path = write(tmp_path, "sub.py", GOOD_SIGMOID + "\ndef sigmoid_derivative(z):\n"
                 "    print('debugging <b>z</b>')\n    raise ValueError('nope')\n")
    result = grader.grade_file(path, "a1-activations")
    assert "It printed: debugging <b>z</b>" in messages(result, "sigmoid_derivative")[0]
