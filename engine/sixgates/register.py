"""The register of projects: those run in Six Gates and past ones recorded by hand, side by side.

The Hub asks every trust and ICB to record past and active collaborative industry projects so
findings are shared across the footprint; the two sources are kept distinct."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import Forbidden, ValidationFailed
from engine.kernel.stages import stage_name
from engine.policy import may_record_register, may_see_register, reader_for
from engine.store.models import PastProject, ProcessInstance, User
from engine.store.trail import record_event

CHALLENGE_AREAS = ("Early Diagnosis & Screening", "Pathway Delays", "Multidisciplinary Team Efficiency",
                   "Capacity & Workforce Constraints", "Patient Experience & Equitable Access")
PATHWAY_CATEGORIES = ("Referral & Pathway Management", "Diagnostic & Treatment", "Follow-up")
ALLIANCES = ("West Midlands", "East Midlands")
STATUSES = ("active", "completed", "stopped")
SOURCES = {"system": "Run in Six Gates", "hand": "Recorded by hand"}
FILTERS = ("challenge_area", "pathway_category", "alliance", "status", "source")
COLUMNS = ("source", "title", "status", "stage", "challenge_area", "pathway_category", "alliance", "partners",
           "trusts", "tumour_groups", "start", "end", "outcome", "contact")


@dataclass
class Entry:
    """One row of the register, whichever source it came from."""
    source: str
    title: str
    status: str
    challenge_area: str = ""
    pathway_category: str = ""
    alliance: str = ""
    partners: str = ""
    trusts: str = ""
    tumour_groups: str = ""
    stage: str = ""
    start: date | None = None
    end: date | None = None
    outcome: str = ""
    contact: str = ""
    instance_id: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def source_label(self) -> str:
        return SOURCES[self.source]

    def row(self) -> list[str]:
        values = {**self.__dict__, "source": self.source_label}
        return ["" if values[c] is None else str(values[c]) for c in COLUMNS]


def _joined(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value or "")


def _status_of(instance: ProcessInstance, outcome: str) -> str:
    if instance.status != "completed":
        return "active"
    return "completed" if outcome in ("", "completed") else "stopped"


def _system_entry(instance: ProcessInstance, user: User) -> Entry:
    stored = json.loads(instance.data_json or "{}")
    data = reader_for(user, instance, stored).data(stored)  # who was invited: the call's and its board's only
    outcome = str(data.get("project_outcome") or "")
    return Entry(
        source="system", title=instance.title or data.get("title", ""), status=_status_of(instance, outcome),
        challenge_area=data.get("challenge_area", ""), pathway_category=data.get("pathway_category", ""),
        alliance=data.get("alliance", ""), trusts=_joined(data.get("trusts")),
        partners=_joined(data.get("selected_partners") or data.get("invited_partners")),
        tumour_groups=_joined(data.get("tumour_groups")), stage=stage_name(instance.stage),
        start=instance.started_at.date(), end=instance.completed_at.date() if instance.completed_at else None,
        outcome=outcome.replace("_", " "), instance_id=instance.id)


def _hand_entry(past: PastProject) -> Entry:
    return Entry(
        source="hand", title=past.title, status=past.status, challenge_area=past.challenge_area,
        pathway_category=past.pathway_category, alliance=past.alliance, partners=past.partners,
        trusts=past.trusts_or_icb, tumour_groups=past.tumour_group, start=past.start_date, end=past.end_date,
        outcome=past.outcomes_and_findings, contact=past.contact)


def _matches(entry: Entry, filters: dict[str, str], text: str) -> bool:
    for name in FILTERS:
        if filters.get(name) and getattr(entry, name) != filters[name]:
            return False
    haystack = " ".join((entry.title, entry.partners, entry.trusts)).lower()
    return not text or text in haystack


def list_register(session: Session, *, user: User, filters: dict[str, str] | None = None,
                  search: str = "") -> list[Entry]:
    """Every project, filtered; raises Forbidden for people outside the Hub's governance."""
    if not may_see_register(user):
        raise Forbidden("The register of projects is for the Hub and the NHS organisations it works with.")
    instances = session.scalars(select(ProcessInstance).order_by(ProcessInstance.started_at)).all()
    past = session.scalars(select(PastProject).order_by(PastProject.id)).all()
    entries = [_system_entry(i, user) for i in instances] + [_hand_entry(p) for p in past]
    text = search.strip().lower()
    return [e for e in entries if _matches(e, filters or {}, text)]


def _date(fields: dict, name: str, errors: dict[str, str]) -> date | None:
    raw = (fields.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = "Enter a real date, like 2025-03-31."
        return None


def _check_choices(fields: dict, errors: dict[str, str]) -> None:
    choices = {"challenge_area": CHALLENGE_AREAS, "pathway_category": PATHWAY_CATEGORIES,
               "alliance": ALLIANCES, "status": STATUSES}
    for name, allowed in choices.items():
        value = fields.get(name) or ""
        if value and value not in allowed:
            errors[name] = f"Choose one of: {', '.join(allowed)}."


def _validated(fields: dict) -> tuple[dict, dict[str, str]]:
    clean = {k: (v or "").strip() if isinstance(v, str) or v is None else v for k, v in fields.items()}
    errors: dict[str, str] = {}
    required = {"title": "Enter the project title.", "partners": "Enter the industry partners.",
                "status": "Choose whether the project is active, completed or stopped.",
                "challenge_area": "Choose the challenge area."}
    for name, message in required.items():
        if not clean.get(name):
            errors[name] = message
    _check_choices(clean, errors)
    clean["start_date"], clean["end_date"] = _date(clean, "start_date", errors), _date(clean, "end_date", errors)
    if clean["start_date"] and clean["end_date"] and clean["end_date"] < clean["start_date"]:
        errors["end_date"] = "The end date must be on or after the start date."
    return clean, errors


def may_record(user: User) -> bool:
    return may_record_register(user)


def require_recorder(user: User) -> None:
    if not may_record(user):
        raise Forbidden("Only the Hub team records past projects in the register.")


def record_past_project(session: Session, *, user: User, fields: dict, clock: Clock) -> PastProject:
    """Record a project run outside Six Gates. Raises ValidationFailed (with fields) or Forbidden."""
    clean, errors = _validated(fields)
    require_recorder(user)
    if errors:
        raise ValidationFailed("Some answers need correcting.", fields=errors)
    names = [c.name for c in PastProject.__table__.columns if c.name not in ("id", "recorded_by", "recorded_at")]
    past = PastProject(**{n: clean.get(n) or ("" if n not in ("start_date", "end_date") else None) for n in names},
                       recorded_by=user.username, recorded_at=clock.now())
    session.add(past)
    session.flush()
    record_event(session, instance=None, at=clock.now(), actor=user.username, kind="past_project_recorded",
                 data={"past_project_id": past.id, "title": past.title, "status": past.status})
    return past
