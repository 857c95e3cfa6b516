"""What each task's page leads with (the earlier answers its decision is about) and which answers a form reached
again starts from. Keyed by the diagram's task ids (processes/six_gates.bpmn)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.repository.deployments import forms_of
from engine.repository.forms import form_fields
from engine.store.models import ProcessVersion, Task

CHALLENGE = ("title", "description", "challenge_area", "pathway_category", "tumour_groups", "alliance", "trusts",
             "unmet_need", "evidence", "measures_of_success")
PROBLEM = ("problem_statement", "scope", "context", "desired_outcomes", "urgency_score", "impact_score",
           "strategic_alignment_score", "pathway")
SPECIFICATION = ("objectives", "sites", "solution_description", "evaluation_plan", "data_sharing_agreement",
                 "dpia_status", "outcome_measures", "specification_document")
# Each signed document beside the answer that says it is signed.
MOBILISATION_PACK = ("nhs_contribution", "industry_contribution", "total_budget", "joint_working_agreement",
                     "joint_working_agreement_document", "dpia_in_place", "dpia_document", "dsa_signed",
                     "dsa_document", "roles_and_responsibilities", "resourcing", "project_plan", "governance",
                     "milestones", "mobilisation_pack_files")
PILOT = ("gate5_recommendation", "gate5_recommendation_reason", "outcome_results", "outcomes_met", "outcomes_total",
         "final_report_summary", "pilot_report_document", "measured_outcomes", "progress_reports")
BUSINESS_CASE = ("strategic_case", "economic_case", "commercial_case", "financial_case", "management_case",
                 "business_case_document", "procurement_route", "contract_model", "budget", "timelines",
                 "go_to_scale_plan", "benefits_realisation_plan")
THE_CALL = ("call_brief", "call_closes_at", "scoring_criteria")

# Task id -> the project data its decision is on, in the order the page shows it.
DECIDES_ON: dict[str, tuple[str, ...]] = {
    "define_challenge": CHALLENGE,
    "gate1_prioritisation": PROBLEM + CHALLENGE,
    "invite_partners": PROBLEM,
    "submit_eoi": THE_CALL + ("problem_statement", "scope", "desired_outcomes"),
    "score_eois": ("eois", "scoring_criteria", "call_brief"),
    "gate2_partner_selection": ("aggregated_scores", "partner_ranking", "eois", "submitted_partners"),
    "draft_specification": ("selected_partners", "problem_statement", "scope", "desired_outcomes", "eois"),
    "agree_outcome_measures": ("objectives", "evaluation_plan", "measures_of_success"),
    "gate3_hub_signoff": SPECIFICATION,
    "gate3_clinical_signoff": SPECIFICATION,
    "prepare_mobilisation": SPECIFICATION,
    "gate4_mobilisation_approval": MOBILISATION_PACK,
    "report_pilot_outcomes": ("outcome_measures", "milestones"),
    "gate5_evidence_gate": PILOT + ("outcome_measures",),
    "prepare_business_case": PILOT,
    "gate6_dmbc": BUSINESS_CASE,
    "execute_procurement": ("gate6_decision", "procurement_route", "contract_model", "budget", "timelines"),
    "submit_kpi_return": ("benefits_realisation_plan", "rollout_sites", "kpi_returns"),
    "close_project": ("benefits_realisation_plan", "supplier_name", "rollout_sites", "kpi_returns"),
    "record_lessons_learned": ("project_outcome", "closure_summary", "benefits_realised"),
}

# Task id -> what the page calls the earlier answers it leads with (otherwise LEAD_HEADING).
LEAD_HEADINGS = {
    "gate1_prioritisation": "The challenge as defined and scored", "define_challenge": "The challenge as proposed",
    "submit_eoi": "The call", "score_eois": "Expressions of interest to score",
    "gate2_partner_selection": "Board scores", "gate3_hub_signoff": "The specification",
    "gate3_clinical_signoff": "The specification", "gate4_mobilisation_approval": "The mobilisation pack",
    "gate5_evidence_gate": "The pilot's evidence", "gate6_dmbc": "The business case",
}
LEAD_HEADING = "What this is about"

# Data the diagram's scripts and decision tables write (no form titles them).
DATA_TITLES = {
    "eois": "Expressions of interest", "aggregated_scores": "Board scores", "partner_ranking": "Partners, best first",
    "submitted_partners": "Partners who submitted an expression of interest", "scoring_criteria": "Scoring criteria",
    "members_not_scored": "Board members who did not score", "board_scores": "Each board member's scores",
    "gate5_recommendation_reason": "Why the decision table recommends it", "outcome_results": "Outcome results",
    "outcomes_met": "Outcome measures met", "outcomes_total": "Outcome measures in all",
    "project_outcome": "How the project ended", "partner": "Partner", "submitted": "Submitted",
    "gate5_recommendation": "The decision table's recommendation", "gate5_overridden": "Recommendation overridden",
    "gate5_refused": "Decision refused", "gate5_refusal_reason": "Why the decision was refused",
    "pilot_extensions": "Pilot extensions so far", "max_pilot_extensions": "Most pilot extensions allowed",
    "kpi_returns": "KPI returns", "members_to_score": "Board members asked to score",
    "scores_kept_aside": "Scores given before scoring was extended", "board_member": "Board member",
    "contribution_value_gbp": "Estimated value of the contribution",  # the form asks the partner for "your" value
    "scoring_extended_to": "Scoring extended to", "scorers": "Board members who scored",
    "conflicted": "Board members with a conflict of interest", "criteria": "Score per criterion",
    "total": "Total score", "not_scored": "Not scored",
}

# Steps whose answers do not come back in a form reached again: a gate's decision (and its reasons and dates) is
# made afresh, so a past decision is never resubmitted by accident; a call round's scores are of other EoIs.
DECIDED_AFRESH = frozenset({
    "gate1_prioritisation", "gate2_partner_selection", "gate3_hub_signoff", "gate3_clinical_signoff",
    "gate4_mobilisation_approval", "gate5_evidence_gate", "gate6_dmbc", "score_eois"})
# Answers given anew each time (a declaration is made for the answers it is made with).
NOT_CARRIED_KEYS = frozenset({"declaration"})


def lead_heading(bpmn_id: str) -> str:
    return LEAD_HEADINGS.get(bpmn_id, LEAD_HEADING)


def decides_on(bpmn_id: str, context: dict) -> list[str]:
    """The keys of `context` (as the reader may see it) the task's page leads with."""
    return [key for key in DECIDES_ON.get(bpmn_id, ()) if key in context]


