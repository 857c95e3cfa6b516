"""Diagram code runs in a sandbox: no imports, no dunder escapes, a time budget."""
import pytest

from engine.sandbox import ScriptTimeout, UnsafeCode, compile_checked, run_with_budget


def run(source, scope=None, mode="exec"):
    scope = scope if scope is not None else {}
    return run_with_budget(compile_checked(source, mode), scope, mode=mode)


@pytest.mark.parametrize("source", [
    "import os",
    "from os import system",
    "().__class__.__subclasses__()",
    "__import__('os')",
    "open('/etc/passwd').read()",
    "getattr(x, 'y')",
    "eval('1')",
])
def test_dangerous_code_is_refused_before_it_runs(source):
    with pytest.raises(UnsafeCode):
        compile_checked(source, "exec")


def test_ordinary_scripts_compute_with_safe_builtins():
    scope = {"scores": [3, 4, 5]}
    run("mean = round(sum(scores) / len(scores), 2)\nbest = max(scores)", scope)
    assert scope["mean"] == 4.0 and scope["best"] == 5
    assert run("len([s for s in scores if s > 3])", {"scores": [3, 4, 5]}, mode="eval") == 2


def test_builtins_outside_the_allow_list_are_missing_at_run_time():
    with pytest.raises(NameError):
        run("x = print", {})


def test_endless_loop_is_stopped_by_the_time_budget(monkeypatch):
    monkeypatch.setattr("engine.sandbox.TIME_BUDGET_SECONDS", 0.2)
    with pytest.raises(ScriptTimeout):
        run("while True:\n    x = 1", {})
