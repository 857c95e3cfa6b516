"""Single sign-on under attack, against the real test identity provider (tests/sso): a hostile administrator of a
provider choosing the claims (usernames the record keeps for the system, names with hidden characters, groups of odd
shapes, another provider's groups and subjects), a mapping taken away, a disabled person, and a signed-in answer
planted in someone else's browser. The record still verifies afterwards."""
from __future__ import annotations

import csv
import io
import unicodedata

import pytest
from sqlalchemy import func, select

from engine.history.verification import check_records
from engine.identity import accounts, single_sign_on, tokens
from engine.identity.single_sign_on import Refusal
from engine.store.models import AuditEvent, ExternalIdentity, User
from engine.store.trail import SYSTEM_CHAIN
from tests.conftest import add_user
from tests.sso.identity_provider import NAME, callback_path, sign_in, sign_in_at_provider, start_sign_in
from tests.sso.test_id_token_checks import answered_with
from tests.sso.test_sign_in_through_provider import ADMIN_PASSWORD, map_group, signed_in_as, user_linked_to
from tests.web.test_login_inbox import login

# Names the record uses for who acted when no person did: a person must never be recorded as one of them.
NOT_PEOPLE = ("engine", "anonymous", "cli", "timer")


def forged(**claims):
    """The provider's own signed ID token for this sign-in, with the claims its administrator chose."""
    return lambda idp, nonce: idp.mint(idp.id_token_claims(nonce, **claims))


def linked(db, subject: str, provider: str = NAME) -> User | None:
    with db.reading() as s:
        identity = s.scalars(select(ExternalIdentity).where(ExternalIdentity.provider == provider,
                                                            ExternalIdentity.subject == subject)).first()
        user = s.get(User, identity.user_id) if identity else None
        if user is not None:
            _ = user.roles
        return user


def engine_sign_in(db, clock, provider, claims):
    return db.writing(lambda s: single_sign_on.sign_in_with(s, provider, claims, address="127.0.0.1", clock=clock))


def test_removing_a_mapping_takes_the_role_from_those_it_gave_it_to(sso_app, db, clock, identity_provider):
    mapping = map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    browser = sso_app.test_client()
    assert sign_in(browser, "cleo").status_code == 302
    token = db.writing(lambda s: tokens.create_token(s, username="cleo.singh", actor="cleo.singh", clock=clock,
                                                     name="scripts"))
    db.writing(lambda s: single_sign_on.remove_mapping(s, mapping, actor=accounts.require_user(s, "ada"),
                                                       clock=clock))
    assert user_linked_to(db, "cleo").roles == set()  # roles are read at each request: the session and token too
    assert signed_in_as(browser) and token


def test_a_provider_cannot_name_its_person_as_the_system_on_the_record(sso_app, db, clock, identity_provider):
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    browser, response = answered_with(sso_app, identity_provider, forged(sub="hostile-1", preferred_username="engine"))
    assert response.status_code == 302 and signed_in_as(browser)
    provider = identity_provider.provider()
    for n, name in enumerate(NOT_PEOPLE[1:]):
        engine_sign_in(db, clock, provider, {"sub": f"hostile-{n + 2}", "preferred_username": name,
                                             "groups": ["clinical-leads"]})
    with db.reading() as s:
        usernames = set(s.scalars(select(User.username).join(ExternalIdentity, ExternalIdentity.user_id == User.id)))
    assert usernames.isdisjoint(NOT_PEOPLE), usernames & set(NOT_PEOPLE)


def test_a_providers_name_claim_loses_control_and_invisible_characters(sso_app, db, clock, identity_provider):
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    provider = identity_provider.provider()
    hidden = "Ada\u200b Lovelace\u202e nimdA\x00"  # zero-width space, right-to-left override, NUL
    user = engine_sign_in(db, clock, provider, {"sub": "spoof", "preferred_username": "spoof", "name": hidden,
                                                "groups": ["clinical-leads"]})
    assert not isinstance(user, Refusal)
    name = linked(db, "spoof").display_name
    assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in name), repr(name)


def test_the_same_subject_or_group_at_another_provider_grants_nothing_here(db, clock, identity_provider):
    """Guard: accounts and mappings belong to one provider; a hostile provider cannot reach another's."""
    ours, theirs = identity_provider.provider(), identity_provider.provider(name="other-trust")
    map_group(db, clock, identity_provider, "admins", "admin")
    cleo = engine_sign_in(db, clock, ours, {"sub": "cleo", "preferred_username": "cleo", "groups": ["admins"]})
    assert cleo.roles == {"admin"}
    refused = engine_sign_in(db, clock, theirs, {"sub": "cleo", "preferred_username": "cleo", "groups": ["admins"],
                                                 "email": "cleo@nhs.example", "name": "Cleo"})
    assert isinstance(refused, Refusal) and refused.reason == single_sign_on.NO_ROLE
    assert linked(db, "cleo", "other-trust") is None and linked(db, "cleo").roles == {"admin"}


