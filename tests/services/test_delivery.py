"""E-mailing the outbox through a real SMTP server (aiosmtpd on a loopback port): who gets what, an outage and a
crashed worker losing nothing and sending nothing twice, several workers at once, daily digests, and no server
configured at all."""
from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select, update

from engine.clock import Clock, FixedClock
from engine.identity import accounts
from engine.notices import delivery, kinds
from engine.notices.delivery import SmtpSettings, deliver_due, next_delivery_at
from engine.notices.inbox import set_preferences
from engine.notices.outbox import Message, send
from engine.runtime import timers
from engine.store.db import Database
from engine.store.models import Notification, Task, User
from tests.conftest import walk_to_gate4

BASE_URL = "https://gates.example.nhs.uk"
SENDER = "six-gates@hub.example.nhs.uk"


class Inbox:
    """An aiosmtpd handler keeping each message it accepts; it can refuse an address (451) or hold DATA."""

    def __init__(self):
        self.accepted: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refused: set[str] = set()
        self.held: threading.Event | None = None  # while set to an Event, DATA waits for it, then is refused
        self.holding = threading.Event()  # a message is being held
        self.arrived = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "451 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        held = self.held
        if held is not None:
            self.holding.set()
            while not held.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 Not accepted"
        await asyncio.sleep(0.002)  # a server takes a moment: workers running at once overlap
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.accepted.append((list(envelope.rcpt_tos), message))
        self.arrived.set()
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for rcpt, m in self.accepted if rcpt == [address]]

    def message_ids(self) -> Counter:
        return Counter(m["Message-ID"] for _, m in self.accepted)


class SmtpServer:
    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    if server.inbox.held is not None:
        server.inbox.held.set()
    server.stop()


@pytest.fixture
def smtp(smtp_server) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=smtp_server.port, from_address=SENDER, base_url=BASE_URL, timeout=5)


def text_of(message: email.message.EmailMessage) -> str:
    return message.get_content().replace("\r\n", "\n")  # as SMTP carried it, with CRLF line ends


def person(db, clock, username: str, *roles: str, email_address: str | None = "") -> int:
    address = f"{username}@example.org" if email_address == "" else email_address
    return db.writing(lambda s: accounts.add_user(s, username=username, roles=list(roles) or ["sponsor"],
                                                  email=address, actor="test", clock=clock).id)


def tell(db, clock, user_ids: list[int], subject: str, *, kind: str = kinds.REASSIGNED, link: str = "/tasks/t-1"):
    """A notification to each person, written as every service writes one (the outbox's send)."""
    message = Message(kind=kind, subject=subject, body=f"{subject}, in plain words.", link=link)
    db.writing(lambda s: send(s, [s.get(User, i) for i in user_ids], message, now=clock.now()))


def states(db) -> Counter:
    with db.reading() as session:
        return Counter(session.scalars(select(Notification.email_state)))


def deliver_everything(db, smtp, clock) -> int:
    sent = 0
    while (batch := deliver_due(db, smtp=smtp, clock=clock)):
        sent += batch
    return sent


def test_each_person_told_gets_an_e_mail_naming_the_project_and_task_with_a_link_to_it(db, clock, people,
                                                                                       smtp, smtp_server):
    db.writing(lambda s: s.execute(update(User).values(email=User.username + "@example.org")))
    project = walk_to_gate4(db, clock)
    with db.reading() as session:
        notifications = session.scalars(select(Notification).order_by(Notification.id)).all()
        define = session.scalars(select(Task).where(Task.instance_id == project,
                                                    Task.bpmn_id == "define_challenge")).one()
        addresses = dict(session.execute(select(User.id, User.email)).all())
    assert notifications and {n.email_state for n in notifications} == {"pending"}

    assert deliver_everything(db, smtp, clock) == len(notifications)
    assert states(db) == Counter(sent=len(notifications))
    inbox = smtp_server.inbox
    assert sorted(rcpt[0] for rcpt, _ in inbox.accepted) == sorted(addresses[n.user_id] for n in notifications)

    [told] = [m for m in inbox.to("hana.hub@example.org") if define.title in m["Subject"]]
    assert "Automated MDT preparation" in told["Subject"]
    assert (told["From"], told["To"]) == (SENDER, "hana.hub@example.org")
    body = text_of(told)
    assert f"“{define.title}” in the project “Automated MDT preparation”" in body
    assert f"Open it: {BASE_URL}/tasks/{define.id}" in body
    assert f"{BASE_URL}/notifications/preferences" in body
    ids = {n.id for n in notifications if n.task_id == define.id and addresses[n.user_id] == "hana.hub@example.org"}
    assert told["Message-ID"] == f"<sixgates.notification.{ids.pop()}@hub.example.nhs.uk>"
    assert told["Date"] and told["Auto-Submitted"] == "auto-generated"


