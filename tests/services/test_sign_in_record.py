"""Sign-ins on the record, on a real database: the events the identity services write, read back for auditors
with filters, paging and a summary; nobody else may read them, and an auditor's reading is itself recorded."""
import json
from datetime import date, datetime, timedelta, timezone

import pyotp
import pytest
from sqlalchemy import select

from engine.errors import BadRequest, Forbidden, LoginThrottled
from engine.history import sign_ins
from engine.identity import accounts, password_sign_in, second_factor, sessions, single_sign_on, tokens
from engine.store.models import AuditEvent, User
from engine.store.trail import SYSTEM_CHAIN
from tests.conftest import add_user

PASSWORD = "correct horse battery"
NHS = single_sign_on.Provider(name="nhs", label="Sign in with your NHS account", issuer="https://idp.example.org",
                              client_id="sixgates")


def user(db, username) -> User:
    with db.reading() as s:
        return accounts.require_user(s, username)


def read(db, clock, username="aud", **options) -> sign_ins.SignInPage:
    filters = sign_ins.filters_of(**{k: options.pop(k) for k in ("person", "group", "since", "until") if k in options})
    return db.reading_then_writing(lambda s: sign_ins.read_sign_ins(
        s, user=accounts.require_user(s, username), clock=clock, filters=filters, **options))


def attempt(db, clock, username, password, address="10.0.0.1"):
    return password_sign_in.sign_in(db, username=username, password=password, address=address, clock=clock)


def recorded(db, kind) -> list[AuditEvent]:
    with db.reading() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.chain == SYSTEM_CHAIN, AuditEvent.kind == kind)))


@pytest.fixture
def people(db, clock):
    add_user(db, clock, "aud", "auditor")
    add_user(db, clock, "ada", "admin")
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    db.writing(lambda s: setattr(accounts.require_user(s, "sam"), "display_name", "Sam Patel"))


def lock_out(db, clock, username="sam"):
    """Wrong passwords until the username is locked (the failure that locks it puts the lock-out on the record)."""
    for _ in range(password_sign_in.MAX_FAILURES):
        assert attempt(db, clock, username, "wrong") is None
    with pytest.raises(LoginThrottled):
        attempt(db, clock, username, PASSWORD)


def test_sign_ins_failures_and_a_lock_out_are_listed_newest_first_with_the_summary(db, clock, people):
    assert attempt(db, clock, "sam", PASSWORD) is not None
    clock.advance(minutes=1)
    lock_out(db, clock)
    found = read(db, clock)
    kinds = [row.kind for row in found.rows]
    assert kinds[0] == "login_locked_out" and kinds[-1] == "login_succeeded"
    assert kinds.count("login_failed") == password_sign_in.MAX_FAILURES
    assert (found.summary.sign_ins, found.summary.failures) == (1, password_sign_in.MAX_FAILURES)
    assert found.summary.lock_outs == len(recorded(db, "login_locked_out")) == 1
    assert found.rows[0].detail == {"until": "2026-03-02T09:16:00+00:00"}
    signed_in = found.rows[-1]
    assert (signed_in.username, signed_in.name, signed_in.how, signed_in.address) == ("sam", "Sam Patel",
                                                                                     "password", "10.0.0.1")
    assert [(d.day, d.sign_ins, d.failures) for d in found.summary.days] == [
        (date(2026, 3, 2), 1, password_sign_in.MAX_FAILURES)]


def test_sign_out_tokens_and_mappings_are_listed_with_who_and_how(db, clock, people):
    token = db.writing(lambda s: sessions.open_session(s, user=accounts.require_user(s, "sam"), clock=clock,
                                                       provider="nhs"))
    db.writing(lambda s: sessions.close_session(s, token, clock=clock))
    db.writing(lambda s: tokens.create_token(s, username="sam", actor="ada", clock=clock))
    db.writing(lambda s: single_sign_on.add_mapping(s, provider=NHS, group="cancer-leads", role="clinical_lead",
                                                    actor=accounts.require_user(s, "ada"), clock=clock))
    mapping, token_made, signed_out = read(db, clock).rows
    assert (signed_out.kind, signed_out.username, signed_out.how, signed_out.provider) == (
        "signed_out", "sam", "provider", "nhs")
    assert (token_made.kind, token_made.username, token_made.actor) == ("token_created", "sam", "ada")
    assert (mapping.kind, mapping.username, mapping.detail) == (
        "role_mapping_changed", "ada", {"change": "added", "group": "cancer-leads", "role": "clinical_lead"})


def test_filters_by_person_kind_and_uk_days(db, clock, people):
    add_user(db, clock, "Sam2", "sponsor", password=PASSWORD)
    attempt(db, clock, "sam", PASSWORD)  # 2 March, 9am
    attempt(db, clock, "Sam2", "wrong")
    clock.advance(days=1, hours=14, minutes=30)  # 3 March, 11:30pm in the UK (no summer time yet)
    attempt(db, clock, "sam", "wrong")
    db.writing(lambda s: tokens.create_token(s, username="sam", actor="sam", clock=clock))
    assert [r.kind for r in read(db, clock, person="sam").rows] == ["token_created", "login_failed", "login_succeeded"]
    assert [r.username for r in read(db, clock, person="Sam2").rows] == ["Sam2"]
    assert read(db, clock, person="SAM").total == 0  # usernames are exact
    assert [r.kind for r in read(db, clock, group="failures").rows] == ["login_failed", "login_failed"]
    assert [r.kind for r in read(db, clock, group="tokens").rows] == ["token_created"]
    third = read(db, clock, since=date(2026, 3, 3), until=date(2026, 3, 3))
    assert [r.kind for r in third.rows] == ["token_created", "login_failed"]
    assert (third.summary.sign_ins, third.summary.failures) == (0, 1)
    assert read(db, clock, until=date(2026, 3, 2)).total == 2


