"""Database tables, as SQLAlchemy 2 typed models. Domain nouns; no behaviour beyond shape."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from engine.store.lists import EMPTY


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC on every database: SQLite hands back naive values otherwise."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    pass


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="industry")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    email: Mapped[str | None] = mapped_column(String(320))  # where notifications are e-mailed; None: in the app only
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The shared secret of the person's authenticator app (None: no second factor set up), and the last 30-second
    # step a code was accepted for, so a code seen over someone's shoulder cannot be used again.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    @property
    def roles(self) -> set[str]:
        return {r.role for r in self.role_rows}

    @property
    def organisation_name(self) -> str | None:
        return self.organisation.name if self.organisation else None


class UserRole(Base):
    __tablename__ = "user_roles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    name: Mapped[str] = mapped_column(String(100), default="API token")
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # None: made before tokens expired
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    made_with_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))  # the token that made it (API)


class RecoveryCode(Base):
    """A one-time code that stands in for the authenticator app once; only its hash is kept."""
    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SecondFactorRule(Base):
    """Who must sign in with a second factor: everyone holding a role, or everyone in an organisation."""
    __tablename__ = "second_factor_rules"
    __table_args__ = (UniqueConstraint("scope", "value"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))  # "role" or "organisation"
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(80))


class ExternalIdentity(Base):
    """An account at an identity provider, linked to a Six Gates user by the provider's stable subject id."""
    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("provider", "subject"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255))
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    groups_json: Mapped[str] = mapped_column(Text, default="[]")  # the groups at the last sign-in, a JSON list


class RoleMapping(Base):
    """A group (or app role) at an identity provider that grants a Six Gates role, kept by administrators."""
    __tablename__ = "role_mappings"
    __table_args__ = (UniqueConstraint("provider", "group_value", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    group_value: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(80))


class SignInState(Base):
    """What a browser sent to an identity provider (state, nonce, PKCE verifier), kept until the provider sends
    it back: used once, so a replayed answer finds nothing."""
    __tablename__ = "sign_in_states"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class SignInSession(Base):
    """A browser's signed-in session: the cookie carries a random token, this row its hash and whether it
    still holds (signing out or disabling the user revokes it)."""
    __tablename__ = "sign_in_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    provider: Mapped[str | None] = mapped_column(String(40))  # signed in through this identity provider; None: here


class ProcessVersion(Base):
    """A deployed diagram with its decision tables and forms, identified by content hash."""
    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("key", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    dmn_json: Mapped[str] = mapped_column(Text, deferred=True)
    forms_json: Mapped[str] = mapped_column(Text, deferred=True)
    deployed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    deployed_by: Mapped[str] = mapped_column(String(80))


class ProcessInstance(Base):
    __tablename__ = "process_instances"
    id: Mapped[int] = mapped_column(primary_key=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    title: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), index=True)
    stage: Mapped[str] = mapped_column(String(40), index=True)
    started_by: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # '|org a|org b|': organisations taking part, for partner visibility checks.
    organisations: Mapped[str] = mapped_column(Text, default=EMPTY)  # a stored list (engine.store.lists)
    # SpiffWorkflow state without the spec and without finished tasks (in finished_tasks).
    state: Mapped[str] = mapped_column(Text, deferred=True)
    data_json: Mapped[str] = mapped_column(Text, default="{}")
    error: Mapped[str | None] = mapped_column(Text)
    next_timer_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    timer_lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)
    audit_head: Mapped[str] = mapped_column(String(64), default="")
    lock_version: Mapped[int] = mapped_column(Integer)
    process_version: Mapped[ProcessVersion] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": lock_version}


class FinishedTask(Base):
    """The serialised body of a finished workflow task, written once (see spiff.dump_state)."""
    __tablename__ = "finished_tasks"
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    body: Mapped[str] = mapped_column(Text)


