"""A demo plan (demo.plans) as the answers each task's form is given, task by task (BPMN id -> answers).
Gate comments and the business case are written from the plan's own facts, so every project reads as its own."""
from __future__ import annotations

from demo.dates import InDays
from demo.footprint import ALLIANCES, PARTNERS, TRUSTS
from demo.plans import MEASURES, Offer, Plan
from engine.store.models import User

BOARD = ["bea.board", "ben.board", "bill.board"]
# How each board member's view differs from the board's typical one, criterion by criterion.
LEANINGS = {"bea.board": (0, 0, 0, 0, 0, 0), "ben.board": (0, -1, 0, 0, 1, 0), "bill.board": (1, 0, -1, 0, 0, 0)}
CRITERIA = ("strategic_fit", "patient_impact", "strength_of_evidence", "deliverability", "value_for_money",
            "equity_of_access")
OFFER_OF = {p.name: p.offer for p in PARTNERS}
SECTOR_OF = {p.name: p.sector for p in PARTNERS}
# What each kind of company can show of its impact, said neutrally (the demo's companies are invented).
EVIDENCE_BY_SECTOR = {
    "medtech": "The devices are UKCA marked and in use in NHS diagnostic services; audit data from those sites "
               "will be shared with the Hub's evaluation lead.",
    "digital": "Live in NHS trusts elsewhere with the DTAC assessment complete; results from those deployments "
               "will be shared with the Hub's evaluation lead under a confidentiality agreement.",
    "data": "Analyses of this kind have been delivered for other NHS systems; methods and results are open to "
            "the Hub's evaluation lead.",
    "pharma": "Above-brand, non-promotional support under the ABPI Code of Practice: no medicine is named or "
              "promoted. Evaluations of similar service redesign support are available on request.",
}


def answers_for(plan: Plan, *, number: int, call_closes_at: str) -> dict:
    """Every task's answers for this plan; `number` makes its joint working agreement's reference."""
    alliance = ALLIANCES[plan.alliance]
    total = sum(plan.money)
    answers = {
        "propose_challenge": {
            "title": plan.title, "description": plan.description, "challenge_area": plan.area,
            "pathway_category": plan.category, "tumour_groups": plan.tumour_groups, "alliance": plan.alliance,
            "trusts": plan.trusts, "unmet_need": plan.unmet_need, "evidence": plan.evidence,
            "measures_of_success": plan.measures},
        "define_challenge": {
            "problem_statement": plan.problem, "scope": plan.scope, "desired_outcomes": plan.desired,
            "context": f"{plan.description} A priority of the {alliance} for {plan.area.lower()}.",
            "urgency_score": plan.priority[0], "impact_score": plan.priority[1],
            "strategic_alignment_score": plan.priority[2], "pathway": plan.pathway},
        "gate1_prioritisation": _gate1(plan, alliance),
        "invite_partners": {"invited_partners": plan.invited, "board_members": BOARD,
                            "call_closes_at": call_closes_at, "call_brief": plan.call_brief},
        "submit_eoi": lambda data, user: _eoi(plan.offers[user.organisation_name], user),
        "score_eois": lambda data, user: _scores(plan, data, user),
        "gate2_partner_selection": {
            "gate2_decision": "select", "selected_partners": [plan.selected],
            "gate2_comments": f"{plan.selected} scored highest overall. "
                              f"{plan.offers[plan.selected].note if plan.selected else ''}"},
        "draft_specification": {
            "objectives": plan.objectives, "sites": plan.sites, "evaluation_plan": plan.evaluation,
            "solution_description": plan.offers[plan.selected].summary if plan.selected else "",
            "data_sharing_agreement": "signed", "dpia_status": "approved"},
        "gate3_hub_signoff": {"gate3_hub_decision": "approve",
                              "gate3_hub_comments": "Objectives and evaluation are measurable; sites confirmed."},
        "gate3_clinical_signoff": {"gate3_clinical_decision": "approve",
                                   "gate3_clinical_comments": "Clinically safe; the clinical teams at each site "
                                                              "have agreed to take part."},
        "agree_outcome_measures": {"outcome_measures": [_measure(name) for name in plan.measures]},
        "prepare_mobilisation": _mobilisation(plan, alliance, number, total),
        "gate4_mobilisation_approval": {
            "gate4_decision": "approve", "budget_committed": total,
            "gate4_comments": f"Both sides' contributions confirmed: NHS £{plan.money[0]:,}, "
                              f"industry £{plan.money[1]:,}. Governance in place."},
        "report_pilot_outcomes": _pilot_report(plan),
        "gate5_evidence_gate": {"gate5_confirm": True},
        "prepare_business_case": _business_case(plan, alliance),
        "gate6_dmbc": {"gate6_decision": "approve", "funding_authorised": plan.scale_funding,
                       "gate6_comments": "The five cases are sound; roll-out to further sites approved."},
        "execute_procurement": {
            "supplier_name": plan.selected, "award_reference": f"LSH-{plan.alliance[0]}M-{number:03d}",
            "award_date": InDays(0), "contract_value": plan.scale_funding, "rollout_sites": _more_sites(plan),
            "tracking_periods": 2, "kpi_interval": "P30D",
            "procurement_notes": "Direct award after the pilot's competitive selection, documented for audit."},
        "submit_kpi_return": {
            "kpi_status": "on_track", "benefits_narrative": f"Benefits holding at the roll-out sites. {plan.findings}",
            "kpi_values": [{"measure": m, "value": v, "notes": "Monthly figure across all sites."}
                           for m, v in plan.measured.items()]},
        "close_project": {"closure_summary": f"Scaled across the {alliance} and handed over to the trusts.",
                          "benefits_realised": plan.findings, "closure_date": InDays(0)},
        "record_lessons_learned": _lessons(plan),
    }
    return answers


