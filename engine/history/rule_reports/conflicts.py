"""Conflicts of interest in board scoring, over every recorded score.

A board member whose own organisation (at the time of scoring) is a scored partner must declare
the conflict, and a declared conflict must remove the score. The diagram's aggregate_scores counts
a member's first row for a partner unless that row declares a conflict, so a conflict declared only
in a later row leaves the score counted."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from engine.history.rule_reports.trail import (
    BREACH,
    KEPT,
    EventRef,
    Filters,
    Organisations,
    data_of,
    events_by_project,
    projects,
    task_titles,
)
from engine.store.models import AuditEvent, ProcessInstance

HEADER = ["Project", "Title", "Rule", "Scoring task", "Scored by", "Their organisation then", "Partner scored",
          "Score event", "Scored at", "Conflict declared?", "Reason given", "Score counted?", "Finding", "Verdict"]
RULE = "Board members declare conflicts with partners they belong to, and a declared conflict's score is not counted"


@dataclass
class ConflictCheck:
    """One board member's score of one partner's EoI where a conflict of interest is at stake."""
    project_id: int
    project_title: str
    task_title: str
    score: EventRef
    organisation: str | None
    partner: str
    declared: bool
    reason: str
    counted: bool

    @property
    def own_organisation(self) -> bool:
        return bool(self.organisation) and self.organisation == self.partner

    @property
    def finding(self) -> str:
        if self.own_organisation and not self.declared:
            return "Scored their own organisation's EoI without declaring a conflict"
        if self.declared and self.counted:
            return "Declared a conflict, but the score still counted"
        return "Declared a conflict; the score was not counted"

    @property
    def verdict(self) -> str:
        return BREACH if (self.own_organisation and not self.declared) or (self.declared and self.counted) else KEPT

    @property
    def people(self) -> list[str]:
        return [self.score.person]

    def cells(self) -> list:
        return [self.project_id, self.project_title, RULE, self.task_title, self.score.person,
                self.organisation or "", self.partner, self.score.seq, self.score.at.isoformat(),
                "yes" if self.declared else "no", self.reason, "yes" if self.counted else "no",
                self.finding, self.verdict]


def check_conflicts(session: Session, filters: Filters) -> tuple[list[ConflictCheck], int]:
    """The scores where a conflict is at stake, and how many scores were checked in all."""
    instances, organisations = projects(session, filters), Organisations(session)
    checks: list[ConflictCheck] = []
    checked = 0
    for project_id, events in events_by_project(session, filters, ("task_completed",)).items():
        instance = instances[project_id]
        titles = task_titles(instance.process_version)
        for event in events:
            if not filters.keeps([event.actor]):
                continue
            scored = _scored(event, instance, organisations.at(event.actor, event.at),
                             titles.get(event.task_name or "", event.task_name or ""))
            checked += len(scored)
            checks += [c for c in scored if c.declared or c.own_organisation]
    return checks, checked


def _scored(event: AuditEvent, instance: ProcessInstance, organisation: str | None,
            task_title: str) -> list[ConflictCheck]:
    """Every partner one completion scored (forms with a `scores` list of partner rows)."""
    rows = data_of(event).get("scores")
    if not isinstance(rows, list):
        return []
    first: dict[str, dict] = {}
    declared: dict[str, str] = {}
    for row in rows:
        if not isinstance(row, dict) or not row.get("partner"):
            continue
        partner = str(row["partner"])
        first.setdefault(partner, row)
        if row.get("conflict_of_interest") and partner not in declared:
            declared[partner] = str(row.get("conflict_reason") or "")
    return [ConflictCheck(instance.id, instance.title, task_title, EventRef.of(event), organisation, partner,
                          partner in declared, declared.get(partner, ""), not row.get("conflict_of_interest"))
            for partner, row in first.items()]
