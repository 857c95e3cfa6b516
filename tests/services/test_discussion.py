"""A project's discussion on a real database: who reads which comment, who may post to which audience, @mentions
that notify (and refuse anyone who could not read the comment), corrections that supersede, and every comment on
the project's audit chain, which still verifies and re-runs."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from demo import seed
from demo.seed import DATAHEALTH, MEDTECH
from engine import policy
from engine.discussion.comments import post_comment
from engine.discussion.reading import comments_for, thread_of
from engine.errors import Forbidden, NotFound, ValidationFailed
from engine.history.verification import check_records
from engine.identity.accounts import get_user
from engine.policy.discussion import may_read_comment_event
from engine.runtime import lifecycle
from engine.runtime.instance_queries import events_as_read
from engine.store.models import AuditEvent, Comment, Notification, ProcessInstance, Task
from engine.store.trail import chain_of
from tests import snapshots
from tests.conftest import add_user


@pytest.fixture
def codesign(db, clock, people):
    """A project past Gate 2 (MedTech selected, DataHealth not): its id."""
    def walk():
        project = people.start()
        people.walk(project, seed.happy_path("Automated MDT preparation", "Multidisciplinary Team Efficiency"),
                    stop_at="gate3_hub_signoff")
        return project
    return snapshots.once("discussion codesign", db, clock, walk)


def post(db, clock, username, project, body, visibility=None, **kwargs):
    def work(session):
        return post_comment(session, user=get_user(session, username), instance_id=project, body=body,
                            visibility=visibility, clock=clock, **kwargs).id
    return db.writing(work)


def bodies(db, username, project):
    with db.reading() as session:
        return [c.body for c in comments_for(session, user=get_user(session, username), instance_id=project)]


def count(db, model, **where):
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_the_selected_partner_is_medtech(db, codesign):
    with db.reading() as session:
        data = json.loads(session.get(ProcessInstance, codesign).data_json)
    assert data["selected_partners"] == [MEDTECH]


def test_an_internal_comment_never_reaches_a_partner_or_the_sponsor(db, clock, codesign):
    post(db, clock, "hana.hub", codesign, "Their pricing looks high; push back.", "internal")
    assert bodies(db, "hugo.hub", codesign) == ["Their pricing looks high; push back."]
    assert bodies(db, "cleo.clinical", codesign) == ["Their pricing looks high; push back."]
    for outsider in ("ivy.medtech", "ian.datahealth", "sam.sponsor", "bill.board"):
        assert bodies(db, outsider, codesign) == [], outsider


def test_a_board_member_who_works_for_a_partner_reads_no_internal_note(db, clock, codesign):
    """Bill sits on this project's board and works for MedTech: inside for the call, never for internal notes."""
    post(db, clock, "hana.hub", codesign, "Internal note", "internal")
    post(db, clock, "hana.hub", codesign, "For everyone", "project")
    post(db, clock, "hana.hub", codesign, "Hub and DataHealth", "organisation", organisation=DATAHEALTH)
    assert bodies(db, "bill.board", codesign) == ["For everyone"]
    assert bodies(db, "bea.board", codesign) == ["Internal note", "For everyone", "Hub and DataHealth"]


def test_a_partners_question_is_read_by_the_hub_and_its_own_organisation_only(db, clock, codesign):
    add_user(db, clock, "ida.datahealth", "industry_partner", org=DATAHEALTH)
    post(db, clock, "ian.datahealth", codesign, "Why were we not selected?")  # their one audience
    with db.reading() as session:
        comment = session.scalars(select(Comment)).one()
        assert (comment.visibility, comment.organisation) == ("organisation", DATAHEALTH)
    assert bodies(db, "hana.hub", codesign) == ["Why were we not selected?"]
    assert bodies(db, "ida.datahealth", codesign) == ["Why were we not selected?"]
    assert bodies(db, "ivy.medtech", codesign) == []  # a competitor
    assert bodies(db, "sam.sponsor", codesign) == []


