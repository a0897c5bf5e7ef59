"""Find reference code in built files: the site must never show how the references work.

A fingerprint is one line of a reference function's body (not its docstring) that is long
enough to be distinctive, or an import of the references. Lines that the students' own material
already shows (a formula in a notebook's recap) are public and are not fingerprints. HTML is
compared as the text a reader sees, so syntax-highlighted code is found as well.
"""

from __future__ import annotations

import ast
import html
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
    fingerprints = set()
    for module in sorted(package_dir.glob("*.py")):
        source = module.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                fingerprints.update(_body_lines(node, lines))
    public_text = "\n".join(visible_text(path) for path in public)
    return {line for line in fingerprints if line not in public_text} | set(IMPORT_FINGERPRINTS)


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
    """The file's text with whitespace runs collapsed; for HTML, without tags or entities."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".html":
        text = html.unescape(re.sub(r"<[^>]*>", "", text))
    return _normalise(text)


def _normalise(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text).strip()
