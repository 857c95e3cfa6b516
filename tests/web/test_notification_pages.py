"""Notifications, your settings and My projects through the pages: the unread badge in the header, opening a
notification, marking all read, e-mail and preferences, out of office, and what each person's projects show."""
import html
import re
from datetime import date

from sqlalchemy import select

from engine.identity import accounts, delegation
from engine.notices import inbox
from engine.store.models import Notification, Task, User
from tests.web.conftest import signed_in
from tests.web.test_login_inbox import csrf_token


def text_of(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def words(response) -> str:
    """What a reader sees: the page's text without its tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text_of(response)))


def post(client, path: str, data: dict | None = None, *, page: str = "/inbox"):
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client.get(page).data)})


def away_form(delegate: str, first: str, last: str) -> dict:
    """The out-of-office form: a delegate and two dates, each typed as day, month and year boxes."""
    boxes = {}
    for name, iso in (("starts_on", first), ("ends_on", last)):
        year, month, day = iso.split("-")
        boxes.update({f"{name}-day": day.lstrip("0"), f"{name}-month": month.lstrip("0"), f"{name}-year": year})
    return {"delegate": delegate, **boxes}


def person(db, username: str) -> User:
    with db.reading() as s:
        return accounts.require_user(s, username)


def unread(db, username: str) -> int:
    with db.reading() as s:
        return inbox.unread_count(s, user=accounts.require_user(s, username))


def notes_of(db, username: str) -> list[Notification]:
    with db.reading() as s:
        return inbox.notifications_of(s, user=accounts.require_user(s, username))


def test_the_header_shows_the_unread_count_and_the_page_lists_newest_first(app, db, at_gate4):
    count = unread(db, "hugo.hub")
    assert count >= 2
    hugo = signed_in(app, "hugo.hub")
    header = text_of(hugo.get("/inbox")).split("</header>")[0]
    assert f"Notifications<span class=\"app-badge\" aria-hidden=\"true\">{count}</span>" in header
    assert f'<span class="nhsuk-u-visually-hidden">({count} unread)</span></a>' in header  # read out after the name
    page = text_of(hugo.get("/notifications"))
    subjects = [n.subject for n in notes_of(db, "hugo.hub")]
    positions = [page.index(subject) for subject in subjects]
    assert positions == sorted(positions)  # newest first, as the service lists them
    assert page.count("Unread</strong>") == count and "Mark all as read" in page


def test_opening_a_notification_marks_it_read_and_goes_to_its_task(app, db, at_gate4):
    note = next(n for n in notes_of(db, "hugo.hub") if n.task_id)
    before = unread(db, "hugo.hub")
    hugo = signed_in(app, "hugo.hub")
    opened = post(hugo, f"/notifications/{note.id}/open")
    assert opened.status_code == 302 and opened.location.endswith(f"/tasks/{note.task_id}")
    assert unread(db, "hugo.hub") == before - 1
    assert next(n for n in notes_of(db, "hugo.hub") if n.id == note.id).read_at is not None
    assert f'>({before - 1} unread)</span>' in text_of(hugo.get("/notifications"))


def test_another_persons_notification_is_not_found_and_stays_unread(app, db, at_gate4):
    note = notes_of(db, "hugo.hub")[0]
    before = unread(db, "hugo.hub")
    refused = post(signed_in(app, "hana.hub"), f"/notifications/{note.id}/open")
    assert refused.status_code == 404 and unread(db, "hugo.hub") == before
    assert post(signed_in(app, "hana.hub"), "/notifications/999999/open").status_code == 404


def test_mark_all_as_read_clears_the_badge_and_needs_the_csrf_token(app, db, at_gate4):
    hugo = signed_in(app, "hugo.hub")
    before = unread(db, "hugo.hub")
    assert hugo.post("/notifications/read").status_code == 400 and unread(db, "hugo.hub") == before
    assert hugo.post(f"/notifications/{notes_of(db, 'hugo.hub')[0].id}/open").status_code == 400
    assert unread(db, "hugo.hub") == before
    done = post(hugo, "/notifications/read")
    assert done.status_code == 302 and unread(db, "hugo.hub") == 0
    page = text_of(hugo.get("/notifications"))
    assert f"Marked {before} notifications as read." in page
    assert "unread" not in page.split("</header>")[0] and "Mark all as read" not in page
    assert unread(db, "hana.hub") > 0  # only one's own


def test_the_preferences_page_saves_the_email_address_and_each_kinds_delivery(app, db, at_gate4):
    bea = signed_in(app, "bea.board")
    page = text_of(bea.get("/notifications/preferences"))
    assert "Your settings" in page and "E-mail address" in page and "Out of office" in page
    assert 'value="immediately" checked' in page and "One e-mail a day with all of them" in page
    saved = post(bea, "/notifications/preferences/email", {"email": "bea@example.nhs.uk"})
    assert saved.status_code == 302 and person(db, "bea.board").email == "bea@example.nhs.uk"
    assert "Saved your e-mail address." in text_of(bea.get("/notifications/preferences"))
    chosen = post(bea, "/notifications/preferences", {"task_ready": "daily", "due_soon": "off"})
    assert chosen.status_code == 302
    with db.reading() as s:
        preferences = inbox.preferences_of(s, user=accounts.require_user(s, "bea.board"))
    assert preferences["task_ready"] == "daily" and preferences["due_soon"] == "off"
    assert preferences["overdue"] == "immediately"
    page = text_of(bea.get("/notifications/preferences"))
    assert 'id="task_ready-daily" name="task_ready" value="daily" checked' in page


def test_a_wrong_address_or_delivery_is_shown_and_changes_nothing(app, db, at_gate4):
    bea = signed_in(app, "bea.board")
    before = person(db, "bea.board").email
    refused = post(bea, "/notifications/preferences/email", {"email": "not an address"})
    assert refused.status_code == 400 and person(db, "bea.board").email == before
    text = text_of(refused)
    assert "There is a problem" in text and "Enter an e-mail address, such as name@nhs.net." in text
    assert 'value="not an address"' in text  # kept to correct
    wrong = post(bea, "/notifications/preferences", {"task_ready": "daily", "due_soon": "hourly"})
    assert wrong.status_code == 400 and "Choose one of immediately, daily, off." in text_of(wrong)
    with db.reading() as s:
        assert inbox.preferences_of(s, user=accounts.require_user(s, "bea.board"))["task_ready"] == "immediately"


def test_out_of_office_names_a_colleague_for_dates_and_ends_now(app, db, clock, at_gate4):
    bea = signed_in(app, "bea.board")
    page = bea.get("/notifications/preferences").get_data(as_text=True)
    choices = re.findall(r'<option value="([^"]+)"', page.split('id="delegate"')[1].split("</select>")[0])
    assert "ben.board" in choices and "bea.board" not in choices and "hana.hub" not in choices
    partner = signed_in(app, "ivy.medtech").get("/notifications/preferences").get_data(as_text=True)
    assert "ian.datahealth" not in partner  # never another organisation's people
    saved = post(bea, "/notifications/preferences/away", away_form("ben.board", "2026-03-02", "2026-03-13"))
    assert saved.status_code == 302
    with db.reading() as s:
        away = delegation.current_delegation(s, accounts.require_user(s, "bea.board"), today=date(2026, 3, 2))
        assert (away.delegate.username, away.starts_on, away.ends_on) == ("ben.board", date(2026, 3, 2),
                                                                         date(2026, 3, 13))
    shown = bea.get("/notifications/preferences")
    page = words(shown)
    assert "Until 13 March 2026, your new tasks go to ben.board ." in page and "End now" in page
    form = text_of(shown).split('id="delegate"')[1]  # the form to change it starts from what is set
    assert '<option value="ben.board" selected>' in form
    typed = [re.search(rf'id="ends_on-{part}"[^>]*value="([^"]*)"', form).group(1) for part in ("day", "month", "year")]
    assert typed == ["13", "3", "2026"]
    ended = post(bea, "/notifications/preferences/away/end", page="/notifications/preferences")
    assert ended.status_code == 302
    with db.reading() as s:
        assert delegation.current_delegation(s, accounts.require_user(s, "bea.board"), today=date(2026, 3, 2)) \
            is None
    assert "End now" not in text_of(bea.get("/notifications/preferences"))


def test_a_wrong_delegation_is_shown_against_its_field_and_nothing_is_set(app, db, at_gate4):
    bea = signed_in(app, "bea.board")
    for data, message in ((away_form("bea.board", "2026-03-02", "2026-03-09"), "Choose someone else."),
                          (away_form("ben.board", "2026-03-09", "2026-03-02"), "Use a later date."),
                          ({**away_form("ben.board", "2026-03-02", "2026-03-09"), "starts_on-day": "next",
                            "starts_on-month": "week"}, "First day away must be a real date, such as 16 3 2026."),
                          ({**away_form("ben.board", "2026-03-02", "2026-03-09"), "starts_on-day": "",
                            "starts_on-month": "", "starts_on-year": ""}, "Enter the first day away.")):
        refused = post(bea, "/notifications/preferences/away", data)
        assert refused.status_code == 400, data
        assert message in text_of(refused) and "There is a problem" in text_of(refused)
    with db.reading() as s:
        assert delegation.current_delegation(s, accounts.require_user(s, "bea.board"), today=date(2026, 3, 2)) \
            is None


def test_my_projects_shows_the_sponsors_project_with_its_stage_and_whom_it_waits_on(app, at_gate4):
    sam = signed_in(app, "sam.sponsor")
    assert 'href="/my-projects">My projects</a>' in sam.get("/inbox").get_data(as_text=True)
    page = text_of(sam.get("/my-projects"))
    assert f'<a href="/projects/{at_gate4}">Automated MDT preparation</a>' in page
    assert "Mobilisation" in page and "In progress" in page
    assert "Gate 4 – Mobilisation approval: finance" in page
    assert "Withdraw" not in page  # past Gate 1
    started = sam.post("/projects/new", data={"csrf_token": csrf_token(sam.get("/inbox").data)})
    assert started.status_code == 302
    assert "Propose challenge : you" in words(sam.get("/my-projects"))  # a step the sponsor does is theirs
    assert "Automated MDT preparation" not in text_of(signed_in(app, "cleo.clinical").get("/my-projects"))
    selected, other = words(signed_in(app, "ivy.medtech").get("/my-projects")), \
        words(signed_in(app, "ian.datahealth").get("/my-projects"))
    assert "Stage Mobilisation (Gate 4)" in selected and "Gate 4 – Mobilisation approval" in selected
    assert "Automated MDT preparation Stage Not followed by you" in other and "Gate 4" not in other


def test_the_admin_pages_set_an_email_and_list_the_tasks_to_reassign_before_disabling(app, db, clock, at_gate4):
    admin = signed_in(app, "ada.admin")
    added = post(admin, "/admin/users/new", {"username": "nina", "display_name": "Nina Board", "password":
                                             "a long password", "roles": "board_member", "email": "nina@nhs.net"})
    assert added.status_code == 302 and person(db, "nina").email == "nina@nhs.net"
    changed = post(admin, "/admin/users/nina", {"roles": "board_member", "email": "nina.board@nhs.net"})
    assert changed.status_code == 302 and person(db, "nina").email == "nina.board@nhs.net"
    wrong = post(admin, "/admin/users/nina", {"roles": "board_member", "email": "nina at nhs"})
    assert wrong.status_code == 400 and person(db, "nina").email == "nina.board@nhs.net"
    assert "Enter an e-mail address" in text_of(wrong)
    assert "They hold no open task." in text_of(admin.get("/admin/users/fran.finance/disable"))
    claimed = signed_in(app, "fran.finance")
    gate4 = re.search(r'/tasks/([0-9a-f-]+)"', claimed.get("/inbox").get_data(as_text=True)).group(1)
    assert post(claimed, f"/tasks/{gate4}/claim").status_code == 302
    page = text_of(admin.get("/admin/users/fran.finance/disable"))
    assert "Tasks fran.finance holds" in page and "Gate 4 – Mobilisation approval" in page
    assert f'/tasks/{gate4}/reassign?next=/admin/users/fran.finance/disable"' in page


def test_the_inbox_names_who_holds_a_task_and_says_when_it_is_overdue(app, db, clock, at_gate4):
    def rename(s):
        s.scalars(select(User).where(User.username == "hugo.hub")).one().display_name = "Hugo Brennan"
    db.writing(rename)
    hugo = signed_in(app, "hugo.hub")
    gate4 = re.search(r'/tasks/([0-9a-f-]+)"', hugo.get("/inbox").get_data(as_text=True)).group(1)
    assert post(hugo, f"/tasks/{gate4}/claim").status_code == 302
    fran = words(signed_in(app, "fran.finance").get("/inbox"))
    assert "Who has it Hugo Brennan" in fran and "hugo.hub" not in fran
    assert "Role Finance approver" in fran
    clock.advance(days=60)
    assert "Overdue" in words(signed_in(app, "fran.finance").get("/inbox"))


def test_what_was_done_is_said_as_news_and_what_could_not_be_done_as_an_alert(app, db, at_gate4):
    hugo = signed_in(app, "hugo.hub")
    done = text_of(hugo.post("/notifications/read", data={"csrf_token": csrf_token(hugo.get("/notifications").data)},
                             follow_redirects=True))
    success = re.search(r'nhsuk-notification-banner--success.*?</div>\s*</div>', done, re.S).group(0)
    assert "Marked" in success and "nhsuk-error-summary" not in done
    with db.reading() as s:
        finished = s.scalars(select(Task.id).where(Task.state == "completed")).first()
    refused = text_of(hugo.post(f"/tasks/{finished}/claim", data={"csrf_token": csrf_token(hugo.get("/inbox").data)},
                                follow_redirects=True))  # a settled task cannot be claimed
    problem = re.search(r'class="nhsuk-error-summary".*?</div>\s*</div>\s*</div>', refused, re.S).group(0)
    assert 'role="alert"' in problem and "There is a problem" in problem
    assert "notification-banner--success" not in refused


def test_a_mention_opens_the_project_at_the_comment(app, db, clock, at_gate4):
    from engine.discussion.comments import post_comment
    with db.reading() as s:
        project = s.scalars(select(Task.instance_id)).first()
    db.writing(lambda s: post_comment(s, user=accounts.require_user(s, "hana.hub"), instance_id=project,
                                      body="@hugo.hub can you check the DPIA?", visibility="internal", clock=clock))
    note = next(n for n in notes_of(db, "hugo.hub") if n.kind == "mentioned")
    opened = post(signed_in(app, "hugo.hub"), f"/notifications/{note.id}/open")
    assert opened.status_code == 302 and opened.location.endswith(
        f"/projects/{project}#{note.link.split('#')[1]}")
    assert note.link.split("#")[1].startswith("comment-")
