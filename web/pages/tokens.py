"""API tokens, named and expiring: a person makes, lists and revokes their own; administrators list and revoke
anyone's. And changing one's own password. The engine decides who may (engine.identity.tokens, .passwords) and
records each change."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.errors import BadRequest, LoginThrottled, ServiceError
from engine.identity import accounts, passwords, tokens
from web.errors import status_of
from web.services import clock, database, read, signed_in_user, write

bp = Blueprint("tokens", __name__)

# The expiry choices on the page, by days; the API and the command line take any number up to a year.
EXPIRY_CHOICES = {30: "30 days", 90: "90 days", 180: "180 days", 365: "1 year"}
PASSWORD_FIELDS = ("current_password", "new_password", "confirm_password")
NOT_KEPT = {"Cache-Control": "no-store"}  # a page showing a token or typed passwords is not kept by the browser


@bp.before_request
@login_required
def signed_in_only() -> None:
    """Every page here is about the signed-in person's own account (or, for admins, everyone's tokens)."""


def _mine_page(error: ServiceError | None = None, values: dict | None = None):
    listed = read(lambda s: tokens.list_tokens(s, signed_in_user(s).username, actor=signed_in_user(s),
                                               clock=clock()))
    page = render_template("tokens/mine.html", tokens=listed, choices=EXPIRY_CHOICES, default_days=tokens.DEFAULT_DAYS,
                           error=error, errors=error.fields if error else {}, values=values or {})
    return page, status_of(error) if error else 200


@bp.get("/account/api-tokens")
def mine():
    return _mine_page()


@bp.post("/account/api-tokens")
def create():
    """Makes a token and shows it this once, on this answer (never in a cookie or a later page)."""
    name, days_text = request.form.get("name", ""), request.form.get("days", "")
    try:
        days = int(days_text) if days_text.isdigit() and int(days_text) in EXPIRY_CHOICES else None
        if days is None:
            raise BadRequest("Choose how long the token works.", fields={"days": "Choose how long the token works."})
        token, view = write(lambda s: tokens.issue_token(s, username=signed_in_user(s).username,
                                                          actor=signed_in_user(s).username, clock=clock(),
                                                          name=name, days=days))
    except ServiceError as exc:
        return _mine_page(exc, {"name": name, "days": days_text})
    return render_template("tokens/created.html", token=token, view=view), 200, NOT_KEPT


def _revoke(token_id: int, *, own_only: bool, back: str):
    """GET asks for confirmation; only the confirmed POST revokes."""
    view = read(lambda s: tokens.show_token(s, token_id, actor=signed_in_user(s), clock=clock(), own_only=own_only))
    if request.method == "POST":
        write(lambda s: tokens.revoke_token(s, token_id, actor=signed_in_user(s), clock=clock(), own_only=own_only))
        owner = "" if view.username == current_user.user.username else f" of {view.owner_name}"
        flash(f"Revoked the API token “{view.name}”{owner}: it no longer works.")
        return redirect(url_for(back))
    return render_template("tokens/revoke.html", view=view, back=back,
                           yours=view.username == current_user.user.username)


@bp.route("/account/api-tokens/<int:token_id>/revoke", methods=["GET", "POST"])
def revoke(token_id: int):
    return _revoke(token_id, own_only=True, back="tokens.mine")


@bp.get("/admin/api-tokens")
def everyone():
    listed = read(lambda s: tokens.list_every_token(s, actor=signed_in_user(s), clock=clock()))
    return render_template("tokens/everyone.html", tokens=listed)


@bp.route("/admin/api-tokens/<int:token_id>/revoke", methods=["GET", "POST"])
def revoke_any(token_id: int):
    accounts.require_admin(current_user.user)
    return _revoke(token_id, own_only=False, back="tokens.everyone")


def _password_page(error: ServiceError | None = None):
    if not current_user.user.password_hash:
        return render_template("tokens/no_password.html"), 200, {}
    page = render_template("tokens/password.html", error=error, errors=error.fields if error else {},
                           min_length=passwords.MIN_PASSWORD_LENGTH)
    return page, status_of(error) if error else 200, NOT_KEPT


@bp.get("/account/password")
def change_password():
    return _password_page()


@bp.post("/account/password")
def save_password():
    form = request.form
    try:
        passwords.change_password(database(), username=current_user.user.username,
                                  current=form.get("current_password", ""), new=form.get("new_password", ""),
                                  confirm=form.get("confirm_password", ""), address=request.remote_addr or "unknown",
                                  keep_session=current_user.token, clock=clock())
    except LoginThrottled as exc:
        page, _, headers = _password_page(ServiceError(f"Your current password was entered wrongly too many "
                                                       f"times. {exc.message}"))
        return page, 429, {**headers, "Retry-After": str(exc.minutes * 60)}
    except ServiceError as exc:
        return _password_page(exc)
    flash("Changed your password. Anywhere else you were signed in, you have been signed out.")
    return redirect(url_for("account.settings"))
