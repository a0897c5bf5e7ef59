"""The nbgrader course folder of course.yml, and nbgrader's own commands run on it.

Everything nbgrader does (generate, release, collect, feedback delivery) goes through its
real command line, with the course folder, course id, exchange and gradebook set here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..config import AssignmentConfig, CourseConfig
from .source_notebook import build_source_notebook


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message holds the end of what it printed."""


def tool_environment() -> dict[str, str]:
    """This environment with this Python's folder first on PATH: nbgrader runs helper
    programs (alembic) by name, and they live beside the Python that has nbgrader."""
    return {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent),
                                                   os.environ.get("PATH", "")])}


@dataclass
class NbgraderCourse:
    root: Path
    course_id: str
    exchange: Path
    db_url: str

    @classmethod
    def of(cls, course: CourseConfig, *, root: Path | None = None,
           exchange: Path | None = None) -> NbgraderCourse:
        settings = course.nbgrader
        root = Path(root or course.path(settings.directory)).resolve()
        return cls(root=root, course_id=settings.course_id,
                   exchange=Path(exchange or settings.exchange).resolve(),
                   db_url=settings.db_url or f"sqlite:///{root / 'gradebook.db'}")

    def folder(self, step: str, assignment_id: str, student: str | None = None) -> Path:
        """``source/ID``, ``release/ID``, or ``submitted/STUDENT/ID`` (and autograded, feedback)."""
        if student is None:
            return self.root / step / assignment_id
        return self.root / step / student / assignment_id

    def notebook_name(self, assignment_id: str) -> str:
        return assignment_id

    def write_config(self) -> Path:
        """nbgrader_config.py, so that plain ``nbgrader`` commands in the folder agree with us."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / "nbgrader_config.py"
        path.write_text(
            "# Written by `course build`: the same settings as course.yml's nbgrader section.\n"
            "c = get_config()  # noqa: F821\n"
            f"c.CourseDirectory.root = {str(self.root)!r}\n"
            f"c.CourseDirectory.course_id = {self.course_id!r}\n"
            f"c.CourseDirectory.db_url = {self.db_url!r}\n"
            f"c.Exchange.root = {str(self.exchange)!r}\n")
        return path

    def build(self, course: CourseConfig, assignment: AssignmentConfig) -> Path:
        """Write the source notebook of ``assignment`` (replacing the folder's notebooks)."""
        self.write_config()
        folder = self.folder("source", assignment.id)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.ipynb"):
            stale.unlink()
        notebook = folder / f"{self.notebook_name(assignment.id)}.ipynb"
        nbformat.write(build_source_notebook(course.path(assignment.notebook), assignment),
                       notebook)
        return notebook

    def run(self, *args: str, cwd: Path | None = None) -> str:
        """Run ``nbgrader ARGS`` with this course's settings; its output, or NbgraderError."""
        self.exchange.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "nbgrader", *args,
                   f"--CourseDirectory.root={self.root}",
                   f"--CourseDirectory.course_id={self.course_id}",
                   f"--CourseDirectory.db_url={self.db_url}",
                   f"--Exchange.root={self.exchange}"]
        done = subprocess.run(command, cwd=cwd or self.root, capture_output=True, text=True,
                              env=tool_environment())
        output = done.stdout + done.stderr
        if done.returncode != 0:
            tail = "\n".join(output.strip().splitlines()[-15:])
            raise NbgraderError(f"nbgrader {args[0]} failed (exit {done.returncode}):\n{tail}")
        return output

    def validate(self, assignment_id: str) -> str:
        return self.run("validate", *map(str, sorted(self.folder("source", assignment_id)
                                                     .glob("*.ipynb"))))

    def release(self, assignment_id: str) -> str:
        """nbgrader generate_assignment (stubs, hidden tests removed) and release_assignment."""
        return (self.run("generate_assignment", assignment_id, "--force")
                + self.run("release_assignment", assignment_id, "--force"))

    def collect(self, assignment_id: str) -> str:
        return self.run("collect", assignment_id, "--update")

    def release_feedback(self, assignment_id: str) -> str:
        return self.run("release_feedback", assignment_id)

    def submissions(self, assignment_id: str, students: list[str] | None = None
                    ) -> dict[str, Path]:
        """Each collected student's notebook of the assignment, by student id."""
        found = {}
        for folder in sorted((self.root / "submitted").glob(f"*/{assignment_id}")):
            student = folder.parent.name
            if students and student not in students:
                continue
            preferred = folder / f"{self.notebook_name(assignment_id)}.ipynb"
            notebooks = [preferred] if preferred.is_file() else sorted(folder.glob("*.ipynb"))
            if notebooks:
                found[student] = notebooks[0]
        return found
