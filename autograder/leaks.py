"""Find reference code and hidden checks in what students receive (the lecture site, a
release): nothing built for students may show how the references or hidden checks work.

A fingerprint is one line of a function's body (not its docstring) that is long enough to be
distinctive, or an import of the references. Lines that the students' own material already
shows (a formula in a notebook's recap) are public and are not fingerprints. HTML is compared
as the text a reader sees, so syntax-highlighted code is found as well; a notebook as the text
of its cells and outputs.
"""

from __future__ import annotations

import ast
import html
import json
import re
from collections.abc import Sequence
from pathlib import Path

import solutions

MIN_LINE_CHARS = 20  # shorter lines ("return out", "t = state['t']") are not distinctive
IMPORT_FINGERPRINTS = ("import solutions", "from solutions")
TEXT_SUFFIXES = {".html", ".js", ".json", ".txt", ".ipynb", ".md", ".py", ".inv", ".css"}


def reference_fingerprints(public: Sequence[Path] = (),
                           package_dir: Path | None = None) -> set[str]:
    """Distinctive body lines of every reference function, plus the imports of the references.

    A line that the text of a ``public`` file (an assignment notebook) contains is left out.
    """
    package_dir = package_dir or Path(solutions.__file__).parent
    return code_fingerprints(sorted(package_dir.glob("*.py")), public) | set(IMPORT_FINGERPRINTS)


def code_fingerprints(modules: Sequence[Path], public: Sequence[Path] = ()) -> set[str]:
    """Distinctive body lines of every function (nested ones too) of these source files."""
    fingerprints = set()
    for module in modules:
        source = module.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                fingerprints.update(_body_lines(node, lines))
    public_text = "\n".join(visible_text(path) for path in public)
    return {line for line in fingerprints if line not in public_text}


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> set[str]:
    """The lines of a function's body, without its docstring and comments."""
    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
    numbers = set()
    for statement in body:
        numbers.update(range(statement.lineno, statement.end_lineno + 1))
    found = set()
    for number in numbers:
        line = _normalise(lines[number - 1].split("#")[0])
        if len(line) >= MIN_LINE_CHARS:
            found.add(line)
    return found


def find_leaks(site_dir: Path, fingerprints: set[str] | None = None) -> dict[str, list[str]]:
    """{file relative to site_dir: fingerprints it contains}, for every text file of the site."""
    fingerprints = fingerprints if fingerprints is not None else reference_fingerprints()
    leaks = {}
    for path in sorted(site_dir.rglob("*")):
        if not path.is_file() or path.suffix not in TEXT_SUFFIXES:
            continue
        text = visible_text(path)
        found = sorted(f for f in fingerprints if f in text)
        if found:
            leaks[str(path.relative_to(site_dir))] = found
    return leaks


def visible_text(path: Path) -> str:
    """The file's text with whitespace runs collapsed; for HTML, without tags or entities;
    for a notebook, its cells' sources and text outputs (not JSON-escaped strings)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".html":
        text = html.unescape(re.sub(r"<[^>]*>", "", text))
    elif path.suffix == ".ipynb":
        text = _notebook_text(text)
    return _normalise(text)


def _notebook_text(text: str) -> str:
    try:
        cells = json.loads(text).get("cells", [])
    except (ValueError, AttributeError):
        return text
    parts = [text]  # the raw file too: metadata and anything else in it
    for cell in cells if isinstance(cells, list) else []:
        parts.append(_joined(cell.get("source", "")))
        for output in cell.get("outputs", []):
            parts.append(_joined(output.get("text", "")))
            parts.extend(_joined(v) for v in output.get("data", {}).values())
    return "\n".join(parts)


def _joined(value) -> str:
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


def _normalise(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text).strip()
