"""Your settings: the e-mail address notifications go to, how each kind of notification is e-mailed, and who
takes your new tasks while you are out of the office. Each person changes only their own, through the engine."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy.orm import Session

from engine import policy
from engine.errors import BadRequest, ServiceError
from engine.identity import accounts, delegation, single_sign_on
from engine.notices import inbox, kinds
from engine.notices.recipients import Person, people_for
from engine.store.models import User
from web.errors import status_of
from web.form_reading import labelled_date
from web.services import clock, read, signed_in_user, write
from web.wording import uk_date

# The out-of-office dates, each asked as day, month and year boxes (the NHS date input).
AWAY_DATES = {"starts_on": "First day away", "ends_on": "Last day away"}

# The e-mails' footer links here, so the preferences live at this path.
bp = Blueprint("account", __name__, url_prefix="/notifications/preferences")


def colleagues(session: Session, me: User) -> list[Person]:
    """Active people who could do some of my tasks (a role in common; a partner's own organisation only)."""
    found = [p for p in people_for(session, roles=policy.acting_roles(me))
             if p.id != me.id and policy.may_delegate_to(me, p)]
    return sorted(found, key=lambda p: p.display_name.lower())


def _page(errors: dict[str, str] | None = None, error: ServiceError | None = None, values: dict | None = None):
    def work(session: Session):
        me = signed_in_user(session)
        away = delegation.current_delegation(session, me, today=clock().now().date())
        return (me.email, inbox.preferences_of(session, user=me), colleagues(session, me),
                [identity.provider for identity in single_sign_on.identities_of(session, me)], bool(me.password_hash),
                # escalations only ever go to the Hub team: nobody else is asked about them
                {k: v for k, v in kinds.KINDS.items() if k != kinds.ESCALATED or policy.is_escalation_contact(me)},
                away and {"name": away.delegate.display_name, "username": away.delegate.username,
                          "starts_on": away.starts_on, "ends_on": away.ends_on})

    email, preferences, people, linked, has_password, shown_kinds, away = read(work)
    today = clock().now().date()
    if values is None:  # the form to change it starts from what is set, or from today
        values = {"delegate": away["username"], **_parts_of("starts_on", away["starts_on"]),
                  **_parts_of("ends_on", away["ends_on"])} if away else _parts_of("starts_on", today)
    fields = {**(error.fields if error else {}), **(errors or {})}
    page = render_template("account/settings.html", email=email, preferences=preferences, people=people, away=away,
                           kinds=shown_kinds, deliveries=kinds.DELIVERIES, errors=fields, away_dates=AWAY_DATES,
                           error=error.message if error else None, values=values, today=today, linked=linked,
                           has_password=has_password,
                           providers=current_app.extensions["sixgates_settings"].sso_providers)
    return page, status_of(error) if error else 200


@bp.get("", strict_slashes=False)
@login_required
def settings():
    return _page()


@bp.post("/email")
@login_required
def save_email():
    address = request.form.get("email", "")
    try:
        write(lambda s: accounts.set_email(s, signed_in_user(s).username, email=address, actor=signed_in_user(s),
                                           clock=clock()))
    except ServiceError as exc:
        return _page(error=exc, values={"email": address})
    flash("Saved your e-mail address." if address.strip() else "Removed your e-mail address: "
          "notifications are shown here only.")
    return redirect(url_for("account.settings"))


@bp.post("", strict_slashes=False)
@login_required
def save_preferences():
    choices = {kind: request.form[kind] for kind in kinds.KINDS if kind in request.form}
    try:
        write(lambda s: inbox.set_preferences(s, user=signed_in_user(s), choices=choices))
    except ServiceError as exc:
        return _page(error=exc)
    flash("Saved how you are told of each kind of notification.")
    return redirect(url_for("account.settings"))


@bp.post("/away")
@login_required
def set_away():
    form = request.form
    try:
        starts_on, ends_on = _day(form, "starts_on"), _day(form, "ends_on")
        name = write(lambda s: delegation.set_delegation(
            s, user=signed_in_user(s), delegate=form.get("delegate", ""), starts_on=starts_on, ends_on=ends_on,
            clock=clock()).delegate.display_name)
    except ServiceError as exc:
        return _page(error=exc, values=form.to_dict())
    flash(f"Saved: from {uk_date(starts_on)} to {uk_date(ends_on)} your new tasks go to {name}.")
    return redirect(url_for("account.settings"))


@bp.post("/away/end")
@login_required
def end_away():
    ended = write(lambda s: delegation.end_delegation(s, user=signed_in_user(s), clock=clock()))
    flash("Welcome back: your new tasks come to you again." if ended else "You had no delegate set.")
    return redirect(url_for("account.settings"))


def _parts_of(name: str, day: date) -> dict[str, str]:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def _day(form, name: str) -> date:
    """A date typed as day, month and year boxes; BadRequest names the field when it is missing or not a date."""
    label = AWAY_DATES[name]
    day, problem = labelled_date(form, name, label, "16 3 2026")
    if day is None:
        message = problem or f"Enter the {label.lower()}."
        raise BadRequest(message, fields={name: message})
    return day
