"""The course's assignments: for each, its functions, its public and its hidden checks.

Each assignment is a package ``autograder.exercises.<id with underscores>`` with:
- ``__init__.py``: ``FUNCTIONS`` (name -> the contract's signature) and ``LIBRARIES``;
- ``public.py``: checks that need no reference (shipped to students);
- ``hidden.py``: checks that compare with the reference in ``solutions/`` (never shipped).
"""

from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass
from types import ModuleType

from ..checks.model import CheckList

ASSIGNMENT_IDS = (
    "a1-activations",
    "a2-optimization",
    "a3-detection",
    "a4-triplet-loss",
    "a5-sequence-models",
)


class UnknownAssignment(LookupError):
    def __str__(self) -> str:
        return (f"unknown assignment {self.args[0]!r}; known assignments: "
                f"{', '.join(ASSIGNMENT_IDS)}")


def module_name(assignment_id: str) -> str:
    if assignment_id not in ASSIGNMENT_IDS:
        raise UnknownAssignment(assignment_id)
    return assignment_id.replace("-", "_")


@dataclass(frozen=True)
class AssignmentSpec:
    id: str
    functions: dict[str, str]
    libraries: tuple[str, ...]

    @property
    def uses_torch(self) -> bool:
        return "torch" in self.libraries

    def parameters(self, function: str) -> list[str]:
        """The contract's parameter names of ``function``, in order."""
        tree = ast.parse(f"def {function}{self.functions[function]}: pass")
        return [a.arg for a in tree.body[0].args.args]


def package_name(assignment_id: str) -> str:
    return f"{__name__}.{module_name(assignment_id)}"


def spec(assignment_id: str) -> AssignmentSpec:
    package = importlib.import_module(package_name(assignment_id))
    return AssignmentSpec(assignment_id, dict(package.FUNCTIONS), tuple(package.LIBRARIES))


def public_checks(assignment_id: str) -> CheckList:
    return importlib.import_module(f"{package_name(assignment_id)}.public").CHECKS


def hidden_checks(assignment_id: str) -> CheckList:
    return importlib.import_module(f"{package_name(assignment_id)}.hidden").CHECKS


def references(assignment_id: str) -> ModuleType:
    return importlib.import_module(f"solutions.{module_name(assignment_id)}")


def assignment_of_function(function: str) -> str | None:
    """The assignment whose contract names ``function`` (used by notebook checks)."""
    for assignment_id in ASSIGNMENT_IDS:
        if function in spec(assignment_id).functions:
            return assignment_id
    return None
