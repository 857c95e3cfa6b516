"""Single sign-on in the engine, on a real database, with claims as a provider's verified ID token carries them:
accounts found by subject id, usernames made unique, roles from the administrators' mapping at each sign-in, and
every change and refusal on the system chain."""
import json

import pytest
from sqlalchemy import select

from engine.errors import BadRequest, Conflict, Forbidden, NotFound
from engine.identity import accounts, single_sign_on
from engine.identity.single_sign_on import Provider, Refusal
from engine.store.models import ExternalIdentity, User
from engine.store.trail import SYSTEM_CHAIN, list_events
from tests.conftest import add_user

NHS = Provider(name="nhs", label="Sign in with your NHS account", issuer="https://login.example/nhs",
               client_id="sixgates")
TRUST = Provider(name="trust", label="Sign in with your trust account", issuer="https://login.example/trust",
                 client_id="sixgates")
MEDTECH = Provider(name="medtech", label="Sign in with MedTech", issuer="https://login.example/medtech",
                   client_id="sixgates", organisation="MedTech Ltd")


def claims(sub="subject-1", **more):
    return {"sub": sub, "name": "Dr Cleo Singh", "preferred_username": "cleo.singh", "email": "cleo@nhs.example",
            "groups": ["clinical-leads"], **more}


@pytest.fixture
def admin(db, clock):
    add_user(db, clock, "ada", "admin")
    return "ada"


def mapped(db, clock, provider, group, role, actor="ada"):
    return db.writing(lambda s: single_sign_on.add_mapping(s, provider=provider, group=group, role=role,
                                                           actor=accounts.get_user(s, actor), clock=clock)).id


def sign_in(db, clock, provider=NHS, **claimed):
    """The username signed in as, or the Refusal."""
    def work(s):
        result = single_sign_on.sign_in_with(s, provider, claims(**claimed), address="10.0.0.9", clock=clock)
        return result if isinstance(result, Refusal) else result.username
    return db.writing(work)


def roles_of(db, username):
    with db.reading() as s:
        return sorted(accounts.get_user(s, username).roles)


def system_events(db, kind):
    with db.reading() as s:
        return [(e.actor, json.loads(e.data_json)) for e in list_events(s, SYSTEM_CHAIN) if e.kind == kind]


def test_first_sign_in_makes_the_account_with_the_mapped_roles_and_says_so(db, clock, admin):
    mapped(db, clock, NHS, "clinical-leads", "clinical_lead")
    assert sign_in(db, clock) == "cleo.singh"
    with db.reading() as s:
        cleo = accounts.get_user(s, "cleo.singh")
        assert (cleo.display_name, cleo.email, sorted(cleo.roles), cleo.password_hash) == (
            "Dr Cleo Singh", "cleo@nhs.example", ["clinical_lead"], None)
        identity = s.scalars(select(ExternalIdentity)).one()
        assert (identity.provider, identity.subject, identity.user_id) == ("nhs", "subject-1", cleo.id)
        assert identity.last_sign_in_at == clock.now()
    assert system_events(db, "user_added")[-1] == ("single sign-on", {
        "username": "cleo.singh", "roles": ["clinical_lead"], "organisation": None})
    assert system_events(db, "identity_linked") == [("single sign-on", {"username": "cleo.singh", "provider": "nhs"})]
    assert system_events(db, "login_succeeded") == [("cleo.singh", {
        "username": "cleo.singh", "address": "10.0.0.9", "provider": "nhs"})]


def test_the_same_subject_signs_in_to_the_same_account_whatever_its_name_or_address_says(db, clock, admin):
    mapped(db, clock, NHS, "clinical-leads", "clinical_lead")
    assert sign_in(db, clock) == "cleo.singh"
    assert sign_in(db, clock, name="Dr Cleo Singh-Jones", preferred_username="cleo.jones",
                   email="cleo.jones@nhs.example") == "cleo.singh"
    with db.reading() as s:
        cleo = accounts.get_user(s, "cleo.singh")
        assert (cleo.display_name, cleo.email) == ("Dr Cleo Singh-Jones", "cleo.jones@nhs.example")
        assert s.scalars(select(User.username).where(User.username != "ada")).all() == ["cleo.singh"]
    assert system_events(db, "user_email_changed") == [("single sign-on", {"username": "cleo.singh"})]


