"""The unit of work: a read that ends by putting itself on the record never holds the database for its length."""
from sqlalchemy import func, select

from engine.store.db import write_at_end
from engine.store.models import AuditEvent
from engine.store.trail import SYSTEM_CHAIN, record_event


def events_on_system_chain(db) -> list[str]:
    with db.reading() as s:
        return list(s.scalars(select(AuditEvent.kind).where(AuditEvent.chain == SYSTEM_CHAIN)
                              .order_by(AuditEvent.seq)))


def test_a_change_saved_during_a_long_read_costs_the_read_nothing_and_its_record_is_kept(db, clock):
    reads = []

    def read_then_record(session):
        reads.append(session.scalar(select(func.count()).select_from(AuditEvent)))
        # meanwhile someone else's change is saved (on SQLite this read's snapshot can no longer write)
        db.writing(lambda s: record_event(s, instance=None, at=clock.now(), actor="hugo.hub", kind="user_added"))
        write_at_end(session, lambda s: record_event(s, instance=None, at=clock.now(), actor="aud.auditor",
                                                     kind="personal_data_viewed"))
        return "the report"

    assert db.reading_then_writing(read_then_record) == "the report"
    assert reads == [0]  # read once, never again under the lock
    assert events_on_system_chain(db) == ["user_added", "personal_data_viewed"]


def test_a_read_that_fails_puts_nothing_on_the_record(db, clock):
    def fails(session):
        write_at_end(session, lambda s: record_event(s, instance=None, at=clock.now(), actor="aud.auditor",
                                                     kind="personal_data_viewed"))
        raise LookupError("no such report")

    for run in (db.reading_then_writing, db.writing):
        try:
            run(fails)
        except LookupError:
            pass
    assert events_on_system_chain(db) == []
