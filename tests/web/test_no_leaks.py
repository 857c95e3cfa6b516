"""Confidentiality as users meet it: markers planted in one partner's EoI, two board members' scores,
the Hub's Gate 1 comments and the chair's Gate 2 comments, then every page and API answer of that
project fetched as each demo user who must not read them, while the call is open, at Gate 2, and
after the project moved on."""
import json
import secrets

import pytest
from sqlalchemy import select

from demo import seed
from demo.walker import Walker
from engine.identity import tokens
from engine.store.models import Task
from tests.conftest import add_user
from tests.web.conftest import PASSWORD, signed_in

BOARD_PEOPLE = ["bea.board", "ben.board", "bill.board", "cara.chair",
                "Bea Williams", "Ben Ahmed", "Bill Novak", "Cara Lewis"]
SEPARATOR = "\n--- pages ---\n"
OUTSIDE = ("ivy.medtech", "ian.datahealth", "sam.sponsor")
BOARD = ("bea.board", "ben.board", "bill.board")
STAFF = ("cleo.clinical", "fran.finance", "eve.evidence", "dan.dmbc", "pat.procurement", "otto.owner", "ada.admin")


def marker(name: str) -> str:
    return f"{name}-{secrets.token_hex(6)}"


EOI = {key: marker(f"eoi-{key}") for key in (
    "solution_name", "solution_summary", "challenge_fit", "evidence_of_impact", "delivery_approach",
    "proposed_contribution", "contact_name")}
BEA_SCORE, BILL_SCORE, CHAIR_COMMENT = marker("bea-conflict"), marker("bill-conflict"), marker("chair-comment")
HUB_COMMENT = marker("gate1-comment")


def allowed(username: str, medtech_selected: bool) -> set[str]:
    """The markers this demo user may read: partners only their own EoI, board members the EoIs they
    score and their own scores, the rest of the Hub's staff the selected partner's EoI once it is
    selected and no scores, those who run, decide or audit the call everything."""
    eoi = set(EOI.values())
    if username == "ivy.medtech":
        return eoi
    if username in ("ian.datahealth", "sam.sponsor"):
        return set()
    if username in BOARD:
        own = {"bea.board": {BEA_SCORE}, "bill.board": {BILL_SCORE}}.get(username, set())
        return eoi | own | {CHAIR_COMMENT, HUB_COMMENT}
    if username in STAFF:
        return (eoi if medtech_selected else set()) | {CHAIR_COMMENT, HUB_COMMENT}
    return eoi | {BEA_SCORE, BILL_SCORE, CHAIR_COMMENT, HUB_COMMENT}


def medtech_eoi(data, user):
    return dict(EOI) if user.organisation_name == seed.MEDTECH else {}


def scores_with_comments(data, user):
    scores = seed.happy_path("", "")["score_eois"](data, user)
    for score in scores["scores"]:
        reason = {("bea.board", seed.DATAHEALTH): BEA_SCORE, ("bill.board", seed.MEDTECH): BILL_SCORE}.get(
            (user.username, score["partner"]))
        if reason:
            score.update(conflict_of_interest=True, conflict_reason=reason)
            for criterion in ("strategic_fit", "patient_impact", "strength_of_evidence", "deliverability",
                              "value_for_money", "equity_of_access"):
                score.pop(criterion, None)
    return scores


@pytest.fixture
def world(app, db, clock, six_gates):
    for username, _name, roles, org in seed.DEMO_USERS:
        add_user(db, clock, username, *roles, org=org, password=PASSWORD)
    walker = Walker(db, clock)
    plan = seed.happy_path("Leak-proof challenge", "Pathway Delays")
    plan.update(submit_eoi=medtech_eoi, score_eois=scores_with_comments,
                gate1_prioritisation={"gate1_decision": "approve", "gate1_comments": HUB_COMMENT},
                gate2_partner_selection=lambda data, user: {
                    "gate2_decision": "select", "selected_partners": [seed.MEDTECH], "gate2_comments": CHAIR_COMMENT})
    return walker, plan


def everything_seen_by(app, db, clock, username: str, project: int) -> str:
    """Every page and API answer about the project this user can fetch, as one text."""
    with db.reading() as session:
        task_ids = list(session.scalars(select(Task.id).where(Task.instance_id == project)))
    token = db.writing(lambda s: tokens.create_token(s, username=username, actor="test", clock=clock))
    api, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
    paths = ["/instances", f"/instances/{project}", f"/instances/{project}/events",
             f"/instances/{project}/replay", "/tasks"] + [f"/tasks/{t}" for t in task_ids]
    answers = [api.get(f"/api/v1{path}", headers=headers).get_data(as_text=True) for path in paths]
    web = signed_in(app, username)
    pages = ["/", f"/projects/{project}", f"/projects/{project}/history", "/register", "/register.csv",
             "/dashboard", "/audit/export/json"] + [f"/tasks/{t}" for t in task_ids]
    # The API's answers first: they carry no diagram, whose scripts name the score keys.
    return "\n".join(answers) + SEPARATOR + "\n".join(web.get(page).get_data(as_text=True) for page in pages)


