"""Sign-ins on the record, for auditors: who signed in, failed, was locked out, set up or used a second factor,
made or revoked an API token, and how identity-provider groups map to roles, read from the system chain.

Addresses are personal data: each reading (page or CSV) is itself recorded (engine.history.access_records), in
the same unit of work, so use web.services.read_and_record. Kinds are returned as recorded: the words are the
pages' (web/event_kinds.py)."""
from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from engine import policy
from engine.clock import Clock
from engine.errors import BadRequest, Forbidden
from engine.history.access_records import record_access
from engine.history.entries import UK
from engine.store.models import AuditEvent, User
from engine.store.trail import SYSTEM_CHAIN, canonical_json

SUCCEEDED = ("login_succeeded",)
FAILED = ("login_failed", "second_factor_failed", "single_sign_on_refused")
LOCKED_OUT = ("login_locked_out",)
# Each kind of group on the filter, and the kinds it holds (a kind may be in more than one).
GROUPS: dict[str, tuple[str, ...]] = {
    "signed_in": ("login_succeeded", "password_accepted", "recovery_code_used"),
    "failures": ("login_failed", "login_locked_out", "second_factor_failed", "single_sign_on_refused"),
    "second_factor": ("password_accepted", "second_factor_failed", "second_factor_enrolled",
                      "second_factor_removed", "recovery_code_used", "recovery_codes_replaced",
                      "second_factor_rule_changed"),
    "passwords_and_accounts": ("password_changed", "user_disabled", "user_enabled"),
    "tokens": ("token_created", "token_revoked"),
    "single_sign_on": ("identity_linked", "identity_unlinked", "role_mapping_changed", "single_sign_on_refused"),
    "signed_out": ("signed_out",),
}
KINDS = tuple(dict.fromkeys(kind for kinds in GROUPS.values() for kind in kinds))
PER_PAGE = 50
CHART_DAYS = 62  # the chart shows at most the last two months of the period
# What an event's data says that the row shows in its own columns (the rest is its detail).
SHOWN = ("username", "address", "provider", "second_step")  # said by other columns (how)
# A password sign-in finished with a code (login_succeeded's second_step), and how it is then said.
SECOND_STEPS = {"authenticator_app": "password_and_code", "new_authenticator_app": "password_and_code",
                "recovery_code": "password_and_recovery_code"}
# How someone proved who they were, by kind, where the kind alone says it.
HOW = {"login_failed": "password", "login_locked_out": "password", "password_accepted": "password",
       "password_changed": "password", "second_factor_failed": "second_factor",
       "second_factor_enrolled": "second_factor", "recovery_code_used": "recovery_code"}


@dataclass(frozen=True)
class Filters:
    """Who (a username, exactly), which group of kinds, and which days (inclusive, in UK time)."""
    person: str | None = None
    group: str | None = None
    since: date | None = None
    until: date | None = None

    def kinds(self) -> tuple[str, ...]:
        return GROUPS[self.group] if self.group else KINDS

    def describe(self) -> str:
        given = [f"person {self.person}" if self.person else "", f"group {self.group}" if self.group else "",
                 f"from {self.since.isoformat()}" if self.since else "",
                 f"to {self.until.isoformat()}" if self.until else ""]
        return ", ".join(part for part in given if part) or "everyone, any time"


def filters_of(*, person: str | None = None, group: str | None = None, since: date | None = None,
               until: date | None = None) -> Filters:
    """The filters, checked. Raises BadRequest (fields person, group) for values no event could match; an end
    before the start is a period with nothing in it (a page asking a person for dates says so first)."""
    person = (person or "").strip() or None
    group = (group or "").strip() or None
    if person is not None and len(person) > 80:
        raise BadRequest("A username is at most 80 characters.", fields={"person": "Enter a username of at most "
                                                                                   "80 characters"})
    if group is not None and group not in GROUPS:
        raise BadRequest(f"Unknown kind of sign-in event {group!r}. Kinds: {', '.join(GROUPS)}.",
                         fields={"group": "Choose a kind of event from the list"})
    return Filters(person=person, group=group, since=since, until=until)


@dataclass(frozen=True)
class SignIn:
    """One event: when (UTC), its number on the system chain, its kind, who it is about (None: nobody known, as
    when a provider vouched for someone Six Gates refused), their display name where they have an account, how
    they proved who they were (password, password_and_code, password_and_recovery_code, second_factor,
    recovery_code, provider; None: not a sign-in),
    the provider's name, the address it came from, who recorded it (and their name), and what else it says."""
    seq: int
    at: datetime
    kind: str
    username: str | None
    name: str | None
    how: str | None
    provider: str | None
    address: str | None
    actor: str
    actor_name: str | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Day:
    day: date
    sign_ins: int
    failures: int


@dataclass
class Summary:
    """For the period and person filtered (whatever the kind): sign-ins, failures, lock-outs, and per day."""
    sign_ins: int = 0
    failures: int = 0
    lock_outs: int = 0
    days: list[Day] = field(default_factory=list)


@dataclass
class SignInPage:
    """Some of the matching events (from `offset`, at most `limit`), how many match in all, and the summary."""
    rows: list[SignIn]
    total: int
    offset: int
    limit: int
    summary: Summary

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.limit))


def require_reader(user: User) -> None:
    if not policy.may_read_sign_ins(user):
        raise Forbidden("Only auditors and administrators may read the record of sign-ins.")


