"""Check an upload before it is accepted: its name, size, format and assignment."""

from __future__ import annotations

import re

from .. import exercises
from ..config import CourseConfig
from ..submission import decode_text, read_notebook
from .errors import ApiError

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
SUFFIXES = (".ipynb", ".py")


def safe_filename(name: str | None) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = SAFE_NAME.sub("_", base).lstrip(".")[-100:]
    if not base.endswith(SUFFIXES):
        raise ApiError(422, "unsupported_file_type",
                       f"upload a .ipynb notebook or a .py file (got {name!r})")
    return base


def check_upload(course: CourseConfig, filename: str | None, content: bytes,
                 assignment: str | None, max_bytes: int) -> tuple[str, str]:
    """The assignment id and the safe file name of an acceptable upload; ApiError if not."""
    name = safe_filename(filename)
    if len(content) > max_bytes:
        raise ApiError(413, "file_too_large",
                       f"{name} is {len(content)} bytes; the limit is {max_bytes} bytes")
    if not content.strip():
        raise ApiError(422, "empty_file", f"{name} is empty")
    if name.endswith(".ipynb"):
        text, _ = decode_text(content, name)
        notebook = read_notebook(text, name)
        if not notebook.cells and notebook.problems:
            raise ApiError(422, "malformed_notebook", notebook.problems[0])
        assignment = assignment or notebook.assignment
    if not assignment:
        raise ApiError(422, "missing_assignment",
                       "say which assignment this is (the form field 'assignment')")
    try:
        course.assignment(assignment)
    except exercises.UnknownAssignment:
        known = ", ".join(a.id for a in course.assignments)
        raise ApiError(422, "unknown_assignment",
                       f"no assignment {assignment!r} in this course; its assignments: "
                       f"{known}") from None
    return assignment, name
