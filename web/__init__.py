"""The web face of Six Gates: HTML pages and the REST API over the engine's services."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from engine.clock import Clock
from engine.store.db import Database

csrf = CSRFProtect()


def default_database_url() -> str:
    folder = Path.cwd() / "instance"
    folder.mkdir(exist_ok=True)
    return f"sqlite:///{folder / 'sixgates.db'}"


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path.cwd() / "instance" / "secret_key"
    path.parent.mkdir(exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        DATABASE_URL=os.environ.get("DATABASE_URL") or default_database_url(),
        MAX_CONTENT_LENGTH=4 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        CLOCK=Clock(),
    )
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key()
    app.extensions["sixgates_db"] = Database(app.config["DATABASE_URL"])

    from web import api, errors, odd_input, security_headers
    from web.pages import (
        admin,
        audit,
        auth,
        dashboard,
        exports,
        history,
        inbox,
        migration,
        modeller,
        projects,
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
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(register.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(tasks.bp)
    app.register_blueprint(projects.bp)
    app.register_blueprint(versions.bp)
    app.register_blueprint(modeller.bp)
    app.register_blueprint(migration.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(rules.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(history.bp)
    app.register_blueprint(api.bp)
    for area in api.AREAS:  # the API authenticates with bearer tokens, not cookies
        csrf.exempt(area)
    return app
