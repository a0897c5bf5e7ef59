"""An assignment notebook plus its references -> nbgrader's source notebook.

The student notebook in ``assignments/`` and the references in ``solutions/`` stay the only
sources. Each stub's ``# YOUR CODE HERE / raise NotImplementedError()`` becomes the
reference's body between nbgrader's solution delimiters (with the private helpers and
imports it uses), so nbgrader's release turns it back into the same stub. Every check becomes
an autograded test cell; a hidden check's call sits between the hidden-tests delimiters.
"""

from __future__ import annotations

import ast
import copy
import inspect
import re
from pathlib import Path

import nbformat

from .. import exercises
from ..config import AssignmentConfig
from .grade_cells import grade_cells

STUB = re.compile(r"^(?P<indent>[ \t]+)# YOUR CODE HERE\n"
                  r"(?P=indent)raise NotImplementedError\(\)[ \t]*$", re.MULTILINE)

GRADED_CHECKS_INTRO = """## Graded checks

Each cell below is one check of the grader, worth the points nbgrader shows. The public
ones run here, in your kernel, like `run_checks`. The hidden ones are empty in your copy:
they compare your functions with the reference on many random inputs after you submit,
in a separate sandboxed process. Do not edit or delete these cells."""


class BuildError(ValueError):
    """The notebook and the references do not fit together; the message says where."""


def nbgrader_metadata(grade_id: str, *, solution=False, grade=False, locked=False,
                      points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def nbgrader_region(body: str, indent: str) -> str:
    return f"{indent}### BEGIN SOLUTION\n{body}\n{indent}### END SOLUTION"


def build_source_notebook(notebook: Path, assignment: AssignmentConfig):
    """The nbgrader source notebook of ``assignment`` (an nbformat node)."""
    nb = nbformat.read(notebook, as_version=4)
    references = exercises.references(assignment.id)
    module = ReferenceModule(inspect.getsource(references), set(exercises.spec(
        assignment.id).functions))
    source = copy.deepcopy(nb)
    source.cells = []
    solved = set()
    for number, cell in enumerate(nb.cells):
        cell = copy.deepcopy(cell)
        role = cell.metadata.get("course", {}).get("role")
        if role == "solution":
            functions = cell.metadata["course"]["functions"]
            cell.source = module.solve(cell.source, functions, notebook)
            cell.metadata["nbgrader"] = nbgrader_metadata(f"{'-'.join(functions)}-solution",
                                                          solution=True)
            solved.update(functions)
        elif role in ("setup", "checks"):
            cell.metadata["nbgrader"] = nbgrader_metadata(f"{role}-{number}", locked=True)
        source.cells.append(cell)
    missing = [e.function for e in assignment.exercises if e.function not in solved]
    if missing:
        raise BuildError(f"{notebook}: no solution cell for {', '.join(missing)}")
    source.cells.append(nbformat.v4.new_markdown_cell(
        GRADED_CHECKS_INTRO, metadata={"nbgrader": nbgrader_metadata(
            "graded-checks-intro", locked=True)}))
    # role "checks": the grader skips these cells when it runs a submission's code
    source.cells.append(nbformat.v4.new_code_cell(
        "from autograder.notebook import grade_check", metadata={
            "course": {"role": "checks"},
            "nbgrader": nbgrader_metadata("graded-checks-import", locked=True)}))
    for cell in grade_cells(assignment):
        if cell.hidden:
            text = (f"# Hidden check of {cell.function}: it runs when your submission is "
                    f"graded.\n### BEGIN HIDDEN TESTS\n{cell.call}\n### END HIDDEN TESTS")
        else:
            text = cell.call
        source.cells.append(nbformat.v4.new_code_cell(text, metadata={
            "course": {"role": "checks"},
            "nbgrader": nbgrader_metadata(cell.grade_id, grade=True, locked=True,
                                          points=cell.points)}))
    return source


class ReferenceModule:
    """The source of a references module: a function's body and what it needs from around it."""

    def __init__(self, text: str, contract_functions: set[str]):
        self.lines = text.splitlines()
        self.tree = ast.parse(text)
        self.contract = contract_functions
        self.definitions: dict[str, ast.stmt] = {}
        for stmt in self.tree.body:
            for name in defined_names(stmt):
                self.definitions[name] = stmt

    def solve(self, cell_source: str, functions: list[str], where: Path, *,
              region=nbgrader_region) -> str:
        """Each stub becomes ``region(reference body, indent)``: by default the body between
        nbgrader's solution delimiters (the otter export passes its own)."""
        for function in functions:
            start = re.search(rf"^def {re.escape(function)}\(", cell_source, re.MULTILINE)
            stub = STUB.search(cell_source, start.end()) if start else None
            if stub is None:
                raise BuildError(f"{where}: the stub of {function} does not end with "
                                 "'# YOUR CODE HERE' and 'raise NotImplementedError()'")
            indent = stub.group("indent")
            solved = region(self.body(function, indent), indent)
            cell_source = cell_source[:stub.start()] + solved + cell_source[stub.end():]
        return cell_source

    def body(self, function: str, indent: str) -> str:
        """The reference's body (no docstring), after the module-level code it uses."""
        node = self.definitions.get(function)
        if not isinstance(node, ast.FunctionDef):
            raise BuildError(f"the references define no function {function}")
        statements = node.body[1:] if ast.get_docstring(node) is not None else node.body
        own = self.segment(statements[0].lineno, node.end_lineno)
        uses: set[ast.stmt] = set()
        for statement in statements:
            self.needs(statement, uses)
        needed = sorted(uses, key=lambda s: s.lineno)
        prelude = [self.segment(s.lineno, s.end_lineno, indent) for s in needed]
        return "\n".join([*prelude, own])

    def needs(self, node: ast.AST, seen: set | None = None) -> set[ast.stmt]:
        """Module-level statements (not contract functions) that ``node`` uses, transitively."""
        seen = set() if seen is None else seen
        for name in used_names(node):
            stmt = self.definitions.get(name)
            if stmt is None or stmt in seen or name in self.contract:
                continue
            seen.add(stmt)
            self.needs(stmt, seen)
        return seen

    def segment(self, first: int, last: int, indent: str = "") -> str:
        return "\n".join(indent + line if line.strip() else line
                         for line in self.lines[first - 1:last])


def defined_names(stmt: ast.stmt) -> list[str]:
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        return [(a.asname or a.name).split(".")[0] for a in stmt.names]
    if isinstance(stmt, ast.FunctionDef | ast.ClassDef):
        return [stmt.name]
    if isinstance(stmt, ast.Assign | ast.AnnAssign):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        return [t.id for t in targets if isinstance(t, ast.Name)]
    return []


def used_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
