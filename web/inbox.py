"""A minimal inbox: the tasks the signed-in user may act on now."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from engine import tasks

from .services import clock, read

bp = Blueprint("inbox", __name__)


@bp.get("/")
def home():
    return redirect(url_for("inbox.index"))


@bp.get("/inbox")
@login_required
def index():
    user = current_user.user
    rows = read(lambda s: tasks.list_tasks(s, user=s.get(type(user), user.id)))
    return render_template("inbox/index.html", tasks=rows, user=user, now=clock().now())
