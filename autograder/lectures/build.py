"""Build the lecture site with Sphinx and MyST-NB, then prove it leaks no reference code.

Sphinx runs in a child process: each lecture's cells run in a fresh Jupyter kernel that
imports the references from the course folder, and a failing cell or a broken link fails
the build (Sphinx's ``-W``). Every build reads every page afresh (``-E``), so the figures
always come from the references as they are now.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from myst_nb.core.read import read_myst_markdown_notebook

from ..config import CourseConfig
from ..leaks import find_leaks, reference_fingerprints

HIDING_TAGS = {"remove-cell", "remove-input"}
SITE_FOLDER = "html"


class LectureBuildError(Exception):
    """The site could not be built; ``log`` holds what Sphinx printed, if it ran."""

    def __init__(self, message: str, log: str = ""):
        super().__init__(message)
        self.log = log


@dataclass(frozen=True)
class Site:
    """A built site: its folder, its lecture pages and figures, and how long it took."""

    root: Path
    pages: list[str]
    figures: list[str]
    seconds: float

    def to_json(self) -> dict:
        return {"site": str(self.root), "index": str(self.root / "index.html"),
                "pages": self.pages, "figures": len(self.figures),
                "seconds": round(self.seconds, 1)}


def build_site(course: CourseConfig, course_dir: Path, out_dir: Path) -> Site:
    """Build ``course_dir/lectures`` into ``out_dir/html``: one lecture per assignment."""
    start = time.monotonic()
    source = course_dir / "lectures"
    assignment_ids = [a.id for a in course.assignments]
    check_sources(source, assignment_ids)
    site = out_dir / SITE_FOLDER
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going", "-E",
         "-d", str(out_dir / "doctrees"), str(source), str(site)],
        cwd=course_dir, env=_kernel_env(course_dir), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, check=False)
    if result.returncode != 0:
        raise LectureBuildError(f"Sphinx failed (exit {result.returncode}): "
                                f"{_first_problem(result.stdout)}", result.stdout)
    notebooks = [course_dir / a.notebook for a in course.assignments]
    leaks = find_leaks(site, reference_fingerprints(public=notebooks))
    if leaks:
        first, found = next(iter(leaks.items()))
        raise LectureBuildError(f"the site shows reference code: {first} contains {found[0]!r} "
                                f"({len(leaks)} files in all)")
    return Site(root=site, pages=sorted(f"{i}.html" for i in ["index", *assignment_ids]),
                figures=sorted(p.name for p in (site / "_images").glob("*.png")),
                seconds=time.monotonic() - start)


def check_sources(source: Path, assignment_ids: list[str]) -> None:
    """Every assignment has its lecture, and every cell that uses the references is hidden."""
    if not (source / "conf.py").is_file():
        raise LectureBuildError(f"{source}: no lectures here (no conf.py)")
    for assignment_id in assignment_ids:
        lecture = source / f"{assignment_id}.md"
        if not lecture.is_file():
            raise LectureBuildError(f"{lecture}: missing (one lecture per assignment)")
        notebook = read_myst_markdown_notebook(lecture.read_text(encoding="utf-8"))
        for number, cell in enumerate(notebook.cells):
            tags = set(cell.metadata.get("tags", []))
            if cell.cell_type == "code" and "solutions" in cell.source and not tags & HIDING_TAGS:
                raise LectureBuildError(
                    f"{lecture}: cell {number} uses the references but shows its code; "
                    f"tag it remove-cell or remove-input")


def _kernel_env(course_dir: Path) -> dict[str, str]:
    """The environment of Sphinx and its kernels: the course folder first on the import path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(course_dir), env.get("PYTHONPATH")]))
    return env


def _first_problem(log: str) -> str:
    """The first warning or error line of a Sphinx log (the log's last line if none)."""
    lines = [line for line in log.splitlines() if line.strip()]
    for line in lines:
        if "WARNING" in line or "ERROR" in line or "Error" in line:
            return line.strip()
    return lines[-1].strip() if lines else "no output"
