"""The submissions a benchmark grades, per assignment, written as ``.py`` files.

Correct ones in several styles (the reference itself and the hand-written ``correct_*``
files of tests/submissions), typical mistakes written by hand (``bug_*``) and planted
mutations of the reference (``bench.mutants``). The choice is deterministic for a seed.
"""

from __future__ import annotations

import inspect
import random
from dataclasses import dataclass
from pathlib import Path

from autograder import exercises

from .mutants import mutants

ROOT = Path(__file__).resolve().parent.parent
PLANTED = ROOT / "tests" / "submissions"


@dataclass(frozen=True)
class BenchSubmission:
    assignment: str
    name: str   # unique within the assignment; also the nbgrader student id
    kind: str   # "correct", "bug" (written by hand) or "mutant" (planted)
    source: str
    origin: str  # where it comes from: a file, or the mutation and its line


def reference_source(assignment: str) -> str:
    return inspect.getsource(exercises.references(assignment))


def submission_set(assignment: str, *, correct: int, bugs: int, mutated: int,
                   seed: int) -> list[BenchSubmission]:
    """Up to ``correct`` correct ones (the reference first), ``bugs`` hand-written mistakes
    and ``mutated`` planted ones; the hand-written files are drawn with ``seed``."""
    rng = random.Random(f"{seed}:{assignment}")
    folder = PLANTED / assignment
    styles = sorted(folder.glob("correct_*.py"))
    mistakes = sorted(folder.glob("bug_*.py"))
    rng.shuffle(styles)
    rng.shuffle(mistakes)
    reference = reference_source(assignment)
    out = [BenchSubmission(assignment, "reference", "correct", reference,
                           f"solutions/{exercises.references(assignment).__name__}")]
    out += [_from_file(assignment, path, "correct") for path in styles[:max(0, correct - 1)]]
    out += [_from_file(assignment, path, "bug") for path in mistakes[:bugs]]
    functions = set(exercises.spec(assignment).functions)
    out += [BenchSubmission(assignment, m.name, "mutant", m.source,
                            f"{m.operator} in {m.function}, line {m.line} of the reference")
            for m in mutants(reference, mutated, seed, functions=functions)]
    return out


def _from_file(assignment: str, path: Path, kind: str) -> BenchSubmission:
    return BenchSubmission(assignment, path.stem, kind, path.read_text(),
                           str(path.relative_to(ROOT)))


def write_python(submissions: list[BenchSubmission], folder: Path) -> dict[str, Path]:
    """Each submission as ``folder/NAME.py``; the paths by name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for sub in submissions:
        paths[sub.name] = folder / f"{sub.name}.py"
        paths[sub.name].write_text(sub.source)
    return paths
