"""Sign-in for the HTML pages (Flask-Login sessions)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from engine import identity
from engine.models import User

from .services import read

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"


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


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = read(lambda s: identity.authenticate(s, form.username.data, form.password.data))
        if user is not None:
            login_user(SessionUser(user))
            return redirect(url_for("inbox.index"))
        flash("The username or password is not right.")
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" else 401


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