def assert_no_leaks(app, db, clock, project: int, planted: set[str], *, medtech_selected: bool = False) -> None:
    for username, _name, _roles, _org in seed.DEMO_USERS:
        forbidden = planted - allowed(username, medtech_selected)
        outside = username in OUTSIDE
        if not forbidden and not outside:
            continue
        seen = everything_seen_by(app, db, clock, username, project)
        leaked = sorted(m for m in forbidden if m in seen)
        assert not leaked, f"{username} can read {leaked}"
        if outside:
            people = sorted(name for name in BOARD_PEOPLE if name in seen)
            assert not people, f"{username} can read the board's names {people}"
            data = seen.split(SEPARATOR)[0]
            assert '"total_mean"' not in data and '"board_scores"' not in data, f"{username} can read the scores"


def test_no_user_reads_what_is_not_theirs_during_the_call_at_gate2_and_after(app, db, clock, world):
    walker, plan = world
    project = walker.start()
    walker.walk(project, plan, stop_at="submit_eoi")
    medtech = next(t for t in walker.open_tasks(project) if seed.MEDTECH in (t.organisations or ""))
    walker.complete(medtech, plan["submit_eoi"])
    planted = set(EOI.values()) | {HUB_COMMENT}
    assert_no_leaks(app, db, clock, project, planted)  # the call is open: DataHealth has not answered
    # The markers are really there: the Hub's governance and Medtech read them.
    audited = everything_seen_by(app, db, clock, "aud.auditor", project)
    assert all(m in audited for m in planted)
    assert EOI["solution_name"] in everything_seen_by(app, db, clock, "ivy.medtech", project)

    walker.walk(project, plan, stop_at="gate2_partner_selection")
    planted |= {BEA_SCORE, BILL_SCORE}
    assert_no_leaks(app, db, clock, project, planted)
    assert BEA_SCORE in everything_seen_by(app, db, clock, "bea.board", project)

    walker.walk(project, plan, stop_at="gate4_mobilisation_approval")
    planted.add(CHAIR_COMMENT)
    assert_no_leaks(app, db, clock, project, planted, medtech_selected=True)
    assert EOI["solution_name"] in everything_seen_by(app, db, clock, "cleo.clinical", project)
    audited = everything_seen_by(app, db, clock, "aud.auditor", project)
    assert all(m in audited for m in planted)


def test_a_submitted_eoi_is_never_at_the_top_level_of_the_project_data(db, world):
    walker, plan = world
    project = walker.start()
    walker.walk(project, plan, stop_at="submit_eoi")
    medtech = next(t for t in walker.open_tasks(project) if seed.MEDTECH in (t.organisations or ""))
    walker.complete(medtech, plan["submit_eoi"])
    from engine.store.models import ProcessInstance
    for stop in (None, "gate2_partner_selection", "draft_specification"):
        if stop:
            walker.walk(project, plan, stop_at=stop)
        with db.reading() as session:
            data = json.loads(session.get(ProcessInstance, project).data_json)
        assert not set(EOI) & set(data) and "eoi" not in data and "scores" not in data



def test_a_partner_cannot_tell_from_the_diagram_whether_a_competitor_has_answered(db, clock, world):
    from engine.history.timeline import project_history
    from engine.sixgates.project_page import project_view
    from engine.store.models import User
    walker, plan = world

    def open_call_with_one_answer(org):
        project = walker.start()
        walker.walk(project, plan, stop_at="submit_eoi")
        answered = next(t for t in walker.open_tasks(project) if org in (t.organisations or ""))
        walker.complete(answered, plan["submit_eoi"])
        return project

    def page_of(username, project):
        with db.reading() as session:
            user = session.scalars(select(User).where(User.username == username)).one()
            return project_view(session, user=user, instance_id=project, now=clock.now())

    first = open_call_with_one_answer(seed.MEDTECH)  # DataHealth has not answered
    assert "submit_eoi" in page_of("ivy.medtech", first)["completed"]  # their own EoI, done
    ian = page_of("ian.datahealth", first)
    assert "submit_eoi" not in ian["completed"] and ian["active"] == ["submit_eoi"]  # theirs, still open

    second = open_call_with_one_answer(seed.DATAHEALTH)  # Medtech has not answered
    assert "submit_eoi" not in page_of("ian.datahealth", second)["active"]
    with db.reading() as session:
        user = session.scalars(select(User).where(User.username == "ian.datahealth")).one()
        frames = project_history(session, user=user, instance_id=second).frames
    assert frames[-1]["event"]["element_id"] == "submit_eoi" and frames[-1]["event"]["actor"] == "ian.datahealth"
    assert "submit_eoi" not in frames[-1]["active"] and "record_eoi" not in frames[-1]["finished"]