def test_a_partner_is_never_told_of_a_competitor_nor_of_scores(db, clock, people, smtp, smtp_server):
    from demo.seed import DATAHEALTH, MEDTECH
    db.writing(lambda s: s.execute(update(User).values(email=User.username + "@example.org")))
    walk_to_gate4(db, clock)
    deliver_everything(db, smtp, clock)
    inbox = smtp_server.inbox
    for partner, competitor, their_people in ((MEDTECH, DATAHEALTH, ["ian.datahealth", "Ian Moore"]),
                                              (DATAHEALTH, MEDTECH, ["ivy.medtech", "Ivy Chen", "bill.board"])):
        address = "ivy.medtech@example.org" if partner == MEDTECH else "ian.datahealth@example.org"
        received = inbox.to(address)
        assert received, f"{partner} was told nothing"
        for message in received:
            text = f"{message['Subject']}\n{text_of(message)}"
            for secret in [competitor, *their_people, "strategic fit", "strategic_fit", "patient impact",
                           "value for money", "conflict", "score"]:
                assert secret.lower() not in text.lower(), (address, secret, text)
    board = inbox.to("bea.board@example.org")
    assert any("Automated MDT preparation" in m["Subject"] for m in board)  # the board member was told to score


def test_an_smtp_outage_keeps_every_message_and_recovery_sends_each_exactly_once(db, clock, smtp, smtp_server):
    people = [person(db, clock, name) for name in ("amy", "bob", "cat")]
    tell(db, clock, people, "Given to you: Gate 1 prioritisation (Faster lung cancer referrals)")
    smtp_server.stop()

    assert deliver_due(db, smtp=smtp, clock=clock) == 0
    with db.reading() as session:
        kept = session.scalars(select(Notification)).all()
    assert {(n.email_state, n.attempts, n.lease_until) for n in kept} == {("pending", 1, None)}
    assert all(n.last_error and n.next_attempt_at == clock.now() + timedelta(seconds=10) for n in kept)
    assert deliver_due(db, smtp=smtp, clock=clock) == 0  # not due again yet: nothing tried
    clock.advance(seconds=10)
    assert deliver_due(db, smtp=smtp, clock=clock) == 0  # still down: the wait doubles
    with db.reading() as session:
        assert {(n.attempts, n.next_attempt_at) for n in session.scalars(select(Notification))} == {
            (2, clock.now() + timedelta(seconds=20))}

    smtp_server.start()
    clock.advance(seconds=20)
    assert deliver_due(db, smtp=smtp, clock=clock) == 3
    clock.advance(hours=1)
    assert deliver_due(db, smtp=smtp, clock=clock) == 0
    inbox = smtp_server.inbox
    assert sorted(r[0] for r, _ in inbox.accepted) == ["amy@example.org", "bob@example.org", "cat@example.org"]
    assert set(inbox.message_ids().values()) == {1}
    assert states(db) == Counter(sent=3)


def test_the_retry_wait_doubles_from_ten_seconds_to_at_most_half_an_hour():
    waits = [delivery.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 8, 9, 50)]
    assert waits == [10, 20, 40, 80, 1280, 1800, 1800]


def test_a_refused_address_waits_for_its_retry_while_the_others_go_out_on_the_same_connection(
        db, clock, smtp, smtp_server):
    people = [person(db, clock, name) for name in ("amy", "bob", "cat")]
    tell(db, clock, people, "Due 4 March 2026: Score the EoIs (Automated MDT preparation)")
    smtp_server.inbox.refused.add("bob@example.org")

    assert deliver_due(db, smtp=smtp, clock=clock) == 2
    with db.reading() as session:
        bob = session.scalars(select(Notification).join(User).where(User.username == "bob")).one()
    assert (bob.email_state, bob.attempts) == ("pending", 1) and "451" in bob.last_error

    smtp_server.inbox.refused.clear()
    clock.advance(seconds=10)
    assert deliver_due(db, smtp=smtp, clock=clock) == 1
    assert sorted(r[0] for r, _ in smtp_server.inbox.accepted) == [
        "amy@example.org", "bob@example.org", "cat@example.org"]


