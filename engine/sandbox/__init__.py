"""Diagram code (gateway conditions, scripts, timer expressions, DMN cells, multi-instance
expressions) is never run in the server's own process.

Each piece of code is checked under an allow-list (`rules`: RestrictedPython plus refusals of
imports, generators, classes, `match`, format strings and dangerous names), then sent with only
the task data it names, as JSON, to a warm sandbox process (`pool`, `child`). That process holds
no secret, no database connection and no configuration, runs under OS limits in an empty root
without network as an unprivileged user where the OS allows, and is killed and replaced when an
evaluation runs past the wall-clock limit. Deployment checks call `check_code` and so refuse what
the sandbox would refuse.
"""
from __future__ import annotations

import atexit
import builtins
import os
import threading

from .pool import Limits, SandboxFailure, SandboxPool, ScriptTimeout
from .rules import NOT_A_LITERAL, UnsafeCode, check_code, literal_value

__all__ = ["DiagramCodeError", "Limits", "SandboxFailure", "ScriptTimeout", "UnsafeCode", "check_code",
           "configure", "evaluate", "execute", "pool"]

# Errors diagram code may raise that keep their type on the way back (SpiffWorkflow words them).
_RAISED_AS_IS = {name: getattr(builtins, name) for name in (
    "ArithmeticError", "AttributeError", "IndexError", "KeyError", "LookupError", "MemoryError", "NameError",
    "NotImplementedError", "OverflowError", "RecursionError", "TypeError", "ValueError", "ZeroDivisionError")}


class DiagramCodeError(Exception):
    """Diagram code raised an error of a kind not passed back as is."""


_limits = Limits()
_pool: SandboxPool | None = None
_pool_lock = threading.Lock()


def configure(limits: Limits) -> None:
    """Use these limits from now on (the settings, or a test's)."""
    global _limits, _pool
    with _pool_lock:
        _limits = limits
        if _pool is not None:
            _pool.close()
        _pool = None


def pool() -> SandboxPool:
    """This process's pool; a process forked from a server (gunicorn) starts its own."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool.pid != os.getpid():
            _pool = SandboxPool(_limits)
        return _pool


def evaluate(source: str, data: dict) -> object:
    """The value of an expression over the task data it names."""
    names = check_code(source, "eval")
    value = literal_value(source)
    if value is not NOT_A_LITERAL and isinstance(value, (str, int, float, bool, type(None))):
        return value
    answer = _ask({"m": "eval", "c": source, "d": _named(data, names), "n": []})
    return answer["r"]


def execute(source: str, data: dict) -> tuple[dict, list[str]]:
    """Run a script over the task data it names: the names it set, and those it deleted."""
    names = check_code(source, "exec")
    answer = _ask({"m": "exec", "c": source, "d": _named(data, names), "n": sorted(names)})
    return answer["s"], answer["x"]


def _named(data: dict, names: frozenset[str]) -> dict:
    # Code can reach only the names it spells (no globals(), vars() or getattr), so only those travel.
    return {name: data[name] for name in names if name in data}


def _ask(request: dict) -> dict:
    try:
        answer = pool().ask(request)
    except (TypeError, ValueError) as exc:
        raise DiagramCodeError(f"the task data this code reads is not plain data ({exc})") from None
    if "e" in answer:
        kind, message = answer["e"]
        raise _RAISED_AS_IS.get(kind, DiagramCodeError)(message if kind in _RAISED_AS_IS else f"{kind}: {message}")
    return answer


@atexit.register
def _stop_processes() -> None:
    if _pool is not None and _pool.pid == os.getpid():
        _pool.close()
