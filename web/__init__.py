"""The web face of Six Gates: HTML pages and the REST API over the engine's services."""
from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from engine.clock import Clock
from engine.settings import Settings

csrf = CSRFProtect()


def create_app(settings: Settings | None = None, *, clock: Clock | None = None, testing: bool = False) -> Flask:
    """The app on the given settings (by default, read from the environment now)."""
    settings = settings or Settings.from_environment()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.app_secret_key(),
        MAX_CONTENT_LENGTH=4 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        # served over HTTPS: cookies never travel in clear
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        CLOCK=clock or Clock(),
        TESTING=testing,
    )
    if settings.proxy_hops:  # behind N reverse proxies: throttle sign-ins by the client's address, not the proxy's
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)
    app.extensions["sixgates_settings"] = settings
    app.extensions["sixgates_db"] = settings.database()

    from web import api, errors, odd_input, security_headers, wording
    from web.pages import (
        about,
        account,
        admin,
        audit,
        auth,
        dashboard,
        exports,
        history,
        inbox,
        lifecycle,
        migration,
        modeller,
        my_projects,
        notifications,
        projects,
        reassignment,
        register,
        rules,
        tasks,
        versions,
    )
    odd_input.init_app(app)  # first: its id converter must be in place before the routes are added
    csrf.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    security_headers.init_app(app)
    wording.init_app(app)
    from web.pages import discussion, documents, propose, role_mappings, second_factor, sign_ins, single_sign_on, tokens
    single_sign_on.init_app(app)
    for page in (about, auth, admin, inbox, register, dashboard, tasks, projects, versions, modeller, migration, audit,
                 rules, exports, history, notifications, account, my_projects, lifecycle, reassignment, propose,
                 documents, discussion, single_sign_on, second_factor, role_mappings, sign_ins, tokens):
        app.register_blueprint(page.bp)
    app.register_blueprint(api.bp)
    for area in api.AREAS:  # the API authenticates with bearer tokens, not cookies
        csrf.exempt(area)
    return app
