"""Settings: read from the environment once, when a face starts (the web app, a CLI command, the worker), and
passed on from there. Nothing else in Six Gates reads the environment."""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Mapping

from engine import spiff
from engine.documents.kinds import DEFAULT_MAX_MB, UploadLimits
from engine.identity.single_sign_on import PROVIDER_NAME, Provider
from engine.kernel.cache import DEFAULT_SIZE, keep_workflows
from engine.kernel.task_rules import DURATION_PATTERN
from engine.notices.delivery import SmtpSettings
from engine.notices.kinds import DEFAULT_DUE_SOON_LEAD
from engine.repository.file_fields import MB
from engine.store.db import Database

INSTANCE_FOLDER = Path("instance")  # beside the working directory: the default database and secret key


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str | None = None  # None: one is kept in instance/secret_key
    workflow_cache_size: int = DEFAULT_SIZE  # projects' workflows kept in memory per database; 0: none
    secure_cookies: bool = False  # served over HTTPS: cookies never travel in clear, browsers keep to HTTPS
    proxy_hops: int = 0  # reverse proxies in front of the app, whose X-Forwarded-For is trusted
    smtp_host: str | None = None  # None: notifications are kept in the app only, never e-mailed
    smtp_port: int | None = None  # None: 587 with STARTTLS, else 25
    smtp_starttls: bool = False
    smtp_username: str | None = None  # None: no login
    smtp_password: str | None = None
    smtp_from: str = "sixgates@localhost"
    base_url: str = "http://127.0.0.1:5000"  # where people open the app: links in e-mails start with it
    due_soon_lead: timedelta = DEFAULT_DUE_SOON_LEAD  # "due soon" reminders go out this long before
    max_upload_mb: int = DEFAULT_MAX_MB  # the largest file anyone may upload (a form may allow less)
    sso_providers: tuple[Provider, ...] = ()  # OpenID Connect providers, each a button on the sign-in page

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            database_url=env.get("DATABASE_URL") or default_database_url(),
            secret_key=env.get("SECRET_KEY") or None,
            workflow_cache_size=_whole_number(env, "SIXGATES_WORKFLOW_CACHE", DEFAULT_SIZE),
            secure_cookies=env.get("SIXGATES_SECURE_COOKIES") == "1",
            proxy_hops=_whole_number(env, "SIXGATES_PROXY_HOPS", 0),
            smtp_host=env.get("SIXGATES_SMTP_HOST") or None,
            smtp_port=_whole_number(env, "SIXGATES_SMTP_PORT", 0) or None,
            smtp_starttls=_flag(env, "SIXGATES_SMTP_STARTTLS"),
            smtp_username=env.get("SIXGATES_SMTP_USERNAME") or None,
            smtp_password=env.get("SIXGATES_SMTP_PASSWORD") or None,
            smtp_from=env.get("SIXGATES_SMTP_FROM") or "sixgates@localhost",
            base_url=(env.get("SIXGATES_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
            due_soon_lead=_duration(env, "SIXGATES_DUE_SOON_LEAD", DEFAULT_DUE_SOON_LEAD),
            max_upload_mb=_whole_number(env, "SIXGATES_MAX_UPLOAD_MB", DEFAULT_MAX_MB) or DEFAULT_MAX_MB,
            sso_providers=sso_providers(env),
        )

    def sso_provider(self, name: str) -> Provider | None:
        return next((p for p in self.sso_providers if p.name == name), None)

    def smtp(self) -> SmtpSettings | None:
        """How the worker e-mails notifications, or None when no SMTP server is set."""
        if not self.smtp_host:
            return None
        return SmtpSettings(host=self.smtp_host, port=self.smtp_port or (587 if self.smtp_starttls else 25),
                            starttls=self.smtp_starttls, username=self.smtp_username, password=self.smtp_password,
                            from_address=self.smtp_from, base_url=self.base_url)

    def upload_limits(self) -> UploadLimits:
        return UploadLimits(max_bytes=self.max_upload_mb * MB)

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


def sso_providers(env: Mapping[str, str]) -> tuple[Provider, ...]:
    """SIXGATES_SSO_PROVIDERS names them (nhs,uhb); each is set by SIXGATES_SSO_<NAME>_ISSUER, _CLIENT_ID and
    the optional _CLIENT_SECRET, _LABEL, _SCOPES, _GROUPS_CLAIM, _NAME_CLAIM, _EMAIL_CLAIM, _USERNAME_CLAIM and
    _ORGANISATION (the name's hyphens become underscores)."""
    providers = []
    for name in [n.strip() for n in (env.get("SIXGATES_SSO_PROVIDERS") or "").split(",") if n.strip()]:
        if not PROVIDER_NAME.fullmatch(name):
            raise ValueError(f"SIXGATES_SSO_PROVIDERS: {name!r} is not a provider name: use lower-case letters, "
                             "digits and hyphens, starting with a letter")
        prefix = f"SIXGATES_SSO_{name.upper().replace('-', '_')}_"

        def value(key: str, default: str | None = None, prefix: str = prefix) -> str | None:
            return (env.get(prefix + key) or "").strip() or default

        issuer, client_id = value("ISSUER"), value("CLIENT_ID")
        if not issuer or not client_id:
            raise ValueError(f"{prefix}ISSUER and {prefix}CLIENT_ID must be set for provider {name!r}")
        if not (issuer.startswith("https://") or re.match(r"http://(127\.0\.0\.1|localhost)[:/]", issuer)):
            raise ValueError(f"{prefix}ISSUER must be an https:// address (http:// only on this machine)")
        defaults = Provider(name=name, label="", issuer="", client_id="")
        providers.append(Provider(
            name=name, label=value("LABEL", f"Sign in with {name}"), issuer=issuer.rstrip("/"), client_id=client_id,
            client_secret=value("CLIENT_SECRET"), scopes=value("SCOPES", defaults.scopes),
            groups_claim=value("GROUPS_CLAIM", defaults.groups_claim),
            name_claim=value("NAME_CLAIM", defaults.name_claim), email_claim=value("EMAIL_CLAIM", defaults.email_claim),
            username_claim=value("USERNAME_CLAIM", defaults.username_claim), organisation=value("ORGANISATION")))
    if len({p.name for p in providers}) != len(providers):
        raise ValueError("SIXGATES_SSO_PROVIDERS names a provider twice")
    return tuple(providers)


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


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "")
    if raw not in ("", "0", "1"):
        raise ValueError(f"{name} must be 1 or 0, not {raw!r}")
    return raw == "1"


def _duration(env: Mapping[str, str], name: str, default: timedelta) -> timedelta:
    """An ISO 8601 duration (P2D, PT36H), read as the diagram's timers and due dates are."""
    raw = env.get(name)
    if raw in (None, ""):
        return default
    if not re.fullmatch(DURATION_PATTERN, raw):
        raise ValueError(f"{name} must be an ISO 8601 duration such as P2D or PT12H, not {raw!r}")
    return spiff.parse_duration(raw)
