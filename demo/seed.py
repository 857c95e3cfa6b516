"""Demo people (one per role, partner users for several of the 17 interested companies, NHS staff at named
trusts) and the demo projects of demo.plans sitting at different stages, some of them overdue, with past projects
in the register. Loaded by `sixgates init --demo` on a new database."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from demo import footprint
from demo.footprint import BRINDLEY, CANNOCK, DATAHEALTH, MEDTECH, PEAK, TRENT, WREKIN
from demo.past_projects import PAST_PROJECTS
from demo.plan_answers import answers_for
from demo.plan_discussion import discuss
from demo.plan_documents import documents_for
from demo.plans import PLANS, Plan
from demo.walker import Walker
from engine.clock import Clock, FixedClock
from engine.identity import accounts, second_factor
from engine.sixgates import register
from engine.store.db import Database
from engine.store.models import ProcessInstance, User

DEMO_PASSWORD = "sixgates-demo"

# username, display name, roles, organisation (tests build their people from this list)
DEMO_USERS = [
    ("sam.sponsor", "Sam Patel", ["sponsor"], None),
    ("hana.hub", "Hana Okafor", ["hub_team"], None),
    ("hugo.hub", "Hugo Brennan", ["hub_team", "finance_approver"], None),
    ("ivy.medtech", "Ivy Chen", ["industry_partner"], MEDTECH),
    ("ian.datahealth", "Ian Moore", ["industry_partner"], DATAHEALTH),
    ("bea.board", "Bea Williams", ["board_member"], None),
    ("ben.board", "Ben Ahmed", ["board_member"], None),
    ("bill.board", "Bill Novak", ["board_member"], MEDTECH),
    ("cara.chair", "Cara Lewis", ["board_chair"], None),
    ("cleo.clinical", "Dr Cleo Singh", ["clinical_lead"], None),
    ("fran.finance", "Fran Hughes", ["finance_approver"], None),
    ("eve.evidence", "Eve Kowalski", ["evidence_panel"], None),
    ("dan.dmbc", "Dan Price", ["dmbc_board"], None),
    ("pat.procurement", "Pat Osei", ["procurement"], None),
    ("otto.owner", "Otto Grant", ["process_owner"], None),
    ("aud.auditor", "Aud Fischer", ["auditor"], None),
    ("ada.admin", "Ada Lovell", ["admin"], None),
]

# The demo's own further people: an East Midlands sponsor and clinical lead, and people at five more partners.
MORE_DEMO_USERS = [
    ("nadia.sponsor", "Nadia Rahman", ["sponsor"], None),
    ("priya.clinical", "Dr Priya Nair", ["clinical_lead"], None),
    ("raj.brindley", "Raj Mehta", ["industry_partner"], BRINDLEY),
    ("tess.trent", "Tess Hargreaves", ["industry_partner"], TRENT),
    ("omar.wrekin", "Omar Haddad", ["industry_partner"], WREKIN),
    ("lena.peak", "Lena Marsh", ["industry_partner"], PEAK),
    ("kofi.cannock", "Kofi Mensah", ["industry_partner"], CANNOCK),
]

EVERY_DEMO_USER = DEMO_USERS + MORE_DEMO_USERS

# Where the NHS people work, in the demo only. Board members stay without one: a board member who works for an
# organisation reads other boards' projects as an outsider (engine.policy), as a partner's employee must.
NHS_ORGANISATION_OF = {
    "sam.sponsor": footprint.ALLIANCES[footprint.WEST], "nadia.sponsor": footprint.ALLIANCES[footprint.EAST],
    "hana.hub": footprint.HUB, "hugo.hub": footprint.HUB, "otto.owner": footprint.HUB, "ada.admin": footprint.HUB,
    "cara.chair": footprint.ALLIANCES[footprint.WEST],
    "cleo.clinical": "University Hospitals Birmingham NHS Foundation Trust",
    "priya.clinical": "Nottingham University Hospitals NHS Trust",
    "fran.finance": "The Royal Wolverhampton NHS Trust", "eve.evidence": "University Hospitals of Leicester NHS Trust",
    "dan.dmbc": "Birmingham and Solihull Integrated Care System",
    "pat.procurement": "University Hospitals of North Midlands NHS Trust",
    "aud.auditor": "University Hospitals of Derby and Burton NHS Foundation Trust",
}
# Who does a project's sponsor and clinical tasks, by alliance.
LOCAL_PEOPLE = {footprint.WEST: ("sam.sponsor", "cleo.clinical"), footprint.EAST: ("nadia.sponsor", "priya.clinical")}


def demo_email(username: str) -> str:
    """Demo people's addresses are at example.org (RFC 2606): no real person is e-mailed by a demo."""
    return f"{username}@example.org"


