"""Process drafts: a process owner's diagram, decision tables and forms, edited in the modeller.

A draft is its owner's alone (anyone else gets NotFound) and only process owners have drafts.
Saving never checks more than safety and size, so nothing typed is lost; `check_draft` and
`deploy_draft` run the repository's checks, and a refused deployment leaves the draft as it was.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy
from engine.clock import Clock
from engine.errors import BadRequest, Conflict, DiagramRejected, Forbidden, NotFound, TooLarge
from engine.repository import deployments
from engine.spiff.xmlsafe import UnsafeXml, parse_xml
from engine.store.models import ProcessDraft, ProcessVersion, User

MAX_FORM_BYTES = 256 * 1024
MAX_FILES = 80
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,98}")
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass
class DeployOutcome:
    """What a deployment attempt did: the new version, or the findings that refused it."""
    version: ProcessVersion | None
    created: bool = False
    findings: list[dict] = field(default_factory=list)


def require_process_owner(user: User) -> None:
    if not policy.may_edit_drafts(user):
        raise Forbidden("Only a process owner may edit processes in the modeller.")


def safe_file_name(name: str, *, suffix: str) -> str:
    """The name if it is a plain file name ending in `suffix`; BadRequest otherwise."""
    if not FILE_NAME.fullmatch(name or "") or not name.endswith(suffix) or ".." in name:
        raise BadRequest(f"{name!r} is not an acceptable file name: use letters, digits, '_', '-' "
                         f"and '.', ending in {suffix}.")
    return name


def _parse(data: bytes, *, what: str) -> etree._Element:
    """Hardened parsing; unsafe, oversized or malformed XML is refused before anything is stored."""
    try:
        return parse_xml(data, what=what)
    except UnsafeXml as exc:
        raise (TooLarge if "larger than" in str(exc) else BadRequest)(str(exc)) from None


def _checked_xml(text: str, *, what: str) -> str:
    _parse(text.encode(), what=what)
    return text


def _checked_dmn(files: dict[str, str]) -> dict[str, str]:
    return {safe_file_name(n, suffix=".dmn"): _checked_xml(t, what=n) for n, t in files.items()}


def _checked_forms(files: dict[str, str]) -> dict[str, str]:
    for name, text in files.items():
        safe_file_name(name, suffix=".json")
        if len(text.encode()) > MAX_FORM_BYTES:
            raise TooLarge(f"{name} is larger than {MAX_FORM_BYTES // 1024} KB.")
    return dict(files)


def _uploaded_xml(data: bytes, *, what: str) -> tuple[etree._Element, str]:
    """An uploaded XML file and its text; a file in another encoding (ISO-8859-1) is re-declared UTF-8."""
    root = _parse(data, what=what)
    if (root.getroottree().docinfo.encoding or "UTF-8").upper() in ("UTF-8", "UTF8", "ASCII", "US-ASCII"):
        return root, _decoded({what: data})[what]
    return root, '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root.getroottree(), encoding="unicode")


def _decoded(files: dict[str, bytes]) -> dict[str, str]:
    try:
        return {name: data.decode("utf-8-sig") for name, data in files.items()}
    except UnicodeDecodeError:
        raise BadRequest("Every uploaded file must be UTF-8 text.") from None


def _title_of(definitions: etree._Element) -> str:
    process = definitions.find(f"{{{BPMN_NS}}}process")
    if process is None:
        return "Untitled diagram"
    return (process.get("name") or process.get("id") or "Untitled diagram")[:200]


def _new(session: Session, *, user: User, title: str, bpmn: str, dmn: dict[str, str], forms: dict[str, str],
         base: int | None, clock: Clock) -> ProcessDraft:
    if len(dmn) + len(forms) > MAX_FILES:
        raise TooLarge(f"A draft holds at most {MAX_FILES} decision table and form files.")
    draft = ProcessDraft(owner_id=user.id, title=title, base_version_id=base, bpmn_xml=bpmn,
                         dmn_json=json.dumps(dmn), forms_json=json.dumps(forms),
                         created_at=clock.now(), updated_at=clock.now())
    session.add(draft)
    session.flush()
    return draft


def draft_from_version(session: Session, *, user: User, version_id: int, clock: Clock) -> ProcessDraft:
    """A new draft holding a copy of a deployed version's files."""
    require_process_owner(user)
    version = session.get(ProcessVersion, version_id)
    if version is None:
        raise NotFound("There is no such process version.")
    forms = {name: json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
             for name, schema in json.loads(version.forms_json).items()}
    return _new(session, user=user, title=f"{version.name} (from version {version.version})",
                bpmn=version.bpmn_xml, dmn=json.loads(version.dmn_json), forms=forms, base=version.id, clock=clock)


