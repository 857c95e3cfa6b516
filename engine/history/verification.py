"""Proving the record unaltered: every hash chain checked, and every instance re-run from its
start on its own version with its recorded inputs (engine.history.rerun)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import policy
from engine.errors import Forbidden, NotFound
from engine.history.comment_checks import comment_problems
from engine.history.document_checks import document_problems
from engine.history.rerun import rerun_instance
from engine.store.models import ProcessInstance, SystemChain, User
from engine.store.trail import SYSTEM_CHAIN, chain_of, list_events, verify_chain


@dataclass
class Problem:
    check: str  # "chain", "rerun" (re-running the instance), "document" (a file's stored bytes) or "comment"
    chain: str
    instance_id: int | None
    seq: int
    reason: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    def __str__(self) -> str:
        return f"{self.chain} event {self.seq}: {self.reason}"


@dataclass
class Report:
    total: int  # instances in the database
    instances: int = 0  # instances checked in this batch
    chains: int = 0
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"ok": not self.problems, "instances_total": self.total, "instances_checked": self.instances,
                "chains_checked": self.chains, "problems": [p.as_dict() for p in self.problems]}


def require_auditor(user: User) -> None:
    if not policy.may_verify(user):
        raise Forbidden("Only auditors may run the verification.")


def verify(session: Session, *, user: User, offset: int = 0, limit: int | None = None,
           rerun: bool = True) -> Report:
    """check_records on behalf of a person: auditors only."""
    require_auditor(user)
    return check_records(session, offset=offset, limit=limit, rerun=rerun)


def projects_to_verify(session: Session, *, user: User) -> list[tuple[int, str, str, str]]:
    """Every project, (id, title, status, stage), for the auditors' start page. Raises Forbidden."""
    require_auditor(user)
    return list(session.execute(select(ProcessInstance.id, ProcessInstance.title, ProcessInstance.status,
                                       ProcessInstance.stage).order_by(ProcessInstance.id)))


def check_records(session: Session, *, offset: int = 0, limit: int | None = None, rerun: bool = True) -> Report:
    """Check instances in id order (a batch when limit is given; the system chain with the first)."""
    report = Report(total=session.scalar(select(func.count()).select_from(ProcessInstance)) or 0)
    if offset == 0:
        _check_system_chain(session, report)
    stmt = select(ProcessInstance).order_by(ProcessInstance.id).offset(offset)
    for instance in session.scalars(stmt.limit(limit) if limit else stmt):
        verify_one(session, instance, report, rerun=rerun)
    return report


def check_instance(session: Session, instance_id: int, *, rerun: bool = True) -> Report:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"No project {instance_id}.")
    report = Report(total=1)
    verify_one(session, instance, report, rerun=rerun)
    return report


def verify_one(session: Session, instance: ProcessInstance, report: Report, *, rerun: bool = True) -> None:
    chain = chain_of(instance.id)
    events = list_events(session, chain)
    found = verify_chain(events, chain=chain, head_seq=instance.audit_seq, head_hash=instance.audit_head)
    report.problems += [Problem("chain", chain, instance.id, p.seq, p.reason) for p in found]
    report.problems += [Problem("document", chain, instance.id, p.seq, p.reason)
                        for p in document_problems(session, instance, events)]
    report.problems += [Problem("comment", chain, instance.id, p.seq, p.reason)
                        for p in comment_problems(session, instance, events)]
    report.chains += 1
    report.instances += 1
    if rerun:
        diverged = rerun_instance(session, instance, events)
        if diverged is not None:
            report.problems.append(Problem("rerun", chain, instance.id, diverged.seq,
                                           f"re-running the project from its start: {diverged.reason}"))


def _check_system_chain(session: Session, report: Report) -> None:
    head = session.get(SystemChain, 1)
    if head is None:
        return
    found = verify_chain(list_events(session, SYSTEM_CHAIN), chain=SYSTEM_CHAIN,
                         head_seq=head.audit_seq, head_hash=head.audit_head)
    report.problems += [Problem("chain", SYSTEM_CHAIN, None, p.seq, p.reason) for p in found]
    report.chains += 1
