"""The discussion on the project page and beside a task's form: posting, what each reader is shown, refusals that
keep what was typed, links and escaping."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from demo import seed
from engine.discussion.comments import post_comment
from engine.identity.accounts import get_user
from engine.store.models import Comment, Notification, Task, User
from tests.web.conftest import signed_in
from tests.web.test_login_inbox import csrf_token


@pytest.fixture(autouse=True)
def names(db, at_gate4):
    """The demo people's names (the page fixture gives them their usernames as names)."""
    def work(session):
        for username, name, *_ in seed.DEMO_USERS:
            session.scalars(select(User).where(User.username == username)).one().display_name = name
    db.writing(work)


def say(db, clock, username, project, body, visibility=None, **kwargs) -> int:
    return db.writing(lambda s: post_comment(s, user=get_user(s, username), instance_id=project, body=body,
                                             visibility=visibility, clock=clock, **kwargs).id)


def send(client, project, page: str, **form):
    token = csrf_token(client.get(page).data)
    return client.post(f"/projects/{project}/comments", data={"csrf_token": token, "next": page, **form})


def discussion(page) -> str:
    text = page.get_data(as_text=True)
    return text.split('<section id="discussion"')[1].split("</section>")[0]


def test_a_comment_posted_on_the_project_page_is_shown_with_its_author_by_name(app, db, at_gate4):
    hana = signed_in(app, "hana.hub")
    answer = send(hana, at_gate4, f"/projects/{at_gate4}", body="Kick-off is on Monday.", audience="project")
    assert answer.status_code == 302 and answer.location.endswith(f"/projects/{at_gate4}#discussion")
    page = hana.get(f"/projects/{at_gate4}")
    assert "Comment posted." in page.get_data(as_text=True)
    thread = discussion(page)
    assert "Kick-off is on Monday." in thread and "Hana Okafor" in thread and "Hub team" in thread
    assert "hana.hub</" not in thread  # a name where a name belongs
    with db.reading() as session:
        assert session.scalars(select(Comment.visibility)).one() == "project"


def test_an_internal_comment_never_reaches_a_partners_pages_or_notifications(app, db, clock, at_gate4):
    say(db, clock, "hana.hub", at_gate4, "Internal: MedTech's price is too high", "internal")
    ivy = signed_in(app, "ivy.medtech")
    for path in (f"/projects/{at_gate4}", f"/projects/{at_gate4}/history", "/notifications", "/my-projects"):
        page = ivy.get(path)
        assert "price is too high" not in page.get_data(as_text=True), path
    assert "price is too high" in discussion(signed_in(app, "hugo.hub").get(f"/projects/{at_gate4}"))
    assert "Internal" in discussion(signed_in(app, "hugo.hub").get(f"/projects/{at_gate4}"))


def test_the_hub_sees_comment_events_in_the_history_and_a_partner_does_not(app, db, clock, at_gate4):
    say(db, clock, "hana.hub", at_gate4, "A note for the record", "project")
    hub = html.unescape(signed_in(app, "hana.hub").get(f"/projects/{at_gate4}/history").get_data(as_text=True))
    assert "Comment posted" in hub and "A note for the record" in hub
    ivy = signed_in(app, "ivy.medtech").get(f"/projects/{at_gate4}/history")
    assert "Comment posted" not in ivy.get_data(as_text=True)


def test_a_competitor_does_not_see_a_partners_question(app, db, clock, at_gate4):
    say(db, clock, "ian.datahealth", at_gate4, "Why were we not selected?")
    assert "not selected" not in discussion(signed_in(app, "ivy.medtech").get(f"/projects/{at_gate4}"))
    hub = discussion(signed_in(app, "hana.hub").get(f"/projects/{at_gate4}"))
    assert "Why were we not selected?" in hub and "Only the Hub and DataHealth Analytics plc" in hub


def test_a_script_in_a_comment_is_shown_as_text_and_web_addresses_become_safe_links(app, db, clock, at_gate4):
    say(db, clock, "hana.hub", at_gate4, '<script>alert("x")</script> see https://example.org/a?b=1&c=2.',
        "project")
    thread = discussion(signed_in(app, "ivy.medtech").get(f"/projects/{at_gate4}"))
    assert "<script>alert" not in thread and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in thread
    assert ('<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">'
            'https://example.org/a?b=1&amp;c=2</a>.') in thread


def test_a_javascript_address_is_never_a_link(app, db, clock, at_gate4):
    say(db, clock, "hana.hub", at_gate4, "javascript:alert(1) and <a href=x>y</a>", "project")
    thread = discussion(signed_in(app, "hana.hub").get(f"/projects/{at_gate4}"))
    assert "<a href=x" not in thread and 'href="javascript' not in thread


def test_a_refused_comment_shows_the_problem_and_keeps_what_was_typed(app, db, at_gate4):
    hana = signed_in(app, "hana.hub")
    typed = "A long thought about the budget, for @ivy.medtech"
    answer = send(hana, at_gate4, f"/projects/{at_gate4}", body=typed, audience="internal")
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert "There is a problem" in text and "@ivy.medtech cannot read this comment" in text
    assert "nhsuk-textarea--error" in text and f">{typed}</textarea>" in text
    assert 'value="internal" checked' in text
    with db.reading() as session:
        assert session.scalars(select(Comment)).first() is None


