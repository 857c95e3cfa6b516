"""Sign-in for the HTML pages (Flask-Login sessions), throttled by the engine."""
from __future__ import annotations

import os

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import LoginManager, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.middleware.proxy_fix import ProxyFix
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from engine import identity
from engine.errors import LoginThrottled
from engine.models import User

from .services import clock, read, write

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
# Never says whether the username exists, is disabled or is locked out.
NOT_RIGHT = "The username or password is not right."


class SessionUser:
    """What Flask-Login keeps: the user id, reloaded each request."""

    def __init__(self, user: User):
        self.user = user
        self.id = user.id
        self.is_authenticated = True
        self.is_active = user.active
        self.is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)


@login_manager.user_loader
def load_user(user_id: str):
    user = read(lambda s: s.get(User, int(user_id)))
    return SessionUser(user) if user is not None and user.active else None


def init_app(app) -> None:
    login_manager.init_app(app)
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    if os.environ.get("SIXGATES_SECURE_COOKIES") == "1":  # served over HTTPS: never send cookies in clear
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    hops = int(os.environ.get("SIXGATES_PROXY_HOPS") or 0)
    if hops:  # behind N reverse proxies: throttle by the client's address, not the proxy's
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 200 if request.method == "GET" else 401
    try:
        user = write(lambda s: identity.sign_in(
            s, username=form.username.data.strip(), password=form.password.data,
            address=request.remote_addr or "unknown", clock=clock()))
    except LoginThrottled as exc:
        page = render_template("auth/login.html", form=form, error=f"{NOT_RIGHT} {exc.message}")
        return page, 429, {"Retry-After": str(exc.minutes * 60)}
    if user is None:
        return render_template("auth/login.html", form=form, error=NOT_RIGHT), 401
    login_user(SessionUser(user))
    return redirect(url_for("inbox.index"))


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