def test_a_worker_killed_mid_round_loses_nothing_and_the_next_worker_sends_each_message_once(
        db, clock, smtp_server, tmp_path):
    people = [person(db, clock, f"user{i}") for i in range(5)]
    tell(db, clock, people, "Ready for you: Submit an expression of interest (Automated MDT preparation)")
    inbox = smtp_server.inbox
    inbox.held = threading.Event()
    env = {**os.environ, "DATABASE_URL": db.url, "SIXGATES_SMTP_HOST": "127.0.0.1",
           "SIXGATES_SMTP_PORT": str(smtp_server.port), "SIXGATES_SMTP_FROM": SENDER, "SIXGATES_BASE_URL": BASE_URL}
    worker = subprocess.Popen([str(Path(sys.executable).parent / "sixgates"), "worker"], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert inbox.holding.wait(30), "the worker never started sending"
        os.kill(worker.pid, signal.SIGKILL)  # in the middle of handing over its first message
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    inbox.held.set()
    inbox.held = None
    assert states(db) == Counter(pending=5)  # nothing lost, nothing marked sent
    now = Clock().now()
    assert deliver_due(db, smtp=_settings(smtp_server), clock=FixedClock(now)) == 0  # still leased to the dead worker

    assert deliver_due(db, smtp=_settings(smtp_server), clock=FixedClock(now + delivery.LEASE)) == 5
    assert sorted(r[0] for r, _ in inbox.accepted) == [f"user{i}@example.org" for i in range(5)]
    assert set(inbox.message_ids().values()) == {1}
    assert states(db) == Counter(sent=5)


def test_two_workers_at_once_send_each_message_once(db, clock, smtp, smtp_server):
    people = [person(db, clock, f"user{i}") for i in range(20)]
    for n in range(3):
        tell(db, clock, people, f"Moved on: project {n}", kind=kinds.STAGE_CHANGED, link=f"/projects/{n}")
    databases = [Database(db.url), Database(db.url)]
    counts: list[int] = []
    start = threading.Barrier(2)

    def work(database):
        start.wait()
        counts.append(deliver_everything(database, smtp, clock))
    threads = [threading.Thread(target=work, args=(d,)) for d in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for database in databases:
        database.dispose()

    assert sum(counts) == 60 and len(smtp_server.inbox.accepted) == 60
    assert len(smtp_server.inbox.message_ids()) == 60 and set(smtp_server.inbox.message_ids().values()) == {1}
    assert states(db) == Counter(sent=60)


def test_a_daily_digest_gathers_a_persons_notifications_into_one_e_mail_at_seven(db, clock, smtp, smtp_server):
    daily, instant = person(db, clock, "dora"), person(db, clock, "ed")
    db.writing(lambda s: set_preferences(s, user=s.get(User, daily), choices={kinds.REASSIGNED: kinds.DAILY}))
    subjects = ["Given to you: Gate 1 prioritisation (Lung referrals)", "Given to you: Define the challenge (MDT)",
                "Given to you: Score the EoIs (Capsule endoscopy)"]
    for number, subject in enumerate(subjects):
        tell(db, clock, [daily, instant], subject, link=f"/tasks/t-{number}")

    assert deliver_due(db, smtp=smtp, clock=clock) == 3  # Ed's, one by one; Dora's wait for the digest
    assert states(db) == Counter(sent=3, digest=3)
    with db.reading() as session:
        assert next_delivery_at(session) == datetime(2026, 3, 3, 7, 0, tzinfo=timezone.utc)
    clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=timezone.utc))

    assert deliver_due(db, smtp=smtp, clock=clock) == 1
    [digest] = smtp_server.inbox.to("dora@example.org")
    body = text_of(digest)
    assert "3 notifications" in digest["Subject"]
    for number, subject in enumerate(subjects):
        assert f"- {subject}\n  {BASE_URL}/tasks/t-{number}" in body
    assert states(db) == Counter(sent=6)
    with db.reading() as session:
        assert next_delivery_at(session) is None


def test_with_no_smtp_server_set_notifications_stay_in_the_app_only(db, clock):
    people = [person(db, clock, "amy"), person(db, clock, "bob")]
    tell(db, clock, people, "Given to you: Gate 2 partner selection (MDT)")
    assert deliver_due(db, smtp=None, clock=clock) == 0
    assert states(db) == Counter(none=2)
    with db.reading() as session:
        assert next_delivery_at(session) is None


def test_a_person_whose_address_was_removed_meanwhile_is_not_e_mailed(db, clock, smtp, smtp_server):
    amy, bob = person(db, clock, "amy"), person(db, clock, "bob")
    tell(db, clock, [amy, bob], "Given to you: Gate 3 sign-off (MDT)")
    db.writing(lambda s: s.execute(update(User).where(User.id == bob).values(email=None)))
    assert deliver_due(db, smtp=smtp, clock=clock) == 1
    assert [r[0] for r, _ in smtp_server.inbox.accepted] == ["amy@example.org"]
    assert states(db) == Counter(sent=1, none=1)


