"""Reading personal data on the record: an auditor's (or administrator's) view of a project's history,
replay, export or rule report is itself an event, on the system chain; so is every download of one of its
documents (engine.documents.reading writes those).

The services that show such data call record_access in the same unit of work as their read: the record is
written at its end (store.db.write_at_end), so a read that fails records nothing, and the system chain's lock
is held only from the record to the commit.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import Session

from engine import policy
from engine.documents.reading import DOWNLOAD_KIND
from engine.store.db import write_at_end
from engine.store.models import AuditEvent, User
from engine.store.trail import record_event

ACCESS_KIND = "personal_data_viewed"


def record_access(session: Session, *, user: User, at: datetime, what: str,
                  instance_id: int | None = None) -> None:
    """Put this view on the record if the user's views are recorded (on the system chain, so reading
    never touches an instance's own chain or version)."""
    if policy.access_is_recorded(user):
        write_at_end(session, lambda s: record_event(s, instance=None, at=at, actor=user.username, kind=ACCESS_KIND,
                                                     data={"view": what, "instance": instance_id}))


def records_of(instance_id: int) -> ColumnElement[bool]:
    """Which events on the system chain record a view of this project or a download of one of its documents (as
    record_access and open_document write them: data in sorted keys, "instance" among them)."""
    return AuditEvent.kind.in_((ACCESS_KIND, DOWNLOAD_KIND)) & or_(
        AuditEvent.data_json.contains(f'"instance":{instance_id},'),
        AuditEvent.data_json.contains(f'"instance":{instance_id}}}'))