def read_sign_ins(session: Session, *, user: User, clock: Clock, filters: Filters = Filters(), offset: int = 0,
                  limit: int = PER_PAGE) -> SignInPage:
    """Some of the matching events, newest first, with their total and the period's summary; the reading is put
    on the record. Raises Forbidden (not an auditor or administrator), BadRequest (a negative offset or limit)."""
    require_reader(user)
    if offset < 0 or limit < 1:
        raise BadRequest("The offset is 0 or more and the limit 1 or more.", fields={"offset": "0 or more"})
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*_matching(session, filters))) or 0
    events = session.scalars(select(AuditEvent).where(*_matching(session, filters))
                             .order_by(AuditEvent.seq.desc()).offset(offset).limit(limit))
    rows = _rows(session, list(events))
    summary = _summary(session, filters)
    shown = f"events {offset + 1} to {offset + len(rows)}" if rows else "no events"
    record_access(session, user=user, at=clock.now(), what=f"sign-ins, {shown}, for {filters.describe()}")
    return SignInPage(rows, total, offset, limit, summary)


def every_sign_in(session: Session, *, user: User, clock: Clock, filters: Filters = Filters()) -> list[SignIn]:
    """Every matching event, newest first (for the CSV); the reading is put on the record. Raises Forbidden."""
    require_reader(user)
    events = session.scalars(select(AuditEvent).where(*_matching(session, filters)).order_by(AuditEvent.seq.desc()))
    rows = _rows(session, list(events))
    record_access(session, user=user, at=clock.now(), what=f"sign-ins (CSV) for {filters.describe()}")
    return rows


def _matching(session: Session, filters: Filters, kinds: tuple[str, ...] | None = None) -> list[ColumnElement]:
    """The conditions an event meets to be listed: on the system chain, of the kinds, by or about the person,
    within the days."""
    found = [AuditEvent.chain == SYSTEM_CHAIN, AuditEvent.kind.in_(kinds or filters.kinds())]
    if filters.person:
        # as canonical_json writes it: "username":"<person>" (never "old_username", which has no quote before u)
        mention = canonical_json({"username": filters.person})[1:-1]
        found.append(or_(AuditEvent.actor == filters.person, _holds_exactly(session, AuditEvent.data_json, mention)))
    if filters.since:
        found.append(AuditEvent.at >= _start_of(filters.since))
    if filters.until and filters.until < date.max:
        found.append(AuditEvent.at < _start_of(filters.until + timedelta(days=1)))
    return found


def _holds_exactly(session: Session, column, text: str) -> ColumnElement[bool]:
    """The column holds this text, letter case and all (SQLite's LIKE ignores case: "Sam" is not "sam")."""
    if session.get_bind().dialect.name == "sqlite":
        return func.instr(column, text) > 0
    return column.contains(text, autoescape=True)


def _start_of(day: date) -> datetime:
    """Midnight at the start of this day in the UK (summer time too), in UTC as the record keeps times."""
    return datetime.combine(day, time(0), UK).astimezone(timezone.utc)


def _rows(session: Session, events: list[AuditEvent]) -> list[SignIn]:
    names = dict(session.execute(select(User.username, User.display_name)).all())
    return [_row(event, names) for event in events]


def _row(event: AuditEvent, names: dict[str, str]) -> SignIn:
    data = json.loads(event.data_json or "{}")
    username = _about(event, data)
    provider = data.get("provider") if isinstance(data.get("provider"), str) else None
    address = data.get("address") if isinstance(data.get("address"), str) else None
    return SignIn(seq=event.seq, at=event.at, kind=event.kind, username=username, name=names.get(username or ""),
                  how=_how(event.kind, data, provider), provider=provider, address=address,
                  actor=event.actor,
                  actor_name=names.get(event.actor),
                  detail={key: value for key, value in data.items() if key not in SHOWN})


def _about(event: AuditEvent, data: dict) -> str | None:
    """Whose sign-in or account the event is about: its username, else who did it (nobody for a refusal)."""
    if isinstance(data.get("username"), str):
        return data["username"]
    return None if event.actor == "anonymous" else event.actor


def _how(kind: str, data: dict, provider: str | None) -> str | None:
    if provider and kind in ("login_succeeded", "signed_out", "single_sign_on_refused", "identity_linked",
                            "identity_unlinked"):
        return "provider"
    if kind == "login_succeeded":  # how the password sign-in was finished, as it recorded
        return SECOND_STEPS.get(data.get("second_step"), "password")
    return HOW.get(kind)


def _summary(session: Session, filters: Filters) -> Summary:
    """Counts for the period and person, whatever kinds are chosen, and the days of the period (at most
    CHART_DAYS, the last ones) with their sign-ins and failures, days without any included."""
    stmt = select(AuditEvent.kind, AuditEvent.at).where(
        *_matching(session, Filters(person=filters.person, since=filters.since, until=filters.until),
                   kinds=SUCCEEDED + FAILED + LOCKED_OUT))
    kinds = Counter()
    per_day: dict[date, Counter] = {}
    for kind, at in session.execute(stmt):
        kinds[kind] += 1
        per_day.setdefault(_uk_day(at), Counter())[kind] += 1
    summary = Summary(sign_ins=sum(kinds[k] for k in SUCCEEDED), failures=sum(kinds[k] for k in FAILED),
                      lock_outs=sum(kinds[k] for k in LOCKED_OUT))
    if per_day:
        last = max(per_day)
        first = max(min(per_day), last - timedelta(days=CHART_DAYS - 1))
        summary.days = [Day(day, sum(per_day.get(day, {}).get(k, 0) for k in SUCCEEDED),
                            sum(per_day.get(day, {}).get(k, 0) for k in FAILED))
                        for day in (first + timedelta(days=n) for n in range((last - first).days + 1))]
    return summary


def _uk_day(at: datetime) -> date:
    moment = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    return moment.astimezone(UK).date()
