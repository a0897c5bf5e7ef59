"""A whole semester on real nbgrader, in a temporary folder: build, release, three students
fetch and submit through nbgrader's exchange (one correct, one partly wrong, one whose
function kills its process), collect, grade into the gradebook, export, feedback, report;
then a regrade of one student's exercise."""

import csv
import html
import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from browser import launch, needs_chromium
from nbgrader.api import Gradebook
from playwright.sync_api import Error as PlaywrightError

from autograder.instructor.nbgrader_course import tool_environment

from conftest import ROOT

pytestmark = pytest.mark.slow

ASSIGNMENT = "a1-activations"
COURSE_ID = "dl-foundations"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# What each student writes in place of the reference, by solution cell; the rest is correct.
WRONG_DERIVATIVE = "def sigmoid_derivative(z):\n    s = sigmoid(z)\n    return s * (1 + s)\n"
KILLS_ITSELF = "def sigmoid(z):\n    import os\n    os._exit(3)\n"
STUDENTS = {
    "alice": {},
    "bob": {"sigmoid_derivative-solution": WRONG_DERIVATIVE},
    "carol": {"sigmoid-solution": KILLS_ITSELF},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def course_command(*args, where):
    run = subprocess.run([sys.executable, "-m", "autograder", *args,
                          "--nbgrader-dir", str(where / "course"),
                          "--exchange", str(where / "exchange")],
                         cwd=ROOT, capture_output=True, text=True, timeout=600,
                         env=tool_environment())
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def student_nbgrader(*args, home: Path, where: Path):
    """nbgrader as this student runs it: in their folder, with their own nbgrader cache
    (which records their submissions, for fetch_feedback)."""
    run = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--course", COURSE_ID,
                          f"--Exchange.root={where / 'exchange'}"],
                         cwd=home, capture_output=True, text=True, timeout=300,
                         env={**tool_environment(),
                              "JUPYTER_DATA_DIR": str(home / ".jupyter-data")})
    assert run.returncode == 0, run.stdout + run.stderr


def solve(notebook: Path, source: Path, overrides: dict) -> None:
    """Fill the released notebook's solution cells: the reference, or the student's own."""
    reference = {c.metadata["nbgrader"]["grade_id"]: c.source
                 for c in nbformat.read(source, as_version=4).cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = overrides.get(meta["grade_id"], reference[meta["grade_id"]])
    nbformat.write(nb, notebook)


@pytest.fixture(scope="module")
def semester(tmp_path_factory):
    where = tmp_path_factory.mktemp("semester")
    out = {"build": course_command("build", ASSIGNMENT, "--validate", where=where)}
    course_command("release", ASSIGNMENT, where=where)
    source = where / "course" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    for student, overrides in STUDENTS.items():
        home = where / "students" / student
        home.mkdir(parents=True)
        student_nbgrader("fetch_assignment", ASSIGNMENT, home=home, where=where)
        solve(home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", source, overrides)
        student_nbgrader("submit", ASSIGNMENT, "--student", student, home=home, where=where)
    out["collect"] = course_command("collect", ASSIGNMENT, "--json", where=where)
    out["grade"] = json.loads(course_command("grade", ASSIGNMENT, "--all", "--json",
                                             where=where))
    out["feedback"] = json.loads(course_command("feedback", ASSIGNMENT, "--release", "--json",
                                                where=where))
    out["report"] = json.loads(course_command("report", ASSIGNMENT, "--json", where=where))
    return where, out


def gradebook_scores(where: Path, student: str) -> dict[str, float]:
    with Gradebook(f"sqlite:///{where / 'course' / 'gradebook.db'}", COURSE_ID) as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, student)
        return {g.name: g.auto_score for nb in submission.notebooks for g in nb.grades}


def test_build_validates_and_collect_finds_every_student(semester):
    _, out = semester
    assert "validated" in out["build"]
    assert json.loads(out["collect"]) == {"collected": ["alice", "bob", "carol"]}


def test_nbgrader_validate_works_on_released_notebooks(semester):
    """What JupyterLab's Validate button runs: a solved notebook passes; the stub fails
    on the public checks (hidden ones are empty in the student's copy) without crashing."""
    where, _ = semester
    solved = where / "students" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    stub = where / "exchange" / COURSE_ID / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    results = {}
    for name, path in (("solved", solved), ("stub", stub)):
        run = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(path)],
                             capture_output=True, text=True, env=tool_environment(), timeout=300)
        results[name] = run.stdout + run.stderr
    assert "Success! Your notebook passes all the tests." in results["solved"]
    assert "NotImplementedError" in results["stub"]
    assert "Traceback" not in results["stub"].split("VALIDATION FAILED")[0]