def happy_path(title: str, area: str, *, pathway: str = "proof_of_value", deadline: str = "2026-12-31") -> dict:
    """Answers that take a project through every gate with approval: for tests and benchmarks (the demo's own
    projects follow demo.plans)."""
    return {
        "propose_challenge": {"title": title, "challenge_area": area},
        "define_challenge": {"pathway": pathway},
        "gate1_prioritisation": {"gate1_decision": "approve"},
        "invite_partners": {"invited_partners": [MEDTECH, DATAHEALTH],
                            "board_members": ["bea.board", "ben.board", "bill.board"],
                            "call_closes_at": deadline},
        "score_eois": _score_every_eoi,
        "gate2_partner_selection": lambda data, user: {"gate2_decision": "select",
                                                       "selected_partners": data.get("submitted_partners", [])[:1]},
        "gate3_hub_signoff": {"gate3_hub_decision": "approve"},
        "gate3_clinical_signoff": {"gate3_clinical_decision": "approve"},
        # Joint working: both sides contribute; the governance a live pilot needs is in place.
        "prepare_mobilisation": {"nhs_contribution": 100000, "industry_contribution": 150000,
                                 "dpia_in_place": True, "dsa_signed": True, "joint_working_agreement": True},
        "gate4_mobilisation_approval": {"gate4_decision": "approve", "budget_committed": 250000},
        "agree_outcome_measures": {"outcome_measures": [
            {"measure": "28-day Faster Diagnosis Standard", "baseline": 76, "threshold": 80,
             "direction": "higher_is_better", "unit": "%"},
            {"measure": "Median time to MDT", "baseline": 21, "threshold": 14,
             "direction": "lower_is_better", "unit": "days"}]},
        "report_pilot_outcomes": {"measured_outcomes": [
            {"measure": "28-day Faster Diagnosis Standard", "measured": 83},
            {"measure": "Median time to MDT", "measured": 12}]},
        "gate5_evidence_gate": {"gate5_confirm": True},
        "gate6_dmbc": {"gate6_decision": "approve", "funding_authorised": 1200000},
        "execute_procurement": {"tracking_periods": 2, "kpi_interval": "P30D"},
    }


def _score_every_eoi(data: dict, user: User) -> dict:
    """A board member scores each submitted EoI, declaring a conflict with their own organisation."""
    scores = []
    for partner in data.get("submitted_partners", []):
        conflicted = partner == user.organisation_name
        score = {"partner": partner, "conflict_of_interest": conflicted}
        if conflicted:
            score["conflict_reason"] = "I work for this organisation."
        else:
            score.update(strategic_fit=4, patient_impact=4, strength_of_evidence=3, deliverability=4,
                         value_for_money=3, equity_of_access=4)
        scores.append(score)
    return {"scores": scores}


# title, challenge area, where it stops (a BPMN id ready for someone; None: the end), days ago it started, its plan
PROJECTS = [(p.title, p.area, p.stop_at, p.started_days_ago, p) for p in PLANS]
# About how many tasks come before each stopping point: a project's steps are spread over its time so far.
STEPS_BEFORE = {"define_challenge": 1, "gate1_prioritisation": 2, "submit_eoi": 4, "gate2_partner_selection": 9,
                "draft_specification": 10, "gate4_mobilisation_approval": 15, "report_pilot_outcomes": 16,
                "gate5_evidence_gate": 17, "gate6_dmbc": 17, "submit_kpi_return": 21, None: 21}
SHARE_OF_TIME_WALKED = 0.6  # the rest: overdue time, and the months of KPI returns of a finished project


