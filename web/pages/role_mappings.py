"""Single sign-on for administrators: the identity providers this server trusts (from the settings), the address
each must send people back to, and which of their groups grant which Six Gates role. The engine decides who may
change the mapping and records each change (engine.identity.single_sign_on)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from engine.errors import NotFound, ServiceError
from engine.identity import single_sign_on
from engine.policy import ROLES, role_name
from engine.store.models import RoleMapping
from web.errors import status_of
from web.pages.admin import ConfirmForm, admins_only
from web.pages.single_sign_on import callback_url, providers
from web.services import clock, read, signed_in_user, write

bp = Blueprint("role_mappings", __name__, url_prefix="/admin/single-sign-on")


class MappingForm(FlaskForm):
    # Plain text fields: the page lists the choices, and the engine refuses what is not one of them.
    provider = StringField("Identity provider", validators=[Length(max=40)])
    group = StringField("Group or app role", validators=[Length(max=255)])
    role = StringField("Six Gates role", validators=[Length(max=40)])


bp.before_request(admins_only)


def _page(form: MappingForm, error: ServiceError | None = None):
    mappings = read(lambda s: single_sign_on.list_mappings(s, actor=signed_in_user(s)))
    known = {p.name for p in providers()}
    fields = error.fields if error else {}
    page = render_template("admin/role_mappings.html", form=form, mappings=mappings, providers=providers(),
                           role_choices=[("", "Choose a role")] + [(r, role_name(r)) for r in ROLES],
                           callback_url=callback_url, known=known, error=error, fields=fields,
                           confirm_form=ConfirmForm())
    return page, status_of(error) if error else 200


@bp.get("", strict_slashes=False)
def index():
    return _page(MappingForm())


@bp.post("", strict_slashes=False)
def add():
    form = MappingForm()
    if not form.validate_on_submit():
        return _page(form, ServiceError("The form has expired: try again."))
    provider = next((p for p in providers() if p.name == form.provider.data), None)
    if provider is None:
        return _page(form, NotFound("Choose one of the identity providers set up on this server."))
    try:
        write(lambda s: single_sign_on.add_mapping(s, provider=provider, group=form.group.data or "",
                                                   role=form.role.data or "", actor=signed_in_user(s), clock=clock()))
    except ServiceError as exc:
        return _page(form, exc)
    flash(f"Members of {form.group.data.strip()} at {provider.label} are {role_name(form.role.data)} from their "
          "next sign-in.")
    return redirect(url_for("role_mappings.index"))


@bp.route("/<int:mapping_id>/remove", methods=["GET", "POST"])
def remove(mapping_id: int):
    """GET asks for confirmation; only the confirmed POST removes."""
    mapping = read(lambda s: s.get(RoleMapping, mapping_id))
    if mapping is None:
        raise NotFound("No such mapping: it may have been removed already.")
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            write(lambda s: single_sign_on.remove_mapping(s, mapping_id, actor=signed_in_user(s), clock=clock()))
        except ServiceError as exc:  # it would take away the admin's own admin role
            return render_template("admin/remove_mapping.html", mapping=mapping, form=form,
                                   error=exc.message), status_of(exc)
        flash(f"Members of {mapping.group_value} are no longer {role_name(mapping.role)}, unless another of their "
              "groups makes them one.")
        return redirect(url_for("role_mappings.index"))
    return render_template("admin/remove_mapping.html", mapping=mapping, form=form)
