"""My projects: the challenges a person proposed and the projects their organisation takes part in, with where
each stands and what it waits on (engine.sixgates.my_projects decides what they may see)."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.sixgates.my_projects import my_projects
from engine.sixgates.project_page import NOT_FOLLOWED_NAME
from engine.store.models import User
from web.services import read, signed_in_user

bp = Blueprint("my_projects", __name__)
# A project's status in the words a sponsor or partner reads; those that halt it are shown as warnings.


def _names(session: Session, projects: list[dict]) -> dict[str, str]:
    """The Hub team sees who holds a step: by their name, not their username."""
    holders = {step["waiting_on"] for project in projects for step in project["waiting"]}
    if not holders:
        return {}
    return dict(session.execute(select(User.username, User.display_name).where(User.username.in_(holders))).all())


@bp.get("/my-projects")
@login_required
def index():
    def work(session: Session):
        projects = my_projects(session, user=signed_in_user(session))
        return projects, _names(session, projects)

    projects, names = read(work)
    return render_template("my_projects/index.html", projects=projects, names=names,
                           not_followed=NOT_FOLLOWED_NAME)