@pytest.mark.parametrize("groups", [[["admins"]], {"admins": True}, "['admins']", ["admins "], ["ADMINS"], None,
                                    [{"id": "admins"}]], ids=str)
def test_groups_of_odd_shapes_grant_nothing(db, clock, identity_provider, groups):
    """Guard: only a list of strings (or one string) names groups, exactly as mapped."""
    map_group(db, clock, identity_provider, "admins", "admin")
    result = engine_sign_in(db, clock, identity_provider.provider(), {"sub": "odd", "groups": groups})
    assert isinstance(result, Refusal)
    assert linked(db, "odd") is None


def test_long_claims_are_cut_and_a_long_subject_refused(db, clock, identity_provider):
    """Guard: a provider's very long claims do not break sign-in or the record."""
    map_group(db, clock, identity_provider, "staff", "hub_team")
    user = engine_sign_in(db, clock, identity_provider.provider(), {
        "sub": "long", "preferred_username": "u" * 5000, "name": "N" * 5000, "email": "e" * 5000 + "@x.example",
        "groups": ["staff"] + [f"g{n}" for n in range(2000)]})
    assert len(user.username) <= 80 and len(user.display_name) <= 200 and user.email is None
    with pytest.raises(Exception, match="subject"):
        engine_sign_in(db, clock, identity_provider.provider(), {"sub": "s" * 256, "groups": ["staff"]})


def test_the_providers_button_needs_the_csrf_token(sso_app):
    """Guard: another site cannot start a sign-in in someone's browser (the first step of a login CSRF)."""
    assert sso_app.test_client().post(f"/login/sso/{NAME}").status_code == 400


def test_a_signed_in_answer_planted_in_another_browser_signs_nobody_in(sso_app, db, clock, identity_provider):
    """Guard (login CSRF): the attacker signs in at the provider as himself and sends the victim the answer's address;
    the victim's browser never started that sign-in, so it is refused."""
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    attacker, victim = sso_app.test_client(), sso_app.test_client()
    answer = callback_path(sign_in_at_provider(start_sign_in(attacker), "sam"))
    start_sign_in(victim)  # even a victim who has pressed the button herself
    assert victim.get(answer).status_code == 400 and not signed_in_as(victim)
    assert user_linked_to(db, "sam") is None


def test_a_person_disabled_here_is_signed_out_and_refused_and_their_token_ends(sso_app, db, clock, identity_provider):
    """Guard: disabled in Six Gates wins over the provider's word, for sessions and API tokens alike."""
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    browser = sso_app.test_client()
    assert sign_in(browser, "cleo").status_code == 302
    token = db.writing(lambda s: tokens.create_token(s, username="cleo.singh", actor="cleo.singh", clock=clock))
    db.writing(lambda s: accounts.set_active(s, "cleo.singh", active=False, actor=accounts.require_user(s, "ada"),
                                             clock=clock))
    assert not signed_in_as(browser)
    assert sso_app.test_client().get("/api/v1/me/tokens", headers={"Authorization": f"Bearer {token}"}
                                     ).status_code == 401
    again = sso_app.test_client()
    assert sign_in(again, "cleo").status_code == 403 and not signed_in_as(again)


def test_after_the_attacks_the_record_verifies_and_the_sign_ins_csv_is_spreadsheet_safe(
        sso_app, db, clock, identity_provider):
    """Guard: hostile names from a provider reach the auditors' CSV only as text; the system chain still verifies."""
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    add_user(db, clock, "aud", "auditor", password=ADMIN_PASSWORD)
    provider = identity_provider.provider()
    engine_sign_in(db, clock, provider, {"sub": "f1", "preferred_username": "=cmd", "name": "=HYPERLINK(\"x\")",
                                         "groups": ["clinical-leads"]})
    engine_sign_in(db, clock, provider, {"sub": "f2", "name": "+SUM(1,1)", "groups": ["nothing"]})
    bad = answered_with(sso_app, identity_provider, forged(aud="someone-else"))[1]
    assert bad.status_code == 400
    auditor = sso_app.test_client()
    assert login(auditor, "aud", ADMIN_PASSWORD).status_code == 302
    rows = list(csv.reader(io.StringIO(auditor.get("/audit/sign-ins.csv").get_data(as_text=True))))
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row), rows
    with db.reading() as s:
        assert check_records(s, rerun=False).problems == []