def load(db: Database, *, clock: Clock) -> list[tuple[str, str, list[str]]]:
    """Add demo people, partner organisations, projects and past projects to a database that has no users yet;
    returns the logins."""
    with db.reading() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return []
    db.writing(lambda s: _add_people(s, clock))
    deadline = (clock.now() + timedelta(days=14)).date().isoformat()
    walked = [(plan, _walk(db, plan, number=number, call_closes_at=deadline, clock=clock))
              for number, plan in enumerate(PLANS, start=1)]
    # Discussed once every project is walked: a later project's walk fires earlier projects' timers in the past.
    partner_user = {org: username for username, _name, roles, org in EVERY_DEMO_USER if "industry_partner" in roles}
    for plan, instance_id in walked:
        db.writing(lambda s, p=plan, i=instance_id: discuss(s, plan=p, instance_id=i, partner_user=partner_user,
                                                            clock=clock))
    db.writing(lambda s: _record_past_projects(s, clock))
    return logins(db)


def _add_people(session, clock: Clock) -> None:
    for partner in footprint.PARTNERS:
        accounts.ensure_organisation(session, partner.name, kind="industry")
    for body in sorted(set(NHS_ORGANISATION_OF.values())):
        accounts.ensure_organisation(session, body, kind="nhs")
    shared_hash = accounts.generate_password_hash(DEMO_PASSWORD)  # one slow scrypt hash for everyone's shared password
    for username, name, roles, org in EVERY_DEMO_USER:
        user = accounts.add_user(session, username=username, display_name=name, roles=roles,
                                 organisation=NHS_ORGANISATION_OF.get(username) or org,
                                 email=demo_email(username), actor="demo", clock=clock)
        user.password_hash = shared_hash
    # Partners keep Six Gates passwords, so they set up an authenticator app at their first sign-in.
    second_factor.add_rule(session, scope="role", value="industry_partner",
                           actor=accounts.require_user(session, "ada.admin"), clock=clock)


def _walk(db: Database, plan: Plan, *, number: int, call_closes_at: str, clock: Clock) -> int:
    """Start the project in the past and walk it to its stopping point, its steps spread over the weeks since."""
    started = clock.now() - timedelta(days=plan.started_days_ago)
    pace = timedelta(days=plan.started_days_ago * SHARE_OF_TIME_WALKED / STEPS_BEFORE[plan.stop_at])
    walker = Walker(db, FixedClock(started), prefer=LOCAL_PEOPLE[plan.alliance], pace=pace,
                    until=clock.now() - timedelta(hours=1))
    answers = answers_for(plan, number=number, call_closes_at=call_closes_at)
    instance_id = walker.start()
    walker.walk(instance_id, answers, stop_at=plan.stop_at or "submit_kpi_return",
                files=documents_for(plan, number=number))
    if plan.stop_at is None:
        _finish_with_kpi_returns(walker, instance_id, answers, clock)
    return instance_id


def _record_past_projects(session, clock: Clock) -> None:
    hub = accounts.require_user(session, "hana.hub")
    for fields in PAST_PROJECTS:
        register.record_past_project(session, user=hub, fields=fields, clock=clock)


def logins(db: Database) -> list[tuple[str, str, list[str]]]:
    """The demo logins of the demo users this database holds (username, password, roles), in the order above."""
    with db.reading() as session:
        present = set(session.scalars(select(User.username).where(
            User.username.in_([u for u, _, _, _ in EVERY_DEMO_USER]), User.active)))
    return [(u, DEMO_PASSWORD, r) for u, _, r, _ in EVERY_DEMO_USER if u in present]


def _finish_with_kpi_returns(walker: Walker, instance_id: int, plan: dict, clock: Clock) -> None:
    """KPI returns wait on timers: move the walker's clock on and fire them until the project closes."""
    from engine.runtime.timers import fire_due
    for _ in range(20):
        with walker.db.reading() as session:
            if session.get(ProcessInstance, instance_id).status != "running":
                return
        walker.clock.advance(days=31)
        fire_due(walker.db, clock=walker.clock)
        walker.walk(instance_id, plan)
