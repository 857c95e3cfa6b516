"""The kinds of notification, how each may be delivered, and when the daily digest goes out."""
from __future__ import annotations

from datetime import datetime, time, timedelta

TASK_READY = "task_ready"
DUE_SOON = "due_soon"
OVERDUE = "overdue"
ESCALATED = "escalated"
REASSIGNED = "reassigned"
STAGE_CHANGED = "stage_changed"
MENTIONED = "mentioned"

KINDS = {  # kind -> what a person choosing their preferences reads
    TASK_READY: "A task you can do is ready",
    DUE_SOON: "A task of yours is due soon",
    OVERDUE: "A task of yours is overdue",
    ESCALATED: "A task stayed overdue past its grace period (Hub team)",
    REASSIGNED: "A task was given to you",
    STAGE_CHANGED: "A project you proposed or take part in moved to a new stage",
    MENTIONED: "Someone mentioned you in a project's discussion",
}

IMMEDIATELY, DAILY, OFF = "immediately", "daily", "off"
DELIVERIES = {  # how a kind is e-mailed; every notification is listed in the app whatever is chosen
    IMMEDIATELY: "E-mail each one as it happens",
    DAILY: "One e-mail a day with all of them (a digest)",
    OFF: "No e-mail",
}

DIGEST_AT = time(7, 0)  # UTC: the daily digest is sent at this time
DEFAULT_DUE_SOON_LEAD = timedelta(days=2)  # "due soon" this long before a task is due


def next_digest(now: datetime) -> datetime:
    """The next time the daily digest goes out, after `now`."""
    today = datetime.combine(now.date(), DIGEST_AT, tzinfo=now.tzinfo)
    return today if now < today else today + timedelta(days=1)
