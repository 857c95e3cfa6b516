"""Sign-in for the HTML pages, throttled by the engine: Flask-Login keeps a session token in the cookie,
and the engine's sign_in_sessions table says whether it still holds (signed out, user disabled, expired)."""
from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from engine.clock import Clock
from engine.errors import LoginThrottled
from engine.identity import password_sign_in, sessions
from engine.store.models import User
from web.services import clock, database, read, write

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
# Never says whether the username exists, is disabled or is locked out.
NOT_RIGHT = "The username or password is not right."
# Sessions age in real time, whatever clock the procedure runs on (tests move that one by days).
SESSION_CLOCK = Clock()


class SessionUser:
    """What Flask-Login keeps in the cookie: the session token (not the user id), checked each request."""

    def __init__(self, user: User, token: str):
        self.user = user
        self.id = user.id
        self.token = token
        self.is_authenticated = True
        self.is_active = user.active
        self.is_anonymous = False

    def get_id(self) -> str:
        return self.token


@login_manager.user_loader
def load_user(token: str):
    user, stale = read(lambda s: sessions.session_user(s, token, clock=SESSION_CLOCK))
    if user is None:
        return None
    if stale:
        write(lambda s: sessions.touch_session(s, token, clock=SESSION_CLOCK))
    return SessionUser(user, token)


def init_app(app) -> None:
    login_manager.init_app(app)


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


def login_page(form: LoginForm, error: str | None = None):
    """The sign-in page: a button for each identity provider, and the username and password form."""
    return render_template("auth/login.html", form=form, error=error,
                           providers=current_app.extensions["sixgates_settings"].sso_providers)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if not form.validate_on_submit():
        return login_page(form), 401 if form.is_submitted() else 200
    try:
        user = password_sign_in.sign_in(database(), username=form.username.data.strip(), password=form.password.data,
                                address=request.remote_addr or "unknown", clock=clock())
    except LoginThrottled as exc:
        page = login_page(form, error=f"{NOT_RIGHT} {exc.message}")
        return page, 429, {"Retry-After": str(exc.minutes * 60)}
    if user is None:
        return login_page(form, error=NOT_RIGHT), 401
    from web.pages import second_factor  # it signs in through start_session, below
    return second_factor.step_after_password(user) or start_session(user)


def start_session(user: User, *, provider: str | None = None):
    """Sign the browser in as this user (the password and any second factor checked, or the provider's word
    verified), in a fresh cookie: nothing from before sign-in, such as a planted CSRF token, carries over."""
    if current_user.is_authenticated:  # someone else's session left open in this browser: it ends here too
        before = current_user.token
        write(lambda s: sessions.close_session(s, before, clock=SESSION_CLOCK))
    token = write(lambda s: sessions.open_session(s, user=user, clock=SESSION_CLOCK, provider=provider))
    session.clear()
    g.pop("csrf_token", None)
    login_user(SessionUser(user, token))
    return redirect(url_for("inbox.index"))


@bp.post("/logout")
@login_required
def logout():
    token = current_user.token
    provider = write(lambda s: sessions.close_session(s, token, clock=SESSION_CLOCK))
    logout_user()
    session.clear()
    from web.pages.single_sign_on import sign_out_address  # it imports start_session from here
    provider_sign_out = sign_out_address(provider)
    if provider_sign_out is None:
        return redirect(url_for("auth.login"))
    return render_template("auth/signed_out.html", provider_sign_out=provider_sign_out,
                           provider=current_app.extensions["sixgates_settings"].sso_provider(provider))
