"""Lists of names kept in one text column (a project's or a task's organisations, a task's excluded people), as
|A|B|: each name is found whole with `list_token`, in Python or in SQL (LIKE '%|A|%'), never as part of a longer
name. A project's list is "|" when empty, so that it can always be searched."""
from __future__ import annotations

EMPTY = "|"


def stored_list(value) -> str | None:
    """One name or several, as stored; None for none."""
    names = [str(v) for v in (value if isinstance(value, list) else [value]) if v]
    return "|" + "|".join(names) + "|" if names else None


def list_token(name: str) -> str:
    """How one name is found in a stored list."""
    return f"|{name}|"


def names_in(stored: str | None) -> list[str]:
    return [name for name in (stored or "").split("|") if name]
