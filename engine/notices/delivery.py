"""E-mailing the outbox: the worker claims the notifications that are due with a short lease, sends them over
one SMTP connection a round, and marks each sent, or keeps it for a later attempt with a longer wait.

No message is lost: a notification stays pending until the server has accepted it and that is committed, so an
outage, a refused message or a worker killed mid-round only delays it (a crashed worker's lease runs out and
another worker takes the message over). One window remains, as with any outbox: if the worker dies after the
server accepted a message and before its commit, the message is sent again. The resend carries the same
Message-ID (made from the notification's id), so mail systems and readers can tell it is the same message.
"""
from __future__ import annotations

import logging
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from itertools import groupby
from urllib.parse import urlsplit

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.notices.outbox import DIGEST, NOT_EMAILED, PENDING, SENT
from engine.store.db import Database
from engine.store.models import Notification, User

LEASE = timedelta(minutes=2)  # a round sends its claimed messages well within this; then others may take them
FIRST_RETRY = timedelta(seconds=10)  # after a failed attempt; doubled at each further failure
LONGEST_RETRY = timedelta(minutes=30)
BATCH = 100  # messages claimed by one round
PREFERENCES_PATH = "/notifications/preferences"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how e-mail is sent; made by a face from its settings (the engine never reads the environment)."""
    host: str
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    from_address: str = "sixgates@localhost"
    base_url: str = "http://127.0.0.1:5000"  # links in e-mails are this plus the path in the app
    timeout: float = 10.0  # seconds for the connection and each command


def deliver_due(db: Database, *, smtp: SmtpSettings | None, clock: Clock) -> int:
    """E-mail every notification due now, one message each and one digest per person; returns how many e-mails
    the server accepted. With no SMTP server configured, due notifications are kept in the app only."""
    claimed = db.writing(lambda s: _claim(s, now=clock.now()))
    if not claimed:
        return 0
    if smtp is None:
        db.writing(lambda s: _settle(s, claimed, state=NOT_EMAILED, now=clock.now()))
        return 0
    with db.reading() as session:
        rows = session.execute(select(Notification, User).join(User, User.id == Notification.user_id)
                               .where(Notification.id.in_(claimed))
                               .order_by(Notification.user_id, Notification.id)).all()
    rows = _whole_digests(db, rows, full=len(claimed) == BATCH)
    unaddressed = [n.id for n, user in rows if not (user.active and user.email)]
    if unaddressed:  # the address was removed or the person disabled since: kept in the app only
        db.writing(lambda s: _settle(s, unaddressed, state=NOT_EMAILED, now=clock.now()))
    kept = set(unaddressed)
    emails, unwritable = _emails([(n, u) for n, u in rows if n.id not in kept], smtp, clock.now())
    for ids, reason in unwritable:
        _keep_for_later(db, ids, reason, clock)
    return _send_all(db, emails, smtp, clock) if emails else 0


def next_delivery_at(session: Session) -> datetime | None:
    """When the next notification falls due for e-mailing (a leased one: when its lease runs out), if any."""
    waiting = Notification.email_state.in_((PENDING, DIGEST))
    free = or_(Notification.lease_until.is_(None), Notification.lease_until <= Notification.next_attempt_at)
    due = session.scalar(select(func.min(Notification.next_attempt_at)).where(waiting, free))
    leased = session.scalar(select(func.min(Notification.lease_until)).where(
        waiting, Notification.lease_until > Notification.next_attempt_at))
    return min((t for t in (due, leased) if t is not None), default=None)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 10 s, 20 s, 40 s... at most 30 minutes."""
    return min(FIRST_RETRY * 2 ** min(attempts - 1, 20), LONGEST_RETRY)


@dataclass
class _Email:
    ids: list[int]  # the notifications it carries: one, or a person's digest
    message: EmailMessage


