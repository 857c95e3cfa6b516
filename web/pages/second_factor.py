"""The second factor at sign-in: a code from an authenticator app (TOTP) after the password, setting one up, and
its administration. Between a right password and a right code the browser is half signed in: the Flask session
holds who, from where and since when (HALF), never a signed-in session, so every other page still sends it to
sign in. The engine checks the codes, throttles and records them (engine.identity.password_sign_in, second_factor).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from engine.errors import BadRequest, LoginThrottled, NotFound, ServiceError
from engine.identity import accounts, password_sign_in, sign_in_states
from engine.identity import second_factor as factor
from engine.identity.digests import new_token, token_digest
from engine.policy import ROLES, role_name
from engine.store.models import SecondFactorRule, User
from web.errors import status_of
from web.pages import auth
from web.services import clock, database, read, signed_in_user, write

bp = Blueprint("second_factor", __name__)
HALF = "half_signed_in"  # a token naming what engine.identity.sign_in_states keeps: a right password, no code yet
NEW_SECRET = "new_second_factor_secret"  # the secret being set up, kept only once a code from it is right
HALF_SIGNED_IN_SECONDS = 5 * 60
WRONG = "That code is not right. Enter the newest code your app shows, or one of your recovery codes."


def step_after_password(user: User):
    """The page that asks this user for a code, or to set up their app, before signing them in; None: sign in."""
    if factor.has_second_factor(user):
        target = "second_factor.code"
    elif read(lambda s: factor.requires_second_factor(s, user)):
        target = "second_factor.set_up_at_sign_in"
    else:
        return None
    session.pop(NEW_SECRET, None)
    # The cookie holds a random token; who it is, from where, is kept on the server for 5 minutes, so a right
    # password is never just a claim in a cookie that anyone with the app's key could sign.
    token = new_token()
    write(lambda s: sign_in_states.keep(s, _half_key(token), json.dumps({"user_id": user.id, "address": _address()}),
                                        seconds=HALF_SIGNED_IN_SECONDS, clock=auth.SESSION_CLOCK))
    session[HALF] = token
    return redirect(url_for(target))


def _half_key(token: str) -> str:
    return f"half signed in {token_digest(token)}"


def _address() -> str:
    return request.remote_addr or "unknown"


def _half_signed_in() -> User | None:
    """The person half signed in from this browser (within 5 minutes, from the same address), or None."""
    token = session.get(HALF)
    kept = read(lambda s: sign_in_states.peek(s, _half_key(token), clock=auth.SESSION_CLOCK)) \
        if isinstance(token, str) else None
    half = json.loads(kept) if kept else None
    if not half or half.get("address") != _address():
        session.pop(HALF, None)
        return None
    user = read(lambda s: s.get(User, half["user_id"]))
    return user if user is not None and user.active else None


def _end_half_signed_in() -> None:
    token = session.pop(HALF, None)
    if isinstance(token, str):
        write(lambda s: sign_in_states.forget(s, _half_key(token)))


def _back_to_sign_in():
    _end_half_signed_in()
    session.pop(NEW_SECRET, None)
    flash("Sign in again: it took more than 5 minutes, or something changed.", "error")
    return redirect(url_for("auth.login"))


def _pending_secret(user: User) -> str:
    """The key being set up: made from the app's secret key and a random nonce, so the cookie holds only the
    nonce (Flask's session is signed, not encrypted) and the key is the same on each try until it is kept."""
    if not session.get(NEW_SECRET):
        session[NEW_SECRET] = secrets.token_urlsafe(16)
    seed = hmac.new(current_app.secret_key.encode(), f"sixgates set-up {user.id} {session[NEW_SECRET]}".encode(),
                    hashlib.sha256).digest()
    return factor.secret_from(seed)


def _set_up_page(user: User, *, action: str, error: ServiceError | None = None, signing_in: bool = False):
    secret = _pending_secret(user)
    page = render_template("second_factor/set_up.html", user=user, action=action, signing_in=signing_in,
                           qr_code=factor.qr_code_svg(secret, user.username), secret=factor.grouped(secret),
                           error=error, fields=error.fields if error else {})
    return page, status_of(error) if error else 200


@bp.get("/login/code")
def code():
    user = _half_signed_in()
    if user is None or not factor.has_second_factor(user):
        return _back_to_sign_in()
    return render_template("second_factor/code.html", user=user)


@bp.post("/login/code")
def check_code():
    user = _half_signed_in()
    if user is None or not factor.has_second_factor(user):
        return _back_to_sign_in()
    typed = request.form.get("code") or request.form.get("recovery_code") or ""
    field = "code" if request.form.get("code") else "recovery_code"
    try:
        signed_in = password_sign_in.sign_in_with_code(database(), user_id=user.id, code=typed, address=_address(),
                                                       clock=clock(), at=auth.SESSION_CLOCK.now())
    except LoginThrottled as exc:
        _end_half_signed_in()
        page = render_template("second_factor/code.html", user=user, error=f"Too many wrong codes. {exc.message}",
                               field=None, locked=True)
        return page, 429, {"Retry-After": str(exc.minutes * 60)}
    if signed_in is None:
        return render_template("second_factor/code.html", user=user, error=WRONG, field=field), 401
    _end_half_signed_in()
    return auth.start_session(signed_in)


@bp.get("/login/second-factor")
def set_up_at_sign_in():
    user = _half_signed_in()
    if user is None or factor.has_second_factor(user):
        return _back_to_sign_in()
    return _set_up_page(user, action=url_for("second_factor.confirm_at_sign_in"), signing_in=True)


@bp.post("/login/second-factor")
def confirm_at_sign_in():
    """The first code from the new app: it is kept, the person is signed in and sees their recovery codes once."""
    user = _half_signed_in()
    if user is None or not session.get(NEW_SECRET):
        return _back_to_sign_in()
    action = url_for("second_factor.confirm_at_sign_in")
    try:
        user, codes = password_sign_in.sign_in_with_new_factor(
            database(), user_id=user.id, secret=_pending_secret(user), code=request.form.get("code", ""),
            address=_address(), clock=clock(), at=auth.SESSION_CLOCK.now())
    except LoginThrottled as exc:
        _end_half_signed_in()
        flash(f"{auth.NOT_RIGHT} {exc.message}", "error")
        return redirect(url_for("auth.login"))
    except ServiceError as exc:
        return _set_up_page(user, action=action, error=exc, signing_in=True)
    _end_half_signed_in()
    auth.start_session(user)  # signed in from here; the codes are shown on this answer only
    return render_template("second_factor/recovery_codes.html", codes=codes, just_set_up=True)


@bp.get("/account/second-factor")
@login_required
def manage():
    user = current_user.user
    if factor.has_second_factor(user) or not user.password_hash:
        left = read(lambda s: factor.recovery_codes_left(s, signed_in_user(s)))
        required = read(lambda s: factor.requires_second_factor(s, signed_in_user(s)))
        return render_template("second_factor/manage.html", user=user, left=left, required=required)
    return _set_up_page(user, action=url_for("second_factor.confirm"))


@bp.post("/account/second-factor")
@login_required
def confirm():
    if not session.get(NEW_SECRET):
        return redirect(url_for("second_factor.manage"))
    if not _password_is_right():  # else a stolen session could set up the thief's own phone
        return _set_up_page(current_user.user, action=url_for("second_factor.confirm"), error=BadRequest(
            "That is not your password.", fields={"password": "Enter the password you sign in with."}))
    try:
        secret = _pending_secret(current_user.user)
        codes = write(lambda s: factor.confirm_enrolment(s, signed_in_user(s), secret=secret,
                                                         code=request.form.get("code", ""),
                                                         at=auth.SESSION_CLOCK.now(), clock=clock()))
    except ServiceError as exc:
        return _set_up_page(current_user.user, action=url_for("second_factor.confirm"), error=exc)
    session.pop(NEW_SECRET, None)
    return render_template("second_factor/recovery_codes.html", codes=codes, just_set_up=True)


def _password_is_right() -> bool:
    """Whether the POST carries the signed-in person's password (throttled and recorded as at sign-in, so a stolen
    session cannot guess it). Raises LoginThrottled."""
    return password_sign_in.check_password_again(database(), username=current_user.user.username,
                                                 password=request.form.get("password", ""), address=_address(),
                                                 clock=clock())


def _password_again(template: str, **context):
    """None when the POST carries the person's password; else the page again with the refusal."""
    try:
        if _password_is_right():
            return None
        error, status, headers = "That is not your password.", 400, {}
    except LoginThrottled as exc:
        error, status = f"That is not your password. {exc.message}", 429
        headers = {"Retry-After": str(exc.minutes * 60)}
    return render_template(template, error=error, **context), status, headers


@bp.route("/account/second-factor/recovery-codes", methods=["GET", "POST"])
@login_required
def new_codes():
    """GET asks for the person's password; the POST with it shows the new codes, once."""
    if not factor.has_second_factor(current_user.user):
        return redirect(url_for("second_factor.manage"))
    if request.method != "POST":
        return render_template("second_factor/new_codes.html")
    refused = _password_again("second_factor/new_codes.html")
    if refused:
        return refused
    codes = write(lambda s: factor.new_recovery_codes(s, signed_in_user(s), clock=clock()))
    return render_template("second_factor/recovery_codes.html", codes=codes, just_set_up=False)


@bp.route("/account/second-factor/remove", methods=["GET", "POST"])
@login_required
def remove():
    """GET asks for the person's password; the POST with it removes their app and recovery codes."""
    if not factor.has_second_factor(current_user.user):
        return redirect(url_for("second_factor.manage"))
    required = read(lambda s: factor.requires_second_factor(s, signed_in_user(s)))
    if request.method != "POST":
        return render_template("second_factor/remove.html", required=required)
    refused = _password_again("second_factor/remove.html", required=required)
    if refused:
        return refused
    write(lambda s: factor.remove_second_factor(s, current_user.user.username, actor=signed_in_user(s),
                                                clock=clock(), password_checked=True))
    flash("Removed your authenticator app and recovery codes.")
    return redirect(url_for("second_factor.manage"))


def _admin() -> User:
    return accounts.require_admin(current_user.user)


def _rules_page(error: ServiceError | None = None, form: dict | None = None):
    rules = read(lambda s: factor.list_rules(s, actor=signed_in_user(s)))
    organisations = read(lambda s: accounts.list_organisations(s, actor=signed_in_user(s)))
    page = render_template("second_factor/rules.html", rules=rules, words=factor.rule_words, form=form or {},
                           roles=[(r, role_name(r)) for r in ROLES], organisations=[(o, o) for o in organisations],
                           error=error, fields=error.fields if error else {})
    return page, status_of(error) if error else 200


@bp.get("/admin/second-factor")
@login_required
def rules():
    _admin()
    return _rules_page()


@bp.post("/admin/second-factor")
@login_required
def add_rule():
    _admin()
    form = request.form
    scope = form.get("scope", "")
    value = form.get(scope, "") if scope in factor.SCOPES else ""
    try:
        rule = write(lambda s: factor.add_rule(s, scope=scope, value=value, actor=signed_in_user(s), clock=clock()))
    except ServiceError as exc:
        return _rules_page(exc, form.to_dict())
    flash(f"{factor.rule_words(rule)} must use an authenticator app from their next sign-in.")
    return redirect(url_for("second_factor.rules"))


@bp.route("/admin/second-factor/<int:rule_id>/remove", methods=["GET", "POST"])
@login_required
def remove_rule(rule_id: int):
    """GET asks for confirmation; only the confirmed POST removes."""
    _admin()
    rule = read(lambda s: s.get(SecondFactorRule, rule_id))
    if rule is None:
        raise NotFound("No such rule: it may have been removed already.")
    if request.method == "POST":
        write(lambda s: factor.remove_rule(s, rule_id, actor=signed_in_user(s), clock=clock()))
        flash(f"{factor.rule_words(rule)} no longer must use an authenticator app. Those who set one up keep it.")
        return redirect(url_for("second_factor.rules"))
    return render_template("second_factor/remove_rule.html", rule=rule, words=factor.rule_words(rule))


@bp.route("/admin/users/<username>/second-factor", methods=["GET", "POST"])
@login_required
def remove_for_user(username: str):
    """For someone who lost their phone: GET asks for confirmation; the confirmed POST removes their app."""
    _admin()
    user = read(lambda s: accounts.show_user(s, username, actor=signed_in_user(s)))
    if request.method == "POST" and factor.has_second_factor(user):
        write(lambda s: factor.remove_second_factor(s, username, actor=signed_in_user(s), clock=clock()))
        flash(f"Removed {user.display_name}'s authenticator app. They set up a new one at their next sign-in "
              "if they must have one.")
        return redirect(url_for("admin.edit_user", username=username))
    required = read(lambda s: factor.requires_second_factor(s, user))
    return render_template("second_factor/remove_for_user.html", user=user, required=required)