def _gate1(plan: Plan, alliance: str) -> dict:
    if plan.rejected_because:
        return {"gate1_decision": "reject", "gate1_reason": plan.rejected_because,
                "gate1_comments": "The need is real; the sponsor is thanked for the audit."}
    return {"gate1_decision": "approve",
            "gate1_comments": f"Approved: high on urgency and impact for the {alliance}. Open a call."}


def _eoi(offer: Offer, user: User) -> dict:
    partner = user.organisation_name
    return {
        "solution_name": offer.solution, "solution_summary": offer.summary, "challenge_fit": offer.fit,
        "evidence_of_impact": EVIDENCE_BY_SECTOR[SECTOR_OF[partner]],
        "delivery_approach": "A named implementation lead, a six-month pilot with monthly reports to the "
                             "project board, and training for each site before go-live.",
        "proposed_contribution": f"{partner} brings {OFFER_OF[partner]}.",
        "contribution_value_gbp": offer.value, "contact_name": user.display_name,
        "contact_email": user.email or f"{user.username}@example.org", "declaration": True}


def _scores(plan: Plan, data: dict, user: User) -> dict:
    """Each submitted EoI scored from the board's typical view and this member's leanings; own company declared."""
    scores = []
    for partner in data.get("submitted_partners", []):
        if partner == user.organisation_name:
            scores.append({"partner": partner, "conflict_of_interest": True,
                           "conflict_reason": "I am employed by this company."})
            continue
        offer = plan.offers[partner]
        leaning = LEANINGS.get(user.username, (0,) * 6)
        marks = {c: min(5, max(1, base + lean)) for c, base, lean in zip(CRITERIA, offer.scores, leaning, strict=True)}
        scores.append({"partner": partner, "conflict_of_interest": False, "comments": offer.note, **marks})
    return {"scores": scores}


def _measure(name: str) -> dict:
    baseline, threshold, direction, unit = MEASURES[name]
    return {"measure": name, "baseline": baseline, "threshold": threshold, "direction": direction, "unit": unit}


def _mobilisation(plan: Plan, alliance: str, number: int, total: int) -> dict:
    return {
        "resourcing": plan.resourcing,
        "project_plan": "Month 1: set-up, integration and training. Months 2 to 5: live pilot at "
                        f"{', '.join(plan.sites)}. Month 6: evaluation and report to the Evidence Gate.",
        "governance": f"A monthly project board chaired by the {alliance}'s clinical lead. Clinical safety: "
                      "DCB0129 from the company, DCB0160 from each trust. DPIA approved; data-sharing agreement "
                      "signed.",
        "roles_and_responsibilities": f"{plan.trusts[0]} hosts the project and employs the clinical lead; "
                                      f"{plan.selected} delivers and supports the solution; the Life Science Hub "
                                      "runs the project office and the evaluation.",
        "nhs_contribution": plan.money[0], "industry_contribution": plan.money[1], "total_budget": total,
        "milestones": [{"title": "Training complete at every site", "due_date": InDays(30)},
                       {"title": "Go-live", "due_date": InDays(45)},
                       {"title": "Mid-pilot review", "due_date": InDays(105)},
                       {"title": "Final evaluation report", "due_date": InDays(180)}],
        "dpia_in_place": True, "dsa_signed": True, "joint_working_agreement": True,
        "joint_working_agreement_reference": jwa_reference(plan, number)}


def jwa_reference(plan: Plan, number: int) -> str:
    return f"JWA/{plan.alliance[0]}MCA/2026/{number:03d}"


def _pilot_report(plan: Plan) -> dict:
    return {
        "progress_reports": [
            {"report_date": InDays(-90), "summary": "Live at the first site; training done.",
             "issues_and_risks": "Integration testing took two weeks longer than planned."},
            {"report_date": InDays(-30), "summary": "Live at every site; early figures encouraging.",
             "issues_and_risks": "Staff leave over the summer; cover agreed."}],
        "measured_outcomes": [{"measure": m, "measured": v, "notes": "Last three months of the pilot."}
                              for m, v in plan.measured.items()],
        "final_report_summary": plan.findings}


def _business_case(plan: Plan, alliance: str) -> dict:
    funding = plan.scale_funding
    return {
        "strategic_case": f"Supports the {alliance}'s priority on {plan.area.lower()} and the national cancer "
                          "standards.",
        "economic_case": f"{plan.findings or plan.evidence} Preferred option: roll out across the alliance.",
        "commercial_case": f"Contract with {plan.selected} for licences, support and training.",
        "financial_case": f"£{funding:,} over two years from the alliance's transformation funding; trusts fund "
                          "staff time.",
        "management_case": "The Life Science Hub runs the roll-out with each trust's cancer manager.",
        "procurement_route": "PA23", "contract_model": "Two-year call-off contract with an optional third year",
        "budget": funding, "timelines": "Award in one month; three more sites within six months.",
        "go_to_scale_plan": f"Roll out to {', '.join(_more_sites(plan))}.",
        "benefits_realisation_plan": "Monthly KPI returns for the measures agreed at Gate 3, reported to the "
                                     "alliance board."}


def _more_sites(plan: Plan) -> list[str]:
    """Trusts of the same alliance that the project did not start in."""
    return [t for t in TRUSTS[plan.alliance] if t not in plan.trusts][:3]


def _lessons(plan: Plan) -> dict:
    worked, did_not, recommend = plan.lessons
    return {"what_worked": worked or "Early agreement on the measures and their baselines.",
            "what_did_not_work": did_not or "Data-sharing agreements took longer than planned.",
            "recommendations": recommend or "Start information governance work at Gate 2.",
            "share_with_footprint": True}
