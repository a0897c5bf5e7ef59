"""The lecture site as `course lectures build` makes it: complete, offline, free of reference code.

The site is built once per test run (shared by xdist workers through a lock) and then checked as
files, and as a student sees it in headless Chromium.
"""

import fcntl
import json
import os
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import urlopen

import pytest
from browser import CHROMIUM, launch
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from autograder.cli import main
from autograder.leaks import find_leaks, reference_fingerprints
from autograder.lectures import LectureBuildError, make_server
from autograder.lectures.build import check_sources

from conftest import ROOT

MIN_FIGURES = 2  # every lecture draws at least this many figures
MIN_SELF_CHECKS = 3


class Page(HTMLParser):
    """The parts of an HTML page the tests look at: links, images, ids, dropdowns, math."""

    def __init__(self, path: Path):
        super().__init__()
        self.links, self.images, self.ids, self.dropdowns, self.math = [], [], set(), 0, 0
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("link", "script") and (attrs.get("href") or attrs.get("src")):
            self.links.append(attrs.get("href") or attrs.get("src"))
        if tag == "img":
            self.images.append(attrs["src"])
        if tag == "details" and "sd-dropdown" in classes:
            self.dropdowns += 1
        if "math" in classes:
            self.math += 1


def lecture_ids(course):
    return [a.id for a in course.assignments]


