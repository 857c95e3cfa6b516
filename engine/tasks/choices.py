"""Choices that come from the directory of people and organisations (form `x-options`)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.repository.forms import OptionSource
from engine.store.models import Organisation, User, UserRole


def option_source(session: Session) -> OptionSource:
    def resolve(source: str) -> list[str]:
        if source == "organisations":
            return list(session.scalars(select(Organisation.name).where(Organisation.kind == "industry")
                                        .order_by(Organisation.name)))
        if source.startswith("users:"):  # chosen by username, shown by name
            return [(username, name) for username, name in session.execute(
                select(User.username, User.display_name).join(UserRole, UserRole.user_id == User.id)
                .where(UserRole.role == source[6:], User.active.is_(True)).order_by(User.username))]
        return []
    return resolve
