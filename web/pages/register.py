"""The register of projects: the table, its CSV download, and recording a past project by hand."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.errors import ValidationFailed
from engine.history.audit_export import spreadsheet_safe
from engine.sixgates import register
from web.form_reading import DATE_PARTS, labelled_date
from web.services import clock, read, signed_in_user, write

bp = Blueprint("register", __name__)
# How the register says a status and a project's ending (the workflow stores codes such as rejected_at_gate1).
STATUS_WORDS = {"active": "Active", "completed": "Completed", "stopped": "Stopped"}
STATUS_COLOURS = {"active": "green", "completed": "", "stopped": "red"}
OUTCOME_WORDS = {"completed": "Completed", "rejected_at_gate1": "Not prioritised at Gate 1",
                 "closed_at_gate2": "Closed at Gate 2: no partner was selected",
                 "stopped_at_gate5": "Stopped at the Evidence Gate (Gate 5)",
                 "rejected_at_gate6": "Not approved by the decision-making business case board (Gate 6)"}
FORM_FIELDS = ("title", "partners", "trusts_or_icb", "tumour_group", "challenge_area", "pathway_category",
               "alliance", "status", "outcomes_and_findings", "contact")
# Dates are asked as day, month and year boxes (the NHS date input) and handed to the register as ISO dates.
DATE_FIELDS = {"start_date": "Start date", "end_date": "End date"}


def _query() -> tuple[dict[str, str], str]:
    filters = {name: request.args.get(name, "").strip() for name in register.FILTERS}
    return filters, request.args.get("q", "")


def _entries(filters: dict[str, str], search: str) -> list[register.Entry]:
    return read(lambda s: register.list_register(s, user=signed_in_user(s), filters=filters, search=search))


def outcome_words(entry: register.Entry) -> str:
    """A Six Gates project's ending in words; what the Hub typed for a past project, as typed."""
    if entry.source == "system":
        return OUTCOME_WORDS.get(entry.outcome.replace(" ", "_"), entry.outcome)
    return entry.outcome


def _choices() -> dict:
    return {"challenge_areas": register.CHALLENGE_AREAS, "pathway_categories": register.PATHWAY_CATEGORIES,
            "alliances": register.ALLIANCES, "statuses": register.STATUSES, "sources": register.SOURCES,
            "status_words": STATUS_WORDS, "status_colours": STATUS_COLOURS, "outcome_words": outcome_words}


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
    values.update({f"{name}-{part}": request.form.get(f"{name}-{part}", "").strip()
                   for name in DATE_FIELDS for part in DATE_PARTS})
    errors: dict[str, str] = {}
    if request.method == "POST":
        dates, date_errors = _dates(values)
        try:
            write(lambda s: register.record_past_project(s, user=signed_in_user(s), fields={**values, **dates},
                                                          clock=clock()))
        except ValidationFailed as exc:
            errors = {**exc.fields, **date_errors}  # a date the boxes could not make says so in their words
        else:
            flash(f"Recorded “{values['title'].strip()}” in the register.")
            return redirect(url_for("register.index"))
    else:
        register.require_recorder(current_user.user)
    status = 422 if errors else 200
    return render_template("register/new_past.html", values=values, errors=errors, date_fields=DATE_FIELDS,
                           **_choices()), status


def _dates(values: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The typed day, month and year of each date as an ISO date ('' when left empty), and what is wrong
    (a wrong date is handed on as typed, so the register refuses it with every other problem at once)."""
    dates, errors = {}, {}
    for name, label in DATE_FIELDS.items():
        day, problem = labelled_date(values, name, label, "31 3 2025")
        dates[name] = day.isoformat() if day else ""
        if problem:
            dates[name] = "/".join(values.get(f"{name}-{part}", "") for part in DATE_PARTS)
            errors[name] = problem
    return dates, errors
