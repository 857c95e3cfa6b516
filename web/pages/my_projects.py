"""My projects: the challenges a person proposed and the projects their organisation takes part in, with where
each stands and what it waits on (engine.sixgates.my_projects decides what they may see)."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template
from flask_login import login_required

from engine.sixgates.my_projects import my_projects
from engine.sixgates.project_page import NOT_FOLLOWED_NAME
from web.services import read, signed_in_user

bp = Blueprint("my_projects", __name__)
# A project's status in the words a sponsor or partner reads; those that halt it are shown as warnings.
STATUS = {"running": "In progress", "on_hold": "On hold", "completed": "Closed", "withdrawn": "Withdrawn",
          "stopped": "Stopped"}


def day(iso: str | None) -> str:
    """A stored date and time as the day it falls on, such as 16 March 2026."""
    if not iso:
        return ""
    at = datetime.fromisoformat(iso)
    return f"{at.day} {at.strftime('%B %Y')}"


@bp.get("/my-projects")
@login_required
def index():
    projects = read(lambda s: my_projects(s, user=signed_in_user(s)))
    return render_template("my_projects/index.html", projects=projects, status_words=STATUS, day=day,
                           not_followed=NOT_FOLLOWED_NAME)
