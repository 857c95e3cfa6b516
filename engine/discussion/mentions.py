"""@mentions in a comment: read from its text, checked (each person must be able to read the comment), and offered
to the poster so that nobody has to guess a username."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy
from engine.errors import ValidationFailed
from engine.policy.discussion import Audience, mentions_only_known_people
from engine.policy.visibility import Reader, reader_for
from engine.store.models import ProcessInstance, User

# "@" and a username (engine.identity.accounts.USERNAME), not inside a word or an e-mail address.
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9._@-]{0,79})")
MAX_MENTIONS = 20
FIELD = "body"


@dataclass(frozen=True)
class Candidate:
    """Someone the poster may mention: their name and the @username to type."""
    name: str
    username: str


def mentioned_usernames(body: str) -> list[str]:
    """Each username mentioned, once, in order (a full stop or dash that ends a sentence is not part of it)."""
    found = (m.group(1).rstrip("._@-") for m in MENTION.finditer(body))
    return list(dict.fromkeys(name for name in found if name))


def mentioned_people(session: Session, *, poster: User, instance: ProcessInstance, audience: Audience, body: str,
                     known_authors: set[str]) -> list[User]:
    """The people a comment mentions, each able to read it; ValidationFailed naming those who could not. An unknown
    username and someone the poster may not mention get the same answer (no probing for who exists)."""
    names = mentioned_usernames(body)
    if len(names) > MAX_MENTIONS:
        raise ValidationFailed("Too many people mentioned.",
                               fields={FIELD: f"Mention at most {MAX_MENTIONS} people in one comment."})
    people = {u.username: u for u in session.scalars(select(User).where(User.username.in_(names)))} if names else {}
    rule = _Rule(poster, instance, known_authors)
    refused = [name for name in names if not rule.may_mention(people.get(name), audience)]
    if refused:
        who = " and ".join(f"@{name}" for name in refused)
        message = f"{who} cannot read this comment: mention only people who can read it."
        raise ValidationFailed(message, fields={FIELD: message})
    return [people[name] for name in names]


def mention_candidates(session: Session, *, poster: User, instance: ProcessInstance, audiences: list[Audience],
                       known_authors: set[str]) -> list[Candidate]:
    """Everyone the poster may mention in a comment to at least one of the audiences they may post to, by name."""
    if not audiences:
        return []
    rule = _Rule(poster, instance, known_authors)
    everyone = session.scalars(select(User).where(User.active.is_(True)).order_by(User.display_name, User.username))
    return [Candidate(person.display_name, person.username) for person in everyone
            if person.username != poster.username and any(rule.may_mention(person, a) for a in audiences)]


class _Rule:
    """Whom one poster may mention in one project (each person's reading of the project is worked out once)."""

    def __init__(self, poster: User, instance: ProcessInstance, known_authors: set[str]):
        self.instance = instance
        self.data = json.loads(instance.data_json or "{}")
        poster_reader = reader_for(poster, instance, self.data)
        self.known_only = mentions_only_known_people(poster, instance, poster_reader)
        self.known = known_authors
        self.organisation = poster.organisation_name
        self.readers: dict[str, Reader] = {}

    def may_mention(self, person: User | None, audience: Audience) -> bool:
        if person is None or not person.active or not policy.may_see_instance(person, self.instance):
            return False
        if person.username not in self.readers:
            self.readers[person.username] = reader_for(person, self.instance, self.data)
        reader = self.readers[person.username]
        # A colleague who reads this project from inside (on its board) is not named to them unless they wrote.
        colleague = bool(self.organisation) and person.organisation_name == self.organisation and reader.outside
        if self.known_only and person.username not in self.known and not colleague:
            return False
        return policy.may_read_comment(person, self.instance, reader, audience)
