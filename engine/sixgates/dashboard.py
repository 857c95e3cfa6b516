"""The pipeline dashboard for the Hub team: counts, gate times, overdue work and pilot outcomes.

Everything is read from the tables with SQL (never by loading workflows), so the report stays
cheap however many projects there are.
"""
from __future__ import annotations

import json
from datetime import datetime
from statistics import median

from sqlalchemy import ColumnElement, String, cast, func, or_, select
from sqlalchemy.dialects.postgresql import JSON as PG_JSON
from sqlalchemy.orm import Session

from engine import policy
from engine.errors import Forbidden
from engine.kernel.stages import STAGES, stage_name
from engine.store.models import ProcessInstance, Task, User

GATE_TASKS = {
    "gate1_prioritisation": "Gate 1 – Prioritisation",
    "gate2_partner_selection": "Gate 2 – Partner selection",
    "gate3_hub_signoff": "Gate 3 – Hub sign-off",
    "gate3_clinical_signoff": "Gate 3 – Clinical sign-off",
    "gate4_mobilisation_approval": "Gate 4 – Mobilisation approval",
    "gate5_evidence_gate": "Gate 5 – Evidence Gate",
    "gate6_dmbc": "Gate 6 – DMBC decision",
}
SECONDS_PER_DAY = 86400


def may_see_dashboard(user: User) -> bool:
    return policy.may_see_dashboard(user)


def pipeline(session: Session, *, user: User, now: datetime, alliance: str | None = None,
             challenge_area: str | None = None) -> dict:
    """The pipeline report, narrowed to one Cancer Alliance and/or challenge area when given.

    Raises Forbidden unless policy.may_see_dashboard.
    """
    if not may_see_dashboard(user):
        raise Forbidden("The pipeline dashboard is for the Hub team and those who govern the procedure.")
    wanted = _filters(session, alliance=alliance, challenge_area=challenge_area)
    return {
        "filters": {"alliance": alliance, "challenge_area": challenge_area},
        "stages": _projects_per_stage(session, wanted),
        "gate_times": _median_gate_days(session, wanted),
        "overdue": _overdue_tasks(session, wanted, now),
        "outcomes": _outcomes(session, wanted),
        "by_alliance": _counts_by(session, wanted, _data_field(session, "alliance")),
        "by_challenge_area": _counts_by(session, wanted, _data_field(session, "challenge_area")),
    }


def filter_choices(session: Session) -> dict[str, list[str]]:
    """The alliances and challenge areas that occur in the data, for the filter form."""
    choices = {}
    for key in ("alliance", "challenge_area"):
        field = _data_field(session, key)
        rows = session.scalars(select(field).where(field.is_not(None)).distinct().order_by(field))
        choices[key] = [r for r in rows if r]
    return choices


def _data_field(session: Session, key: str) -> ColumnElement[str]:
    """One top-level value of an instance's data, as text, in this database's JSON dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return func.json_extract_path_text(cast(ProcessInstance.data_json, PG_JSON), key, type_=String)
    return func.json_extract(ProcessInstance.data_json, f"$.{key}", type_=String)


def _filters(session: Session, *, alliance: str | None, challenge_area: str | None) -> list[ColumnElement[bool]]:
    wanted = []
    if alliance:
        wanted.append(_data_field(session, "alliance") == alliance)
    if challenge_area:
        wanted.append(_data_field(session, "challenge_area") == challenge_area)
    return wanted


def _projects_per_stage(session: Session, wanted: list) -> list[dict]:
    counts = dict(session.execute(
        select(ProcessInstance.stage, func.count()).where(ProcessInstance.status == "running", *wanted)
        .group_by(ProcessInstance.stage)).all())
    order = [key for key in STAGES if key != "closed"] + sorted(set(counts) - set(STAGES))
    return [{"stage": key, "name": stage_name(key), "count": counts.get(key, 0)} for key in order]


def _median_gate_days(session: Session, wanted: list) -> list[dict]:
    rows = session.execute(
        select(Task.bpmn_id, Task.created_at, Task.completed_at).join(ProcessInstance)
        .where(Task.bpmn_id.in_(GATE_TASKS), Task.completed_at.is_not(None), *wanted)).all()
    durations: dict[str, list[float]] = {key: [] for key in GATE_TASKS}
    for bpmn_id, created, completed in rows:
        durations[bpmn_id].append((completed - created).total_seconds() / SECONDS_PER_DAY)
    return [{"gate": key, "name": name, "median_days": round(median(durations[key]), 1) if durations[key] else None,
             "completed": len(durations[key])} for key, name in GATE_TASKS.items()]


def _overdue_tasks(session: Session, wanted: list, now: datetime) -> list[dict]:
    rows = session.execute(
        select(Task, ProcessInstance.title).join(ProcessInstance)
        .where(Task.state == "ready", Task.due_at.is_not(None), Task.due_at < now, *wanted)
        .order_by(Task.due_at, Task.id)).all()
    return [{"instance_id": task.instance_id, "project": title or f"Project {task.instance_id}",
             "task": task.title, "role": task.role, "stage": stage_name(task.stage),
             "days_overdue": (now - task.due_at).days} for task, title in rows]


def _outcomes(session: Session, wanted: list) -> list[dict]:
    """Measures met against their thresholds, for each project that has reported pilot outcomes."""
    has_outcomes = or_(ProcessInstance.data_json.contains('"outcome_results"', autoescape=True),
                       ProcessInstance.data_json.contains('"measured_outcomes"', autoescape=True))
    rows = session.execute(select(ProcessInstance.id, ProcessInstance.title, ProcessInstance.data_json)
                           .where(has_outcomes, *wanted).order_by(ProcessInstance.id)).all()
    report = []
    for instance_id, title, data_json in rows:
        results = outcome_results(json.loads(data_json or "{}"))
        report.append({"instance_id": instance_id, "project": title or f"Project {instance_id}",
                       "met": sum(1 for r in results if r.get("met")), "total": len(results)})
    return report


def _counts_by(session: Session, wanted: list, field: ColumnElement[str]) -> list[dict]:
    rows = session.execute(select(field, func.count()).where(*wanted).group_by(field).order_by(field)).all()
    return [{"name": name or "Not given", "count": count} for name, count in rows]


def outcome_results(data: dict) -> list[dict]:
    """The diagram's own comparison (script compare_outcomes) when it ran, else the same rule here."""
    if data.get("outcome_results"):
        return data["outcome_results"]
    measured = {m.get("measure"): m.get("measured") for m in data.get("measured_outcomes") or []}
    return [{"measure": om.get("measure"), "met": _met(om, measured.get(om.get("measure")))}
            for om in data.get("outcome_measures") or []]


def _met(measure: dict, value: float | None) -> bool:
    if value is None or measure.get("threshold") is None:
        return False
    if measure.get("direction") == "lower_is_better":
        return value <= measure["threshold"]
    return value >= measure["threshold"]