class Task(Base):
    """One row per user task, open or finished: what inboxes and reports query."""
    __tablename__ = "tasks"
    __table_args__ = (
        # Inboxes read this index in due order and stop at a page: no sort of every open task.
        Index("ix_tasks_inbox", "state", "role", "due_at", "created_at"),
        Index("ix_tasks_instance", "instance_id", "state"),
        # The worker's reminders: open tasks by how far their alerts have gone, in due order.
        Index("ix_tasks_alerts", "state", "alert_stage", "due_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    bpmn_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    role: Mapped[str | None] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(40))
    assignee: Mapped[str | None] = mapped_column(String(80))
    organisations: Mapped[str | None] = mapped_column(Text)  # '|a|b|' or None for any
    # Four-eyes: '|a|b|', everyone who completed the task this one approves, in any round.
    excluded_users: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(80))
    data_json: Mapped[str | None] = mapped_column(Text)
    draft_json: Mapped[str | None] = mapped_column(Text)
    # Reminders sent so far (engine.notices.alerts): 0 none, 1 due soon, 2 overdue, 3 escalated to the Hub team.
    alert_stage: Mapped[int] = mapped_column(Integer, default=0)
    escalate_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # overdue this long: the Hub team is told


class AuditEvent(Base):
    """Append-only; each event carries the hash of the previous one in its chain."""
    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("chain", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(40))  # 'instance:<id>' or 'system'
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    task_id: Mapped[str | None] = mapped_column(String(36))
    task_name: Mapped[str | None] = mapped_column(String(100))
    data_json: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class SystemChain(Base):
    """Head of the audit chain for events outside any instance (deployments, admin changes)."""
    __tablename__ = "system_chain"
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)
    audit_head: Mapped[str] = mapped_column(String(64), default="")


class PastProject(Base):
    """A collaborative industry project recorded by hand in the register (not run in Six Gates)."""
    __tablename__ = "past_projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    partners: Mapped[str] = mapped_column(Text)
    trusts_or_icb: Mapped[str] = mapped_column(Text, default="")
    tumour_group: Mapped[str] = mapped_column(String(200), default="")
    challenge_area: Mapped[str] = mapped_column(String(100))
    pathway_category: Mapped[str] = mapped_column(String(100), default="")
    alliance: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(20))  # active, completed or stopped
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    outcomes_and_findings: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(300), default="")
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ProcessDraft(Base):
    """A process owner's unfinished diagram, decision tables and forms: theirs alone until deployed.

    Forms are kept as the text typed (file name -> text), so a half-typed schema is never lost.
    """
    __tablename__ = "process_drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_versions.id"))
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    dmn_json: Mapped[str] = mapped_column(Text, deferred=True)  # file name -> XML text
    forms_json: Mapped[str] = mapped_column(Text, deferred=True)  # file name -> schema text as typed
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_check_json: Mapped[str | None] = mapped_column(Text)
    deployed_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_versions.id"))


class Notification(Base):
    """One message to one person: listed in the app, and e-mailed from this outbox by the worker. Written in the
    same transaction as the change it tells of, so a message is never lost and never sent for a change undone."""
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_unread", "user_id", "read_at"),
        Index("ix_notifications_outbox", "email_state", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30))  # engine.notices.kinds
    instance_id: Mapped[int | None] = mapped_column(Integer)
    task_id: Mapped[str | None] = mapped_column(String(36))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500))  # a path in the app, such as /tasks/<id>
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # pending (to e-mail now), digest (in the next daily digest), sent, or none (in the app only).
    email_state: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())  # a worker is sending it
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)


class NotificationPreference(Base):
    """How a person wants one kind of notification e-mailed: immediately (no row), daily (digest) or off."""
    __tablename__ = "notification_preferences"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(12))


class Delegation(Base):
    """Out of office: from starts_on to ends_on (inclusive), tasks made for this user go to the delegate."""
    __tablename__ = "delegations"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # withdrawn early by its user
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    delegate: Mapped[User] = relationship(foreign_keys=[delegate_id], lazy="joined")


class FileContent(Base):
    """The bytes of a file, stored once by their SHA-256 however many documents hold them (in the database, so every
    web host and every backup sees them, and an upload commits with the task that attaches it)."""
    __tablename__ = "file_contents"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # listing documents never loads it


class Document(Base):
    """A file uploaded to a task's file field: a draft (its uploader's alone) until the task is completed with it,
    then attached, and its reference (with the hash) is on the audit trail."""
    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_task", "task_id", "state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(100))  # the form field it was uploaded to
    name: Mapped[str] = mapped_column(String(255))  # a safe file name (engine.documents.kinds.safe_name)
    media_type: Mapped[str] = mapped_column(String(100))  # by its content, never by its name
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(ForeignKey("file_contents.sha256"))
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(10))  # draft or attached
    attached_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Comment(Base):
    """One comment in a project's discussion. Append-only: a correction is a new comment that supersedes it, and
    both stay on the record (each is also an event on the project's audit chain)."""
    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))  # posted beside this task's form
    author: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    body: Mapped[str] = mapped_column(Text)
    # project (everyone on the project), internal (NHS and Hub only) or organisation (the Hub and one partner)
    visibility: Mapped[str] = mapped_column(String(20))
    organisation: Mapped[str | None] = mapped_column(String(200))  # the partner of an "organisation" comment
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    mentions: Mapped[str | None] = mapped_column(Text)  # usernames, a stored list (engine.store.lists)