@pytest.fixture(scope="session")
def site(course, tmp_path_factory):
    """The site as `course lectures build --json` builds it, once for all xdist workers."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, shared by its workers
    out = shared / "lecture-site"
    with open(shared / "lecture-site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "build.json").is_file():
            run = subprocess.run(
                [sys.executable, "-m", "autograder", "lectures", "build", "--out", str(out),
                 "--json"], cwd=ROOT, capture_output=True, text=True, timeout=600)
            assert run.returncode == 0, run.stderr[-3000:]
            (out / "build.json").write_text(run.stdout)
    report = json.loads((out / "build.json").read_text())
    print(f"lecture site built in {report['seconds']} s")
    return Path(report["site"])


# ---- fast: the safety checks themselves, without building a site ----

def test_leak_scan_finds_highlighted_reference_code(tmp_path):
    source = (ROOT / "solutions" / "a1_activations.py").read_text()
    (tmp_path / "leaky.html").write_text(highlight(source, PythonLexer(), HtmlFormatter()))
    (tmp_path / "clean.html").write_text("<p>sigmoid(z) = 1 / (1 + exp(-z))</p>")
    (tmp_path / "notebook.ipynb").write_text('{"source": ["from solutions.a2_optimization '
                                             'import adam_step"]}')
    leaks = find_leaks(tmp_path)
    assert set(leaks) == {"leaky.html", "notebook.ipynb"}
    assert "e = _exp_neg_abs(np.asarray(z))" in leaks["leaky.html"]


def test_fingerprints_leave_out_what_the_notebooks_already_show(course):
    notebooks = [ROOT / a.notebook for a in course.assignments]
    everything, private = reference_fingerprints(), reference_fingerprints(public=notebooks)
    assert len(private) > 100
    assert "m_hat = m / (1 - beta1**t)" in everything - private  # the a2 recap shows it
    assert {"import solutions", "from solutions"} <= private


def make_lectures(tmp_path, course, lecture_text):
    lectures = tmp_path / "lectures"
    lectures.mkdir()
    shutil.copy(ROOT / "lectures" / "conf.py", lectures)
    for assignment_id in lecture_ids(course):
        (lectures / f"{assignment_id}.md").write_text(lecture_text)
    return lectures


def test_a_cell_that_shows_reference_code_stops_the_build(tmp_path, course):
    lectures = make_lectures(tmp_path, course, "# L\n\n```{code-cell} ipython3\n"
                             "from solutions.a1_activations import sigmoid\n```\n")
    with pytest.raises(LectureBuildError, match="uses the references but shows its code"):
        check_sources(lectures, lecture_ids(course))


def test_a_hidden_reference_cell_is_allowed(tmp_path, course):
    lectures = make_lectures(tmp_path, course, "# L\n\n```{code-cell} ipython3\n"
                             ":tags: [remove-cell]\n\n"
                             "from solutions.a1_activations import sigmoid\n```\n")
    check_sources(lectures, lecture_ids(course))


def test_build_names_a_missing_lecture(tmp_path, course, capsys):
    lectures = make_lectures(tmp_path, course, "# L\n")
    (lectures / "a3-detection.md").unlink()
    shutil.copy(ROOT / "course.yml", tmp_path)
    assert main(["--course", str(tmp_path / "course.yml"), "lectures", "build"]) == 2
    assert "a3-detection.md: missing" in capsys.readouterr().err


def test_serve_without_a_site_says_to_build_first(tmp_path, capsys):
    assert main(["lectures", "serve", "--site", str(tmp_path)]) == 2
    assert "run `course lectures build` first" in capsys.readouterr().err


# ---- slow: the built site ----

@pytest.mark.slow
def test_every_lecture_page_exists_with_figures_and_self_checks(site, course):
    for assignment_id in lecture_ids(course):
        page = Page(site / f"{assignment_id}.html")
        assert len(page.images) >= MIN_FIGURES, assignment_id
        assert page.dropdowns >= MIN_SELF_CHECKS, assignment_id
        assert page.math > 0, assignment_id
        for src in page.images:
            assert (site / unquote(src)).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", src


@pytest.mark.slow
def test_every_lecture_links_to_its_assignment_notebook(site, course):
    for assignment in course.assignments:
        notebook = ROOT / assignment.notebook
        links = [link for link in Page(site / f"{assignment.id}.html").links
                 if link.endswith(notebook.name)]
        assert links, f"{assignment.id} has no link to {notebook.name}"
        for link in links:
            assert (site / unquote(link)).read_bytes() == notebook.read_bytes()


@pytest.mark.slow
def test_every_internal_link_resolves(site):
    checked = 0
    for html_file in site.glob("*.html"):  # the pages (_static holds templates, not pages)
        page = Page(html_file)
        for link in page.links + page.images:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:")):
                continue
            target = (html_file.parent / unquote(parts.path)).resolve() if parts.path else html_file
            assert target.is_file(), f"{html_file.name}: broken link {link}"
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in Page(target).ids, f"{html_file.name}: no #{parts.fragment}"
            checked += 1
    assert checked > 100


@pytest.mark.slow
def test_the_site_shows_no_reference_code(site, course):
    notebooks = [ROOT / a.notebook for a in course.assignments]
    assert find_leaks(site, reference_fingerprints(public=notebooks)) == {}
    sources = [p for p in site.rglob("*") if p.is_file()
               and (p.suffix in {".md", ".py"} or "_sources" in p.parts)]
    assert sources == [], "page sources were copied into the site"
    for notebook in site.rglob("*.ipynb"):  # only the students' own notebooks
        assert notebook.name in {Path(a.notebook).name for a in course.assignments}
    # the control: the executed lectures, kept outside the site, do import the references
    executed = site.parent / "jupyter_execute"
    assert all("from solutions" in find_leaks(executed).get(f"{a}.ipynb", [])
               for a in lecture_ids(course))


@pytest.fixture(scope="module")
def served_site(site):
    server = make_server(site, port=0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_the_served_site_renders_math_and_figures_in_chromium(served_site, site, course,
                                                              tmp_path):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: `make system-deps` installs it"
    outside = []

    def only_localhost(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.route("**/*", only_localhost)
        for assignment_id in lecture_ids(course):
            page.goto(f"{served_site}/{assignment_id}.html", wait_until="load")
            page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
            page.evaluate("MathJax.startup.promise")
            expected_math = Page(site / f"{assignment_id}.html").math
            assert page.locator("mjx-container").count() >= expected_math, assignment_id
            assert page.locator("mjx-merror").count() == 0, assignment_id
            images = page.eval_on_selector_all(
                "main img", "imgs => imgs.map(i => i.complete && i.naturalWidth)")
            assert len(images) >= MIN_FIGURES and all(images), (assignment_id, images)
            nav = page.eval_on_selector_all("nav a", "links => links.map(a => a.textContent)")
            assert sum("Sequence models" in text for text in nav) >= 1  # the sidebar
        shot = tmp_path / "a1-activations.png"
        page.goto(f"{served_site}/a1-activations.html", wait_until="load")
        page.evaluate("MathJax.startup.promise")
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
    assert outside == [], f"the site asked for outside resources: {outside[:3]}"


@pytest.mark.slow
def test_course_lectures_serve_serves_the_site(site):
    server = subprocess.Popen(
        [sys.executable, "-m", "autograder", "lectures", "serve", "--site", str(site),
         "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert line.startswith("serving "), line
        url = line.split(" at ")[1].split()[0]
        with urlopen(url + "a2-optimization.html", timeout=10) as response:
            assert "Regularisation and optimisation" in response.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=10)