def test_a_day_in_summer_starts_at_midnight_uk_time(db, clock, people):
    clock.set(datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc))  # 12:30am on 1 July in the UK (summer time)
    attempt(db, clock, "sam", "wrong")
    assert read(db, clock, since=date(2026, 7, 1), until=date(2026, 7, 1)).total == 1
    assert read(db, clock, until=date(2026, 6, 30)).total == 0


def test_pages_of_fifty_with_the_total(db, clock, people):
    def many(s):
        for n in range(sign_ins.PER_PAGE + 3):
            password_sign_in.record_login(s, username=f"guess{n}", address="10.9.9.9", succeeded=False, clock=clock)
    db.writing(many)
    first, second = read(db, clock), read(db, clock, offset=50)
    assert (first.total, first.pages, len(first.rows), len(second.rows)) == (53, 2, 50, 3)
    assert first.rows[0].username == "guess52" and second.rows[-1].username == "guess0"
    past = read(db, clock, offset=53)
    assert (past.rows, past.total, past.page, past.pages) == ([], 53, 2, 2)


def test_only_auditors_and_administrators_may_read_and_their_reading_is_recorded(db, clock, people):
    add_user(db, clock, "ivy", "industry_partner", org="MedTech Ltd")
    add_user(db, clock, "hana", "hub_team")
    add_user(db, clock, "bea", "board_member")
    for outsider in ("ivy", "hana", "bea", "sam"):
        with pytest.raises(Forbidden):
            read(db, clock, outsider)
    assert recorded(db, "personal_data_viewed") == []
    attempt(db, clock, "sam", PASSWORD)
    read(db, clock, "aud", person="sam")
    read(db, clock, "ada")
    views = [(e.actor, json.loads(e.data_json)["view"]) for e in recorded(db, "personal_data_viewed")]
    assert views == [("aud", "sign-ins, events 1 to 1, for person sam"),
                     ("ada", "sign-ins, events 1 to 1, for everyone, any time")]


def test_every_row_for_the_csv_is_read_and_that_reading_recorded(db, clock, people):
    db.writing(lambda s: [password_sign_in.record_login(s, username=f"u{n}", address="x", succeeded=False,
                                                        clock=clock) for n in range(60)])
    rows = db.reading_then_writing(lambda s: sign_ins.every_sign_in(s, user=accounts.require_user(s, "aud"),
                                                                    clock=clock))
    assert len(rows) == 60
    [view] = recorded(db, "personal_data_viewed")
    assert json.loads(view.data_json)["view"] == "sign-ins (CSV) for everyone, any time"


def test_filters_no_event_could_match_are_refused_and_a_backwards_period_holds_nothing(db, clock, people):
    with pytest.raises(BadRequest) as unknown:
        sign_ins.filters_of(group="everything")
    assert "group" in unknown.value.fields
    with pytest.raises(BadRequest) as long_name:
        sign_ins.filters_of(person="x" * 81)
    assert "person" in long_name.value.fields
    assert sign_ins.filters_of(person=" sam ", since=date(2026, 3, 2), until=date(2026, 3, 2)) == sign_ins.Filters(
        person="sam", since=date(2026, 3, 2), until=date(2026, 3, 2))
    attempt(db, clock, "sam", PASSWORD)
    assert read(db, clock, since=date(2026, 3, 2), until=date(2026, 3, 1)).total == 0
    assert read(db, clock, since=date.min, until=date.max).total == 1  # the ends of the calendar are days too


def test_a_password_sign_in_finished_with_a_code_or_a_recovery_code_says_so(db, clock, people):
    secret, now = second_factor.new_secret(), clock.now()
    totp = pyotp.TOTP(secret)
    sam_id = user(db, "sam").id
    codes = db.writing(lambda s: second_factor.confirm_enrolment(s, s.get(User, sam_id), secret=secret,
                                                                 code=totp.at(now), at=now, clock=clock))
    later = now + timedelta(minutes=2)
    near = {totp.at(later + timedelta(seconds=30 * n)) for n in range(-3, 4)}
    wrong = next(code for code in (f"{n:06d}" for n in range(10)) if code not in near)

    def with_code(code, at):
        return password_sign_in.sign_in_with_code(db, user_id=sam_id, code=code, address="10.0.0.1", clock=clock,
                                                  at=at)
    assert attempt(db, clock, "sam", PASSWORD) is not None
    assert with_code(wrong, later) is None
    assert with_code(totp.at(later), later) is not None
    assert attempt(db, clock, "sam", PASSWORD) is not None
    assert with_code(codes[0], later) is not None
    assert attempt(db, clock, "sam", PASSWORD) is not None  # half signed in: no code given
    rows = [(row.kind, row.how) for row in read(db, clock).rows]
    assert rows == [("password_accepted", "password"), ("login_succeeded", "password_and_recovery_code"),
                    ("recovery_code_used", "recovery_code"), ("password_accepted", "password"),
                    ("login_succeeded", "password_and_code"), ("second_factor_failed", "second_factor"),
                    ("password_accepted", "password"), ("second_factor_enrolled", "second_factor")]
    assert read(db, clock).summary.failures == 1
