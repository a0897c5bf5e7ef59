"""Read a submission (a notebook or a .py file) into the code cells the grader runs.

Reading never fails on a bad file: it returns what it could recover and a list of
problems, so that a broken notebook still gets graded on everything it did not break.
"""

from __future__ import annotations

import ast
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

MAGIC_LINE = re.compile(r"^[%!]")
TOP_LEVEL_START = re.compile(r"^(?:@|def |async def |class )")


@dataclass
class Cell:
    name: str
    source: str

    def as_wire(self) -> dict:
        return {"name": self.name, "source": self.source}


@dataclass
class Submission:
    cells: list[Cell] = field(default_factory=list)
    assignment: str | None = None
    problems: list[str] = field(default_factory=list)


class SubmissionError(Exception):
    """The file cannot be graded at all (missing, or not a notebook or .py file)."""


def read_submission(path: Path, *, max_bytes: int = 20 << 20) -> Submission:
    path = Path(path)
    if not path.is_file():
        raise SubmissionError(f"{path}: no such file")
    if path.suffix not in (".ipynb", ".py"):
        raise SubmissionError(f"{path}: a submission must be a .ipynb notebook or a .py file")
    size = path.stat().st_size
    if size > max_bytes:
        return Submission(problems=[f"{path.name} is {size / 1e6:.1f} MB, over the "
                                    f"{max_bytes / 1e6:.0f} MB limit: nothing was graded"])
    raw = path.read_bytes()
    text, problems = decode_text(raw, path.name)
    sub = read_python(text, path.name) if path.suffix == ".py" else read_notebook(text, path.name)
    sub.problems[:0] = problems
    return sub


def decode_text(raw: bytes, name: str) -> tuple[str, list[str]]:
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        return raw.decode("utf-8", errors="replace"), [
            f"{name} is not valid UTF-8 (first bad byte at offset {exc.start}); "
            "undecodable bytes were replaced"]


def read_python(text: str, name: str) -> Submission:
    """A .py file is one cell; if it does not parse, its top-level blocks are graded apart."""
    try:
        ast.parse(text)
        return Submission(cells=[Cell(name, text)])
    except SyntaxError as exc:
        problem = f"{name}: SyntaxError at line {exc.lineno}: {exc.msg}"
    cells = [Cell(f"{name}, lines {start}-{end}", source)
             for start, end, source in top_level_blocks(text)]
    return Submission(cells=cells, problems=[problem + "; the blocks around it are still graded"])


def top_level_blocks(text: str):
    """Split source at unindented ``def``/``class``/decorator lines: (first, last, text)."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for i, line in enumerate(lines):
        if i and TOP_LEVEL_START.match(line) and not lines[i - 1].startswith("@"):
            starts.append(i)
    starts.append(len(lines))
    for a, b in itertools.pairwise(starts):
        if a < b:
            # pad with blank lines so that tracebacks show the file's own line numbers
            yield a + 1, b, "\n" * a + "".join(lines[a:b])


def read_notebook(text: str, name: str) -> Submission:
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        return Submission(problems=[f"{name} is not a valid notebook: its JSON is broken at "
                                    f"line {exc.lineno}, column {exc.colno} ({exc.msg})"])
    if not isinstance(nb, dict):
        return Submission(problems=[f"{name} is not a valid notebook (no JSON object)"])
    problems = []
    major = nb.get("nbformat")
    raw_cells = nb.get("cells")
    if raw_cells is None and isinstance(nb.get("worksheets"), list):  # nbformat 3
        raw_cells = [c for ws in nb["worksheets"] if isinstance(ws, dict)
                     for c in ws.get("cells", [])]
        problems.append(f"{name} uses the old notebook format {major}; it was read anyway")
    if not isinstance(raw_cells, list):
        return Submission(problems=[f"{name} is not a valid notebook (it has no cells)"])
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    course_meta = meta.get("course") if isinstance(meta.get("course"), dict) else {}
    assignment = course_meta.get("assignment")
    cells = []
    for index, cell in enumerate(raw_cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        cell_meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        role = (cell_meta.get("course") or {}).get("role") if isinstance(
            cell_meta.get("course"), dict) else None
        if role == "checks":
            continue
        source = cell.get("source", cell.get("input", ""))
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            problems.append(f"cell {index} has no readable source; it was skipped")
            continue
        if source.lstrip().startswith("%%"):
            problems.append(f"cell {index} is a cell magic ({source.split()[0]}); it was skipped")
            continue
        source = "".join("\n" if MAGIC_LINE.match(line) else line
                         for line in source.splitlines(keepends=True))
        cells.append(Cell(f"cell {index}", source))
    return Submission(cells=cells, assignment=assignment if isinstance(assignment, str) else None,
                      problems=problems)
