"""Parsing diagram code into Python's syntax tree, one thread at a time: CPython 3.11 (before 3.11.8) can fail
with "SystemError: AST constructor recursion depth mismatch" when threads build trees at once (gh-106905), and
the web server runs several threads a process."""
from __future__ import annotations

import ast
import threading

_ONE_AT_A_TIME = threading.Lock()


def parse(source: str, mode: str = "exec") -> ast.AST:
    with _ONE_AT_A_TIME:
        return ast.parse(source, mode=mode)
