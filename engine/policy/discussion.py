"""Who may read a project's discussion, post to which audience, and be mentioned in a comment.

Audiences: "project" (everyone on the project: the Hub and NHS, the sponsor who proposed it, the partners
selected at Gate 2), "internal" (the Hub and NHS only) and "organisation" (the Hub and one partner organisation).
Inside here means inside the Hub as the project's own record reads them (visibility.reader_for) and not working
for one of the project's partner organisations: a board member employed by a competing partner never reads the
Hub's internal notes, nor another partner's conversation with the Hub.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from engine.store.lists import list_token, names_in
from engine.store.models import AuditEvent, ProcessInstance, Task, User
from engine.store.trail import event_view

from .visibility import OUTSIDE_ROLES, SELECTED, SPONSOR, Reader, standing_of

PROJECT, INTERNAL, ORGANISATION = "project", "internal", "organisation"
VISIBILITIES = (PROJECT, INTERNAL, ORGANISATION)
PROJECT_READERS_OUTSIDE = frozenset({SPONSOR, SELECTED})  # who outside the Hub is "on the project"
OBSERVERS = frozenset({"auditor", "admin"})  # roles that take no part in a project: they post nothing


@dataclass(frozen=True)
class Audience:
    """Who a comment is for: a visibility, and for "organisation" the one partner organisation."""
    visibility: str
    organisation: str | None = None


def _works_for_a_partner(user: User, instance: ProcessInstance) -> bool:
    org = user.organisation_name
    return bool(org) and list_token(org) in (instance.organisations or "")


def reads_as_hub(user: User, instance: ProcessInstance, reader: Reader) -> bool:
    """Reads every comment of this project: inside the Hub, and no partner's employee."""
    return not reader.outside and not _works_for_a_partner(user, instance)


def may_read_comment(user: User, instance: ProcessInstance, reader: Reader, audience: Audience) -> bool:
    """`reader` is visibility.reader_for(user, instance); the caller has checked may_see_instance."""
    if reads_as_hub(user, instance, reader):
        return audience.visibility in VISIBILITIES
    if audience.visibility == PROJECT:
        return not reader.outside or bool(reader.audiences & PROJECT_READERS_OUTSIDE)
    if audience.visibility == ORGANISATION:
        return audience.organisation is not None and user.organisation_name == audience.organisation
    return False


def may_read_comment_event(user: User, instance: ProcessInstance, reader: Reader, data: dict) -> bool:
    """A "comment_posted" event on the project's record (its data names the comment's audience) is read by whoever
    may read the comment: the history must not show an internal note to someone the thread keeps it from."""
    organisation = data.get("organisation")
    return may_read_comment(user, instance, reader, Audience(str(data.get("visibility") or ""),
                                                              organisation if isinstance(organisation, str) else None))


def comment_audiences(user: User, instance: ProcessInstance, reader: Reader) -> list[Audience]:
    """The audiences this user may post to: the Hub any of them (one per partner invited to the project); the
    sponsor and selected partners everyone on the project; a partner the Hub and their own organisation. Auditors
    and administrators read the record and change nothing in it: none."""
    if not user.roles - OBSERVERS:
        return []
    if reads_as_hub(user, instance, reader):
        return [Audience(PROJECT), Audience(INTERNAL),
                *(Audience(ORGANISATION, org) for org in sorted(names_in(instance.organisations)))]
    choices = [Audience(PROJECT)] if may_read_comment(user, instance, reader, Audience(PROJECT)) else []
    if _works_for_a_partner(user, instance):
        choices.append(Audience(ORGANISATION, user.organisation_name))
    return choices


def mentions_only_known_people(user: User, instance: ProcessInstance, reader: Reader) -> bool:
    """Outside the Hub one may mention only authors one has read and one's own colleagues (so that nobody can
    probe which usernames exist)."""
    return not reads_as_hub(user, instance, reader)


def may_correct(user: User, author: str) -> bool:
    """A comment is corrected only by its author (the correction supersedes it; both stay)."""
    return user.username == author


def author_role(author: User) -> str | None:
    """What an author inside the Hub does, in words ("Hub team"), beside their name; None outside the Hub (their
    organisation says it) and for someone holding only the administrator or auditor roles of the system."""
    if standing_of(author) == "outside":
        return None
    from . import ROLE_NAMES  # the package's words for roles (it imports this module)
    shown = [ROLE_NAMES.get(role, role) for role in sorted(author.roles - OUTSIDE_ROLES - {"admin"})]
    return ", ".join(shown) or None


COMMENT_EVENT = "comment_posted"


def events_as_shown(user: User, instance: ProcessInstance, reader: Reader, events: list[AuditEvent],
                    tasks: dict[str, Task]) -> list[dict | None]:
    """Each of a project's events as this reader may read it (None: not theirs), in record order: the allow-list's
    view (engine.policy.visibility Reader.events), and a comment's event only where the comment itself may be read.
    Every face that shows events (history, replay, the events API) reads them through here."""
    from engine.policy import may_see_task  # the package imports this module
    record = []
    for event in events:
        task = tasks.get(event.task_id or "")
        record.append((event_view(event), task, task is None or may_see_task(user, task)))
    return [view if view is None or event.kind != COMMENT_EVENT or may_read_comment_event(
        user, instance, reader, json.loads(event.data_json)) else None
        for event, view in zip(events, reader.events(record), strict=True)]
