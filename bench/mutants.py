"""Typical student mistakes, planted in a reference by one small change of its syntax tree.

Each mutant changes one place: an operator swapped, a comparison's boundary or direction
flipped, an integer off by one, a float constant changed, a clamp (clip, maximum, abs...)
dropped, a negation dropped or a boolean flipped. Sites are numbered in ``ast.walk`` order
and drawn with a seeded generator, so the same seed gives the same mutants.
"""

from __future__ import annotations

import ast
import copy
import random
from dataclasses import dataclass

SWAPPED_OPERATORS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
                     ast.Pow: ast.Mult, ast.FloorDiv: ast.Div}
SHIFTED_BOUNDARIES = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
                      ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}
REVERSED_COMPARISONS = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE}
CLAMPS = {"clip", "clamp", "clamp_", "clamp_min", "clamp_max", "maximum", "minimum", "abs",
          "max", "min", "nan_to_num"}


@dataclass(frozen=True)
class Mutant:
    name: str       # e.g. "mutant-03-swap-operator-sigmoid"
    operator: str
    function: str   # the top-level function the change is in
    line: int
    source: str


def _swap_operator(node):
    if isinstance(node, ast.BinOp) and type(node.op) in SWAPPED_OPERATORS:
        node.op = SWAPPED_OPERATORS[type(node.op)]()
        return node
    return None


def _comparison(table):
    """A mutation that replaces a single comparison's operator as ``table`` says."""
    def mutate(node):
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in table:
            node.ops = [table[type(node.ops[0])]()]
            return node
        return None
    return mutate


def _off_by_one(node):
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return ast.Constant(node.value + 1)
    return None


def _change_constant(node):
    if isinstance(node, ast.Constant) and type(node.value) is float:
        return ast.Constant(node.value * 10 if node.value else 1e-3)
    return None


def _drop_clamp(node):
    """np.clip(x, a, b) -> x, abs(x) -> x; as a method, x.clamp_(min=0) -> x."""
    if not isinstance(node, ast.Call):
        return None
    method = isinstance(node.func, ast.Attribute)
    name = node.func.attr if method else getattr(node.func, "id", None)
    if name not in CLAMPS:
        return None
    if method and (name.endswith("_") or not node.args or name.startswith("clamp")):
        return node.func.value
    if node.args and not isinstance(node.args[0], ast.Starred):
        return node.args[0]
    return None


def _drop_negation(node):
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return node.operand
    return None


def _flip_boolean(node):
    if isinstance(node, ast.Constant) and type(node.value) is bool:
        return ast.Constant(not node.value)
    return None


OPERATORS = {
    "swap-operator": _swap_operator,
    "shift-boundary": _comparison(SHIFTED_BOUNDARIES),
    "reverse-comparison": _comparison(REVERSED_COMPARISONS),
    "off-by-one": _off_by_one,
    "change-constant": _change_constant,
    "drop-clamp": _drop_clamp,
    "drop-negation": _drop_negation,
    "flip-boolean": _flip_boolean,
}


def _functions(tree: ast.Module) -> list[ast.FunctionDef]:
    return [s for s in tree.body if isinstance(s, ast.FunctionDef)]


def _body_nodes(function: ast.FunctionDef) -> list[ast.AST]:
    """The nodes of a function's code: not its docstring, annotations or decorators."""
    statements = function.body[1:] if ast.get_docstring(function) is not None else function.body
    nodes = [n for s in statements for n in ast.walk(s)]
    nodes += [n for d in function.args.defaults + function.args.kw_defaults if d is not None
              for n in ast.walk(d)]
    annotations = {id(n) for s in statements for a in ast.walk(s)
                   if isinstance(a, ast.AnnAssign) for n in ast.walk(a.annotation)}
    return [n for n in nodes if id(n) not in annotations]


def sites(source: str) -> list[tuple[str, int, str]]:
    """Every place a mutation applies: (function, node number in the function, operator)."""
    found = []
    for function in _functions(ast.parse(source)):
        for number, node in enumerate(_body_nodes(function)):
            for operator, mutate in OPERATORS.items():
                if mutate(copy.deepcopy(node)) is not None:
                    found.append((function.name, number, operator))
    return found


def apply(source: str, site: tuple[str, int, str]) -> tuple[str, int]:
    """The module with one site mutated, and the line it is on."""
    function_name, number, operator = site
    tree = ast.parse(source)
    function = next(f for f in _functions(tree) if f.name == function_name)
    target = _body_nodes(function)[number]
    replacement = OPERATORS[operator](target)
    if replacement is not target:
        _replace(function, target, replacement)
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n", target.lineno


def _replace(root: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(root):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list) and any(v is old for v in value):
                value[[id(v) for v in value].index(id(old))] = new
                return
    raise ValueError("the node to replace is not in the tree")


def mutants(source: str, count: int, seed: int, *, functions: set[str] | None = None
            ) -> list[Mutant]:
    """``count`` distinct mutants of ``source`` (fewer if it has fewer sites), drawn with
    ``seed``; only in ``functions`` (and the helpers beside them) when given."""
    candidates = [s for s in sites(source) if functions is None or s[0] in functions
                  or s[0].startswith("_")]
    random.Random(seed).shuffle(candidates)
    original = ast.unparse(ast.parse(source)) + "\n"
    seen, out = {original}, []
    for site in candidates:
        if len(out) == count:
            break
        mutated, line = apply(source, site)
        if mutated in seen:
            continue
        seen.add(mutated)
        function, _, operator = site
        out.append(Mutant(f"mutant-{len(out):02d}-{operator}-{function.strip('_')}",
                          operator, function, line, mutated))
    return out
