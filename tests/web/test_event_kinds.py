"""Every kind of event the engine records has words for the pages (web.event_kinds)."""
import ast
from pathlib import Path

from web.event_kinds import EVENT_KIND_NAMES, event_kind_name

ENGINE = Path(__file__).resolve().parents[2] / "engine"


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def recorded_kinds() -> set[str]:
    """Kinds handed to record_event: literal ones, module constants, and the literals that reach `kind`
    parameters through helpers (lifecycle's _change/_end, the adapter's _step_kind)."""
    kinds: set[str] = set()
    for path in ENGINE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {t.id: n.value.value for n in ast.walk(tree) if isinstance(n, ast.Assign)
                     and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
                     for t in n.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record_event":
                for keyword in node.keywords:
                    if keyword.arg == "kind":
                        kinds |= _strings(keyword.value)
                        if isinstance(keyword.value, ast.Name) and keyword.value.id in constants:
                            kinds.add(constants[keyword.value.id])
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_change", "_end"):
                kinds |= {s for s in _strings(node) if s.startswith("instance_")}
            if isinstance(node, ast.FunctionDef) and node.name == "_step_kind":
                kinds |= {n.value.value for n in ast.walk(node) if isinstance(n, ast.Return)
                          and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)}
    return kinds


def test_every_recorded_event_kind_has_words():
    kinds = recorded_kinds()
    assert {"task_completed", "instance_held", "timer_fired", "personal_data_viewed", "user_disabled"} <= kinds
    assert sorted(kinds - EVENT_KIND_NAMES.keys()) == []


def test_event_kinds_read_as_words_a_person_uses():
    assert event_kind_name("task_completed") == "Task completed"
    assert event_kind_name("instance_migrated") == "Project moved to another version"
    for name in EVENT_KIND_NAMES.values():
        assert "_" not in name and name[0].isupper()
