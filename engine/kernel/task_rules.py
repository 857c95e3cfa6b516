"""The properties a process owner sets on a user task (`spiffworkflow:property` in the diagram), declared
once: what each is called, how the modeller presents it, and what it makes of the task's row when the
task becomes ready. Runtime, migration, the verifier's re-run, the deployment checks, the version diff,
the rule reports and the modeller's property panel all read this module; a new rule about who may do a
task, or by when, starts here."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timezone

from engine import spiff
from engine.store.lists import stored_list

# The ISO 8601 durations SpiffWorkflow reads (weeks alone, decimals allowed), for the modeller to check as
# a process owner types; deployment asks SpiffWorkflow itself.
_NUMBER = r"\d+(?:\.\d+)?"
DURATION_PATTERN = (rf"^P(?!$)(?:{_NUMBER}W|(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}D)?"
                    rf"(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?)$")


DEFAULT_GRACE = "P2D"  # how long an overdue task waits before the Hub team is told, when its element says nothing


@dataclass(frozen=True)
class TaskProperty:
    name: str  # as written in the diagram
    label: str  # in the modeller
    changed_as: str  # in a version diff: "Changed the <changed_as> of ..."
    hint: str
    kind: str = "text"  # the modeller's control: text, form, form-layout, duration, stage, user-task
    pattern: str | None = None  # what the value must match, checked by the modeller as it is typed


FORM = TaskProperty("formJsonSchemaFilename", "Form (JSON Schema)", "form",
                    "The form reviewers fill in; edit it in the Forms tab.", "form")
FORM_LAYOUT = TaskProperty("formUiSchemaFilename", "UI schema", "form layout",
                           "Optional: field order and widgets.", "form-layout")
DUE_IN = TaskProperty("dueIn", "Due in", "due in",
                      "An ISO 8601 duration from when the task opens: P10D is ten days, PT4H four hours.",
                      "duration", DURATION_PATTERN)
STAGE = TaskProperty("stage", "Stage", "stage",
                     "The stage of the procedure the project is at while this task is open.", "stage")
ASSIGNEE = TaskProperty("assignee", "Assignee variable", "assignee",
                        "Optional: the name of a project data variable holding the username of the one person "
                        "who may do it (for example board_member).")
ORGANISATION = TaskProperty("organisation", "Organisation variable", "organisation",
                            "Optional: the name of a data variable holding the organisation(s) whose people may "
                            "do it (for example partner).")
NOT_COMPLETED_BY = TaskProperty("notCompletedBy", "Not by whoever did", "not completed by",
                                "Four eyes: the person who completed this other task may not do this one.",
                                "user-task")

DUE_BY = TaskProperty("dueBy", "Due by (date variable)", "due-by date",
                      "Optional: the name of a data variable holding the date the task is due by (the end of that "
                      "day, UTC), such as call_closes_at; when it holds a date it counts instead of Due in.")
ESCALATE_AFTER = TaskProperty("escalateAfter", "Escalate after", "escalation",
                              "How long the task may stay overdue before the Hub team is told, as an ISO 8601 "
                              f"duration (P1D is a day). Without it, {DEFAULT_GRACE}.", "duration", DURATION_PATTERN)

PROPERTIES = (FORM, FORM_LAYOUT, DUE_IN, DUE_BY, ESCALATE_AFTER, STAGE, ASSIGNEE, ORGANISATION, NOT_COMPLETED_BY)


def for_modeller() -> list[dict]:
    """The declarations as the modeller's property panel reads them (served as JSON)."""
    return [asdict(p) for p in PROPERTIES]


@dataclass(frozen=True)
class TaskRules:
    """What a user task's properties make of it once it is ready, given the project data it sees."""
    stage: str
    assignee: str | None  # the one person who may do it
    organisations: str | None  # |A|B|: only people of these organisations may do it
    due_at: datetime | None
    escalate_at: datetime | None  # overdue until then: the Hub team is told (engine.notices.alerts)
    prepared_by: str | None  # the task whose completers may not do this one (four eyes)


def rules_for(properties: dict[str, str], data: dict, ready_at: datetime) -> TaskRules:
    assignee = data.get(properties[ASSIGNEE.name]) if properties.get(ASSIGNEE.name) else None
    organisation = properties.get(ORGANISATION.name)
    due_in = properties.get(DUE_IN.name)
    due_at = _end_of(data.get(properties[DUE_BY.name])) if properties.get(DUE_BY.name) else None
    if due_at is None and due_in:
        due_at = ready_at + spiff.parse_duration(due_in)
    grace = properties.get(ESCALATE_AFTER.name) or DEFAULT_GRACE
    return TaskRules(
        stage=properties.get(STAGE.name, ""),
        assignee=str(assignee) if assignee else None,
        organisations=stored_list(data.get(organisation)) if organisation else None,
        due_at=due_at,
        escalate_at=due_at + spiff.parse_duration(grace) if due_at else None,
        prepared_by=properties.get(NOT_COMPLETED_BY.name) or None,
    )


def _end_of(day) -> datetime | None:
    """The end (UTC) of a day given as an ISO date, or None when the value is no date."""
    try:
        return datetime.combine(date.fromisoformat(str(day)), time(23, 59, 59), tzinfo=timezone.utc)
    except ValueError:
        return None
