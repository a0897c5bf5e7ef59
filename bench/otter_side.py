"""``otter run`` on the benchmark's submissions, from the assignment ``course export-otter``
writes: one process per submission, as otter grades outside Docker."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from autograder.config import CourseConfig
from autograder.instructor.otter import export_otter

from .notebooks import write_filled
from .submissions import BenchSubmission

HIDDEN_CASE = re.compile(r"^@test_case\([^)]*hidden=True", re.MULTILINE)


def export(course: CourseConfig, assignment_id: str, out: Path) -> tuple[Path, Path]:
    """The autograder zip and the student notebook that otter assign wrote."""
    autograder_zip = export_otter(course, course.assignment(assignment_id), out,
                                  run_tests=False)
    return autograder_zip, out / "dist" / "student" / f"{assignment_id}.ipynb"


def hidden_cases(autograder_zip: Path) -> dict[str, int]:
    """The hidden test cases of each question (function) in the autograder zip; otter runs
    every case of a question."""
    counts: dict[str, int] = {}
    with zipfile.ZipFile(autograder_zip) as archive:
        for name in archive.namelist():
            if name.startswith("tests/") and name.endswith(".py"):
                text = archive.read(name).decode()
                counts[Path(name).stem] = len(HIDDEN_CASE.findall(text))
    return counts


def run(autograder_zip: Path, student_notebook: Path, sub: BenchSubmission, folder: Path
        ) -> dict:
    """``otter run`` on one submission: its wall time and otter's score."""
    notebook = write_filled(student_notebook, sub.source,
                            folder / sub.name / student_notebook.name)
    command = [sys.executable, "-m", "otter", "run", "-a", str(autograder_zip), "-o",
               str(notebook.parent), "--no-logo", str(notebook)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        return {"seconds": seconds, "error": (done.stdout + done.stderr)[-2000:]}
    results = json.loads((notebook.parent / "results.json").read_text())
    score = sum(t.get("score") or 0 for t in results["tests"])
    return {"seconds": seconds, "score": score}
