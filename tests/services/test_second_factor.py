"""The second factor of local accounts on a real database: setting up an app, its codes and recovery codes, the rules
that require one, and sign-in with a code (throttled and recorded like passwords)."""
import json
import threading
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from sqlalchemy import select

from engine.errors import BadRequest, Conflict, Forbidden, LoginThrottled
from engine.identity import accounts, password_sign_in
from engine.identity import second_factor as factor
from engine.store.models import RecoveryCode, User
from engine.store.trail import SYSTEM_CHAIN, list_events
from tests.conftest import add_user

PASSWORD = "correct horse battery"
NOW = datetime(2026, 3, 2, 9, 0, 10, tzinfo=timezone.utc)  # the phone's time: real time in the app


def user(db, username) -> User:
    with db.reading() as s:
        return accounts.require_user(s, username)


def events(db, kind):
    with db.reading() as s:
        return [(e.actor, json.loads(e.data_json)) for e in list_events(s, SYSTEM_CHAIN) if e.kind == kind]


def enrol(db, clock, username, at=NOW):
    """Set up an app for the user: its key and the recovery codes shown."""
    secret = factor.new_secret()
    codes = db.writing(lambda s: factor.confirm_enrolment(s, accounts.require_user(s, username), secret=secret,
                                                          code=pyotp.TOTP(secret).at(at), at=at, clock=clock))
    return secret, codes


def verify(db, username, code, at=NOW):
    return db.writing(lambda s: factor.verify_code(s, accounts.require_user(s, username), code, at=at))


@pytest.fixture
def sam(db, clock):
    add_user(db, clock, "sam", "industry_partner", org="Medtech Ltd", password=PASSWORD)
    add_user(db, clock, "ada", "admin", password=PASSWORD)
    return "sam"


def test_an_app_is_kept_only_once_a_code_made_from_its_key_is_right(db, clock, sam):
    secret = factor.new_secret()
    with pytest.raises(BadRequest) as wrong:
        db.writing(lambda s: factor.confirm_enrolment(s, accounts.require_user(s, "sam"), secret=secret,
                                                      code="000000", at=NOW, clock=clock))
    assert "code" in wrong.value.fields and user(db, "sam").totp_secret is None
    assert events(db, "second_factor_enrolled") == []
    codes = db.writing(lambda s: factor.confirm_enrolment(s, accounts.require_user(s, "sam"), secret=secret,
                                                          code=pyotp.TOTP(secret).at(NOW), at=NOW, clock=clock))
    assert user(db, "sam").totp_secret == secret and len(codes) == 10
    assert events(db, "second_factor_enrolled") == [("sam", {"username": "sam"})]
    with pytest.raises(Conflict):
        enrol(db, clock, "sam")


def test_the_set_up_shows_a_qr_code_of_the_otpauth_address_and_the_key_in_fours(db, clock):
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    uri = factor.provisioning_uri(secret, "ivy.medtech")
    assert uri.startswith("otpauth://totp/Six%20Gates:ivy.medtech?") and "issuer=Six%20Gates" in uri
    assert f"secret={secret}" in uri
    assert factor.qr_code_svg(secret, "ivy.medtech").startswith("data:image/svg+xml")
    assert factor.grouped(secret) == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"


def test_a_code_is_accepted_for_its_step_and_the_next_and_never_twice(db, clock, sam):
    secret, _ = enrol(db, clock, "sam")
    totp = pyotp.TOTP(secret)
    assert not verify(db, "sam", totp.at(NOW))  # the code that set the app up is spent
    later = NOW + timedelta(seconds=30)
    assert verify(db, "sam", totp.at(later), at=later)
    assert not verify(db, "sam", totp.at(later), at=later)  # seen over a shoulder: refused
    assert verify(db, "sam", totp.at(later + timedelta(seconds=30)), at=later)  # the phone's clock a little ahead
    far = later + timedelta(minutes=5)
    assert not verify(db, "sam", totp.at(far), at=later)
    assert not verify(db, "sam", "12345", at=later) and not verify(db, "sam", "abcdef", at=later)