def test_another_subject_with_a_taken_username_or_email_gets_an_account_of_its_own(db, clock, admin):
    add_user(db, clock, "cleo.singh", "sponsor")
    db.writing(lambda s: setattr(accounts.get_user(s, "cleo.singh"), "email", "cleo@nhs.example"))
    mapped(db, clock, NHS, "clinical-leads", "clinical_lead")
    assert sign_in(db, clock) == "cleo.singh-2"
    assert sign_in(db, clock, sub="subject-2") == "cleo.singh-3"
    assert sign_in(db, clock, provider=TRUST, sub="subject-1") == Refusal(  # no mapping at that provider
        "no_role", "You signed in, but none of your groups gives you a role in Six Gates yet.")
    assert roles_of(db, "cleo.singh") == ["sponsor"]
    with db.reading() as s:
        assert single_sign_on.identities_of(s, accounts.get_user(s, "cleo.singh")) == []


def test_a_username_is_made_from_what_the_provider_sends_when_its_own_will_not_do(db, clock, admin):
    mapped(db, clock, NHS, "clinical-leads", "clinical_lead")
    assert sign_in(db, clock, sub="a", preferred_username="  Cleo Singh (Dr)! ") == "CleoSinghDr"
    assert sign_in(db, clock, sub="b", preferred_username=None, email="x.y@nhs.example") == "x.y@nhs.example"
    assert sign_in(db, clock, sub="c", preferred_username="", email="not an address") == "notanaddress"
    assert sign_in(db, clock, sub="d", preferred_username="!!!", email=None) == "nhs-user"
    with db.reading() as s:
        assert accounts.get_user(s, "notanaddress").email is None  # an address no mail server takes


def test_roles_are_set_again_at_each_sign_in_from_the_groups_of_the_day(db, clock, admin):
    mapped(db, clock, NHS, "clinical-leads", "clinical_lead")
    mapped(db, clock, NHS, "finance", "finance_approver")
    mapped(db, clock, NHS, "42", "evidence_panel")
    assert sign_in(db, clock, groups=["clinical-leads", "finance"]) == "cleo.singh"
    assert roles_of(db, "cleo.singh") == ["clinical_lead", "finance_approver"]
    sign_in(db, clock, groups="finance")  # a lone group, as some providers send it
    assert roles_of(db, "cleo.singh") == ["finance_approver"]
    sign_in(db, clock, groups=[42, "finance", {"odd": "value"}])
    assert roles_of(db, "cleo.singh") == ["evidence_panel", "finance_approver"]
    sign_in(db, clock, groups=[42, "finance"])  # nothing changed: nothing recorded
    changes = [data for _actor, data in system_events(db, "user_roles_changed")]
    assert changes == [
        {"username": "cleo.singh", "before": ["clinical_lead", "finance_approver"], "after": ["finance_approver"],
         "provider": "nhs"},
        {"username": "cleo.singh", "before": ["finance_approver"], "after": ["evidence_panel", "finance_approver"],
         "provider": "nhs"}]


def test_a_linked_person_whose_groups_no_longer_grant_any_role_loses_their_roles(db, clock, admin):
    mapped(db, clock, NHS, "clinical-leads", "clinical_lead")
    assert sign_in(db, clock) == "cleo.singh"
    assert sign_in(db, clock, groups=["left-the-team"]).reason == "no_role"
    assert roles_of(db, "cleo.singh") == []


def test_a_removed_mapping_takes_the_role_away_at_the_next_sign_in(db, clock, admin):
    kept = mapped(db, clock, NHS, "staff", "evidence_panel")
    gone = mapped(db, clock, NHS, "clinical-leads", "clinical_lead")
    sign_in(db, clock, groups=["staff", "clinical-leads"])
    removed = db.writing(lambda s: single_sign_on.remove_mapping(s, gone, actor=accounts.get_user(s, "ada"),
                                                                 clock=clock))
    assert (removed.group_value, removed.role) == ("clinical-leads", "clinical_lead")
    sign_in(db, clock, groups=["staff", "clinical-leads"])
    assert roles_of(db, "cleo.singh") == ["evidence_panel"]
    with db.reading() as s:
        assert [m.id for m in single_sign_on.list_mappings(s, actor=accounts.get_user(s, "ada"))] == [kept]
    assert [data for _actor, data in system_events(db, "role_mapping_changed")] == [
        {"change": "added", "provider": "nhs", "group": "staff", "role": "evidence_panel"},
        {"change": "added", "provider": "nhs", "group": "clinical-leads", "role": "clinical_lead"},
        {"change": "removed", "provider": "nhs", "group": "clinical-leads", "role": "clinical_lead"}]
    assert {actor for actor, _data in system_events(db, "role_mapping_changed")} == {"ada"}