_TITLES: dict[str, dict[str, str]] = {}  # content hash -> titles: versions never change


def field_titles(version: ProcessVersion) -> dict[str, str]:
    """Every form field's title in the version by its key: how the project's data is labelled for people."""
    titles = _TITLES.get(version.content_hash)
    if titles is not None:
        return titles
    titles = dict(DATA_TITLES)
    forms = [f for f in forms_of(version).values() if isinstance(f, dict) and f.get("type") == "object"]
    for rows in (False, True):
        for schema in forms:
            _add_titles(titles, schema, rows=rows)
    _TITLES[version.content_hash] = titles
    return titles


def _add_titles(titles: dict[str, str], schema: dict, *, rows: bool) -> None:
    """A form's fields (rows=False), or the fields of its repeating groups' rows, such as a score's criteria
    (rows=True): the first title wins, so a field keeps its own form's title over a row's field of that name."""
    for key, field in form_fields(schema).items():
        items = field.get("items") if isinstance(field.get("items"), dict) else {}
        if rows and items.get("type") == "object":
            _add_titles(titles, items, rows=False)
        elif not rows and field.get("title") and not field.get("readOnly"):  # amounts in pounds: "(GBP)" is twice
            pounds = field.get("x-unit") == "GBP"
            titles.setdefault(key, field["title"].replace(" (GBP)", "") if pounds else field["title"])


@dataclass(frozen=True)
class CarriedAnswers:
    answers: dict
    given_at: datetime


def last_answers(session: Session, task: Task) -> CarriedAnswers | None:
    """The answers last given to the same task in this project (the same step, for the same organisations), for a
    form reached again in a loop; None when there are none worth offering. (A step done per person, scoring, is in
    DECIDED_AFRESH: a reassigned task keeps its answers for whoever holds it now.)"""
    if task.state != "ready" or task.bpmn_id in DECIDED_AFRESH:
        return None
    stmt = (select(Task).where(Task.instance_id == task.instance_id, Task.bpmn_id == task.bpmn_id,
                               Task.state == "completed", Task.id != task.id)
            .order_by(Task.completed_at.desc()))
    for earlier in session.scalars(stmt):
        if earlier.organisations != task.organisations:
            continue  # another partner's EoI: never theirs to start from
        answers = {k: v for k, v in json.loads(earlier.data_json or "{}").items() if k not in NOT_CARRIED_KEYS}
        return CarriedAnswers(answers, earlier.completed_at) if answers and earlier.completed_at else None
    return None