def test_recovery_codes_are_kept_hashed_and_each_works_once(db, clock, sam):
    _, codes = enrol(db, clock, "sam")
    assert len(set(codes)) == 10 and all(len(c) == 19 and c.count("-") == 3 for c in codes)
    with db.reading() as s:
        kept = list(s.scalars(select(RecoveryCode.code_hash)))
    assert len(kept) == 10 and not set(codes) & set(kept) and all(len(h) == 64 for h in kept)

    def use(code):
        return db.writing(lambda s: factor.use_recovery_code(s, accounts.require_user(s, "sam"), code, clock=clock))
    assert use(codes[0].lower().replace("-", " "))  # as typed from paper
    assert not use(codes[0])
    assert not use("AAAA-BBBB-CCCC-DDDD")
    assert events(db, "recovery_code_used") == [("sam", {"username": "sam", "left": 9})]


def test_a_new_set_of_recovery_codes_replaces_the_old(db, clock, sam):
    _, old = enrol(db, clock, "sam")
    new = db.writing(lambda s: factor.new_recovery_codes(s, accounts.require_user(s, "sam"), clock=clock))
    assert not set(old) & set(new)
    me = accounts.require_user

    assert not db.writing(lambda s: factor.use_recovery_code(s, me(s, "sam"), old[1], clock=clock))
    assert db.writing(lambda s: factor.use_recovery_code(s, me(s, "sam"), new[1], clock=clock))
    assert [actor for actor, _ in events(db, "recovery_codes_replaced")] == ["sam"]


def test_rules_require_a_second_factor_by_role_or_by_organisation(db, clock, sam):
    add_user(db, clock, "bea", "board_member", password=PASSWORD)
    ada = user(db, "ada")

    def required(username):
        with db.reading() as s:
            return factor.requires_second_factor(s, accounts.require_user(s, username))
    assert not required("sam") and not required("bea")
    rule = db.writing(lambda s: factor.add_rule(s, scope="organisation", value="Medtech Ltd", actor=ada, clock=clock))
    assert required("sam") and not required("bea")
    db.writing(lambda s: factor.add_rule(s, scope="role", value="board_member", actor=ada, clock=clock))
    assert required("bea")
    with pytest.raises(Conflict):
        db.writing(lambda s: factor.add_rule(s, scope="role", value="board_member", actor=ada, clock=clock))
    with pytest.raises(BadRequest):
        db.writing(lambda s: factor.add_rule(s, scope="organisation", value="Nobody Ltd", actor=ada, clock=clock))
    with pytest.raises(Forbidden):
        db.writing(lambda s: factor.add_rule(s, scope="role", value="sponsor", actor=user(db, "sam"), clock=clock))
    db.writing(lambda s: factor.remove_rule(s, rule.id, actor=ada, clock=clock))
    assert not required("sam")
    assert [data for _, data in events(db, "second_factor_rule_changed")] == [
        {"change": "added", "scope": "organisation", "value": "Medtech Ltd"},
        {"change": "added", "scope": "role", "value": "board_member"},
        {"change": "removed", "scope": "organisation", "value": "Medtech Ltd"}]


def test_a_person_removes_their_app_once_their_password_is_checked_and_an_admin_for_someone_who_lost_their_phone(
        db, clock, sam):
    add_user(db, clock, "kim", "sponsor", password=PASSWORD)
    enrol(db, clock, "sam")

    def remove(actor, checked=False):
        return db.writing(lambda s: factor.remove_second_factor(s, "sam", actor=accounts.require_user(s, actor),
                                                                password_checked=checked, clock=clock))
    with pytest.raises(Forbidden):
        remove("sam")  # not without the password asked again
    with pytest.raises(Forbidden):
        remove("kim", checked=True)
    remove("sam", checked=True)
    assert user(db, "sam").totp_secret is None
    enrol(db, clock, "sam")
    remove("ada")
    with db.reading() as s:
        assert s.scalars(select(RecoveryCode)).all() == []
    assert events(db, "second_factor_removed") == [("sam", {"username": "sam"}), ("ada", {"username": "sam"})]


