"""Restricted Python for diagram code: gateway conditions, scripts, timers, DMN cells.

SpiffWorkflow evaluates all of these with `eval`/`exec` and full builtins, so a diagram
could run shell commands on the server. Here every piece of code is parsed first and
refused if it imports, touches a name or attribute starting with `_` (the way out of a
builtins-only sandbox is `().__class__.__subclasses__()`), or calls something outside a
small allow-list. Running code gets a time budget.
"""
from __future__ import annotations

import ast
import builtins
import sys
import time
from functools import lru_cache

SAFE_BUILTINS = {
    name: getattr(builtins, name)
    for name in (
        "abs all any bool dict enumerate filter float int isinstance len list map max min "
        "range reversed round set sorted str sum tuple zip True False None ValueError"
    ).split()
}
FORBIDDEN_NODES = (ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.AsyncFunctionDef,
                   ast.Await, ast.Yield, ast.YieldFrom, ast.ClassDef)
FORBIDDEN_NAMES = {"eval", "exec", "compile", "open", "getattr", "setattr", "delattr", "globals",
                   "locals", "vars", "input", "breakpoint", "help", "type", "super", "object",
                   "memoryview", "dir"}
TIME_BUDGET_SECONDS = 2.0


class UnsafeCode(Exception):
    """Diagram code that the sandbox refuses to run."""


def check_code(source: str, mode: str = "exec") -> None:
    """Raise UnsafeCode with a reason a process owner can act on."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise UnsafeCode(f"is not valid Python ({exc.msg}, line {exc.lineno})") from None
    for node in ast.walk(tree):
        if isinstance(node, FORBIDDEN_NODES):
            raise UnsafeCode(f"uses '{type(node).__name__}', which diagram code may not use")
        if isinstance(node, ast.Name) and (node.id.startswith("_") or node.id in FORBIDDEN_NAMES):
            raise UnsafeCode(f"uses the name '{node.id}', which diagram code may not use")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise UnsafeCode(f"uses the attribute '{node.attr}', which diagram code may not use")


@lru_cache(maxsize=4096)
def compile_checked(source: str, mode: str):
    check_code(source, mode)
    return compile(source, "<diagram>", mode)


class ScriptTimeout(Exception):
    pass


def run_with_budget(code, scope: dict, *, mode: str):
    """Evaluate or execute checked code with safe builtins and a wall-clock budget."""
    scope["__builtins__"] = SAFE_BUILTINS
    deadline = time.monotonic() + TIME_BUDGET_SECONDS

    def tracer(frame, event, arg):
        if time.monotonic() > deadline:
            raise ScriptTimeout(f"diagram code ran longer than {TIME_BUDGET_SECONDS} s")
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        if mode == "eval":
            return eval(code, scope)  # noqa: S307 - code was checked by compile_checked
        exec(code, scope)  # noqa: S102
        return None
    finally:
        sys.settrace(previous)
        scope.pop("__builtins__", None)
