"""A project's discussion is proven unaltered: each comment row must say what its event on the chain recorded."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from engine.discussion.comments import post_comment
from engine.history.verification import check_records
from engine.runtime.instances import start_instance
from engine.store.models import User
from tests.conftest import FIXTURES, add_user, deployed


@pytest.fixture
def discussed(db, clock):
    deployed(db, clock, FIXTURES / "filed", FIXTURES / "filed")
    add_user(db, clock, "sam", "sponsor")
    add_user(db, clock, "hana", "hub_team")

    def user(session, name):
        return session.scalars(select(User).where(User.username == name)).one()
    project = db.writing(lambda s: start_instance(s, user=user(s, "sam"), process_key="filed", clock=clock).id)
    for name, body in (("sam", "Is the pilot site agreed?"), ("hana", "Yes: Derby, from May.")):
        db.writing(lambda s, n=name, b=body: post_comment(s, user=user(s, n), instance_id=project, body=b,
                                                          visibility="project", clock=clock))
    return project


def problems(db):
    with db.reading() as s:
        return [(p.check, p.reason) for p in check_records(s).problems]


def test_an_untouched_discussion_verifies(db, discussed):
    assert problems(db) == []


@pytest.mark.parametrize("change", [
    "UPDATE comments SET body = 'No.' WHERE body LIKE 'Yes%'",
    "UPDATE comments SET visibility = 'internal' WHERE body LIKE 'Yes%'",
    "UPDATE comments SET author = 'sam' WHERE body LIKE 'Yes%'",
    "DELETE FROM comments WHERE body LIKE 'Yes%'",
])
def test_a_comment_changed_or_removed_after_it_was_posted_is_found(db, discussed, change):
    with db.engine.begin() as connection:
        connection.execute(text(change))
    found = problems(db)
    assert [check for check, _ in found] == ["comment"]


def test_a_comment_slipped_in_without_an_event_is_found(db, discussed):
    with db.engine.begin() as connection:
        connection.execute(text("INSERT INTO comments (instance_id, author, at, body, visibility) "
                                "SELECT instance_id, author, at, 'Forged', visibility FROM comments LIMIT 1"))
    found = problems(db)
    assert len(found) == 1 and found[0][0] == "comment" and "has no event on the record" in found[0][1]