def test_no_audience_chosen_is_refused_by_the_radios(app, at_gate4):
    answer = send(signed_in(app, "hana.hub"), at_gate4, f"/projects/{at_gate4}", body="Which audience?")
    assert answer.status_code == 422
    assert "Choose who can read this comment." in answer.get_data(as_text=True)
    assert 'id="comment-audience-error"' in answer.get_data(as_text=True)


def test_a_comment_beside_a_task_returns_to_the_task_page(app, db, at_gate4):
    with db.reading() as session:
        task = session.scalars(select(Task).where(Task.instance_id == at_gate4, Task.state == "ready")).first()
    fran = signed_in(app, "fran.finance")
    page = fran.get(f"/tasks/{task.id}")
    assert f'name="task_id" value="{task.id}"' in page.get_data(as_text=True)
    answer = send(fran, at_gate4, f"/tasks/{task.id}", body="Budget checked.", audience="internal", task_id=task.id)
    assert answer.location.endswith(f"/tasks/{task.id}#discussion")
    assert "Budget checked." in discussion(fran.get(f"/tasks/{task.id}"))
    refused = send(fran, at_gate4, f"/tasks/{task.id}", body=" ", audience="internal", task_id=task.id)
    assert refused.status_code == 422 and "Enter your comment." in refused.get_data(as_text=True)
    assert "Gate 4" in refused.get_data(as_text=True)  # the task page itself, shown again


def test_next_elsewhere_is_ignored(app, at_gate4):
    hana = signed_in(app, "hana.hub")
    token = csrf_token(hana.get(f"/projects/{at_gate4}").data)
    answer = hana.post(f"/projects/{at_gate4}/comments", data={
        "csrf_token": token, "next": "https://evil.example/", "body": "Hi", "audience": "project"})
    assert answer.location.endswith(f"/projects/{at_gate4}#discussion")


def test_a_partner_is_offered_only_the_audiences_they_may_post_to(app, at_gate4):
    ian = discussion(signed_in(app, "ian.datahealth").get(f"/projects/{at_gate4}"))
    assert 'name="audience" value="organisation:DataHealth Analytics plc"' in ian
    assert "Who can read it: The Hub and DataHealth Analytics plc." in ian
    assert "Internal" not in ian
    refused = send(signed_in(app, "ian.datahealth"), at_gate4, f"/projects/{at_gate4}", body="Hi",
                   audience="internal")
    assert refused.status_code == 422 and "You cannot post a comment for that audience." in refused.get_data(
        as_text=True)


def test_a_mention_is_offered_by_name_and_notifies_the_person(app, db, at_gate4):
    hana = signed_in(app, "hana.hub")
    thread = discussion(hana.get(f"/projects/{at_gate4}"))
    assert "Fran Hughes: @fran.finance" in thread
    send(hana, at_gate4, f"/projects/{at_gate4}", body="@fran.finance please look", audience="internal")
    with db.reading() as session:
        fran = get_user(session, "fran.finance")
        note = session.scalars(select(Notification).where(Notification.user_id == fran.id,
                                                          Notification.kind == "mentioned")).one()
    fran = signed_in(app, "fran.finance")
    token = csrf_token(fran.get("/notifications").data)
    opened = fran.post(f"/notifications/{note.id}/open", data={"csrf_token": token})
    assert opened.status_code == 302 and opened.location.split("#")[0].endswith(f"/projects/{at_gate4}")
    assert re.fullmatch(rf"/projects/{at_gate4}#comment-\d+", note.link)


def test_a_correction_from_the_page_supersedes_and_both_stay(app, db, clock, at_gate4):
    first = say(db, clock, "hana.hub", at_gate4, "Meeting on Monday", "project")
    hana = signed_in(app, "hana.hub")
    assert "Correct this comment" in discussion(hana.get(f"/projects/{at_gate4}"))
    assert "Correct this comment" not in discussion(signed_in(app, "hugo.hub").get(f"/projects/{at_gate4}"))
    send(hana, at_gate4, f"/projects/{at_gate4}", body="Meeting on Tuesday", supersedes=str(first))
    thread = discussion(signed_in(app, "ivy.medtech").get(f"/projects/{at_gate4}"))
    assert "Meeting on Monday" in thread and "Meeting on Tuesday" in thread and "Corrected below" in thread
    assert f'href="#comment-{first}"' in thread


def test_an_auditor_reads_the_thread_without_a_form_and_cannot_post(app, db, clock, at_gate4):
    say(db, clock, "hana.hub", at_gate4, "Internal note", "internal")
    auditor = signed_in(app, "aud.auditor")
    thread = discussion(auditor.get(f"/projects/{at_gate4}"))
    assert "Internal note" in thread and "Post comment" not in thread
    token = csrf_token(auditor.get("/audit").data)
    answer = auditor.post(f"/projects/{at_gate4}/comments", data={"csrf_token": token, "body": "x",
                                                                   "audience": "internal"})
    assert answer.status_code == 403
