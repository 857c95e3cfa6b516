"""Users on a real database: sign-in throttling, and the administrator's changes (each audited)."""
import json
import threading
import time

import pytest
from sqlalchemy import select

from engine.errors import BadRequest, Conflict, Forbidden, LoginThrottled, NotFound
from engine.history import verification
from engine.identity import accounts, password_sign_in, sessions, tokens
from engine.store.models import AuditEvent, Organisation, User
from engine.store.trail import SYSTEM_CHAIN, list_events
from tests.conftest import add_user

PASSWORD = "correct horse battery"


def sign_in(db, clock, username, password, address="10.0.0.1"):
    return password_sign_in.sign_in(db, username=username, password=password, address=address, clock=clock)


def fail(db, clock, times, username="sam", address="10.0.0.1"):
    for _ in range(times):
        assert sign_in(db, clock, username, "wrong", address) is None


def record_failures(db, clock, attempts):
    """Failed sign-ins as sign_in records them, without paying for a password hash each."""
    def work(s):
        for username, address in attempts:
            password_sign_in.record_login(s, username=username, address=address, succeeded=False, clock=clock)
    db.writing(work)


def system_events(db, kind):
    with db.reading() as s:
        return [json.loads(e.data_json) for e in list_events(s, SYSTEM_CHAIN) if e.kind == kind]


def user(db, username) -> User:
    with db.reading() as s:
        return accounts.require_user(s, username)


@pytest.fixture
def ada(db, clock):
    add_user(db, clock, "ada", "admin", password=PASSWORD)
    return user(db, "ada")