def test_the_selected_partner_and_the_sponsor_read_project_comments_but_not_the_one_left_out(db, clock, codesign):
    post(db, clock, "hana.hub", codesign, "Kick-off on Monday", "project")
    assert bodies(db, "ivy.medtech", codesign) == ["Kick-off on Monday"]
    assert bodies(db, "sam.sponsor", codesign) == ["Kick-off on Monday"]
    assert bodies(db, "ian.datahealth", codesign) == []


def test_who_may_post_to_which_audience(db, codesign):
    def choices(username):
        with db.reading() as session:
            thread = thread_of(session, user=get_user(session, username), instance_id=codesign)
            return [c.label for c in thread.choices]
    assert choices("hana.hub") == ["Everyone on the project", "Internal: NHS and Hub only",
                                   f"The Hub and {DATAHEALTH}", f"The Hub and {MEDTECH}"]
    assert choices("sam.sponsor") == ["Everyone on the project"]
    assert choices("ivy.medtech") == ["Everyone on the project", f"The Hub and {MEDTECH}"]
    assert choices("ian.datahealth") == [f"The Hub and {DATAHEALTH}"]


@pytest.mark.parametrize(("username", "visibility", "organisation"), [
    ("ivy.medtech", "internal", None), ("ian.datahealth", "project", None), ("sam.sponsor", "internal", None),
    ("ian.datahealth", "organisation", MEDTECH), ("hana.hub", "organisation", "Nobody Ltd"),
    ("hana.hub", "everyone", None)])
def test_an_audience_one_may_not_post_to_is_refused_and_nothing_is_stored(db, clock, codesign, username,
                                                                         visibility, organisation):
    with pytest.raises(ValidationFailed) as refused:
        post(db, clock, username, codesign, "Hello", visibility, organisation=organisation)
    assert "visibility" in refused.value.fields
    assert count(db, Comment) == 0


def test_a_project_one_may_not_see_is_not_found_and_its_discussion_is_closed_to_them(db, clock, codesign):
    add_user(db, clock, "olga.other", "industry_partner", org="Other Health Ltd")
    with pytest.raises(NotFound):
        post(db, clock, "olga.other", codesign, "Hello", "organisation", organisation="Other Health Ltd")
    with pytest.raises(NotFound), db.reading() as session:
        comments_for(session, user=get_user(session, "olga.other"), instance_id=codesign)


@pytest.mark.parametrize("username", ["aud.auditor", "ada.admin"])
def test_auditors_and_admins_read_the_discussion_but_post_nothing(db, clock, codesign, username):
    post(db, clock, "hana.hub", codesign, "Internal note", "internal")
    assert bodies(db, "aud.auditor", codesign) == ["Internal note"]
    with pytest.raises(Forbidden):
        post(db, clock, username, codesign, "Hello", "internal")
    with db.reading() as session:
        assert thread_of(session, user=get_user(session, username), instance_id=codesign).choices == []


def test_a_board_member_from_an_uninvited_organisation_off_this_board_may_not_post(db, clock, codesign):
    add_user(db, clock, "bo.board", "board_member", org="Elsewhere Ltd")
    with pytest.raises(Forbidden):
        post(db, clock, "bo.board", codesign, "Hello", "project")


@pytest.mark.parametrize(("body", "message"), [("   \n ", "Enter your comment."), ("x" * 5001, "5001 characters"),
                                                ("a\x00b", "cannot be stored")])
def test_a_body_must_be_plain_text_of_1_to_5000_characters(db, clock, codesign, body, message):
    with pytest.raises(ValidationFailed) as refused:
        post(db, clock, "hana.hub", codesign, body, "project")
    assert message in refused.value.message and "body" in refused.value.fields
    assert count(db, Comment) == 0


def test_a_mention_notifies_the_person_in_the_app(db, clock, codesign):
    comment = post(db, clock, "hana.hub", codesign, "@fran.finance can you check the budget?", "internal")
    with db.reading() as session:
        fran = get_user(session, "fran.finance")
        note = session.scalars(select(Notification).where(Notification.user_id == fran.id)).one()
        assert note.kind == "mentioned" and note.link == f"/projects/{codesign}#comment-{comment}"
        assert "Hana Okafor mentioned you" in note.body
        assert session.get(Comment, comment).mentions == "|fran.finance|"
    assert count(db, Notification, kind="mentioned") == 1