def test_a_password_asked_again_is_throttled_and_recorded_as_at_sign_in(db, clock, sam):
    def again(password):
        return password_sign_in.check_password_again(db, username="sam", password=password, address="10.0.0.1",
                                                     clock=clock)
    assert again(PASSWORD)
    for _ in range(password_sign_in.MAX_FAILURES):
        assert not again("guess")
    with pytest.raises(LoginThrottled):
        again(PASSWORD)
    assert len(events(db, "login_failed")) == password_sign_in.MAX_FAILURES
    assert len(events(db, "login_locked_out")) == 1


def test_a_key_made_from_twenty_bytes_is_the_same_each_time_and_makes_codes():
    secret = factor.secret_from(bytes(range(20)))
    assert len(secret) == 32 and secret == factor.secret_from(bytes(range(20)))
    assert pyotp.TOTP(secret).at(NOW).isdigit()


def sign_in(db, clock, password=PASSWORD, address="10.0.0.1"):
    return password_sign_in.sign_in(db, username="sam", password=password, address=address, clock=clock)


def with_code(db, clock, code, address="10.0.0.1", at=NOW):
    return password_sign_in.sign_in_with_code(db, user_id=user(db, "sam").id, code=code, address=address,
                                              clock=clock, at=at)


def test_a_right_password_asks_for_the_code_and_only_the_code_signs_in(db, clock, sam):
    secret, _ = enrol(db, clock, "sam")
    assert sign_in(db, clock).username == "sam"
    assert events(db, "password_accepted") == [("sam", {"username": "sam", "address": "10.0.0.1"})]
    assert events(db, "login_succeeded") == []
    later = NOW + timedelta(seconds=60)
    assert with_code(db, clock, pyotp.TOTP(secret).at(later), at=later).username == "sam"
    assert events(db, "login_succeeded") == [
        ("sam", {"username": "sam", "address": "10.0.0.1", "second_step": "authenticator_app"})]


def test_wrong_codes_count_like_wrong_passwords_and_lock_out_once_on_the_record(db, clock, sam):
    secret, codes = enrol(db, clock, "sam")
    sign_in(db, clock, password="wrong")
    for _ in range(3):
        assert sign_in(db, clock) is not None  # a right password does not clear the failures
        assert with_code(db, clock, "000000") is None
    assert with_code(db, clock, "AAAA-BBBB-CCCC-DDDD") is None  # the fifth failure
    assert len(events(db, "second_factor_failed")) == 4
    locked = events(db, "login_locked_out")
    assert len(locked) == 1 and locked[0][1]["username"] == "sam" and locked[0][1]["address"] == "10.0.0.1"
    assert datetime.fromisoformat(locked[0][1]["until"]) == clock.now() + password_sign_in.LOCKOUT
    later = NOW + timedelta(seconds=60)
    with pytest.raises(LoginThrottled):  # even the right code, while locked out
        with_code(db, clock, pyotp.TOTP(secret).at(later), at=later)
    with pytest.raises(LoginThrottled):
        sign_in(db, clock)
    assert len(events(db, "login_locked_out")) == 1  # refused attempts are not recorded
    clock.advance(minutes=16)
    assert sign_in(db, clock) is not None
    assert with_code(db, clock, codes[0]).username == "sam"  # a recovery code signs in too


def test_wrong_passwords_that_lock_out_are_on_the_record_once(db, clock, sam):
    for _ in range(password_sign_in.MAX_FAILURES):
        sign_in(db, clock, password="wrong")
    with pytest.raises(LoginThrottled):
        sign_in(db, clock, password="wrong")
    assert [data["username"] for _, data in events(db, "login_locked_out")] == ["sam"]


def test_parallel_attempts_with_one_code_sign_in_once(db, clock, sam):
    secret, _ = enrol(db, clock, "sam")
    later = NOW + timedelta(seconds=60)
    code, results, start = pyotp.TOTP(secret).at(later), [], threading.Barrier(6)

    def attempt():
        start.wait()
        results.append(with_code(db, clock, code, at=later))
    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(result is not None for result in results) == 1
    assert len(events(db, "login_succeeded")) == 1 and len(events(db, "second_factor_failed")) == 5
