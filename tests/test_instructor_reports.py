"""The instructor's report on real graded submissions: the CSV, the two plots, the page."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from autograder.config import AssignmentConfig, ExerciseConfig, load_course
from autograder.instructor.reports import write_report

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions" / "a1-activations"
# student -> planted submission (the students are named out of order on purpose)
STUDENTS = {"dave": "correct_naive.py", "alice": "bug_exp_ratio.py",
            "carol": "bug_returns_list.py", "bob": "bug_derivative_of_z.py"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    """The four submissions graded for real, in one ``course grade --json`` run."""
    files = [str(SUBMISSIONS / name) for name in STUDENTS.values()]
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", *files,
                          "-a", "a1-activations", "--json"],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    return dict(zip(STUDENTS, json.loads(run.stdout), strict=True))


@pytest.fixture(scope="module")
def assignment() -> AssignmentConfig:
    return load_course(ROOT / "course.yml").assignment("a1-activations")


@pytest.fixture(scope="module")
def report(results, assignment, tmp_path_factory):
    return write_report(results, assignment, tmp_path_factory.mktemp("report"))


def assert_valid_png(path: Path) -> tuple[int, int]:
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    with Image.open(path) as image:
        image.load()
        assert image.format == "PNG"
        width, height = image.size
    assert width >= 400 and height >= 200
    return width, height


def test_scores_csv_has_a_row_per_student_sorted_and_a_column_per_exercise(report):
    assert report.scores_csv.read_text() == (
        "student,sigmoid,sigmoid_derivative,total\n"
        "alice,3.5,3.5,7\n"
        "bob,5,0,5\n"
        "carol,0.5,5,5.5\n"
        "dave,5,5,10\n")


def test_csv_columns_follow_the_course_order_of_exercises(results, tmp_path):
    reversed_order = AssignmentConfig(
        id="a1-activations", title="Activations", notebook="assignments/a1-activations.ipynb",
        exercises=[ExerciseConfig(function="sigmoid_derivative", points=5),
                   ExerciseConfig(function="sigmoid", points=5)])
    files = write_report(results, reversed_order, tmp_path)
    assert files.scores_csv.read_text().splitlines()[:2] == [
        "student,sigmoid_derivative,sigmoid,total", "alice,3.5,3.5,7"]


def test_plots_are_valid_pngs(report):
    assert_valid_png(report.score_distribution)
    assert_valid_png(report.failing_checks)


def test_index_page_summarises_exercises_and_the_most_frequent_failing_checks(
        report, results):
    page = report.index.read_text()
    assert "<b>4</b> students graded" in page
    assert f'<img src="{report.score_distribution.name}"' in page
    assert f'<img src="{report.failing_checks.name}"' in page
    assert f'<a href="{report.scores_csv.name}">' in page
    # sigmoid: 3.5, 5, 0.5, 5 -> mean 3.5, median 4.25; total: 7, 5, 5.5, 10
    assert ("<tr><td><code>sigmoid</code></td><td>5</td><td>3.5</td><td>4.25</td>"
            "<td>2 of 4</td></tr>") in page
    assert ("<tr><td><code>total</code></td><td>10</td><td>6.88</td><td>6.25</td>"
            "<td>1 of 4</td></tr>") in page
    # the failing checks table, counted here from the results themselves
    failed = Counter((e["function"], c["name"]) for r in results.values()
                     for e in r["exercises"] for c in e["checks"] if not c["passed"])
    rows = re.findall(r"<tr><td>(\d+) of 4</td><td><code>(.*?)</code></td>"
                      r"<td>(hidden|public)</td><td>(.*?)</td></tr>", page)
    assert len(rows) == min(len(failed), 15)
    assert sorted((f"{f} / {c}", n) for (f, c), n in failed.items()) == \
        sorted((label, int(n)) for n, label, _, _ in rows)
    counts = [int(n) for n, *_ in rows]
    assert counts == sorted(counts, reverse=True)
    known = next(r for r in rows if r[1] == "sigmoid / known-values")
    assert known[0] == "2" and known[2] == "public"  # alice (nan at inf) and carol (a list)
    assert known[3].startswith("worked values: s(0) = 1/2")


def test_a_class_where_everyone_passed_still_gets_both_plots(results, assignment, tmp_path):
    files = write_report({"dave": results["dave"]}, assignment, tmp_path)
    assert_valid_png(files.failing_checks)
    assert_valid_png(files.score_distribution)
    assert "every student passed every check" in files.index.read_text()
    assert files.scores_csv.read_text() == "student,sigmoid,sigmoid_derivative,total\n" \
                                           "dave,5,5,10\n"


def test_no_results_is_an_error(assignment, tmp_path):
    with pytest.raises(ValueError, match="no graded submissions of a1-activations"):
        write_report({}, assignment, tmp_path)