def _claim(session: Session, *, now: datetime) -> list[int]:
    """Lease the due notifications to this worker; a conditional UPDATE, so two workers never take one row."""
    due = and_(Notification.email_state.in_((PENDING, DIGEST)), Notification.next_attempt_at <= now,
               or_(Notification.lease_until.is_(None), Notification.lease_until <= now))
    candidates = (select(Notification.id).where(due)
                  .order_by(Notification.next_attempt_at, Notification.user_id, Notification.id).limit(BATCH))
    result = session.execute(update(Notification).where(Notification.id.in_(candidates.scalar_subquery()), due)
                             .values(lease_until=now + LEASE).returning(Notification.id)
                             .execution_options(synchronize_session=False))
    return sorted(result.scalars())


def _whole_digests(db: Database, rows: list, *, full: bool) -> list:
    """A full batch may have cut the last person's digest in two: their digest waits for the next round, whole."""
    if not full:
        return rows
    last = max(rows, key=lambda row: (row[0].next_attempt_at, row[0].user_id, row[0].id))[0].user_id
    cut = [n.id for n, _ in rows if n.user_id == last and n.email_state == DIGEST]
    if not cut or len({n.user_id for n, _ in rows}) == 1:
        return rows
    db.writing(lambda s: _release(s, cut))
    return [(n, u) for n, u in rows if n.id not in set(cut)]


def _settle(session: Session, ids: list[int], *, state: str, now: datetime) -> None:
    values = {"email_state": state, "lease_until": None}
    if state == SENT:
        values.update(sent_at=now, last_error=None)
    session.execute(update(Notification).where(Notification.id.in_(ids)).values(**values)
                    .execution_options(synchronize_session=False))


def _release(session: Session, ids: list[int]) -> None:
    session.execute(update(Notification).where(Notification.id.in_(ids)).values(lease_until=None)
                    .execution_options(synchronize_session=False))


def _failed(session: Session, ids: list[int], *, error: str, now: datetime) -> None:
    for notification in session.scalars(select(Notification).where(Notification.id.in_(ids))):
        notification.attempts += 1
        notification.last_error = error[:2000]
        notification.next_attempt_at = now + retry_delay(notification.attempts)
        notification.lease_until = None


def _emails(rows: list[tuple[Notification, User]], smtp: SmtpSettings,
            now: datetime) -> tuple[list[_Email], list[tuple[list[int], str]]]:
    """The e-mails to send, and the notifications no e-mail could be written for (with why): those wait for a
    retry rather than holding up everyone else's."""
    emails, unwritable = [], []
    for _user_id, group in groupby(rows, key=lambda row: row[0].user_id):
        group = list(group)
        user = group[0][1]
        batches = [[n] for n, _ in group if n.email_state == PENDING]
        digest = [n for n, _ in group if n.email_state == DIGEST]
        if digest:
            batches.append(digest)
        for batch in batches:
            ids = [n.id for n in batch]
            try:
                message = (_single(batch[0], user, smtp, now) if batch[0].email_state == PENDING
                           else _digest(batch, user, smtp, now))
            except (ValueError, TypeError) as exc:  # an address or header the e-mail library refuses
                unwritable.append((ids, f"could not write the e-mail: {exc}"))
                continue
            emails.append(_Email(ids, message))
    return emails, unwritable


def _single(notification: Notification, user: User, smtp: SmtpSettings, now: datetime) -> EmailMessage:
    body = f"{notification.body}\n\nOpen it: {_url(smtp, notification.link)}\n{_footer(smtp)}"
    return _message(smtp, user, subject=notification.subject, body=body, now=now,
                    local_id=f"sixgates.notification.{notification.id}")