def test_a_provider_renaming_its_person_is_on_the_record(db, clock, identity_provider):
    map_group(db, clock, identity_provider, "staff", "hub_team")
    provider = identity_provider.provider()
    engine_sign_in(db, clock, provider, {"sub": "r1", "preferred_username": "rita", "name": "Rita Shah",
                                         "groups": ["staff"]})
    with db.reading() as s:
        before = s.scalar(select(func.max(AuditEvent.seq)).where(AuditEvent.chain == SYSTEM_CHAIN))
    engine_sign_in(db, clock, provider, {"sub": "r1", "preferred_username": "rita", "name": "Ada Admin",
                                         "groups": ["staff"]})
    assert linked(db, "r1").display_name == "Ada Admin"
    with db.reading() as s:
        kinds = s.scalars(select(AuditEvent.kind).where(AuditEvent.chain == SYSTEM_CHAIN,
                                                        AuditEvent.seq > before)).all()
    assert set(kinds) - {"login_succeeded"}, kinds  # something besides the sign-in says the name changed


def test_a_new_mapping_grants_its_role_only_on_the_providers_fresh_word(db, clock, identity_provider):
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    provider = identity_provider.provider()
    engine_sign_in(db, clock, provider, {"sub": "old", "preferred_username": "olu", "name": "Olu Former",
                                         "groups": ["clinical-leads", "finance"]})
    # Months later Olu has left the finance group at the provider (and never signed in since); then finance is mapped.
    map_group(db, clock, identity_provider, "finance", "finance_approver")
    assert linked(db, "old").roles == {"clinical_lead"}
    engine_sign_in(db, clock, provider, {"sub": "old", "groups": ["clinical-leads", "finance"]})
    assert linked(db, "old").roles == {"clinical_lead", "finance_approver"}  # on the provider's word today


def test_an_admin_cannot_take_their_own_admin_role_away_through_the_mapping(db, clock, identity_provider):
    from engine.errors import Conflict
    mapping = map_group(db, clock, identity_provider, "hub-admins", "admin")
    engine_sign_in(db, clock, identity_provider.provider(), {"sub": "chief", "preferred_username": "chief",
                                                            "groups": ["hub-admins"]})
    db.writing(lambda s: accounts.set_active(s, "ada", active=False, actor=accounts.require_user(s, "chief"),
                                             clock=clock))  # the local admin has left
    with pytest.raises(Conflict):
        db.writing(lambda s: single_sign_on.remove_mapping(s, mapping, actor=accounts.require_user(s, "chief"),
                                                           clock=clock))
    assert linked(db, "chief").roles == {"admin"}


def test_a_forged_id_token_is_a_failure_on_the_record(sso_app, db, clock, identity_provider):
    from tests.sso.test_id_token_checks import tampered
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")
    with db.reading() as s:
        before = s.scalar(select(func.max(AuditEvent.seq)).where(AuditEvent.chain == SYSTEM_CHAIN))
    browser, response = answered_with(sso_app, identity_provider, tampered)
    assert response.status_code == 400 and not signed_in_as(browser)
    with db.reading() as s:
        recorded = s.scalars(select(AuditEvent).where(AuditEvent.chain == SYSTEM_CHAIN, AuditEvent.seq > before)).all()
    assert [e.kind for e in recorded if e.kind in ("single_sign_on_refused", "login_failed")], \
        [e.kind for e in recorded]
    assert all("clinical-leads" not in e.data_json for e in recorded)  # the unverified claims are not believed


def test_made_up_answers_from_one_address_do_not_fill_the_record(sso_app, db, clock, identity_provider):
    from tests.sso.identity_provider import start_sign_in
    with db.reading() as s:
        before = s.scalar(select(func.max(AuditEvent.seq)).where(AuditEvent.chain == SYSTEM_CHAIN)) or 0
    attempts = 30
    for n in range(attempts):
        browser = sso_app.test_client()
        state = start_sign_in(browser).params["state"]
        assert browser.get(f"/login/sso/{NAME}/callback?code=made-up-{n}&state={state}").status_code in (400, 429)
    with db.reading() as s:
        recorded = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.chain == SYSTEM_CHAIN, AuditEvent.seq > before, AuditEvent.kind == "single_sign_on_refused"))
    assert recorded <= 10, f"{recorded} refusals on the record from {attempts} made-up answers"