def test_mentioning_someone_who_cannot_read_the_comment_is_refused_and_nothing_is_stored(db, clock, codesign):
    before = count(db, AuditEvent)
    with pytest.raises(ValidationFailed) as refused:
        post(db, clock, "hana.hub", codesign, "@ivy.medtech see our internal view", "internal")
    assert refused.value.fields["body"].startswith("@ivy.medtech cannot read this comment")
    assert (count(db, Comment), count(db, Notification, kind="mentioned"), count(db, AuditEvent)) == (0, 0, before)


def test_an_unknown_username_and_a_forbidden_one_get_the_same_answer(db, clock, codesign):
    answers = []
    for name in ("no.such.person", "bea.board"):  # bea exists, but a partner has never read anything by her
        with pytest.raises(ValidationFailed) as refused:
            post(db, clock, "ian.datahealth", codesign, f"Hello @{name}")
        answers.append(refused.value.message.replace(name, "NAME"))
    assert answers[0] == answers[1]


def test_a_partner_may_mention_the_hub_person_who_wrote_to_them_and_their_own_colleagues(db, clock, codesign):
    add_user(db, clock, "ida.datahealth", "industry_partner", org=DATAHEALTH)
    post(db, clock, "hana.hub", codesign, "Any questions?", "organisation", organisation=DATAHEALTH)
    post(db, clock, "ian.datahealth", codesign, "@hana.hub yes, and @ida.datahealth too.")
    with db.reading() as session:
        thread = thread_of(session, user=get_user(session, "ian.datahealth"), instance_id=codesign)
    assert [c.username for c in thread.candidates] == ["hana.hub", "ida.datahealth"]
    assert [m.name for m in thread.comments[-1].mentions] == ["Hana Okafor", "ida.datahealth"]
    assert count(db, Notification, kind="mentioned") == 2


def test_a_partner_is_never_offered_a_colleague_who_sits_on_the_projects_board(db, codesign):
    """Bill works for MedTech and sits on this project's board: his colleague Ivy must not learn that from the form."""
    with db.reading() as session:
        thread = thread_of(session, user=get_user(session, "ivy.medtech"), instance_id=codesign)
    assert "bill.board" not in [c.username for c in thread.candidates]


def test_a_correction_supersedes_and_both_stay(db, clock, codesign):
    first = post(db, clock, "hana.hub", codesign, "Meeting on Monday", "project")
    second = post(db, clock, "hana.hub", codesign, "Meeting on Tuesday, not Monday", supersedes=first)
    with db.reading() as session:
        views = comments_for(session, user=get_user(session, "ivy.medtech"), instance_id=codesign)
        assert [(v.body, v.superseded_by, v.supersedes) for v in views] == [
            ("Meeting on Monday", second, None), ("Meeting on Tuesday, not Monday", None, first)]
        assert session.get(Comment, second).visibility == "project"  # the audience of the one it corrects
    with pytest.raises(ValidationFailed, match="corrected already"):
        post(db, clock, "hana.hub", codesign, "Again", supersedes=first)
    with pytest.raises(ValidationFailed, match="of your own"):
        post(db, clock, "hugo.hub", codesign, "Not mine", supersedes=second)
    with pytest.raises(ValidationFailed, match="same people"):
        post(db, clock, "hana.hub", codesign, "Wider", "internal", supersedes=second)


def test_comments_are_on_the_audit_chain_which_still_verifies_and_reruns(db, clock, codesign):
    first = post(db, clock, "hana.hub", codesign, "Internal note", "internal")
    post(db, clock, "ivy.medtech", codesign, "A question", "project")
    post(db, clock, "hana.hub", codesign, "Internal note, corrected", supersedes=first)
    with db.reading() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.chain == chain_of(codesign),
                                                          AuditEvent.kind == "comment_posted")
                                 .order_by(AuditEvent.seq)).all()
        assert [json.loads(e.data_json)["body"] for e in events] == [
            "Internal note", "A question", "Internal note, corrected"]
        assert json.loads(events[2].data_json) == {
            "comment": first + 2, "body": "Internal note, corrected", "visibility": "internal", "organisation": None,
            "supersedes": first, "mentions": [], "task": None}
        report = check_records(session)
    assert report.problems == [] and report.instances == 1


