"""The password rule (NCSC: length over complexity, no common or guessable passwords) and changing one's own
password on a real database: other sessions end, the change is on the record, guessing is throttled."""
import json

import pytest

from engine.errors import BadRequest, Conflict, LoginThrottled
from engine.identity import accounts, password_sign_in, passwords, sessions
from engine.store.trail import SYSTEM_CHAIN, list_events
from tests.conftest import add_user

PASSWORD = "correct horse battery"
NEW = "lantern orchard pebble"


def refusal(password, username="sam.patel", **who):
    with pytest.raises(BadRequest) as refused:
        passwords.check_password(password, username=username, **who)
    assert refused.value.fields["password"] == refused.value.message
    return refused.value.message


def system_events(db, kind):
    with db.reading() as s:
        return [json.loads(e.data_json) for e in list_events(s, SYSTEM_CHAIN) if e.kind == kind]


def test_a_long_uncommon_passphrase_is_accepted_without_rules_about_digits_or_symbols():
    for fine in (PASSWORD, "lantern orchard pebble", "purple monkey dishwasher", "x" * 3 + "Tr0ub4dor&3 zebra"):
        passwords.check_password(fine, username="sam.patel", display_name="Sam Patel")


def test_a_short_or_overlong_password_is_refused_in_plain_english():
    assert refusal("pebble9!").startswith("A password needs at least 10 characters.")
    assert refusal("lantern orchard pebble " * 12) == "A password can have at most 256 characters."


def test_a_commonly_used_password_is_refused_with_a_suggestion():
    for common in ("password1234", "qwertyuiop", "1234567890", "qwerty123456"):
        assert refusal(common) == "This is one of the most commonly used passwords. Try three random words.", common
    assert refusal("P@ssw0rd12") == ("This password would be easy to guess. This is similar to a commonly used "
                                     "password. Add another word or two. Uncommon words are better.")
    assert "Repeats" in refusal("aaaaaaaaaaaa") and "Sequences" in refusal("abcdefghijkl")


def test_a_password_containing_the_username_name_organisation_or_this_service_is_refused():
    assert "cannot contain the username" in refusal("sam.patel-2026!", username="sam.patel")
    assert "easy to guess" in refusal("SamPatel1990", display_name="Sam Patel")
    assert "easy to guess" in refusal("medtechltd2026", organisation="Medtech Ltd")
    assert "easy to guess" in refusal("sixgates2026")


def test_an_admin_adding_a_user_is_held_to_the_same_rule(db, clock):
    add_user(db, clock, "ada", "admin", password=PASSWORD)
    with db.reading() as s:
        ada = accounts.require_user(s, "ada")
    with pytest.raises(BadRequest, match="commonly used") as refused:
        db.writing(lambda s: accounts.create_user(s, username="pat", display_name="Pat Jones", password="qwertyuiop",
                                                  roles=["sponsor"], organisation=None, actor=ada, clock=clock))
    assert "password" in refused.value.fields
    assert system_events(db, "user_added") == [{"username": "ada", "roles": ["admin"], "organisation": None}]


def change(db, clock, *, current=PASSWORD, new=NEW, confirm=None, keep=None, address="10.0.0.1", username="sam"):
    passwords.change_password(db, username=username, current=current, new=new,
                              confirm=new if confirm is None else confirm, address=address, keep_session=keep,
                              clock=clock)


def session_for(db, clock, username):
    with db.reading() as s:
        user = accounts.require_user(s, username)
    return db.writing(lambda s: sessions.open_session(s, user=user, clock=clock))


def signed_in(db, clock, token):
    with db.reading() as s:
        return sessions.session_user(s, token, clock=clock)[0] is not None


def test_changing_ones_password_signs_out_the_other_sessions_and_is_on_the_record(db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    here, elsewhere = session_for(db, clock, "sam"), session_for(db, clock, "sam")
    change(db, clock, keep=here)
    assert signed_in(db, clock, here) and not signed_in(db, clock, elsewhere)
    assert system_events(db, "password_changed") == [{"username": "sam"}]
    sign_in = password_sign_in.sign_in
    assert sign_in(db, username="sam", password=NEW, address="10.0.0.1", clock=clock) is not None
    assert sign_in(db, username="sam", password=PASSWORD, address="10.0.0.1", clock=clock) is None


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failed_sign_in(db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    with pytest.raises(BadRequest, match="current password is not right") as refused:
        change(db, clock, current="not my password")
    assert "current_password" in refused.value.fields
    assert system_events(db, "login_failed") == [{"username": "sam", "address": "10.0.0.1"}]
    assert system_events(db, "password_changed") == []
    for _ in range(password_sign_in.MAX_FAILURES - 1):
        with pytest.raises(BadRequest):
            change(db, clock, current="not my password")
    with pytest.raises(LoginThrottled):  # even the right one now waits, as at sign-in
        change(db, clock)
    assert [e["username"] for e in system_events(db, "login_locked_out")] == ["sam"]
    clock.advance(minutes=password_sign_in.LOCKOUT.total_seconds() / 60 + 1)
    change(db, clock)
    assert system_events(db, "password_changed") == [{"username": "sam"}]


def test_a_weak_or_mismatched_new_password_is_refused_naming_the_field(db, clock):
    add_user(db, clock, "sam", "sponsor", password=PASSWORD)
    with pytest.raises(BadRequest, match="commonly used") as weak:
        change(db, clock, new="qwertyuiop")
    assert "new_password" in weak.value.fields
    with pytest.raises(BadRequest, match="do not match") as mismatched:
        change(db, clock, confirm=NEW + "!")
    assert "confirm_password" in mismatched.value.fields
    assert system_events(db, "password_changed") == system_events(db, "login_failed") == []


def test_someone_who_signs_in_through_their_organisation_has_no_password_to_change(db, clock):
    add_user(db, clock, "nia", "board_member")
    with pytest.raises(Conflict, match="organisation's account"):
        change(db, clock, username="nia", current="")
