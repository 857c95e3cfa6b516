"""The documents a demo plan's project attaches, task by task (BPMN id -> file field -> files): each partner's EoI
evidence, the signed joint working agreement and the DPIA in the mobilisation pack, the final pilot report and the
business case document, written from the plan's own facts."""
from __future__ import annotations

from demo.documents import DemoFile, Files, one_page_pdf
from demo.footprint import ALLIANCES
from demo.plan_answers import EVIDENCE_BY_SECTOR, SECTOR_OF, jwa_reference
from demo.plans import MEASURES, Plan
from engine.store.models import User


def documents_for(plan: Plan, *, number: int) -> dict[str, Files]:
    """Every task's files for this plan; `number` makes its joint working agreement's reference."""
    return {
        "submit_eoi": lambda data, user: _evidence(plan, user),
        "prepare_mobilisation": {"joint_working_agreement_document": [_agreement(plan, number)],
                                 "dpia_document": [_dpia(plan)]},
        "report_pilot_outcomes": {"pilot_report_document": [_pilot_report(plan)]},
        "prepare_business_case": {"business_case_document": [_business_case(plan)]},
    }


def _evidence(plan: Plan, user: User) -> dict[str, list[DemoFile]]:
    partner = user.organisation_name or ""
    offer = plan.offers.get(partner)
    if offer is None:
        return {}
    content = one_page_pdf(f"{offer.solution}: evidence of impact", [
        f"Submitted by {partner} with its expression of interest for: {plan.title}.", offer.summary,
        EVIDENCE_BY_SECTOR[SECTOR_OF[partner]], f"How it fits the challenge: {offer.fit}"])
    return {"evidence_files": [DemoFile(f"{offer.solution} - evidence summary.pdf", content)]}


def _agreement(plan: Plan, number: int) -> DemoFile:
    reference = jwa_reference(plan, number)
    nhs, industry = plan.money
    content = one_page_pdf(f"Joint working agreement {reference}", [
        f"Project: {plan.title}.",
        f"Parties: {plan.trusts[0]} (the host trust), for the {ALLIANCES[plan.alliance]}, and {plan.selected}.",
        f"Objectives: {plan.objectives}",
        f"Contributions: the NHS £{nhs:,} and {plan.selected} £{industry:,}, {_share(industry, nhs + industry)} of "
        "the total, in line with the ABPI Code of Practice and NHS guidance on joint working with industry.",
        "Neither party promotes any product through this project; the outcomes are published in summary.",
        f"Signed for {plan.trusts[0]} by the Chief Executive, and for {plan.selected} by a director."])
    return DemoFile(f"JWA {reference.replace('/', '-')} signed.pdf", content)


def _dpia(plan: Plan) -> DemoFile:
    content = one_page_pdf(f"Data protection impact assessment: {plan.title}", [
        f"Sites: {', '.join(plan.sites)}.",
        "Data: the pseudonymised pathway data the evaluation needs, shared under the data-sharing agreement; no "
        "patient-identifiable data leaves the trusts.",
        "Lawful basis: UK GDPR Article 6(1)(e) and Article 9(2)(h), direct care and the management of health "
        "services.",
        "Risks and mitigations: access limited to named staff, retention for the evaluation only, role-based "
        "access audited monthly.",
        "Approved by each site's Data Protection Officer and Caldicott Guardian."])
    return DemoFile("DPIA approved.pdf", content)


def _pilot_report(plan: Plan) -> DemoFile:
    measured = [f"{measure}: {value:g}{_unit(MEASURES[measure][3])}" for measure, value in plan.measured.items()]
    content = one_page_pdf(f"Final pilot report: {plan.title}", [
        plan.findings, f"Measured over the last three months of the pilot. {'; '.join(measured)}.",
        f"Evaluation: {plan.evaluation}"])
    return DemoFile("Final pilot report.pdf", content)


def _business_case(plan: Plan) -> DemoFile:
    content = one_page_pdf(f"Business case: {plan.title}", [
        f"Strategic case: supports the {ALLIANCES[plan.alliance]}'s priority on {plan.area.lower()}.",
        f"Economic case: {plan.findings or plan.evidence}",
        f"Commercial case: a contract with {plan.selected} for licences, support and training.",
        f"Financial case: £{plan.scale_funding:,} over two years.",
        "Management case: the Life Science Hub runs the roll-out with each trust's cancer manager."])
    return DemoFile("Business case (five-case model).pdf", content)


def _unit(unit: str) -> str:
    return unit if unit == "%" else f" {unit}"


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "none"