def test_a_sleeping_worker_e_mails_a_committed_message_within_a_second(db, clock, smtp, smtp_server):
    amy = person(db, clock, "amy")
    stop = threading.Event()
    worker = threading.Thread(target=timers.run_worker, args=(db,),
                              kwargs={"clock": clock, "once": False, "interval": 30.0, "smtp": smtp, "stop": stop})
    worker.start()
    try:
        time.sleep(0.5)  # the worker has done its first round and sleeps (for up to 30 s)
        committed = time.monotonic()
        tell(db, clock, [amy], "Given to you: Gate 4 mobilisation approval (MDT)")
        assert smtp_server.inbox.arrived.wait(5)
        # Woken, not waiting out its 30 s sleep; the one-second goal is measured by bench/timers.py, as a loaded
        # 2-core CI machine can take a little over a second here.
        assert time.monotonic() - committed < 3.0
    finally:
        stop.set()
        worker.join(5)
    assert not worker.is_alive()


def _settings(server: SmtpServer) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=server.port, from_address=SENDER, base_url=BASE_URL, timeout=5)


def test_a_title_typed_with_line_breaks_stays_in_the_subject_and_adds_no_header(db, clock, smtp, smtp_server):
    amy = person(db, clock, "amy")
    tell(db, clock, [amy], "Ready for you: Define the challenge (Lung referrals\r\nBcc: everyone@example.org)")
    assert deliver_due(db, smtp=smtp, clock=clock) == 1
    [(recipients, message)] = smtp_server.inbox.accepted
    assert recipients == ["amy@example.org"] and message["Bcc"] is None
    assert message["Subject"] == "Ready for you: Define the challenge (Lung referrals Bcc: everyone@example.org)"


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1, as a mail relay inside a trust's network might have."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_server(certificate):
    """An SMTP server that takes mail only after STARTTLS and a login as sixgates / s3cret."""
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = SmtpServer()
    server.logins = []

    def authenticator(smtp_server, session, envelope, mechanism, auth_data):
        server.logins.append((mechanism, auth_data.login))
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"sixgates", b"s3cret"), handled=False)
    server.controller = Controller(server.inbox, hostname="127.0.0.1", port=server.port, tls_context=context,
                                   require_starttls=True, auth_required=True, authenticator=authenticator)
    server.controller.start()
    yield server
    server.stop()


