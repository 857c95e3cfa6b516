"""The demo reads as the Hub's real work: both alliances, real challenge areas, trusts and measures, money from
both sides, the 17 interested partners, past projects in the register, and no generated "Sample" text."""
import json
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from demo import footprint, seed
from demo.answers import sample_answers
from demo.dates import resolve_dates
from demo.plan_answers import answers_for
from demo.plans import MEASURES, PLANS
from engine.repository.forms import field_errors
from engine.store.models import FinishedTask, Organisation, PastProject, ProcessInstance, Task, User
from tests import snapshots
from tests.conftest import ROOT

TODAY = date(2026, 3, 2)


@pytest.fixture
def demo(db, clock, six_gates):
    snapshots.once("demo_data", db, clock, lambda: len(seed.load(db, clock=clock)))
    return db


def projects(db) -> list[dict]:
    with db.reading() as s:
        return [json.loads(i.data_json) for i in s.scalars(select(ProcessInstance).order_by(ProcessInstance.id))]


def test_demo_projects_come_from_both_alliances_and_several_tumour_groups(demo):
    found = projects(demo)
    assert {p["alliance"] for p in found} == {"West Midlands", "East Midlands"}
    assert len({g for p in found for g in p["tumour_groups"]}) > 3
    assert len({p["challenge_area"] for p in found}) == 5 and len({p["pathway_category"] for p in found}) == 3


def test_demo_projects_name_real_trusts_and_the_regional_baselines(demo):
    found = projects(demo)
    assert all(set(p["trusts"]) <= footprint.NHS_BODIES for p in found)
    measures = [m for p in found for m in p.get("outcome_measures", [])]
    assert measures and all(m["measure"] in MEASURES for m in measures)
    fds = [m for m in measures if m["measure"] == "28-day Faster Diagnosis Standard"]
    assert fds and {(m["baseline"], m["unit"]) for m in fds} == {(76, "%")}


def test_every_demo_budget_has_the_nhs_and_the_partner_each_paying_thousands(demo):
    budgets = [p for p in projects(demo) if "nhs_contribution" in p]
    assert len(budgets) >= 5
    for p in budgets:
        assert isinstance(p["nhs_contribution"], int | float) and isinstance(p["industry_contribution"], int | float)
        assert p["nhs_contribution"] > 1000 and p["industry_contribution"] > 1000
        assert p["total_budget"] == p["nhs_contribution"] + p["industry_contribution"]
        assert p.get("budget_committed", p["total_budget"]) <= p["total_budget"]


def test_no_demo_text_is_a_generated_sample(demo):
    with demo.reading() as s:
        texts = [i.data_json for i in s.scalars(select(ProcessInstance))]
        texts += list(s.scalars(select(FinishedTask.body)))
        texts += [p.title + p.outcomes_and_findings for p in s.scalars(select(PastProject))]
    assert texts and not [t for t in texts if "Sample" in t]


def test_the_seventeen_interested_partners_are_organisations_and_several_have_people(demo):
    with demo.reading() as s:
        partners = set(s.scalars(select(Organisation.name).where(Organisation.kind == "industry")))
        staffed = set(s.scalars(select(Organisation.name).join(User, User.organisation_id == Organisation.id)
                                .where(Organisation.kind == "industry")))
        usernames = set(s.scalars(select(User.username)))
    assert partners == {p.name for p in footprint.PARTNERS} and len(partners) == 17
    assert len(staffed) >= 5
    assert {u for u, *_ in seed.DEMO_USERS} <= usernames


def test_demo_people_have_names_and_nhs_staff_work_at_named_nhs_bodies(demo):
    with demo.reading() as s:
        people = list(s.scalars(select(User)))
        nhs = [u for u in people if u.organisation and u.organisation.kind == "nhs"]
        assert all(u.organisation_name in footprint.NHS_BODIES for u in nhs) and len(nhs) >= 10
        assert any("NHS Foundation Trust" in u.organisation_name for u in nhs)
    assert all(" " in u.display_name and "(" not in u.display_name and "." not in u.display_name
               for u in people)


def test_the_register_holds_three_to_five_past_projects_from_both_alliances(demo):
    with demo.reading() as s:
        past = list(s.scalars(select(PastProject)))
    assert 3 <= len(past) <= 5
    assert {p.alliance for p in past} == {"West Midlands", "East Midlands"}
    assert all(p.outcomes_and_findings and p.tumour_group and p.contact for p in past)


def test_demo_projects_wait_at_several_stages_some_overdue(demo, clock):
    with demo.reading() as s:
        stages = set(s.scalars(select(ProcessInstance.stage)))
        overdue = list(s.scalars(select(Task).where(Task.state == "ready", Task.due_at < clock.now())))
    assert {"definition", "match", "codesign", "mobilisation", "pilot", "evidence_gate", "business_case", "scale",
            "closed"} <= stages
    assert overdue


def test_every_demo_answer_is_valid_for_its_form(demo):
    """Each plan's answers to the tasks its project went through, against the form schemas as they are today."""
    with demo.reading() as s:
        done = set(s.execute(select(ProcessInstance.title, Task.bpmn_id)
                             .join(Task, Task.instance_id == ProcessInstance.id)
                             .where(Task.completed_by.is_not(None))).all())
    checked = 0
    for number, plan in enumerate(PLANS, start=1):
        answers = answers_for(plan, number=number, call_closes_at="2026-03-16")
        context = {"submitted_partners": list(plan.offers), "pathway": plan.pathway}
        for task in [t for title, t in done if title == plan.title]:
            schema = json.loads((ROOT / "forms" / f"{task}.schema.json").read_text())
            for user in _people_for(task, plan):
                given = answers[task](context, user) if callable(answers[task]) else answers[task]
                filled = sample_answers(schema, resolve_dates(given, TODAY), today=TODAY, context=context)
                assert field_errors(schema, filled, today=TODAY, context=context) == {}, (plan.title, task)
                checked += 1
    assert checked > 100


def _people_for(task: str, plan) -> list[SimpleNamespace]:
    """Stand-ins for who gives a callable's answers: each partner for its EoI, each board member to score."""
    def person(username, org):
        return SimpleNamespace(username=username, display_name="Alex Example", email=None, organisation_name=org)
    if task == "submit_eoi":
        return [person("someone", partner) for partner in plan.offers]
    if task == "score_eois":
        return [person(u, org) for u, _name, roles, org in seed.DEMO_USERS if "board_member" in roles]
    return [person("someone", None)]