def draft_from_upload(session: Session, *, user: User, bpmn: bytes, dmn: dict[str, bytes] | None = None,
                      forms: dict[str, bytes] | None = None, clock: Clock) -> ProcessDraft:
    """A new draft from uploaded files (bpmn.io, Camunda Modeler, ...); unsafe XML is refused."""
    require_process_owner(user)
    root, text = _uploaded_xml(bpmn, what="the diagram")
    if etree.QName(root).localname != "definitions":
        raise BadRequest("The diagram is not a BPMN file: its root element is not <definitions>.")
    dmn_text = {safe_file_name(n, suffix=".dmn"): _uploaded_xml(d, what=n)[1] for n, d in (dmn or {}).items()}
    return _new(session, user=user, title=_title_of(root), bpmn=text, dmn=dmn_text,
                forms=_checked_forms(_decoded(forms or {})), base=None, clock=clock)


def list_drafts(session: Session, *, user: User) -> list[ProcessDraft]:
    require_process_owner(user)
    return list(session.scalars(select(ProcessDraft).where(ProcessDraft.owner_id == user.id)
                                .order_by(ProcessDraft.updated_at.desc(), ProcessDraft.id.desc())))


def get_draft(session: Session, *, user: User, draft_id: int) -> ProcessDraft:
    """The user's own draft; NotFound for anyone else's, so its existence is not revealed."""
    require_process_owner(user)
    draft = session.get(ProcessDraft, draft_id)
    if draft is None or draft.owner_id != user.id:
        raise NotFound("There is no such draft among yours.")
    return draft


def save_draft(session: Session, *, user: User, draft_id: int, clock: Clock, bpmn: str | None = None,
               dmn: dict[str, str] | None = None, forms: dict[str, str] | None = None,
               removed_forms: list[str] | tuple[str, ...] = (), title: str | None = None,
               opened_at: str | None = None) -> ProcessDraft:
    """Replace the files given (the diagram, some decision tables, some forms); remove `removed_forms`.

    `opened_at` is the saved time of the draft the editor holds: if the draft was saved since (in
    another tab or window), Conflict, so neither save silently replaces the other.
    """
    bpmn = _checked_xml(bpmn, what="the diagram") if bpmn is not None else None
    dmn, forms = _checked_dmn(dmn or {}), _checked_forms(forms or {})
    draft = get_draft(session, user=user, draft_id=draft_id)
    if opened_at is not None and opened_at != saved_at(draft):
        raise Conflict(f"This draft was saved from another tab or window at {draft.updated_at:%H:%M:%S} (UTC), "
                       "after this page opened it. Copy what you need from here, then reload the page.")
    all_dmn = {**json.loads(draft.dmn_json), **dmn}
    all_forms = {k: v for k, v in {**json.loads(draft.forms_json), **forms}.items() if k not in removed_forms}
    if len(all_dmn) + len(all_forms) > MAX_FILES:
        raise TooLarge(f"A draft holds at most {MAX_FILES} decision table and form files.")
    if bpmn is not None:
        draft.bpmn_xml = bpmn
    if title is not None and title.strip():
        draft.title = title.strip()[:200]
    draft.dmn_json, draft.forms_json = json.dumps(all_dmn), json.dumps(all_forms)
    draft.updated_at = clock.now()
    return draft