def test_five_failures_lock_the_username_for_fifteen_minutes_even_with_the_right_password(db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    fail(db, clock, 4)
    clock.advance(minutes=1)
    fail(db, clock, 1)
    with pytest.raises(LoginThrottled) as locked:
        sign_in(db, clock, "sam", PASSWORD)
    assert locked.value.minutes == 15 and "try again in 15 minutes" in locked.value.message
    clock.advance(minutes=14, seconds=30)
    with pytest.raises(LoginThrottled) as still:
        sign_in(db, clock, "sam", PASSWORD)
    assert still.value.minutes == 1 and "in 1 minute." in still.value.message
    clock.advance(seconds=30)
    assert sign_in(db, clock, "sam", PASSWORD).username == "sam"
    assert len(system_events(db, "login_failed")) == 5  # refused attempts are not failures
    assert system_events(db, "login_succeeded") == [{"username": "sam", "address": "10.0.0.1"}]


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    for _ in range(8):
        fail(db, clock, 1)
        clock.advance(minutes=4)
    assert sign_in(db, clock, "sam", PASSWORD) is not None


def test_unknown_usernames_lock_the_same_way_so_the_lock_reveals_nothing(db, clock):
    fail(db, clock, 5, username="nobody")
    with pytest.raises(LoginThrottled):
        sign_in(db, clock, "nobody", "anything")


def test_one_persons_failures_from_a_shared_address_lock_out_no_one_else_behind_it(db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    add_user(db, clock, "kim", "sponsor", password=PASSWORD)
    fail(db, clock, 5, username="kim", address="192.0.2.9")  # a trust's NAT: everyone signs in from it
    with pytest.raises(LoginThrottled):
        sign_in(db, clock, "kim", PASSWORD, address="192.0.2.9")
    assert sign_in(db, clock, "sam", PASSWORD, address="192.0.2.9") is not None
    assert sign_in(db, clock, "kim", PASSWORD, address="10.0.0.1") is not None  # kim elsewhere


def test_guessing_one_username_from_many_addresses_locks_it(db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    record_failures(db, clock, [("sam", f"198.51.100.{n}") for n in range(password_sign_in.MAX_USERNAME_FAILURES - 1)])
    assert sign_in(db, clock, "sam", "wrong", address="10.0.0.9") is None
    with pytest.raises(LoginThrottled):
        sign_in(db, clock, "sam", PASSWORD, address="10.0.0.1")


def test_spraying_many_usernames_from_one_address_locks_that_address(db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    record_failures(db, clock, [(f"user{n}", "192.0.2.9") for n in range(password_sign_in.MAX_ADDRESS_FAILURES - 1)])
    assert sign_in(db, clock, "pat", "wrong", address="192.0.2.9") is None  # the limit is reached
    with pytest.raises(LoginThrottled):
        sign_in(db, clock, "sam", PASSWORD, address="192.0.2.9")
    assert sign_in(db, clock, "sam", PASSWORD, address="10.0.0.1") is not None


def test_spraying_from_a_shared_address_does_not_lock_out_those_who_sign_in_there(db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    add_user(db, clock, "kim", "sponsor", password=PASSWORD)
    assert sign_in(db, clock, "sam", PASSWORD, address="192.0.2.9") is not None  # the trust's NAT
    clock.advance(days=20)
    record_failures(db, clock, [(f"user{n}", "192.0.2.9") for n in range(password_sign_in.MAX_ADDRESS_FAILURES)])
    assert sign_in(db, clock, "sam", PASSWORD, address="192.0.2.9") is not None
    with pytest.raises(LoginThrottled):  # kim never signed in from there: the address lock holds
        sign_in(db, clock, "kim", PASSWORD, address="192.0.2.9")
    fail(db, clock, password_sign_in.MAX_FAILURES, username="sam", address="192.0.2.9")
    with pytest.raises(LoginThrottled):  # sam's own mistakes there still lock sam there
        sign_in(db, clock, "sam", PASSWORD, address="192.0.2.9")


def test_an_address_signed_in_from_over_a_month_ago_is_not_known_any_more(db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    assert sign_in(db, clock, "sam", PASSWORD, address="192.0.2.9") is not None
    clock.advance(days=password_sign_in.KNOWN_ADDRESS_DAYS + 1)
    record_failures(db, clock, [(f"user{n}", "192.0.2.9") for n in range(password_sign_in.MAX_ADDRESS_FAILURES)])
    with pytest.raises(LoginThrottled):
        sign_in(db, clock, "sam", PASSWORD, address="192.0.2.9")


def test_guessing_from_many_addresses_does_not_lock_the_owner_out_where_they_sign_in(db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    assert sign_in(db, clock, "sam", PASSWORD, address="10.0.0.1") is not None
    record_failures(db, clock, [("sam", f"198.51.100.{n}") for n in range(password_sign_in.MAX_USERNAME_FAILURES)])
    with pytest.raises(LoginThrottled):
        sign_in(db, clock, "sam", PASSWORD, address="10.0.0.9")
    assert sign_in(db, clock, "sam", PASSWORD, address="10.0.0.1") is not None


def _in_parallel(attempts, work):
    """Run work(*attempt) for every attempt in its own thread, all released at once."""
    start, errors = threading.Barrier(len(attempts)), []

    def run(*attempt):
        start.wait()
        try:
            work(*attempt)
        except LoginThrottled:
            pass
        except Exception as exc:  # noqa: BLE001 - reported below, with the thread's attempt
            errors.append((attempt, exc))

    threads = [threading.Thread(target=run, args=attempt) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_parallel_wrong_passwords_cannot_pass_the_limit_together(db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    _in_parallel([("sam",)] * 12, lambda username: sign_in(db, clock, username, "wrong"))
    assert len(system_events(db, "login_failed")) == password_sign_in.MAX_FAILURES
    with pytest.raises(LoginThrottled):
        sign_in(db, clock, "sam", PASSWORD)


def test_checking_a_password_holds_up_no_one_else(db, clock, monkeypatch):
    """The password hash is slow on purpose: while it runs, other sign-ins and changes go ahead."""
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    hashing, release = threading.Event(), threading.Event()
    slow_check = password_sign_in.check_password_hash

    def check(stored, password):
        hashing.set()
        release.wait(5)
        return slow_check(stored, password)

    monkeypatch.setattr(password_sign_in, "check_password_hash", check)
    signing_in = threading.Thread(target=sign_in, args=(db, clock, "sam", PASSWORD))
    signing_in.start()
    try:
        assert hashing.wait(5)
        started = time.monotonic()
        record_failures(db, clock, [("kim", "10.0.0.2")])  # someone else's attempt, recorded meanwhile
        assert time.monotonic() - started < 2
    finally:
        release.set()
        signing_in.join()
    assert system_events(db, "login_succeeded") == [{"username": "sam", "address": "10.0.0.1"}]


def test_parallel_spraying_from_one_address_cannot_pass_its_limit_together(db, clock):
    record_failures(db, clock, [(f"user{n}", "192.0.2.9") for n in range(password_sign_in.MAX_ADDRESS_FAILURES - 1)])
    _in_parallel([(f"other{n}",) for n in range(8)],
                 lambda username: sign_in(db, clock, username, "wrong", address="192.0.2.9"))
    assert len(system_events(db, "login_failed")) == password_sign_in.MAX_ADDRESS_FAILURES


def test_a_successful_sign_in_clears_the_username_failures(db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    fail(db, clock, 4, address="10.0.0.2")
    assert sign_in(db, clock, "sam", PASSWORD, address="10.0.0.3") is not None
    fail(db, clock, 4, address="10.0.0.4")
    assert sign_in(db, clock, "sam", PASSWORD, address="10.0.0.5") is not None


def test_a_disabled_user_cannot_sign_in_and_their_token_stops_working(db, clock, ada):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    token = db.writing(lambda s: tokens.create_token(s, username="sam", actor="test", clock=clock))
    db.writing(lambda s: accounts.set_active(s, "sam", active=False, actor=ada, clock=clock))
    assert sign_in(db, clock, "sam", PASSWORD) is None
    with db.reading() as s:
        assert tokens.user_id_for_token(s, token, clock=clock) is None
    db.writing(lambda s: accounts.set_active(s, "sam", active=True, actor=ada, clock=clock))
    assert sign_in(db, clock, "sam", PASSWORD) is not None
    assert [e["username"] for e in system_events(db, "user_disabled") + system_events(db, "user_enabled")] \
        == ["sam", "sam"]


def test_role_and_organisation_changes_are_audited_on_the_system_chain(db, clock, ada):
    add_user(db, clock, "ivy", "board_member")
    db.writing(lambda s: accounts.set_roles(s, "ivy", roles=["board_member", "board_chair"], actor=ada, clock=clock))
    db.writing(lambda s: accounts.update_user(s, "ivy", roles=["industry_partner"], organisation=" Medtech  Ltd ",
                                              actor=ada, clock=clock))
    db.writing(lambda s: accounts.set_organisation(s, "ivy", organisation="DataHealth plc", actor=ada, clock=clock))
    assert system_events(db, "user_roles_changed") == [
        {"username": "ivy", "before": ["board_member"], "after": ["board_chair", "board_member"]},
        {"username": "ivy", "before": ["board_chair", "board_member"], "after": ["industry_partner"]}]
    assert system_events(db, "user_organisation_changed") == [
        {"username": "ivy", "before": None, "after": "Medtech Ltd"},
        {"username": "ivy", "before": "Medtech Ltd", "after": "DataHealth plc"}]
    changed = user(db, "ivy")
    assert changed.roles == {"industry_partner"} and changed.organisation_name == "DataHealth plc"
    with db.reading() as s:
        actors = set(s.scalars(select(AuditEvent.actor).where(AuditEvent.kind.like("user_%_changed"))))
        assert actors == {"ada"} and verification.check_records(s, rerun=False).problems == []


def test_saving_unchanged_roles_records_nothing(db, clock, ada):
    add_user(db, clock, "sam", "sponsor")
    db.writing(lambda s: accounts.update_user(s, "sam", roles=["sponsor"], organisation="", actor=ada, clock=clock))
    assert system_events(db, "user_roles_changed") == system_events(db, "user_organisation_changed") == []


def test_an_admin_cannot_disable_themselves_or_drop_their_own_admin_role(db, clock, ada):
    with pytest.raises(Conflict, match="cannot disable your own account"):
        db.writing(lambda s: accounts.set_active(s, "ada", active=False, actor=ada, clock=clock))
    with pytest.raises(Conflict, match="own admin role"):
        db.writing(lambda s: accounts.set_roles(s, "ada", roles=["auditor"], actor=ada, clock=clock))
    assert user(db, "ada").active and user(db, "ada").roles == {"admin"}


def test_unknown_roles_missing_users_and_partners_without_organisation_are_refused(db, clock, ada):
    add_user(db, clock, "sam", "sponsor")
    with pytest.raises(BadRequest, match="Unknown role"):
        db.writing(lambda s: accounts.set_roles(s, "sam", roles=["sponsor", "superuser"], actor=ada, clock=clock))
    with pytest.raises(BadRequest, match="none given"):
        db.writing(lambda s: accounts.set_roles(s, "sam", roles=[], actor=ada, clock=clock))
    with pytest.raises(BadRequest, match="organisation") as partner:
        db.writing(lambda s: accounts.set_roles(s, "sam", roles=["industry_partner"], actor=ada, clock=clock))
    assert "organisation" in partner.value.fields
    with pytest.raises(NotFound):
        db.writing(lambda s: accounts.set_active(s, "nobody", active=False, actor=ada, clock=clock))
    assert user(db, "sam").roles == {"sponsor"} and system_events(db, "user_roles_changed") == []


def test_only_admins_manage_users(db, clock, ada):
    add_user(db, clock, "hal", "hub_team", "auditor")
    hal = user(db, "hal")
    with pytest.raises(Forbidden):
        db.writing(lambda s: accounts.set_roles(s, "ada", roles=["sponsor"], actor=hal, clock=clock))
    with pytest.raises(Forbidden):
        db.writing(lambda s: accounts.create_user(s, username="eve", display_name="Eve", password=PASSWORD,
                                                  roles=["admin"], organisation=None, actor=hal, clock=clock))
    with db.reading() as s, pytest.raises(Forbidden):
        accounts.list_users(s, actor=hal)


def test_an_admin_adds_a_user_with_a_checked_name_and_password(db, clock, ada):
    def create(username="pat", password=PASSWORD):
        return db.writing(lambda s: accounts.create_user(
            s, username=username, display_name="Pat Jones", password=password, roles=["sponsor"],
            organisation=None, actor=ada, clock=clock))

    with pytest.raises(BadRequest, match="at least 10"):
        create(password="short")
    with pytest.raises(BadRequest, match="username"):
        create(username="pat jones")
    create()
    with pytest.raises(Conflict, match="already exists"):
        create()
    assert sign_in(db, clock, "pat", PASSWORD).display_name == "Pat Jones"
    assert system_events(db, "user_added")[-1] == {"username": "pat", "roles": ["sponsor"], "organisation": None}


def test_a_session_ends_at_sign_out_after_hours_unused_and_after_a_day_whatever_happens(db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    sam = user(db, "sam")

    def holds(token):
        with db.reading() as s:
            found, _ = sessions.session_user(s, token, clock=clock)
        return found is not None

    token = db.writing(lambda s: sessions.open_session(s, user=sam, clock=clock))
    assert holds(token) and not holds("made-up")
    for _ in range(3):  # used every 7 hours: kept alive by use, not past a day
        clock.advance(hours=7)
        assert holds(token)
        db.writing(lambda s: sessions.touch_session(s, token, clock=clock))
    clock.advance(hours=4)
    assert not holds(token)  # 25 hours old
    idle = db.writing(lambda s: sessions.open_session(s, user=sam, clock=clock))
    clock.advance(hours=8, minutes=1)
    assert not holds(idle)
    closed = db.writing(lambda s: sessions.open_session(s, user=sam, clock=clock))
    db.writing(lambda s: sessions.close_session(s, closed, clock=clock))
    assert not holds(closed)


@pytest.mark.parametrize("name", ["Medtech|DataHealth", "Medtech|", "Med\x00tech", "Med\x7ftech", "Med\x1btech",
                                  "\u202eMedtech", "Med\u200btech"])
def test_organisation_names_with_the_policy_separator_or_control_characters_are_refused(db, clock, ada, name):
    add_user(db, clock, "ivy", "industry_partner", org="Medtech")
    attempts = [
        lambda s: accounts.add_user(s, username="pat", roles=["industry_partner"], organisation=name,
                                    actor="test", clock=clock),
        lambda s: accounts.create_user(s, username="pat", display_name="Pat", password=PASSWORD,
                                       roles=["industry_partner"], organisation=name, actor=ada, clock=clock),
        lambda s: accounts.update_user(s, "ivy", roles=["industry_partner"], organisation=name, actor=ada,
                                       clock=clock),
        lambda s: accounts.set_organisation(s, "ivy", organisation=name, actor=ada, clock=clock)]
    for attempt in attempts:
        with pytest.raises(BadRequest, match="cannot contain") as refused:
            db.writing(attempt)
        assert "organisation" in refused.value.fields
    with db.reading() as s:
        assert list(s.scalars(select(Organisation.name))) == ["Medtech"]
    assert user(db, "ivy").organisation_name == "Medtech"
    assert system_events(db, "user_organisation_changed") == []

