"""What of a project each reader may see: one allow-list for its data, its events, replay frames,
task contexts and history, whichever face (page, API, export) shows them.

Four standings. Those who run, decide or audit the call (COMPETITION_READERS) read everything. A
member of the project's own board reads every EoI they score but only their own scores, never the others'
or the totals (off that board, they read as staff, or as an outsider if they work for an organisation).
The rest of the Hub's staff (clinical leads, finance, panels, procurement, process owners, admins)
read everything but the competition: the selected partners' EoIs only, no scores, not who was invited.
People outside the Hub (sponsors and industry partners, whatever else a partner holds) read only the keys
OUTSIDE_READERS names, each for the audience it names: a key nobody named, such as a field a process owner
adds to a form, stays inside the Hub until someone adds it here. Of the record they see the stages
STAGE_AUDIENCES opens to them, numbered as they see it, and a gateway's path only when they may read what
its conditions read.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from lxml import etree

from engine.sandbox.data_flow import code_flow
from engine.store.lists import list_token
from engine.store.models import ProcessInstance, ProcessVersion, Task, User

OUTSIDE_ROLES = frozenset({"sponsor", "industry_partner"})
COMPETITION_READERS = frozenset({"hub_team", "board_chair", "auditor"})  # run, decide or audit the call

# Audiences outside the Hub, per project.
SPONSOR = "sponsor"  # the sponsor who proposed this challenge
PARTNERS = "partners"  # every partner invited to its call
SELECTED = "selected"  # the partners selected at Gate 2, who co-design and run the project
OWN = "own"  # each partner, its own organisation's records only

CHALLENGE = frozenset({SPONSOR, PARTNERS})
THE_CALL = frozenset({SPONSOR, PARTNERS})
EVERYONE = frozenset({SPONSOR, PARTNERS})
SPONSOR_AND_SELECTED = frozenset({SPONSOR, SELECTED})

# key -> (who outside the Hub may read it, why). Everything else stays inside the Hub.
OUTSIDE_READERS: dict[str, tuple[frozenset[str], str]] = {
    **{key: (CHALLENGE, "the challenge as the sponsor proposed it, which the call is about") for key in (
        "title", "description", "challenge_area", "pathway_category", "tumour_groups", "alliance", "trusts",
        "unmet_need", "evidence", "measures_of_success")},
    **{key: (CHALLENGE, "the innovation-ready problem statement the Hub publishes with the call") for key in (
        "problem_statement", "scope", "context", "desired_outcomes")},
    "gate1_decision": (frozenset({SPONSOR}), "whether the sponsor's challenge goes ahead"),
    "gate1_reason": (frozenset({SPONSOR}), "why it was rejected, which the sponsor is told"),
    "review_date": (frozenset({SPONSOR}), "when a deferred challenge comes back"),
    "call_brief": (THE_CALL, "the call the Hub published"),
    "call_closes_at": (THE_CALL, "when the call closes"),
    "scoring_criteria": (THE_CALL, "the published criteria EoIs are scored on"),
    "eois": (frozenset({OWN}), "a partner's own EoI, never a competitor's"),
    "eoi": (frozenset({OWN}), "a partner's own EoI, never a competitor's"),
    "gate2_decision": (EVERYONE, "whether a partner was selected"),
    "selected_partners": (EVERYONE, "which partner was selected, and so whether one's own was"),
    **{key: (frozenset({SELECTED}), "the specification the selected partner co-designs") for key in (
        "objectives", "sites", "solution_description", "evaluation_plan", "data_sharing_agreement", "dpia_status",
        "outcome_measures", "specification_document")},
    "gate3_hub_decision": (SPONSOR_AND_SELECTED, "whether the specification was agreed"),
    "gate3_clinical_decision": (SPONSOR_AND_SELECTED, "whether the specification was agreed"),
    "gate3_hub_comments": (frozenset({SELECTED}), "what to rework in the specification they co-design"),
    "gate3_clinical_comments": (frozenset({SELECTED}), "what to rework in the specification they co-design"),
    **{key: (frozenset({SELECTED}), "the joint working the selected partner signs up to") for key in (
        "industry_contribution", "joint_working_agreement", "joint_working_agreement_reference", "milestones",
        "roles_and_responsibilities", "project_plan")},
    **{key: (frozenset({SELECTED}), "the documents of the joint working the selected partner signs up to") for key in (
        "joint_working_agreement_document", "dpia_document", "dsa_document", "mobilisation_pack_files")},
    "gate4_decision": (SPONSOR_AND_SELECTED, "whether the project was mobilised"),
    **{key: (frozenset({SELECTED}), "the pilot the selected partner runs with the clinical team") for key in (
        "progress_reports", "measured_outcomes", "final_report_summary", "outcome_results", "outcomes_met",
        "outcomes_total", "pilot_report_document")},
    "gate5_decision": (SPONSOR_AND_SELECTED, "whether the pilot's evidence was accepted"),
    "gate6_decision": (SPONSOR_AND_SELECTED, "whether the project is funded to scale"),
    "project_outcome": (EVERYONE, "how the project ended"),
}
# Who owns a record in an OWN list: the organisation named by its "partner".
OWNER_KEY = "partner"

BOARD_ROLE = "board_member"  # the lane whose people read the EoIs they score
BOARD_KEY = "board_members"  # who sits on this project's board (chosen by the Hub when it invites partners)
# Scores: a board member reads only their own (by "board_member"), never the others' or the totals (nor the
# scores given before the chair extended scoring, kept aside until it closes again).
OWN_SCORE_KEYS = {"board_scores", "board_score", "scores_kept_aside"}
SCORER_KEY = "board_member"
# Who did not score, and so who is asked again, is read off the scores: as hidden as the totals.
HIDDEN_FROM_BOARD = {"scores", "aggregated_scores", "partner_ranking", "members_not_scored", "members_to_score"}
# Keys diagram code derives from the EoIs, kept as confidential as the EoIs themselves.
DERIVED_FROM_EOIS = {"submitted_partners": "which invited partners answered the call"}
# The rest of the Hub's staff: no scores, and of the EoIs only the selected partners' (co-design onwards).
# Nor who was invited to compete (the register shows them the selected partners instead).
HIDDEN_FROM_STAFF = OWN_SCORE_KEYS | HIDDEN_FROM_BOARD | set(DERIVED_FROM_EOIS) | {"invited_partners"}
EOI_KEYS = {"eois", "eoi"}

# What diagram code may do with the competition's data (bpmn_checks.confidential_flow_rule refuses the
# rest at deployment): code that reads one of a level's keys writes only keys that level may flow into,
# so no script can launder an EoI or a score into a key a wider audience reads.
SCORE_KEYS = frozenset(OWN_SCORE_KEYS | HIDDEN_FROM_BOARD)
EOI_DATA_KEYS = frozenset(EOI_KEYS | set(DERIVED_FROM_EOIS))
CONFIDENTIAL_LEVELS = (  # (what, keys that hold it, keys it may flow into)
    ("the board's scores", SCORE_KEYS, SCORE_KEYS),
    ("the partners' EoIs", EOI_DATA_KEYS, EOI_DATA_KEYS | SCORE_KEYS),
)
# Event kinds people outside the Hub may see (of tasks they may see), and what of each one's data.
OUTSIDE_EVENT_DATA = {
    "instance_started": ("process", "version", "hash"),
    "task_ready": ("role", "assignee", "due_at"),
    "task_claimed": (), "task_released": (), "task_cancelled": (),
    "task_completed": None,  # the data allow-list above
    "gateway_taken": ("to",),
    "instance_completed": ("outcome",),  # project_outcome, which everyone on the project may read
    "instance_migrated": ("from", "to"),
    "version_deployed": ("key", "version", "hash"),
    # The project's lifecycle, as its sponsor and partners see it on "My projects" (reasons stay inside the Hub,
    # but for the sponsor's own withdrawal).
    "instance_held": (), "instance_resumed": (), "instance_stopped": (), "instance_withdrawn": ("reason",),
}
# The stages of the procedure each audience outside the Hub may follow: its tasks, their events, the paths
# its gateways took and the project standing in it. A stage nobody named stays inside the Hub; after Gate 2
# a partner not selected follows only the project's outcome.
STAGE_AUDIENCES = {
    "proposal": CHALLENGE, "definition": CHALLENGE, "match": THE_CALL, "closed": EVERYONE,
    **{stage: SPONSOR_AND_SELECTED for stage in (
        "codesign", "mobilisation", "pilot", "evidence_gate", "business_case", "scale", "closure")},
}
NOT_FOLLOWED = ""  # the stage as shown to a reader outside the Hub who does not follow the stage it is in
STEP_KINDS = {"gateway_taken", "decision_made", "timer_fired"}  # engine steps: in the stage the project is in
ENGINE_ACTORS = {"engine", "timer"}
SOMEONE = "someone else"  # an actor or holder a reader outside the Hub may not know by name (never a username)
PEOPLE_KEYS = {"assignee"}  # event data naming a person


@dataclass(frozen=True)
class Reader:
    """One user reading one project: what they may see of it."""
    username: str
    organisation: str | None
    standing: str  # "hub" (runs, decides or audits the call), "board", "staff" (the rest of the Hub) or "outside"
    audiences: frozenset[str]  # outside readers: which of the project's audiences they belong to
    selected: frozenset[str] = frozenset()  # staff: the partners selected at Gate 2, whose EoIs they read
    gateways: dict[str, frozenset[str]] = field(default_factory=dict)  # outside: gateway id -> keys it decides on

    @property
    def outside(self) -> bool:
        return self.standing == "outside"

    def data(self, data: dict) -> dict:
        """Project data (or a frame's, a task's context, an event's) as this reader may see it."""
        if self.standing == "hub" or not isinstance(data, dict):
            return data if isinstance(data, dict) else {}
        if self.standing == "board":
            return self._board(data)
        if self.standing == "staff":
            return self._staff(data)
        shown = {}
        for key, value in data.items():
            audiences, _why = OUTSIDE_READERS.get(key, (frozenset(), ""))
            if OWN in audiences:
                value = self._own_records(value)
                if value is not None:
                    shown[key] = value
            elif audiences & self.audiences:
                shown[key] = value
        return shown

    def follows(self, stage: str | None) -> bool:
        """Whether the reader may follow the project while it is in this stage."""
        return not self.outside or bool(STAGE_AUDIENCES.get(stage or "", frozenset()) & self.audiences)

    def sees_task(self, task: Task) -> bool:
        """Outside the Hub, a task of their own organisation, or of a stage they follow."""
        return not self.outside or self._organisation_task(task) or self.follows(task.stage)

    def stage(self, stage: str | None) -> str | None:
        return stage if self.follows(stage) else NOT_FOLLOWED

    def events(self, record: list[tuple[dict, Task | None, bool]]) -> list[dict | None]:
        """The project's events in record order, each (event, its task, whether the task is visible at all), as
        this reader may see them: None where not. Outside the Hub they are numbered 1..n as the reader sees them
        (the record's own numbers and hash links would count the events kept from them), and an engine step
        shows only in a stage they follow (the stage of the last task made ready before it)."""
        shown: list[dict | None] = []
        stage, number = None, 0
        for event, task, task_visible in record:
            if event.get("kind") == "task_ready" and task is not None:
                stage = task.stage
            visible = task_visible and (task is None or self.sees_task(task))
            if task is None and event.get("kind") in STEP_KINDS and not self.follows(stage):
                visible = False
            view = self.event(event, task=task) if visible else None
            if view is not None and self.outside:
                number += 1
                view = {**view, "seq": number}
                view.pop("prev_hash", None)
            shown.append(view)
        return shown

    def event(self, event: dict, *, task: Task | None, task_visible: bool = True) -> dict | None:
        """An event (seq, actor, kind, data...) as this reader may see it; None when not theirs to see."""
        if not task_visible or (task is not None and not self.sees_task(task)):
            return None
        kind, data = event.get("kind"), event.get("data") or {}
        own = self.submitted(event.get("actor"), task)
        if self.outside:
            if kind not in OUTSIDE_EVENT_DATA:
                return None
            keys = OUTSIDE_EVENT_DATA[kind]
            if kind == "gateway_taken" and not self._may_read_all(self.gateways.get(event.get("task") or "")):
                return None  # the path taken would tell them what its condition read
            if keys is not None:
                data = {k: self.person(v, task) if k in PEOPLE_KEYS else v for k, v in data.items() if k in keys}
            elif not own:
                data = self.data(data)
        elif not own and self.standing == "staff" and self._competitor_task(task):
            data = {}  # an EoI the Gate 2 decision did not select
        elif not own:
            data = {"result": self.data(data.get("result") or {})} if kind == "decision_made" else self.data(data)
        return {**event, "actor": self.person(event.get("actor"), task), "data": data}

    def submitted(self, actor: str | None, task: Task | None) -> bool:
        """What the reader (or, outside the Hub, their organisation on its own task) submitted: shown whole."""
        return actor == self.username or (self.outside and self._organisation_task(task))

    def person(self, username: str | None, task: Task | None = None) -> str | None:
        """A person as this reader may know them: outside the Hub, themselves, the engine and their own
        organisation's people on its own tasks; anyone else is SOMEONE."""
        if not username or not self.outside or username in ENGINE_ACTORS or username == self.username:
            return username
        return username if self._organisation_task(task) else SOMEONE

    def verification_note(self, reason: str) -> str:
        """Why a re-run diverged can quote recorded data: outside the Hub, only that it did."""
        return "the record could not be re-run here; the Hub's auditors have the details" if self.outside else reason

    def _may_read_all(self, keys: frozenset[str] | None) -> bool:
        """Whether they may read every one of these keys whole (None: not known, so not)."""
        if keys is None:
            return False
        audiences = [OUTSIDE_READERS.get(key, (frozenset(), ""))[0] for key in keys]
        return all(OWN not in a and a & self.audiences for a in audiences)

    def _organisation_task(self, task: Task | None) -> bool:
        return bool(task is not None and task.organisations and self.organisation
                    and list_token(self.organisation) in task.organisations)

    def _competitor_task(self, task: Task | None) -> bool:
        orgs = task.organisations if task is not None else None
        return bool(orgs) and not any(list_token(org) in orgs for org in self.selected)

    def _staff(self, data: dict) -> dict:
        shown = {k: v for k, v in data.items() if k not in HIDDEN_FROM_STAFF}
        for key in EOI_KEYS & set(shown):
            value = _records_of(shown[key], self.selected)
            if value is None:
                del shown[key]
            else:
                shown[key] = value
        return shown

    def _own_records(self, value):
        if not self.organisation or PARTNERS not in self.audiences:
            return None
        return _records_of(value, {self.organisation})

    def _board(self, data: dict) -> dict:
        shown = {}
        for key, value in data.items():
            if key in HIDDEN_FROM_BOARD:
                continue
            if key in OWN_SCORE_KEYS:
                value = _own_scores(value, self.username)
                if value is None:
                    continue
            shown[key] = value
        return shown


def _records_of(value, owners):
    """The records (one, or a list) whose OWNER_KEY names one of `owners`; None when none is left of one."""
    if isinstance(value, dict):
        return value if value.get(OWNER_KEY) in owners else None
    if isinstance(value, list):
        return [r for r in value if isinstance(r, dict) and r.get(OWNER_KEY) in owners]
    return None


def _own_scores(value, username: str):
    if isinstance(value, dict):
        return value if value.get(SCORER_KEY) == username else None
    if isinstance(value, list):
        return [r for r in value if isinstance(r, dict) and r.get(SCORER_KEY) == username]
    return None


def standing_of(user: User) -> str:
    """A partner is outside the Hub whatever else they hold (competitors' EoIs must never reach them)."""
    internal = user.roles - OUTSIDE_ROLES
    if "industry_partner" in user.roles or not internal:
        return "outside"
    if internal & COMPETITION_READERS:
        return "hub"
    return "board" if BOARD_ROLE in internal else "staff"


def board_of(instance: ProcessInstance) -> list[str]:
    """Who sits on this project's board (chosen when partners were invited)."""
    board = json.loads(instance.data_json or "{}").get(BOARD_KEY)
    return [str(name) for name in board] if isinstance(board, list) else []


def reader_for(user: User, instance: ProcessInstance, data: dict | None = None, *, task: Task | None = None) -> Reader:
    """`data` is the project's data as stored, when the caller has read it already.

    A board member reads as one only in a project whose board they sit on (BOARD_KEY), or in the board's own
    task they were given in a member's place (`task`, reassigned or delegated to them); elsewhere as the rest of the
    Hub's staff, or, working for an organisation (a partner that may compete), as an outsider who is no audience
    of the project's."""
    standing = standing_of(user)
    audiences: set[str] = set()
    org = user.organisation_name
    stored = data if data is not None or standing == "hub" else json.loads(instance.data_json or "{}")
    board = (stored or {}).get(BOARD_KEY)
    # Only while the task is theirs to do: what the project does later is not a scorer's to read.
    in_place = task is not None and task.role == BOARD_ROLE and task.state == "ready" and task.assignee == user.username
    if standing == "board" and not (isinstance(board, list) and user.username in board) and not in_place:
        standing = "outside" if org else "staff"
    chosen = (stored or {}).get("selected_partners")
    selected = frozenset(str(p) for p in chosen) if isinstance(chosen, list) else frozenset()
    if standing == "outside":
        if "sponsor" in user.roles and instance.started_by == user.username:
            audiences.add(SPONSOR)
        if "industry_partner" in user.roles and org and list_token(org) in (instance.organisations or ""):
            audiences.add(PARTNERS)
            if org in selected:
                audiences.add(SELECTED)
    gateways = gateway_keys(instance.process_version) if standing == "outside" else {}
    return Reader(user.username, org, standing, frozenset(audiences), selected, gateways)


_GATEWAYS: dict[str, dict[str, frozenset[str]]] = {}  # content hash -> gateway id -> keys: versions never change
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def gateway_keys(version: ProcessVersion) -> dict[str, frozenset[str]]:
    """Each exclusive gateway of the version and the data keys its outgoing conditions read: the path it takes
    tells as much as those keys (a condition that does not parse reads an unknown key, so it tells everything)."""
    if version.content_hash not in _GATEWAYS:
        root = etree.fromstring(version.bpmn_xml.encode())
        found = {g.get("id"): set() for g in root.iter(f"{BPMN}exclusiveGateway", f"{BPMN}inclusiveGateway")}
        for flow in root.iter(f"{BPMN}sequenceFlow"):
            for condition in flow.iter(f"{BPMN}conditionExpression"):
                try:
                    reads = code_flow("".join(condition.itertext()).strip() or "True", "eval").reads
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    reads = frozenset({"?"})
                found.setdefault(flow.get("sourceRef"), set()).update(reads)
        _GATEWAYS[version.content_hash] = {k: frozenset(v) for k, v in found.items()}
    return _GATEWAYS[version.content_hash]

