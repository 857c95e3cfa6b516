"""How pages say dates, times, money and coded values: in the words and formats of NHS.UK services
("20 December 2026", "2:30pm", "£12,500"), in UK time. Registered as template filters for every page."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask import Flask

from engine.policy import ROLE_NAMES, role_name

UK = ZoneInfo("Europe/London")


def _as_date(value: object) -> dt.date | dt.datetime | None:
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    if isinstance(value, str) and value:
        try:
            timed = "T" in value or " " in value.strip()
            return dt.datetime.fromisoformat(value) if timed else dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _uk(moment: dt.datetime) -> dt.datetime:
    """Stored times are UTC (naive ones too): shown in UK time, with summer time."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    return aware.astimezone(UK)


def uk_date(value: object) -> str:
    """20 December 2026 (a date, a datetime in UK time, or an ISO string); anything else as given."""
    moment = _as_date(value)
    if moment is None:
        return "" if value is None else str(value)
    day = _uk(moment) if isinstance(moment, dt.datetime) else moment
    return f"{day.day} {day.strftime('%B %Y')}"


def uk_time(value: dt.datetime) -> str:
    """2:30pm, midday or midnight, in UK time: the NHS.UK style for times."""
    local = _uk(value)
    if (local.hour, local.minute) == (12, 0):
        return "midday"
    if (local.hour, local.minute) == (0, 0):
        return "midnight"
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


def uk_datetime(value: object) -> str:
    """20 December 2026 at 2:30pm (UK time)."""
    moment = _as_date(value)
    if not isinstance(moment, dt.datetime):
        return uk_date(value)
    return f"{uk_date(moment)} at {uk_time(moment)}"


def money(value: object) -> str:
    """£12,500 or £12,500.50; an empty value stays empty; text that is not a number is shown as written."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    pence = amount != amount.to_integral_value()
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}" if pence else f"{sign}£{abs(amount):,.0f}"


# A project's status in words (ProcessInstance.status).
PROJECT_STATUS_NAMES = {"running": "In progress", "on_hold": "On hold", "completed": "Closed",
                        "withdrawn": "Withdrawn", "stopped": "Stopped"}


def project_status(status: str) -> str:
    return PROJECT_STATUS_NAMES.get(status, status.replace("_", " ").capitalize())


FILTERS = {"project_status": project_status, "uk_date": uk_date, "uk_time": uk_time, "uk_datetime": uk_datetime,
           "money": money, "role_name": role_name}
__all__ = ["FILTERS", "PROJECT_STATUS_NAMES", "ROLE_NAMES", "init_app", "money", "project_status", "role_name",
           "uk_date", "uk_datetime", "uk_time"]


def init_app(app: Flask) -> None:
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)
