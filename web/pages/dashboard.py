"""The pipeline dashboard: where every project stands, for the Hub team and those who govern it."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required

from engine.sixgates import dashboard
from web.services import clock, read, signed_in_user

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@login_required
def index():
    alliance = request.args.get("alliance") or None
    challenge_area = request.args.get("challenge_area") or None

    def work(session):
        report = dashboard.pipeline(session, user=signed_in_user(session), now=clock().now(), alliance=alliance,
                                    challenge_area=challenge_area)
        return report, dashboard.filter_choices(session)

    report, choices = read(work)
    return render_template("dashboard/index.html", report=report, choices=choices, pairs=pairs,
                           alliance=alliance, challenge_area=challenge_area)


def pairs(rows: list[dict], name_key: str, value_key: str) -> list[tuple]:
    """A report's rows as (name, value) table rows."""
    return [(row[name_key], row[value_key]) for row in rows]