def test_the_project_goes_on_after_comments_and_still_reruns(db, clock, people, codesign):
    post(db, clock, "hana.hub", codesign, "Before sign-off", "project")
    people.walk(codesign, seed.happy_path("Automated MDT preparation", "Multidisciplinary Team Efficiency"),
                stop_at="prepare_mobilisation")
    post(db, clock, "ivy.medtech", codesign, "After sign-off", "project")
    with db.reading() as session:
        assert check_records(session).problems == []


def test_outsiders_never_see_comment_events_in_the_history(db, clock, codesign):
    post(db, clock, "hana.hub", codesign, "Internal note", "internal")
    post(db, clock, "hana.hub", codesign, "For everyone", "project")
    with db.reading() as session:
        instance = session.get(ProcessInstance, codesign)
        for username in ("ivy.medtech", "ian.datahealth", "sam.sponsor"):
            user = get_user(session, username)
            kinds = [e["kind"] for e in events_as_read(session, user, instance, policy.reader_for(user, instance))]
            assert "comment_posted" not in kinds, username
        hub = get_user(session, "hana.hub")
        assert [e["kind"] for e in events_as_read(session, hub, instance, policy.reader_for(hub, instance))
                ].count("comment_posted") == 2


def test_the_event_of_an_internal_note_is_read_by_whoever_may_read_the_note(db, clock, codesign):
    post(db, clock, "hana.hub", codesign, "Internal note", "internal")
    with db.reading() as session:
        instance = session.scalars(select(ProcessInstance)).one()
        event = json.loads(session.scalars(select(AuditEvent.data_json).where(
            AuditEvent.kind == "comment_posted")).one())
        for username, reads in (("hugo.hub", True), ("aud.auditor", True), ("bill.board", False)):
            user = get_user(session, username)
            assert may_read_comment_event(user, instance, policy.reader_for(user, instance), event) is reads


def test_a_board_member_employed_by_a_partner_never_reads_an_internal_note_in_the_history(db, clock, codesign):
    post(db, clock, "hana.hub", codesign, "Internal note", "internal")
    with db.reading() as session:
        bill, instance = get_user(session, "bill.board"), session.get(ProcessInstance, codesign)
        assert policy.may_read_events(session, bill, instance)  # he scored the EoIs
        kinds = [e["kind"] for e in events_as_read(session, bill, instance, policy.reader_for(bill, instance))]
    assert "comment_posted" not in kinds


def test_a_project_on_hold_can_still_be_discussed(db, clock, codesign):
    db.writing(lambda s: lifecycle.hold(s, user=get_user(s, "hana.hub"), instance_id=codesign,
                                        reason="Waiting for funding", clock=clock))
    post(db, clock, "ivy.medtech", codesign, "When do we resume?", "project")
    assert bodies(db, "hana.hub", codesign) == ["When do we resume?"]
    with db.reading() as session:
        assert check_records(session).problems == []


def test_a_comment_beside_a_task_names_it_only_to_those_who_may_see_that_task(db, clock, codesign):
    with db.reading() as session:
        task = session.scalars(select(Task).where(Task.instance_id == codesign, Task.state == "ready")).first()
    post(db, clock, "hana.hub", codesign, "About this sign-off", "project", task_id=task.id)
    with db.reading() as session:
        view = comments_for(session, user=get_user(session, "hana.hub"), instance_id=codesign)[0]
        assert (view.task_id, view.task_title) == (task.id, task.title)
    with pytest.raises(ValidationFailed, match="No such task"):
        post(db, clock, "hana.hub", codesign, "Elsewhere", "project", task_id="no-such-task")