@needs_chromium
def test_released_notebook_in_jupyterlab(semester, tmp_path):
    """JupyterLab 4 with nbgrader's extension, in headless Chromium: the student's notebook
    opens, runs, its public-check cells render their report table, and Validate passes."""
    from playwright.sync_api import sync_playwright

    where, _ = semester
    settings = tmp_path / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)  # render every cell, so every report is in the page
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    port, token = free_port(), "semester-test"
    lab = subprocess.Popen(  # with its own settings and workspaces: nothing from earlier runs
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={token}", "--allow-root",
         f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
         f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
         "--LabApp.expose_app_in_browser=True"],
        cwd=where / "students" / "alice", env={**tool_environment(), "HOME": str(tmp_path)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            url = (f"http://127.0.0.1:{port}/lab/tree/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
                   f"?token={token}")
            for _ in range(60):  # the server takes a few seconds to start
                try:
                    page.goto(url)
                    break
                except PlaywrightError:
                    time.sleep(1)
            # Run All Cells once the notebook's kernel session is ready (a menu click made
            # while JupyterLab is still restoring, on a busy machine, can go nowhere)
            page.wait_for_function("() => window.jupyterapp?.shell.currentWidget?.sessionContext",
                                   timeout=120_000)
            page.evaluate("""async () => {
                const notebook = window.jupyterapp.shell.currentWidget;
                await notebook.context.ready;
                await notebook.sessionContext.ready;
                await window.jupyterapp.commands.execute('notebook:run-all-cells');
            }""")
            try:
                page.wait_for_function(  # the six public graded-check cells have run
                    """() => [...document.querySelectorAll('.jp-OutputArea-output')]
                           .filter(e => e.innerText.startsWith('PASS')).length >= 6""",
                    timeout=180_000)
            except PlaywrightError:
                page.screenshot(path=str(tmp_path / "jupyterlab-timeout.png"))
                pytest.fail("the notebook's checks did not all run; the page shows:\n"
                            + page.inner_text("body")[-3000:])
            tables = page.locator(".jp-OutputArea-output:has(table)").all_inner_texts()
            assert len(tables) == 3  # run_checks(sigmoid), (sigmoid_derivative), and all
            assert all("public checks passed" in t and "known-values" in t
                       and "failed" not in t for t in tables)
            graded = [t for t in page.locator(".jp-OutputArea-output").all_inner_texts()
                      if t.startswith("PASS")]
            assert len(graded) == 6  # the public graded-check cells print their outcome
            page.locator(".jp-OutputArea-output table").first.scroll_into_view_if_needed()
            page.screenshot(path=str(tmp_path / "jupyterlab.png"))
            page.click(".jp-Toolbar >> text=Validate", timeout=10_000)
            page.wait_for_selector("text=/passes all the tests/", timeout=180_000)
            browser.close()
    finally:
        lab.terminate()
        lab.wait(timeout=30)
    assert (tmp_path / "jupyterlab.png").read_bytes().startswith(PNG_SIGNATURE)


def test_scores_per_check_in_the_gradebook(semester):
    where, out = semester
    assert out["grade"] == {"alice": {"score": 10.0, "max_score": 10.0},
                            "bob": {"score": 5.0, "max_score": 10.0},
                            "carol": {"score": 5.0, "max_score": 10.0}}
    alice, bob, carol = (gradebook_scores(where, s) for s in STUDENTS)
    results = where / "course" / "autograded" / "alice" / ASSIGNMENT / "results.json"
    assert json.loads(results.read_text())["errors"] == []  # graded-check cells are not run
    assert len(alice) == 14 and sum(alice.values()) == pytest.approx(10.0)
    assert alice["sigmoid-known-values"] == 0.5 and alice["sigmoid-hidden-1"] == 1.5
    assert {k: v for k, v in bob.items() if k.startswith("sigmoid-")} == \
        {k: v for k, v in alice.items() if k.startswith("sigmoid-")}
    assert all(v == 0 for k, v in bob.items() if k.startswith("sigmoid_derivative-"))
    assert all(v == 0 for k, v in carol.items() if k.startswith("sigmoid-"))
    assert sum(v for k, v in carol.items() if k.startswith("sigmoid_derivative-")) == 5.0


def test_nbgrader_export_reads_our_scores(semester):
    where, _ = semester
    run = subprocess.run([sys.executable, "-m", "nbgrader", "export"], cwd=where / "course",
                         capture_output=True, text=True, env=tool_environment(), timeout=300)
    assert run.returncode == 0, run.stderr
    with open(where / "course" / "grades.csv") as fh:
        rows = {r["student_id"]: float(r["score"]) for r in csv.DictReader(fh)}
    assert rows == {"alice": 10.0, "bob": 5.0, "carol": 5.0}


def test_autograded_notebook_shows_each_check(semester):
    where, _ = semester
    nb = nbformat.read(where / "course" / "autograded" / "carol" / ASSIGNMENT
                       / f"{ASSIGNMENT}.ipynb", as_version=4)
    outputs = {c.metadata["nbgrader"]["grade_id"]: c.outputs[0] for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade")}
    assert outputs["sigmoid-known-values"]["output_type"] == "error"
    assert outputs["sigmoid-known-values"]["evalue"].startswith(
        "sigmoid / known-values: sigmoid could not finish")
    assert outputs["sigmoid_derivative-known-values"]["text"] == \
        "PASS  sigmoid_derivative / known-values\n"


def test_feedback_names_failures_and_is_released(semester):
    where, out = semester
    page = Path(out["feedback"]["feedback"]["bob"]).read_text()
    assert "sigmoid_derivative" in page and "Rule:" in page
    assert "Expected" in page and "Received" in page
    text = re.sub(r"<[^>]+>", "", html.unescape(html.unescape(page)))
    assert "return s * (1 + s)" in text  # bob's notebook itself is part of the page
    released = list((where / "exchange" / COURSE_ID / "feedback").glob("*.html"))
    assert len(released) == 3
    home = where / "students" / "bob"
    student_nbgrader("fetch_feedback", ASSIGNMENT, "--student", "bob", home=home, where=where)
    fetched = list((home / ASSIGNMENT / "feedback").rglob("*.html"))
    assert len(fetched) == 1 and "sigmoid_derivative" in fetched[0].read_text()


def test_report_csv_and_plots(semester):
    _, out = semester
    with open(out["report"]["scores_csv"]) as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "student" and rows[0][1:3] == ["sigmoid", "sigmoid_derivative"]
    by_student = {r[0]: [float(v) for v in r[1:]] for r in rows[1:]}
    assert by_student == {"alice": [5.0, 5.0, 10.0], "bob": [5.0, 0.0, 5.0],
                          "carol": [0.0, 5.0, 5.0]}
    for key in ("score_distribution", "failing_checks"):
        assert Path(out["report"][key]).read_bytes().startswith(PNG_SIGNATURE)
    page = Path(out["report"]["index"]).read_text()
    assert "score_distribution.png" in page and "sigmoid_derivative" in page


def test_regrading_one_exercise_replaces_only_its_scores(semester):
    where, _ = semester
    before = gradebook_scores(where, "bob")
    submitted = where / "course" / "submitted" / "bob" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    source = where / "course" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    # bob fixes his derivative and breaks his sigmoid; only the derivative is regraded
    solve(submitted, source, {"sigmoid-solution": "def sigmoid(z):\n    return z\n"})
    regraded = json.loads(course_command("grade", ASSIGNMENT, "--student", "bob", "--exercise",
                                         "sigmoid_derivative", "--json", where=where))
    assert regraded == {"bob": {"score": 10.0, "max_score": 10.0}}
    after = gradebook_scores(where, "bob")
    assert {k: v for k, v in after.items() if k.startswith("sigmoid-")} == \
        {k: v for k, v in before.items() if k.startswith("sigmoid-")}
    assert sum(v for k, v in after.items() if k.startswith("sigmoid_derivative-")) == 5.0
    assert gradebook_scores(where, "alice")["sigmoid-hidden-1"] == 1.5
