"""The audit trail: append-only events, hash-chained per instance (and one system chain), written in the same
transaction as the change they record; and the check that a chain is still the one written."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.store.models import AuditEvent, ProcessInstance, SystemChain

SYSTEM_CHAIN = "system"
TIMER = "timer"  # the actor of timer firings: a timer falls due on its own, whoever's change notices it


def chain_of(instance_id: int) -> str:
    return f"instance:{instance_id}"


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(*, chain: str, seq: int, at: datetime, actor: str, kind: str, task_id: str | None,
               task_name: str | None, data_json: str, prev_hash: str) -> str:
    material = canonical_json([chain, seq, at.isoformat(), actor, kind, task_id, task_name,
                               data_json, prev_hash])
    return hashlib.sha256(material.encode()).hexdigest()


def record_event(session: Session, *, instance: ProcessInstance | None, at: datetime, actor: str,
                 kind: str, task_id: str | None = None, task_name: str | None = None,
                 data: dict | None = None) -> AuditEvent:
    """Append one event to the instance's chain (or the system chain when instance is None)."""
    head = instance if instance is not None else _system_head(session)
    chain = chain_of(instance.id) if instance is not None else SYSTEM_CHAIN
    seq = head.audit_seq + 1
    data_json = canonical_json(data or {})
    fields = dict(chain=chain, seq=seq, at=at, actor=actor, kind=kind, task_id=task_id,
                  task_name=task_name, data_json=data_json, prev_hash=head.audit_head)
    event = AuditEvent(instance_id=instance.id if instance is not None else None,
                       hash=event_hash(**fields), **fields)
    session.add(event)
    head.audit_seq, head.audit_head = seq, event.hash
    return event


def _system_head(session: Session) -> SystemChain:
    stmt = select(SystemChain).where(SystemChain.id == 1)
    if session.bind.dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    head = session.scalars(stmt).first()
    if head is None:
        head = SystemChain(id=1, audit_seq=0, audit_head="")
        session.add(head)
    return head


def list_events(session: Session, chain: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.chain == chain)
                                .order_by(AuditEvent.seq, AuditEvent.id)))


def event_view(event: AuditEvent) -> dict:
    return {"seq": event.seq, "at": event.at.isoformat(), "actor": event.actor, "kind": event.kind,
            "task": event.task_name, "task_id": event.task_id, "data": json.loads(event.data_json),
            "prev_hash": event.prev_hash, "hash": event.hash}


@dataclass
class ChainProblem:
    chain: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"{self.chain} event {self.seq}: {self.reason}"


def verify_chain(events: list[AuditEvent], *, chain: str, head_seq: int, head_hash: str) -> list[ChainProblem]:
    """Find altered, deleted or reordered events in one chain."""
    problems: list[ChainProblem] = []
    prev_hash, expected_seq = "", 1
    for event in events:
        if event.seq != expected_seq:
            problems.append(ChainProblem(chain, expected_seq, f"missing or out of order (found event {event.seq})"))
        if event.prev_hash != prev_hash:
            problems.append(ChainProblem(chain, event.seq,
                                         "does not follow the event before it (reordered or an event was removed)"))
        recomputed = event_hash(chain=event.chain, seq=event.seq, at=event.at, actor=event.actor,
                                kind=event.kind, task_id=event.task_id, task_name=event.task_name,
                                data_json=event.data_json, prev_hash=event.prev_hash)
        if recomputed != event.hash:
            problems.append(ChainProblem(chain, event.seq, "content was altered after it was recorded"))
        prev_hash, expected_seq = event.hash, event.seq + 1
    if head_seq != expected_seq - 1 or head_hash != prev_hash:
        problems.append(ChainProblem(chain, head_seq, "the latest events are missing"))
    return problems


def verify_instance(session: Session, instance_id: int) -> list[ChainProblem]:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"No instance {instance_id}.")
    chain = chain_of(instance_id)
    return verify_chain(list_events(session, chain), chain=chain,
                        head_seq=instance.audit_seq, head_hash=instance.audit_head)