def test_no_mapped_group_is_refused_on_the_record_and_makes_no_account(db, clock, admin):
    mapped(db, clock, NHS, "clinical-leads", "clinical_lead")
    refusal = sign_in(db, clock, sub="nora", name="Nora  Newcomer", groups=["staff", "visitors"])
    assert refusal.reason == "no_role"
    with db.reading() as s:
        assert s.scalars(select(User.username)).all() == ["ada"] and s.scalars(select(ExternalIdentity)).all() == []
    assert system_events(db, "single_sign_on_refused") == [("anonymous", {
        "provider": "nhs", "subject": "nora", "reason": "no_role", "name": "Nora Newcomer",
        "groups": ["staff", "visitors"]})]
    assert system_events(db, "login_succeeded") == []


def test_someone_disabled_here_is_refused_though_the_provider_vouches_for_them(db, clock, admin):
    mapped(db, clock, NHS, "clinical-leads", "clinical_lead")
    sign_in(db, clock)
    db.writing(lambda s: accounts.set_active(s, "cleo.singh", active=False, actor=accounts.get_user(s, "ada"),
                                             clock=clock))
    refusal = sign_in(db, clock)
    assert refusal.reason == "disabled" and "disabled" in refusal.message
    assert len(system_events(db, "login_succeeded")) == 1
    assert system_events(db, "single_sign_on_refused")[-1][1]["reason"] == "disabled"


def test_claims_without_a_usable_subject_are_refused(db, clock, admin):
    mapped(db, clock, NHS, "clinical-leads", "clinical_lead")
    for subject in ("", None, "x" * 256):
        with pytest.raises(BadRequest):
            sign_in(db, clock, sub=subject)


def test_a_partner_role_needs_a_provider_whose_accounts_belong_to_a_company(db, clock, admin):
    with pytest.raises(BadRequest) as refused:
        mapped(db, clock, NHS, "partners", "industry_partner")
    assert "role" in refused.value.fields
    mapped(db, clock, MEDTECH, "partners", "industry_partner")
    assert sign_in(db, clock, provider=MEDTECH, preferred_username="ivy", groups=["partners"]) == "ivy"
    with db.reading() as s:
        assert accounts.get_user(s, "ivy").organisation.name == "MedTech Ltd"
    assert roles_of(db, "ivy") == ["industry_partner"]


def test_only_administrators_change_the_mapping_and_only_in_ways_that_make_sense(db, clock, admin):
    add_user(db, clock, "hana", "hub_team")
    with pytest.raises(Forbidden):
        mapped(db, clock, NHS, "clinical-leads", "clinical_lead", actor="hana")
    with pytest.raises(BadRequest):
        mapped(db, clock, NHS, "  ", "clinical_lead")
    with pytest.raises(BadRequest):
        mapped(db, clock, NHS, "clinical-leads", "wizard")
    mapped(db, clock, NHS, " clinical-leads ", "clinical_lead")
    with pytest.raises(Conflict):
        mapped(db, clock, NHS, "clinical-leads", "clinical_lead")
    mapped(db, clock, TRUST, "clinical-leads", "clinical_lead")  # the same group name at another provider
    with pytest.raises(NotFound):
        db.writing(lambda s: single_sign_on.remove_mapping(s, 999, actor=accounts.get_user(s, "ada"), clock=clock))
    with pytest.raises(Forbidden):
        db.writing(lambda s: single_sign_on.list_mappings(s, actor=accounts.get_user(s, "hana")))
    assert len(system_events(db, "role_mapping_changed")) == 2


def test_an_account_at_the_provider_links_to_one_user_only(db, clock, admin):
    add_user(db, clock, "sam", "sponsor")

    def link(s, username):
        return single_sign_on.link_identity(s, accounts.get_user(s, username), provider="nhs", subject="s-1",
                                            actor="ada", clock=clock)
    db.writing(lambda s: link(s, "sam"))
    with pytest.raises(Conflict):
        db.writing(lambda s: link(s, "ada"))
    mapped(db, clock, NHS, "clinical-leads", "clinical_lead")
    assert sign_in(db, clock, sub="s-1") == "sam"
    assert roles_of(db, "sam") == ["clinical_lead"]  # roles follow the provider's groups once linked


def test_a_provider_sending_tens_of_thousands_of_groups_still_signs_its_person_in(db, clock, admin):
    mapped(db, clock, NHS, "group-5", "clinical_lead")
    groups = [f"group-{n}" for n in range(70_000)]
    assert sign_in(db, clock, groups=groups) == "cleo.singh"
    assert roles_of(db, "cleo.singh") == ["clinical_lead"]
