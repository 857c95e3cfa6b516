"""The allow-list diagram code is compiled under: RestrictedPython plus the few rules it leaves open.

Used twice: by deployment checks in the server (compiling is parsing, not running) and by the
sandbox process that runs the code. It imports only the standard library and RestrictedPython,
because the sandbox process imports it before it locks itself down.
"""
from __future__ import annotations

import ast
import builtins
import operator
from functools import lru_cache

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)

from engine.sandbox.parsing import parse

SAFE_BUILTIN_NAMES = (
    "abs all any bool dict divmod enumerate filter float int isinstance len list map max min range reversed "
    "round set sorted str sum tuple zip True False None ArithmeticError Exception KeyError LookupError "
    "TypeError ValueError ZeroDivisionError"
).split()
# RestrictedPython leaves these to the caller; each is a door out of the sandbox or to its neighbours.
FORBIDDEN_NODES = {
    ast.Import: "imports", ast.ImportFrom: "imports", ast.Global: "'global'", ast.Nonlocal: "'nonlocal'",
    ast.Yield: "generators ('yield')", ast.YieldFrom: "generators ('yield')", ast.ClassDef: "classes",
    ast.With: "'with'", ast.Await: "'await'",
}
FORBIDDEN_NAMES = {"eval", "exec", "compile", "open", "getattr", "setattr", "delattr", "globals", "locals",
                   "vars", "input", "breakpoint", "help", "type", "super", "object", "memoryview", "dir",
                   "print", "id", "hash"}
# Attribute and key traversal inside format strings ("{0.__class__}") reaches what code may not name.
FORBIDDEN_ATTRIBUTES = {"format", "format_map", "mro"}


class UnsafeCode(Exception):
    """Diagram code that the allow-list refuses."""


@lru_cache(maxsize=4096)
def check_code(source: str, mode: str = "exec") -> frozenset[str]:
    """The names the code reads or writes; raise UnsafeCode with a reason a process owner can act on."""
    try:
        tree = parse(source, mode=mode)
    except SyntaxError as exc:
        raise UnsafeCode(f"is not valid Python ({exc.msg}, line {exc.lineno})") from None
    names = set()
    for node in ast.walk(tree):
        refused = FORBIDDEN_NODES.get(type(node))
        if refused:
            raise UnsafeCode(f"uses {refused}, which diagram code may not use (line {node.lineno})")
        if isinstance(node, ast.Name):
            if node.id in FORBIDDEN_NAMES or node.id.startswith("_"):
                raise UnsafeCode(f"uses the name '{node.id}', which diagram code may not use")
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                raise UnsafeCode(f"uses the attribute '{node.attr}', which diagram code may not use")
            if node.attr in FORBIDDEN_ATTRIBUTES:
                raise UnsafeCode(f"uses '.{node.attr}', which diagram code may not use; write an f-string instead")
    result = (compile_restricted_eval if mode == "eval" else compile_restricted_exec)(source, "<diagram>")
    if result.errors:
        raise UnsafeCode(_reason(result.errors[0]))
    return frozenset(names)


NOT_A_LITERAL = object()


@lru_cache(maxsize=4096)
def literal_value(source: str) -> object:
    """The value of an expression that is a plain literal ('"P10D"', 'True'), else NOT_A_LITERAL.

    Reading a literal runs nothing, so the many constant timers and conditions skip the sandbox.
    """
    try:
        return ast.literal_eval(source.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return NOT_A_LITERAL


def _reason(error: str) -> str:
    """RestrictedPython says 'Line 2: "gi_frame" is a restricted name, ...'; make it a clause."""
    where, _, what = error.partition(": ")
    return f"is refused by the sandbox: {what or where}".rstrip(".") + (f" ({where.lower()})" if what else "")


@lru_cache(maxsize=4096)
def compile_code(source: str, mode: str):
    """Compile checked code for running (in the sandbox process only)."""
    check_code(source, mode)
    return (compile_restricted_eval if mode == "eval" else compile_restricted_exec)(source, "<diagram>").code


_INPLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
            "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "&=": operator.iand,
            "|=": operator.ior, "^=": operator.ixor, "<<=": operator.ilshift, ">>=": operator.irshift}


def _inplace(op: str, target, value):
    return _INPLACE[op](target, value)


def _getitem(container, key):
    return container[key]


def _getiter(iterable):
    return iter(iterable)


def restricted_globals() -> dict:
    """A fresh global scope: the allow-listed builtins and RestrictedPython's guards."""
    return {
        "__builtins__": {name: getattr(builtins, name) for name in SAFE_BUILTIN_NAMES},
        "_getattr_": safer_getattr, "_getitem_": _getitem, "_getiter_": _getiter, "_write_": full_write_guard,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence, "_unpack_sequence_": guarded_unpack_sequence,
        "_inplacevar_": _inplace,
    }
