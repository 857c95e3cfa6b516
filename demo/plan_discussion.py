"""What the demo projects' discussions hold: a partner's question while the call is open (read by the Hub and that
partner alone), and once a partner is selected, the Hub's word to everyone on the project with a mention, an internal
note for the finance approver and the partner's answer. Posted through the engine's own service."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from demo.plans import Plan
from engine.clock import Clock, FixedClock
from engine.discussion.comments import post_comment
from engine.identity import accounts
from engine.store.models import AuditEvent
from engine.store.trail import chain_of

CALL_STAGES = {"submit_eoi", "gate2_partner_selection"}


def discuss(session: Session, *, plan: Plan, instance_id: int, partner_user: dict[str, str], clock: Clock) -> None:
    """The comments of one demo project, spread between its last step and now (the record runs forward in time)."""
    lines = _lines(plan, partner_user)
    now = clock.now()
    last = session.scalar(select(func.max(AuditEvent.at)).where(AuditEvent.chain == chain_of(instance_id))) or now
    start = max(last, now - timedelta(hours=3))
    gap = (now - start) / (len(lines) + 1)
    for n, (author, body, visibility, organisation) in enumerate(lines, start=1):
        post_comment(session, user=accounts.require_user(session, author), instance_id=instance_id, body=body,
                     visibility=visibility, organisation=organisation, clock=FixedClock(start + gap * n))


def _lines(plan: Plan, partner_user: dict[str, str]) -> list[tuple[str, str, str, str | None]]:
    if plan.stop_at in CALL_STAGES and plan.offers:
        partner = next(iter(plan.offers))
        asker = partner_user.get(partner)
        if asker is None:
            return []
        return [(asker, "Can the pilot use the trust's existing PACS integration, or should we plan our own?",
                 "organisation", partner),
                ("hana.hub", f"@{asker} Use the existing integration: the trust's imaging team will give you a test "
                             "environment. The call brief's technical annex says more.", "organisation", partner)]
    selected = partner_user.get(plan.selected)
    if not selected or plan.stop_at in (None, "define_challenge", "gate1_prioritisation"):
        return []
    return [("hana.hub", f"@{selected} Thank you for the latest update. The Hub's templates for each stage are at "
                         "https://example.org/six-gates/templates", "project", None),
            ("hana.hub", "@fran.finance The partner's contribution includes licences: worth checking against the "
                         "joint working agreement.", "internal", None),
            (selected, "Thank you. Our clinical safety officer will join the next project board.", "project", None)]