def _digest(notifications: list[Notification], user: User, smtp: SmtpSettings, now: datetime) -> EmailMessage:
    lines = [f"- {n.subject}\n  {_url(smtp, n.link)}" for n in notifications]
    count = len(notifications)
    body = (f"Your daily summary from Six Gates: {count} notification{'s' if count != 1 else ''}.\n\n"
            + "\n\n".join(lines) + f"\n{_footer(smtp)}")
    # The same group always gets the same Message-ID, so a digest resent after a crash is recognisable.
    first, last = notifications[0].id, notifications[-1].id
    return _message(smtp, user, subject=f"Six Gates daily summary: {count} notification{'s' if count != 1 else ''}",
                    body=body, now=now, local_id=f"sixgates.digest.{first}-{last}.{count}")


def _message(smtp: SmtpSettings, user: User, *, subject: str, body: str, now: datetime,
             local_id: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = smtp.from_address
    message["To"] = user.email
    message["Subject"] = " ".join(subject.split())  # one line: a title typed with a line break stays a title
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<{local_id}@{_domain(smtp)}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies are not sent back to it
    message.set_content(body)
    return message


def _footer(smtp: SmtpSettings) -> str:
    return ("\n-- \nYou get this e-mail because of your notification preferences in Six Gates. "
            f"Change them at {_url(smtp, PREFERENCES_PATH)}\n")


def _url(smtp: SmtpSettings, path: str) -> str:
    return smtp.base_url.rstrip("/") + path


def _domain(smtp: SmtpSettings) -> str:
    """The Message-ID's right-hand side: the sender's domain, else the app's host name."""
    _, _, domain = smtp.from_address.rpartition("@")
    return domain.strip(" >") or urlsplit(smtp.base_url).hostname or "sixgates.invalid"


def _send_all(db: Database, emails: list[_Email], smtp: SmtpSettings, clock: Clock) -> int:
    """Send over one connection; each accepted e-mail is committed as sent at once, each refused one is kept for
    a later attempt. A lost connection keeps every e-mail not yet accepted."""
    sent, started = 0, time.monotonic()
    try:
        connection = _connect(smtp)
    except (OSError, smtplib.SMTPException) as exc:
        _keep_for_later(db, [i for e in emails for i in e.ids], _reason(exc), clock)
        return 0
    try:
        for position, email in enumerate(emails):
            if time.monotonic() - started > LEASE.total_seconds() / 2:
                # A slow server: hand the rest back before the lease runs out and another worker may take them.
                db.writing(lambda s, rest=[i for e in emails[position:] for i in e.ids]: _release(s, rest))
                return sent
            try:
                connection.send_message(email.message)
            except smtplib.SMTPServerDisconnected as exc:
                _keep_for_later(db, [i for e in emails[position:] for i in e.ids], _reason(exc), clock)
                return sent
            except (smtplib.SMTPException, ValueError) as exc:
                # This message only (refused, or an address the server cannot take): the connection goes on. Had
                # the server hung up after refusing, the next message finds out and keeps the rest.
                _keep_for_later(db, email.ids, _reason(exc), clock)
                continue
            except OSError as exc:  # the connection is lost (SMTPException is an OSError too, hence this order)
                _keep_for_later(db, [i for e in emails[position:] for i in e.ids], _reason(exc), clock)
                return sent
            db.writing(lambda s, ids=email.ids: _settle(s, ids, state=SENT, now=clock.now()))
            sent += 1
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()
    return sent


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    connection = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        connection.ehlo()
        if smtp.starttls:  # the server's certificate is checked against the system's trusted authorities
            connection.starttls(context=ssl.create_default_context())
            connection.ehlo()
        if smtp.username:
            connection.login(smtp.username, smtp.password or "")
    except BaseException:
        connection.close()
        raise
    return connection


def _keep_for_later(db: Database, ids: list[int], reason: str, clock: Clock) -> None:
    log.warning("e-mail of %d notification(s) failed, will retry: %s", len(ids), reason)
    db.writing(lambda s: _failed(s, ids, error=reason, now=clock.now()))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{to}: {code} {_text(said)}" for to, (code, said) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, socket.timeout):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"


def _text(said: bytes | str) -> str:
    return said.decode(errors="replace") if isinstance(said, bytes) else str(said)
