"""Dates in demo answers written relative to the day a task is done, so a plan reads the same whenever it runs."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any


@dataclass(frozen=True)
class InDays:
    """This many days after the day the answer is given (negative: before it)."""
    days: int


def resolve_dates(value: Any, today: date) -> Any:
    """The answers with every InDays turned into an ISO date counted from `today`."""
    if isinstance(value, InDays):
        return (today + timedelta(days=value.days)).isoformat()
    if isinstance(value, dict):
        return {key: resolve_dates(item, today) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve_dates(item, today) for item in value]
    return value
