"""API tokens on a real database: named, expiring, revoked by their owner or an administrator (each on the
record), and refused once expired or revoked."""
import json
from datetime import timedelta

import pytest

from engine.errors import BadRequest, Forbidden, NotFound
from engine.identity import accounts, tokens
from engine.store.models import ApiToken
from engine.store.trail import SYSTEM_CHAIN, list_events
from tests.conftest import add_user


@pytest.fixture
def people(db, clock):
    for username, roles in (("ada", ["admin"]), ("sam", ["sponsor"]), ("kim", ["sponsor"])):
        add_user(db, clock, username, *roles)
    with db.reading() as s:
        return {name: accounts.require_user(s, name) for name in ("ada", "sam", "kim")}


def make(db, clock, username="sam", **options):
    return db.writing(lambda s: tokens.create_token(s, username=username, actor=username, clock=clock, **options))


def holder(db, clock, token):
    with db.reading() as s:
        return tokens.user_id_for_token(s, token, clock=clock)


def system_events(db, kind):
    with db.reading() as s:
        return [json.loads(e.data_json) for e in list_events(s, SYSTEM_CHAIN) if e.kind == kind]


def test_a_token_is_named_works_until_it_expires_and_its_making_is_on_the_record(db, clock, people):
    token = make(db, clock, name="  Monthly   report ", days=30)
    assert holder(db, clock, token) == people["sam"].id
    expires = clock.now() + timedelta(days=30)
    assert system_events(db, "token_created") == [
        {"username": "sam", "name": "Monthly report", "expires": expires.isoformat()}]
    clock.advance(days=30)
    assert holder(db, clock, token) is None
    with db.reading() as s:
        [view] = tokens.list_tokens(s, "sam", actor=people["sam"], clock=clock)
    assert (view.name, view.status, view.expires_at) == ("Monthly report", "expired", expires)


def test_the_default_is_ninety_days_and_names_and_lengths_are_bounded(db, clock, people):
    make(db, clock)
    with db.reading() as s:
        [view] = tokens.list_tokens(s, "sam", actor=people["sam"], clock=clock)
    assert (view.name, view.expires_at - view.created_at) == ("API token", timedelta(days=90))
    for bad in ({"name": " "}, {"name": "x" * 101}, {"days": 0}, {"days": 366}, {"days": True}):
        with pytest.raises(BadRequest) as refused:
            make(db, clock, **bad)
        assert set(refused.value.fields) == set(bad)
    assert len(system_events(db, "token_created")) == 1


def test_a_token_made_before_tokens_expired_works_until_revoked(db, clock, people):
    token = make(db, clock)
    db.writing(lambda s: s.query(ApiToken).update({"expires_at": None}))
    clock.advance(days=3650)
    assert holder(db, clock, token) == people["sam"].id
    with db.reading() as s:
        [view] = tokens.list_tokens(s, "sam", actor=people["sam"], clock=clock)
    assert view.status == "active" and view.expires_at is None
    db.writing(lambda s: tokens.revoke_token(s, view.id, actor=people["sam"], clock=clock))
    assert holder(db, clock, token) is None


def test_the_owner_or_an_admin_revokes_a_token_at_once_and_it_is_recorded(db, clock, people):
    mine, theirs = make(db, clock, name="laptop"), make(db, clock, name="server")
    with db.reading() as s:
        ids = {v.name: v.id for v in tokens.list_tokens(s, "sam", actor=people["sam"], clock=clock)}
    db.writing(lambda s: tokens.revoke_token(s, ids["laptop"], actor=people["sam"], clock=clock))
    db.writing(lambda s: tokens.revoke_token(s, ids["server"], actor=people["ada"], clock=clock))
    db.writing(lambda s: tokens.revoke_token(s, ids["server"], actor=people["ada"], clock=clock))  # again: nothing
    assert holder(db, clock, mine) is None and holder(db, clock, theirs) is None
    assert system_events(db, "token_revoked") == [{"username": "sam", "name": "laptop", "by": "sam"},
                                                  {"username": "sam", "name": "server", "by": "ada"}]


def test_someone_elses_token_is_not_found_for_anyone_but_its_owner_and_admins(db, clock, people):
    token = make(db, clock)
    with db.reading() as s:
        [view] = tokens.list_tokens(s, "sam", actor=people["ada"], clock=clock)
        with pytest.raises(NotFound):
            tokens.list_tokens(s, "sam", actor=people["kim"], clock=clock)
        with pytest.raises(Forbidden):
            tokens.list_every_token(s, actor=people["kim"], clock=clock)
        assert [v.username for v in tokens.list_every_token(s, actor=people["ada"], clock=clock)] == ["sam"]
    with pytest.raises(NotFound):
        db.writing(lambda s: tokens.revoke_token(s, view.id, actor=people["kim"], clock=clock))
    with pytest.raises(NotFound):  # the caller's own tokens only, even for an admin
        db.writing(lambda s: tokens.revoke_token(s, view.id, actor=people["ada"], clock=clock, own_only=True))
    assert holder(db, clock, token) == people["sam"].id and system_events(db, "token_revoked") == []


def test_last_use_is_written_at_most_every_five_minutes_and_only_when_asked(db, clock, people):
    token = make(db, clock)
    with db.reading() as s:
        first = tokens.token_holder(s, token, clock=clock)
    assert first.stale
    db.writing(lambda s: tokens.touch_token(s, first.token_id, clock=clock))
    clock.advance(minutes=4)
    with db.reading() as s:
        assert not tokens.token_holder(s, token, clock=clock).stale
    clock.advance(minutes=1)
    with db.reading() as s:
        assert tokens.token_holder(s, token, clock=clock).stale
        [view] = tokens.list_tokens(s, "sam", actor=people["sam"], clock=clock)
    assert view.last_used_at == clock.now() - timedelta(minutes=5)


def test_a_disabled_users_tokens_stop_working(db, clock, people):
    token = make(db, clock)
    db.writing(lambda s: accounts.set_active(s, "sam", active=False, actor=people["ada"], clock=clock))
    assert holder(db, clock, token) is None
