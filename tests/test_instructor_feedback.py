"""The per-student feedback page, on a real graded submission."""

from __future__ import annotations

import copy
import html
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from autograder.instructor.feedback import render_feedback

ROOT = Path(__file__).resolve().parent.parent
SUBMISSION = ROOT / "tests" / "submissions" / "a1-activations" / "bug_exp_ratio.py"
STUDENT_CODE = "return np.exp(z) / (1 + np.exp(z))"


@pytest.fixture(scope="module")
def result() -> dict:
    """bug_exp_ratio graded for real: sigmoid fails known-values and extreme-values."""
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(SUBMISSION),
                          "-a", "a1-activations", "--json"],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def notebook(tmp_path_factory) -> Path:
    """The assignment notebook with the student's sigmoid in it, and one output."""
    nb = nbformat.read(ROOT / "assignments" / "a1-activations.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("course", {}).get("functions") == ["sigmoid"]:
            cell.source = f"def sigmoid(z):\n    {STUDENT_CODE}\n"
            cell.outputs = [nbformat.v4.new_output("stream", text="hello from the kernel\n")]
    path = tmp_path_factory.mktemp("feedback") / "a1-activations.ipynb"
    nbformat.write(nb, path)
    return path


class Frames(HTMLParser):
    """The srcdoc documents of a page's iframes, with their attributes."""

    def __init__(self, page: str):
        super().__init__()
        self.frames: list[dict] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "iframe":
            self.frames.append(dict(attrs))


def external_references(page: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//[^"'\s>]*""", page) + \
        re.findall(r"<link\b[^>]*>", page)


def test_page_shows_scores_failed_checks_with_values_and_passed_checks(result, notebook):
    page = render_feedback(result, notebook, student="alice", title="Activations")
    assert page.startswith("<!DOCTYPE html>")
    assert "Feedback for <b>alice</b>" in page
    assert "Score: 7 / 10" in page
    assert "<code>sigmoid</code>: 3.5 / 5" in page
    assert "<code>sigmoid_derivative</code>: 3.5 / 5" in page
    sigmoid = page[page.index("<code>sigmoid</code>: 3.5"):
                   page.index("<code>sigmoid_derivative</code>: 3.5")]
    assert sigmoid.count("FAILED ") == 2
    assert "FAILED known-values <span class='kind'>public check</span>" in sigmoid
    assert "FAILED extreme-values <span class='kind'>hidden check</span>" in sigmoid
    # the failing input, the expected and the received values, escaped, each in a <pre>
    assert "<pre>sigmoid(array(10000., dtype=float32))</pre>" in sigmoid
    assert "<pre>array(1., dtype=float32)</pre>" in sigmoid
    assert "<pre>numpy.float32(nan)</pre>" in sigmoid
    assert "<pre>the result differs: expected 1.0, received nan (tolerance rtol=0.0001, " \
           "atol=1e-06); 1 of 1 values differ</pre>" in sigmoid
    assert "<b>Rule:</b> finite and within tolerance for every finite z" in sigmoid
    assert ("Passed: keeps-shape-and-dtype (0.5), symmetry-and-range (0.5), matches-reference "
            "(1.5), python-float-input (0.5), does-not-modify-input (0.5)") in sigmoid
    assert f"Graded on {result['device']}" in page


def test_notebook_is_embedded_in_a_sandboxed_frame_and_nothing_is_loaded_from_outside(
        result, notebook):
    page = render_feedback(result, notebook, student="alice", title="Activations")
    (frame,) = Frames(page).frames
    assert "sandbox" in frame and frame["sandbox"] in ("", None)
    document = frame["srcdoc"]
    text = html.unescape(re.sub(r"<[^>]+>", "", document))
    assert STUDENT_CODE in text and "hello from the kernel" in text
    assert "default-src 'none'" in page and "default-src 'none'" in document
    assert external_references(page) == [] and external_references(document) == []


def test_html_anywhere_in_the_result_or_the_notebook_is_escaped(result, tmp_path):
    evil = "<script>alert('x')</script>"
    odd = copy.deepcopy(result)
    check = odd["exercises"][0]["checks"][0]
    check.update(message=f"crashed: {evil}", rule=evil, counterexample=None,
                 expected=None, received=f"{evil}\n<b>bold</b>")
    odd["exercises"][0]["function"] = evil
    odd["errors"] = [f"cell 3 raised {evil}"]
    odd["device"] = evil
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(evil),
                                         nbformat.v4.new_code_cell(f"print({evil!r})")])
    nbformat.write(nb, tmp_path / "evil.ipynb")
    page = render_feedback(odd, tmp_path / "evil.ipynb", student=evil, title=evil)
    assert "<script" not in page.lower()
    assert page.count("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;") >= 6
    assert "<pre>crashed: &lt;script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    (frame,) = Frames(page).frames
    assert "sandbox" in frame


@pytest.mark.parametrize("content", [None, "missing", b"{not json", b'{"cells": 3}'])
def test_a_missing_or_unreadable_notebook_leaves_a_note_and_the_rest_of_the_page(
        result, tmp_path, content):
    path = None
    if content is not None:
        path = tmp_path / "a1-activations.ipynb"
        if content != "missing":
            path.write_bytes(content)
    page = render_feedback(result, path, student="bob", title="Activations")
    assert "Score: 7 / 10" in page and "FAILED extreme-values" in page
    assert "<iframe" not in page
    note = re.search(r"<h2>Your notebook</h2>\n<p class='note'>(.*?)</p>", page).group(1)
    assert note == "No notebook was submitted with this result." if content is None else \
        note.startswith("The notebook a1-activations.ipynb could not be shown: ")


def test_submission_errors_are_listed(result, notebook):
    odd = dict(result, errors=["cell 4 raised NameError: name 'np' is not defined"])
    page = render_feedback(odd, None, student="carol", title="Activations")
    assert "<b>Problems with the submission</b><pre>cell 4 raised NameError: name " \
           "&#x27;np&#x27; is not defined</pre>" in page