def drafts_from_version(session: Session, *, user: User, version_id: int) -> tuple[ProcessVersion, list[ProcessDraft]]:
    """A deployed version, and the user's drafts made from it (to offer before making another)."""
    require_process_owner(user)
    version = session.get(ProcessVersion, version_id)
    if version is None:
        raise NotFound(f"There is no process version {version_id}.")
    return version, [d for d in list_drafts(session, user=user) if d.base_version_id == version_id]


def saved_at(draft: ProcessDraft) -> str:
    return draft.updated_at.isoformat()


def draft_view(draft: ProcessDraft) -> dict:
    """The draft's files and last check as the modeller page reads them."""
    return {"id": draft.id, "title": draft.title, "saved_at": saved_at(draft), "bpmn": draft.bpmn_xml,
            "dmn": json.loads(draft.dmn_json),
            "forms": json.loads(draft.forms_json), "base_version_id": draft.base_version_id,
            "last_check": json.loads(draft.last_check_json) if draft.last_check_json else None}


def delete_draft(session: Session, *, user: User, draft_id: int) -> None:
    session.delete(get_draft(session, user=user, draft_id=draft_id))


def draft_files(draft: ProcessDraft) -> tuple[bytes, dict[str, bytes], dict[str, bytes]]:
    """The draft's files as the repository takes them: (bpmn, dmn by name, forms by name)."""
    dmn = {k: v.encode() for k, v in json.loads(draft.dmn_json).items()}
    forms = {k: v.encode() for k, v in json.loads(draft.forms_json).items()}
    return draft.bpmn_xml.encode(), dmn, forms


def check_draft(session: Session, *, user: User, draft_id: int, clock: Clock) -> list[dict]:
    """Every finding of the deployment checks on the draft as saved; kept on the draft."""
    draft = get_draft(session, user=user, draft_id=draft_id)
    bpmn, dmn, forms = draft_files(draft)
    findings = finding_dicts(deployments.check_files(session, bpmn=bpmn, dmn=dmn, forms=forms).findings)
    _remember(draft, findings, clock=clock, deployed=None)
    return findings


def deploy_draft(session: Session, *, user: User, draft_id: int, clock: Clock) -> DeployOutcome:
    """Deploy the draft as saved. Refused: the draft's files stay as they were, the findings are kept."""
    draft = get_draft(session, user=user, draft_id=draft_id)
    bpmn, dmn, forms = draft_files(draft)
    try:
        with session.begin_nested():  # a refusal undoes whatever the attempt wrote, and only that
            version, created = deployments.deploy_for_user(session, user=user, bpmn=bpmn, dmn=dmn,
                                                           forms=forms, clock=clock)
    except DiagramRejected as error:
        findings = finding_dicts(getattr(error, "findings", None) or error.problems)
        _remember(draft, findings, clock=clock, deployed=None)
        return DeployOutcome(version=None, findings=findings)
    draft.deployed_version_id = version.id
    _remember(draft, [], clock=clock, deployed=version.id)
    return DeployOutcome(version=version, created=created)


def _remember(draft: ProcessDraft, findings: list[dict], *, clock: Clock, deployed: int | None) -> None:
    draft.last_check_json = json.dumps({"at": clock.now().isoformat(), "findings": findings,
                                        "deployed_version_id": deployed})


def finding_dicts(findings: list) -> list[dict]:
    """Findings as plain dicts (element_id, message, severity, file), from Finding objects or strings."""
    result = []
    for finding in findings:
        if isinstance(finding, str):
            match = re.match(r"element (\S+?): (.*)", finding, re.S)
            item = {"element_id": match[1], "message": match[2]} if match else {"message": finding}
        else:
            item = dict(finding.as_dict())
        result.append({"element_id": None, "severity": "error", "file": None, **item})
    return result