def test_mail_goes_over_starttls_with_a_login_and_a_wrong_password_is_retried_not_lost(
        db, clock, certificate, tls_server, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # the relay's certificate is trusted here
    amy = person(db, clock, "amy")
    tell(db, clock, [amy], "Given to you: Gate 5 evidence gate (MDT)")
    settings = SmtpSettings(host="127.0.0.1", port=tls_server.port, starttls=True, username="sixgates",
                            password="wrong", from_address=SENDER, base_url=BASE_URL, timeout=5)

    assert deliver_due(db, smtp=settings, clock=clock) == 0
    with db.reading() as session:
        kept = session.scalars(select(Notification)).one()
    assert (kept.email_state, kept.attempts) == ("pending", 1) and "535" in kept.last_error

    clock.advance(seconds=10)
    assert deliver_due(db, smtp=dataclasses.replace(settings, password="s3cret"), clock=clock) == 1
    assert [r[0] for r, _ in tls_server.inbox.accepted] == ["amy@example.org"]
    assert tls_server.logins[-1][1] == b"sixgates"  # aiosmtpd allows a login only once the line is encrypted


def test_a_relay_whose_certificate_is_not_trusted_gets_no_mail(db, clock, tls_server):
    amy = person(db, clock, "amy")
    tell(db, clock, [amy], "Given to you: Gate 6 DMBC (MDT)")
    settings = SmtpSettings(host="127.0.0.1", port=tls_server.port, starttls=True, username="sixgates",
                            password="s3cret", from_address=SENDER, base_url=BASE_URL, timeout=5)
    assert deliver_due(db, smtp=settings, clock=clock) == 0
    with db.reading() as session:
        kept = session.scalars(select(Notification)).one()
    assert kept.email_state == "pending" and "CERTIFICATE_VERIFY_FAILED" in kept.last_error
    assert tls_server.logins == [] and tls_server.inbox.accepted == []


class _Crash(Exception):
    pass


def test_a_crash_after_the_server_accepted_but_before_the_commit_resends_with_the_same_message_id(
        db, clock, smtp, smtp_server, monkeypatch):
    """The one window an outbox cannot close: the resend is a duplicate its reader's mail system can recognise."""
    amy = person(db, clock, "amy")
    tell(db, clock, [amy], "Given to you: Gate 2 partner selection (MDT)")
    settle = delivery._settle

    def crash_on_commit(session, ids, *, state, now):
        if state == "sent":
            raise _Crash()  # the worker dies here: the server has the message, the database does not know
        return settle(session, ids, state=state, now=now)
    monkeypatch.setattr(delivery, "_settle", crash_on_commit)
    with pytest.raises(_Crash):
        deliver_due(db, smtp=smtp, clock=clock)
    monkeypatch.setattr(delivery, "_settle", settle)
    assert states(db) == Counter(pending=1)

    assert deliver_due(db, smtp=smtp, clock=clock) == 0  # leased to the worker that died
    clock.advance(seconds=delivery.LEASE.total_seconds())
    assert deliver_due(db, smtp=smtp, clock=clock) == 1
    first, second = (m for _, m in smtp_server.inbox.accepted)
    assert first["Message-ID"] == second["Message-ID"] and text_of(first) == text_of(second)
    assert states(db) == Counter(sent=1)


def test_a_digest_is_never_cut_in_two_by_a_full_round(db, clock, smtp, smtp_server, monkeypatch):
    monkeypatch.setattr(delivery, "BATCH", 4)
    dora, ed = person(db, clock, "dora"), person(db, clock, "ed")
    for someone in (dora, ed):
        db.writing(lambda s, i=someone: set_preferences(s, user=s.get(User, i),
                                                        choices={kinds.REASSIGNED: kinds.DAILY}))
    for number in range(3):
        tell(db, clock, [dora, ed], f"Given to you: step {number} (MDT)", link=f"/tasks/t-{number}")
    clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=timezone.utc))

    assert deliver_everything(db, smtp, clock) == 2
    for address in ("dora@example.org", "ed@example.org"):
        [digest] = smtp_server.inbox.to(address)
        assert "3 notifications" in digest["Subject"]
    assert states(db) == Counter(sent=6)


def test_a_kind_of_work_that_fails_holds_up_neither_the_e_mail_nor_the_worker(db, clock, smtp, smtp_server,
                                                                             monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("reminders are broken")
    monkeypatch.setattr(timers, "send_due_alerts", broken)
    monkeypatch.setattr(timers, "ERROR_PAUSE", 0.2)
    amy = person(db, clock, "amy")
    tell(db, clock, [amy], "Given to you: Gate 1 prioritisation (MDT)")
    stop = threading.Event()
    worker = threading.Thread(target=timers.run_worker, args=(db,),
                              kwargs={"clock": clock, "once": False, "interval": 30.0, "smtp": smtp, "stop": stop})
    worker.start()
    try:
        assert smtp_server.inbox.arrived.wait(5)
        time.sleep(0.5)  # rounds go on failing and being retried
        assert worker.is_alive()
    finally:
        stop.set()
        worker.join(5)
    assert [r[0] for r, _ in smtp_server.inbox.accepted] == ["amy@example.org"]
    assert "sending reminders failed" in caplog.text


def test_an_address_the_relay_cannot_take_waits_alone_and_holds_up_no_one_after_it(db, clock):
    server = SmtpServer()  # a relay that does not offer SMTPUTF8, as many do not
    server.controller = Controller(server.inbox, hostname="127.0.0.1", port=server.port, enable_SMTPUTF8=False)
    server.controller.start()
    try:
        smtp = SmtpSettings(host="127.0.0.1", port=server.port, from_address=SENDER, base_url=BASE_URL, timeout=5)
        amy, bob, cat = (person(db, clock, name) for name in ("amy", "bob", "cat"))
        db.writing(lambda s: s.execute(update(User).where(User.id == bob).values(email="jøsé@example.org")))
        tell(db, clock, [amy, bob, cat], "Ready for you: Score EoIs (Faster lung cancer referrals)")
        assert deliver_due(db, smtp=smtp, clock=clock) == 2
        assert sorted(r[0] for r, _ in server.inbox.accepted) == ["amy@example.org", "cat@example.org"]
        with db.reading() as session:
            kept = session.scalars(select(Notification).where(Notification.user_id == bob)).one()
        assert (kept.email_state, kept.attempts) == ("pending", 1) and "SMTPUTF8" in kept.last_error
    finally:
        server.stop()
