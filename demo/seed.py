"""Demo users (one per role, two competing industry partners) and sample projects sitting at
different stages, some of them overdue. Loaded by `sixgates init --demo` on a new database."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from demo.walker import Walker
from engine.clock import Clock, FixedClock
from engine.identity import accounts
from engine.store.db import Database
from engine.store.models import ProcessInstance, User

DEMO_PASSWORD = "sixgates-demo"
MEDTECH, DATAHEALTH = "Medtech Innovations Ltd", "DataHealth Analytics plc"

# username, display name, roles, organisation
DEMO_USERS = [
    ("sam.sponsor", "Sam Patel (Cancer Alliance lead)", ["sponsor"], None),
    ("hana.hub", "Hana Okafor (Hub team)", ["hub_team"], None),
    ("hugo.hub", "Hugo Brennan (Hub team, finance)", ["hub_team", "finance_approver"], None),
    ("ivy.medtech", "Ivy Chen (Medtech Innovations)", ["industry_partner"], MEDTECH),
    ("ian.datahealth", "Ian Moore (DataHealth Analytics)", ["industry_partner"], DATAHEALTH),
    ("bea.board", "Bea Williams (Project Board)", ["board_member"], None),
    ("ben.board", "Ben Ahmed (Project Board)", ["board_member"], None),
    ("bill.board", "Bill Novak (Project Board)", ["board_member"], MEDTECH),
    ("cara.chair", "Cara Lewis (Project Board chair)", ["board_chair"], None),
    ("cleo.clinical", "Dr Cleo Singh (clinical lead)", ["clinical_lead"], None),
    ("fran.finance", "Fran Hughes (finance)", ["finance_approver"], None),
    ("eve.evidence", "Eve Kowalski (evidence panel)", ["evidence_panel"], None),
    ("dan.dmbc", "Dan Price (DMBC board)", ["dmbc_board"], None),
    ("pat.procurement", "Pat Osei (procurement)", ["procurement"], None),
    ("otto.owner", "Otto Grant (process owner)", ["process_owner"], None),
    ("aud.auditor", "Aud Fischer (internal audit)", ["auditor"], None),
    ("ada.admin", "Ada Lovell (administrator)", ["admin"], None),
]


def demo_email(username: str) -> str:
    """Demo people's addresses are at example.org (RFC 2606): no real person is e-mailed by a demo."""
    return f"{username}@example.org"


def happy_path(title: str, area: str, *, pathway: str = "proof_of_value", deadline: str = "2026-12-31") -> dict:
    """Answers that take a project through every gate with approval."""
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


# title, challenge area, where it stops (a BPMN id ready for someone), days ago it started, extra answers
PROJECTS = [
    ("Faster lung cancer referrals from primary care", "Early Diagnosis & Screening", "define_challenge", 3, {}),
    ("AI triage of suspected skin cancer images", "Pathway Delays", "gate1_prioritisation", 20, {}),
    ("Digital pre-assessment before SACT", "Capacity & Workforce Constraints", "submit_eoi", 2, {}),
    ("Remote monitoring after prostate cancer treatment", "Patient Experience & Equitable Access",
     "gate2_partner_selection", 1, {}),
    ("Teledermatology for suspected skin cancer", "Early Diagnosis & Screening", "draft_specification", 12, {}),
    ("Automated MDT preparation", "Multidisciplinary Team Efficiency", "gate4_mobilisation_approval", 45, {}),
    ("Capsule endoscopy in the community", "Capacity & Workforce Constraints", "report_pilot_outcomes", 80, {}),
    ("Pathology turnaround for colorectal cancer", "Pathway Delays", "gate5_evidence_gate", 60, {}),
    ("Scaling a proven endoscopy scheduling tool", "Capacity & Workforce Constraints", "gate6_dmbc", 30,
     {"define_challenge": {"pathway": "scale_proven"}}),
    ("Remote symptom monitoring during chemotherapy", "Patient Experience & Equitable Access",
     "submit_kpi_return", 120, {}),
    ("PIFU for breast cancer follow-up", "Patient Experience & Equitable Access", None, 90, {}),
    ("Genomic test ordering portal", "Early Diagnosis & Screening", None, 10,
     {"gate1_prioritisation": {"gate1_decision": "reject",
                               "gate1_reason": "Already covered by a national programme."}}),
]


def load(db: Database, *, clock: Clock) -> list[tuple[str, str, list[str]]]:
    """Add demo users and projects to a database that has no users yet; returns the logins."""
    with db.reading() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return []
    for username, name, roles, org in DEMO_USERS:
        db.writing(lambda s, u=username, n=name, r=roles, o=org: accounts.add_user(
            s, username=u, display_name=n, roles=r, organisation=o, password=DEMO_PASSWORD,
            email=demo_email(u), actor="demo", clock=clock))
    for title, area, stop_at, days_ago, extra in PROJECTS:
        # Start in the past so that due dates fall behind and some tasks show as overdue.
        past = FixedClock(clock.now() - timedelta(days=days_ago))
        walker = Walker(db, past)
        plan = happy_path(title, area, deadline=(clock.now() + timedelta(days=14)).date().isoformat())
        plan.update(extra)
        instance_id = walker.start()
        walker.walk(instance_id, plan, stop_at=stop_at or "submit_kpi_return")
        if stop_at is None:
            _finish_with_kpi_returns(walker, instance_id, plan, clock)
    return [(u, DEMO_PASSWORD, r) for u, _, r, _ in DEMO_USERS]


def logins(db: Database) -> list[tuple[str, str, list[str]]]:
    """The demo logins of the demo users this database holds (username, password, roles), in the order above."""
    with db.reading() as session:
        present = set(session.scalars(select(User.username).where(
            User.username.in_([u for u, _, _, _ in DEMO_USERS]), User.active)))
    return [(u, DEMO_PASSWORD, r) for u, _, r, _ in DEMO_USERS if u in present]


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
