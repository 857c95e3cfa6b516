"""The store keeps what it is given: no module of engine/store asks engine.policy anything (whose views
go on the record is the history service's question, engine/history/access.py)."""
import ast
from pathlib import Path

STORE = Path(__file__).resolve().parents[2] / "engine" / "store"


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_no_store_module_imports_the_policy():
    asking = sorted(path.name for path in STORE.glob("*.py")
                    if any(name == "engine.policy" or name.startswith("engine.policy.")
                           for name in imported_modules(path)))
    assert asking == []
