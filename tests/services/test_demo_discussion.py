"""The demo's discussions: a partner's question in the call answered for them alone, and past Gate 2 the Hub's word to
everyone with an internal note beside it; all on the record, which still verifies."""
from __future__ import annotations

from engine.discussion.reading import thread_of
from engine.history.verification import check_records
from engine.identity import accounts
from engine.store.models import Comment
from tests.services import test_demo_data

demo = test_demo_data.demo  # the fixture: the demo loaded


def bodies(db, username: str, instance_id: int) -> list[str]:
    with db.reading() as s:
        return [c.body for c in thread_of(s, user=accounts.require_user(s, username), instance_id=instance_id).comments]


def test_the_demo_discussions_reach_only_their_audiences_and_the_record_verifies(db, demo):
    with db.reading() as s:
        comments = list(s.query(Comment).order_by(Comment.id))
        assert check_records(s).problems == []
    asked = next(c for c in comments if c.visibility == "organisation")
    asker = asked.author
    assert len(bodies(db, asker, asked.instance_id)) == 2  # the question and the Hub's answer
    with db.reading() as s:
        competitor = next(u for u in ("ivy.medtech", "ian.datahealth", "tess.trent", "lena.peak")
                          if accounts.require_user(s, u).organisation_name != asked.organisation)
    assert bodies(db, competitor, asked.instance_id) == []  # invited to the same call or not, none of it
    note = next(c for c in comments if c.visibility == "internal")
    selected = next(c.author for c in comments if c.instance_id == note.instance_id and c.author != "hana.hub")
    assert note.body not in bodies(db, selected, note.instance_id)
    assert note.body in bodies(db, "fran.finance", note.instance_id)
