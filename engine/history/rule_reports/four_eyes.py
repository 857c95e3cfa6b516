"""Four-eyes: nobody completes a task that approves what they prepared, over the whole history.

The rule comes from each project's own diagram: a user task's `notCompletedBy` property names the
task whose completers may not complete it. Every earlier completion of that task in the project
counts (rework rounds can have several preparers), not only the latest one."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engine.history.rule_reports.trail import (
    BREACH,
    KEPT,
    EventRef,
    Filters,
    data_of,
    events_by_project,
    projects,
    versions_run,
)
from engine.kernel.task_rules import FORM, NOT_COMPLETED_BY
from engine.repository.deployments import compiled_for, forms_of
from engine.repository.forms import form_fields
from engine.store.models import AuditEvent, ProcessInstance, ProcessVersion

HEADER = ["Project", "Title", "Rule", "Approval task", "Approved by", "Approval event", "Approved at",
          "Decision", "Prepared by", "Preparation events", "Same person?", "Verdict"]


@dataclass(frozen=True)
class FourEyesRule:
    approval_id: str
    approval_title: str
    prepared_id: str
    prepared_title: str
    fields: dict[str, str]  # the approval form's answers: key -> title

    def __str__(self) -> str:
        return f"“{self.approval_title}” is never completed by who completed “{self.prepared_title}”"


@dataclass
class FourEyesCheck:
    """One completion of an approval task, set against every earlier completion of what it approves."""
    project_id: int
    project_title: str
    rule: FourEyesRule
    approval: EventRef
    decision: list[tuple[str, Any]]  # (field title, answer)
    preparations: list[EventRef]

    @property
    def preparers(self) -> list[str]:
        return list(dict.fromkeys(p.person for p in self.preparations))

    @property
    def same_person(self) -> bool:
        return self.approval.person in self.preparers

    @property
    def verdict(self) -> str:
        return BREACH if self.same_person else KEPT

    @property
    def people(self) -> list[str]:
        return [self.approval.person, *self.preparers]

    @property
    def offending(self) -> list[EventRef]:
        """The preparations done by the approver themself."""
        return [p for p in self.preparations if p.person == self.approval.person]

    def cells(self) -> list:
        decision = "; ".join(f"{label}: {value}" for label, value in self.decision)
        return [self.project_id, self.project_title, str(self.rule), self.rule.approval_title, self.approval.person,
                self.approval.seq, self.approval.at.isoformat(), decision, ", ".join(self.preparers),
                "; ".join(str(p) for p in self.preparations), "yes" if self.same_person else "no", self.verdict]


def rules_of(version: ProcessVersion) -> dict[str, FourEyesRule]:
    """The four-eyes rules of one version's diagram, by approval task."""
    tasks, forms = compiled_for(version).user_tasks, forms_of(version)
    rules = {}
    for bpmn_id, spec in tasks.items():
        prepared = spec.properties.get(NOT_COMPLETED_BY.name)
        if not prepared:
            continue
        form = forms.get(spec.properties.get(FORM.name, ""), {})
        fields = {key: (prop.get("title") or key) for key, prop in form_fields(form).items()}
        prepared_title = tasks[prepared].title if prepared in tasks else prepared
        rules[bpmn_id] = FourEyesRule(bpmn_id, spec.title, prepared, prepared_title, fields)
    return rules


def check_four_eyes(session: Session, filters: Filters) -> list[FourEyesCheck]:
    instances = projects(session, filters)
    checks: list[FourEyesCheck] = []
    for project_id, events in events_by_project(session, filters, ("task_completed", "instance_migrated")).items():
        instance = instances[project_id]
        rules: dict[str, FourEyesRule] = {}
        for version in versions_run(session, instance, events):  # the latest version's rule wins
            rules.update(rules_of(version))
        checks += _checks(instance, rules, [e for e in events if e.kind == "task_completed"])
    return [c for c in checks if filters.keeps(c.people)]


def _checks(instance: ProcessInstance, rules: dict[str, FourEyesRule],
            completions: list[AuditEvent]) -> list[FourEyesCheck]:
    checks = []
    for i, event in enumerate(completions):
        rule = rules.get(event.task_name or "")
        if rule is None:
            continue
        earlier = [EventRef.of(e) for e in completions[:i] if e.task_name == rule.prepared_id]
        checks.append(FourEyesCheck(instance.id, instance.title, rule, EventRef.of(event),
                                    _decision(rule, data_of(event)), earlier))
    return checks


def _decision(rule: FourEyesRule, answers: dict) -> list[tuple[str, Any]]:
    """The approval's short answers, titled as on its form (the decision, the budget committed...)."""
    shown = []
    for key, label in rule.fields.items():
        value = answers.get(key)
        if isinstance(value, (str, int, float)) and value != "":
            shown.append((label, value if not isinstance(value, str) or len(value) <= 120 else value[:117] + "..."))
    return shown
