"""A project's history says each comment in words: who could read it, what it corrects, whom it mentions by name."""
from __future__ import annotations

import html
import re

from engine.discussion.comments import post_comment
from engine.identity import accounts
from tests.web.conftest import signed_in


def test_the_history_shows_each_comment_with_its_audience_and_the_people_it_mentions(app, db, clock, at_gate4):
    def post(username, body, visibility, supersedes=None):
        return db.writing(lambda s: post_comment(s, user=accounts.require_user(s, username), instance_id=at_gate4,
                                                 body=body, visibility=visibility, supersedes=supersedes,
                                                 clock=clock).id)
    first = post("hana.hub", "@fran.finance the DPIA is attached", "internal")
    post("hana.hub", "@fran.finance the DPIA and the DSA are attached", "internal", supersedes=first)
    page = html.unescape(re.sub(r"<[^>]+>", " ", signed_in(app, "aud.auditor").get(
        f"/projects/{at_gate4}/history").get_data(as_text=True)))
    page = " ".join(page.split())
    assert "Comment posted (internal: NHS and Hub only)" in page
    assert "Correction posted (internal: NHS and Hub only)" in page
    assert "the DPIA and the DSA are attached" in page
    fran = db.writing(lambda s: accounts.require_user(s, "fran.finance").display_name)
    assert f"Mentions {fran}" in page and "fran.finance the DPIA" in page
