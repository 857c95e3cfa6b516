"""The register of projects: the table, its CSV download, and recording a past project by hand."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.errors import ValidationFailed
from engine.history.audit_export import spreadsheet_safe
from engine.sixgates import register
from web.services import clock, read, signed_in_user, write

bp = Blueprint("register", __name__)
FORM_FIELDS = ("title", "partners", "trusts_or_icb", "tumour_group", "challenge_area", "pathway_category",
               "alliance", "status", "start_date", "end_date", "outcomes_and_findings", "contact")


def _query() -> tuple[dict[str, str], str]:
    filters = {name: request.args.get(name, "").strip() for name in register.FILTERS}
    return filters, request.args.get("q", "")


def _entries(filters: dict[str, str], search: str) -> list[register.Entry]:
    return read(lambda s: register.list_register(s, user=signed_in_user(s), filters=filters, search=search))


def _choices() -> dict:
    return {"challenge_areas": register.CHALLENGE_AREAS, "pathway_categories": register.PATHWAY_CATEGORIES,
            "alliances": register.ALLIANCES, "statuses": register.STATUSES, "sources": register.SOURCES}


@bp.get("/register")
@login_required
def index():
    filters, search = _query()
    entries = _entries(filters, search)
    may_record = register.may_record(current_user.user)
    return render_template("register/index.html", entries=entries, filters=filters, search=search,
                           may_record=may_record, **_choices())


@bp.get("/register.csv")
@login_required
def download():
    filters, search = _query()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([name.replace("_", " ").capitalize() for name in register.COLUMNS])
    writer.writerows([spreadsheet_safe(cell) for cell in entry.row()] for entry in _entries(filters, search))
    return Response(out.getvalue().encode("utf-8"), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="register-of-projects.csv"'})


@bp.route("/register/past/new", methods=["GET", "POST"])
@login_required
def new_past():
    values = {name: request.form.get(name, "") for name in FORM_FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            write(lambda s: register.record_past_project(s, user=signed_in_user(s), fields=values,
                                                          clock=clock()))
        except ValidationFailed as exc:
            errors = exc.fields
        else:
            flash(f"Recorded “{values['title'].strip()}” in the register.")
            return redirect(url_for("register.index"))
    else:
        register.require_recorder(current_user.user)
    status = 422 if errors else 200
    return render_template("register/new_past.html", values=values, errors=errors, **_choices()), status
