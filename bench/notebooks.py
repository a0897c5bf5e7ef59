"""A submission as a notebook: a released notebook with its solution cells filled.

The same code goes into nbgrader's released notebook (graded by ``course grade`` and by
``nbgrader autograde``) and into otter's student notebook (graded by ``otter run``): the
first solution cell gets the whole ``.py`` submission, each later one the definitions of
its own functions again, so every cell runs as a student's would.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat


def definitions(source: str) -> dict[str, str]:
    """The source of each top-level function of a submission, by name."""
    tree = ast.parse(source)
    return {node.name: ast.get_source_segment(source, node) for node in tree.body
            if isinstance(node, ast.FunctionDef)}


def filled(notebook: Path, source: str):
    """``notebook`` (an nbformat node) with its solution cells holding ``source``."""
    nb = nbformat.read(notebook, as_version=4)
    defined = definitions(source)
    first = True
    for cell in nb.cells:
        course = cell.metadata.get("course", {})
        if course.get("role") != "solution":
            continue
        if first:
            cell.source, first = source, False
            continue
        own = [defined[f] for f in course.get("functions", []) if f in defined]
        if own:
            cell.source = "\n\n\n".join(own) + "\n"
    if first:
        raise ValueError(f"{notebook} has no solution cell")
    return nb


def write_filled(notebook: Path, source: str, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(filled(notebook, source), target)
    return target
