"""Which data keys a piece of diagram code reads and which it writes, read from its syntax.

The deployment check that keeps confidential data in its own keys (bpmn_checks.confidential_flow_rule)
asks this. Conservative on purpose: a name stored anywhere in the code (an assignment, a loop or
`with` target, a walrus, a `match` capture, an `except ... as`) counts as written, except the target of
a comprehension (local to it) and a temporary the code deletes unconditionally at its end.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from engine.sandbox.parsing import parse

# Methods that change their object in place: through an alias they could change another key's value.
MUTATORS = {"append", "extend", "insert", "update", "setdefault", "pop", "popitem", "remove", "clear",
            "add", "discard", "sort", "reverse", "difference_update", "intersection_update",
            "symmetric_difference_update"}


@dataclass(frozen=True)
class CodeFlow:
    reads: frozenset[str]
    writes: frozenset[str]
    in_place: str | None  # the first change of a value in place ("x.append(...)", "x[...] = ", "x += "), if any


def code_flow(source: str, mode: str) -> CodeFlow:
    """Raises SyntaxError for code that does not parse (the sandbox's own check reports it)."""
    tree = parse(source, mode=mode)
    local = {id(n) for c in ast.walk(tree) if isinstance(c, ast.comprehension) for n in ast.walk(c.target)}
    reads, in_place = set(), None
    writes_at: dict[str, int] = {}
    body = tree.body if isinstance(tree, ast.Module) else [tree]
    for index, statement in enumerate(body):
        for node in ast.walk(statement):
            for name in _stored(node, local):
                writes_at[name] = index
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                reads.add(node.id)
            in_place = in_place or _in_place(node)
    temporary = {name for index, statement in enumerate(body) if isinstance(statement, ast.Delete)
                 for target in statement.targets if isinstance(target, ast.Name)
                 for name in [target.id] if writes_at.get(name, -1) < index}
    return CodeFlow(frozenset(reads), frozenset(set(writes_at) - temporary), in_place)


def _stored(node: ast.AST, local: set[int]) -> list[str]:
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and id(node) not in local:
        return [node.id]
    if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
        return [node.name]
    if isinstance(node, ast.MatchMapping) and node.rest:
        return [node.rest]
    if isinstance(node, ast.ExceptHandler) and node.name:
        return [node.name]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [node.name]
    return []


def _in_place(node: ast.AST) -> str | None:
    if isinstance(node, ast.AugAssign):
        return f"'{ast.unparse(node.target)} {_op(node.op)}= ...'"
    if isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
        return f"'{ast.unparse(node)} = ...'"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
        return f"'{ast.unparse(node.func)}(...)'"
    return None


def _op(op: ast.operator) -> str:
    symbols = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.BitOr: "|", ast.BitAnd: "&"}
    return symbols.get(type(op), "")
