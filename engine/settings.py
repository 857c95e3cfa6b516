"""Settings: read from the environment once, when a face starts (the web app, a CLI command, the worker), and
passed on from there. Nothing else in Six Gates reads the environment."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from engine.kernel.cache import DEFAULT_SIZE, keep_workflows
from engine.store.db import Database

INSTANCE_FOLDER = Path("instance")  # beside the working directory: the default database and secret key


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str | None = None  # None: one is kept in instance/secret_key
    workflow_cache_size: int = DEFAULT_SIZE  # projects' workflows kept in memory per database; 0: none
    secure_cookies: bool = False  # served over HTTPS: cookies never travel in clear, browsers keep to HTTPS
    proxy_hops: int = 0  # reverse proxies in front of the app, whose X-Forwarded-For is trusted

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            database_url=env.get("DATABASE_URL") or default_database_url(),
            secret_key=env.get("SECRET_KEY") or None,
            workflow_cache_size=_whole_number(env, "SIXGATES_WORKFLOW_CACHE", DEFAULT_SIZE),
            secure_cookies=env.get("SIXGATES_SECURE_COOKIES") == "1",
            proxy_hops=_whole_number(env, "SIXGATES_PROXY_HOPS", 0),
        )

    def database(self) -> Database:
        database = Database(self.database_url)
        keep_workflows(database, self.workflow_cache_size)
        return database

    def app_secret_key(self) -> str:
        """The key signing the app's cookies: the setting, or one made once and kept in the instance folder."""
        if self.secret_key:
            return self.secret_key
        path = INSTANCE_FOLDER.resolve() / "secret_key"
        path.parent.mkdir(exist_ok=True)
        if not path.exists():
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()


def default_database_url() -> str:
    folder = INSTANCE_FOLDER.resolve()
    folder.mkdir(exist_ok=True)
    return f"sqlite:///{folder / 'sixgates.db'}"


def _whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value
