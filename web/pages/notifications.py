"""The notifications page: what the app told the signed-in person, newest first, read or not; opening one marks it
read and goes to its task or project. Also the unread count every signed-in page shows in its header."""
from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from engine.notices import inbox
from engine.store.models import Notification
from web.services import clock, read, signed_in_user, write

bp = Blueprint("notifications", __name__)
PAGE_SIZE = 50


@bp.app_context_processor
def _unread_count():
    """A function, not a number: the count is asked only when the header is drawn (once a page)."""
    def unread_notifications() -> int | None:
        if not current_user.is_authenticated:
            return None
        try:
            return read(lambda s: inbox.unread_count(s, user=current_user.user))
        except SQLAlchemyError:  # the header never stops a page (an error page above all) from being shown
            return None
    return {"unread_notifications": unread_notifications}


COMMENT_ANCHOR = re.compile(r"#comment-\d+$")


def target_of(note: Notification) -> str:
    """Where a notification leads, built by url_for (not the stored path), so it stays on this site."""
    if note.task_id:
        return url_for("tasks.show", task_id=note.task_id)
    if note.instance_id:
        comment = COMMENT_ANCHOR.search(note.link or "")  # a mention leads to the comment itself
        return url_for("projects.show", instance_id=note.instance_id) + (comment.group(0) if comment else "")
    return url_for("notifications.index")


@bp.get("/notifications")
@login_required
def index():
    page = max(1, request.args.get("page", 1, type=int))
    notes = read(lambda s: inbox.notifications_of(s, user=signed_in_user(s), limit=PAGE_SIZE + 1,
                                                  offset=(page - 1) * PAGE_SIZE))
    return render_template("notifications/index.html", notes=notes[:PAGE_SIZE], page=page,
                           has_next=len(notes) > PAGE_SIZE, target_of=target_of)


@bp.post("/notifications/read")
@login_required
def mark_all_read():
    changed = write(lambda s: inbox.mark_read(s, user=signed_in_user(s), clock=clock()))
    flash(f"Marked {changed} notification{'' if changed == 1 else 's'} as read." if changed
          else "You had no unread notifications.")
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_one(notification_id: int):
    """Mark one of the person's own notifications read and follow it; anyone else's is not found."""
    return redirect(write(lambda s: target_of(inbox.open_notification(
        s, user=signed_in_user(s), notification_id=notification_id, clock=clock()))))
