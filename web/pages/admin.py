"""The admin pages: users, their roles and organisations, disabling and re-enabling them.
Who may do this is the engine's question (accounts.require_admin); every change is audited there."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length

from engine.errors import NotFound, ServiceError
from engine.identity import accounts, single_sign_on
from engine.policy import ROLES
from engine.store.models import Task
from engine.tasks import queries, reassignment
from web.errors import status_of
from web.services import clock, read, signed_in_user, write

bp = Blueprint("admin", __name__, url_prefix="/admin")


class UserForm(FlaskForm):
    # Unknown roles are the engine's to refuse, with the list of known ones.
    roles = SelectMultipleField("Roles", choices=list(ROLES), validate_choice=False)
    organisation = StringField("Organisation", validators=[Length(max=200)])
    email = StringField("E-mail address", validators=[Length(max=320)])


class NewUserForm(UserForm):
    username = StringField("Username", validators=[DataRequired("Enter a username."), Length(max=80)])
    display_name = StringField("Full name", validators=[DataRequired("Enter the person's name."), Length(max=200)])
    password = PasswordField("Password", validators=[DataRequired("Enter a password.")])


class ConfirmForm(FlaskForm):
    pass


@bp.before_request
@login_required
def admins_only() -> None:
    accounts.require_admin(current_user.user)


@bp.get("/", strict_slashes=False)
def index():
    users = read(lambda s: accounts.list_users(s, actor=signed_in_user(s)))
    return render_template("admin/index.html", users=users, me=current_user.user, enable_form=ConfirmForm())


@bp.route("/users/new", methods=["GET", "POST"])
def add_user():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            write(lambda s: accounts.create_user(
                s, username=form.username.data.strip(), display_name=form.display_name.data,
                password=form.password.data, roles=form.roles.data, organisation=form.organisation.data,
                email=form.email.data, actor=signed_in_user(s), clock=clock()))
        except ServiceError as exc:
            return _form_page("admin/new_user.html", form, exc)
        flash(f"Added {form.display_name.data.strip()}. They can sign in now as {form.username.data.strip()}.")
        return redirect(url_for("admin.index"))
    return _form_page("admin/new_user.html", form)


@bp.route("/users/<username>", methods=["GET", "POST"])
def edit_user(username: str):
    user, identities = read(lambda s: _user_and_identities(s, username))
    form = UserForm(data=None if request.method == "POST" else
                    {"roles": sorted(user.roles), "organisation": user.organisation_name or "",
                     "email": user.email or ""})
    if form.validate_on_submit():
        try:
            write(lambda s: _save_user(s, username, form))
        except ServiceError as exc:
            return _form_page("admin/edit_user.html", form, exc, user=user, identities=identities)
        flash(f"Saved the roles, organisation and e-mail address of {user.display_name}.")
        return redirect(url_for("admin.index"))
    return _form_page("admin/edit_user.html", form, user=user, identities=identities)


@bp.route("/users/<username>/unlink/<provider>", methods=["GET", "POST"])
def unlink(username: str, provider: str):
    """GET asks for confirmation; the confirmed POST unlinks the provider's account from this user."""
    user, identities = read(lambda s: _user_and_identities(s, username))
    if provider not in identities:
        raise NotFound("No such link.")
    form = ConfirmForm()
    if form.validate_on_submit():
        write(lambda s: single_sign_on.unlink_identity(s, username, provider=provider, actor=signed_in_user(s),
                                                       clock=clock()))
        flash(f"Unlinked {user.display_name}'s account at “{provider}”: it no longer signs in here.")
        return redirect(url_for("admin.edit_user", username=username))
    return render_template("admin/unlink.html", user=user, provider=provider, form=form)


def _user_and_identities(session: Session, username: str):
    """The user, and the identity providers they sign in through (whose groups set their roles at each sign-in)."""
    user = accounts.show_user(session, username, actor=signed_in_user(session))
    return user, [identity.provider for identity in single_sign_on.identities_of(session, user)]


def _save_user(session: Session, username: str, form: UserForm) -> None:
    actor = signed_in_user(session)
    accounts.update_user(session, username, roles=form.roles.data, organisation=form.organisation.data, actor=actor,
                         clock=clock())
    accounts.set_email(session, username, email=form.email.data, actor=actor, clock=clock())


def _held_by(session: Session, username: str) -> tuple[list[Task], dict[int, str]]:
    """The open tasks a person holds (to reassign before they go), with their projects' titles."""
    held = reassignment.open_tasks_held_by(session, user=signed_in_user(session), username=username)
    return held, queries.instance_titles(session, held)


@bp.route("/users/<username>/disable", methods=["GET", "POST"])
def disable_user(username: str):
    """GET asks for confirmation, listing the tasks they hold; only the confirmed POST disables."""
    user = read(lambda s: accounts.show_user(s, username, actor=signed_in_user(s)))
    held, titles = read(lambda s: _held_by(s, username))
    form = ConfirmForm()
    page = {"form": form, "user": user, "held": held, "titles": titles}
    if form.validate_on_submit():
        try:
            write(lambda s: accounts.set_active(s, username, active=False, actor=signed_in_user(s), clock=clock()))
        except ServiceError as exc:
            return render_template("admin/disable_user.html", **page, error=exc.message), status_of(exc)
        flash(f"Disabled {user.display_name}: they cannot sign in and their API tokens are revoked.")
        return redirect(url_for("admin.index"))
    return render_template("admin/disable_user.html", **page)


@bp.post("/users/<username>/enable")
def enable_user(username: str):
    name = write(lambda s: accounts.set_active(s, username, active=True, actor=signed_in_user(s),
                                               clock=clock()).display_name)
    flash(f"Re-enabled {name}: they can sign in again (and make new API tokens: the old ones stay revoked).")
    return redirect(url_for("admin.index"))


def _form_page(template: str, form: FlaskForm, error: ServiceError | None = None, **context):
    """The form again, with the engine's refusal shown against the fields it names."""
    if error is not None:
        for name, message in error.fields.items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = [*field.errors, message]
        if not any(hasattr(form, name) for name in error.fields):
            form.form_errors.append(error.message)
    status = status_of(error) if error else 400 if form.errors else 200
    organisations = read(lambda s: accounts.list_organisations(s, actor=signed_in_user(s)))
    return render_template(template, form=form, roles=ROLES, organisations=organisations, **context), status
