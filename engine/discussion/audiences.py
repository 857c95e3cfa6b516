"""A comment's audience in words, and the audience a poster chose, read and checked against what they may choose."""
from __future__ import annotations

from engine.errors import ValidationFailed
from engine.policy.discussion import INTERNAL, ORGANISATION, PROJECT, VISIBILITIES, Audience

FIELD = "visibility"  # the field a refused audience is reported on (the API's name; the page's radios map to it)


def audience_words(audience: Audience) -> str:
    """"Everyone on the project", "Internal: NHS and Hub only", "The Hub and Acme Ltd"."""
    if audience.visibility == INTERNAL:
        return "Internal: NHS and Hub only"
    if audience.visibility == ORGANISATION:
        return f"The Hub and {audience.organisation}"
    return "Everyone on the project"


def choice_value(audience: Audience) -> str:
    """How a page's radio button names an audience: "project", "internal" or "organisation:Acme Ltd"."""
    return f"{ORGANISATION}:{audience.organisation}" if audience.visibility == ORGANISATION else audience.visibility


def from_choice(value: str | None) -> tuple[str, str | None]:
    """A radio button's value back to (visibility, organisation)."""
    visibility, _, organisation = (value or "").partition(":")
    return visibility, organisation or None


def chosen(visibility: str | None, organisation: str | None, allowed: list[Audience]) -> Audience:
    """The audience asked for, when this poster may post to it; else ValidationFailed saying what they may choose.
    With one choice and none asked for, that one."""
    if not visibility and len(allowed) == 1:
        return allowed[0]
    if visibility not in VISIBILITIES:
        raise _refused("Choose who can read this comment.", allowed)
    wanted = Audience(visibility, organisation if visibility == ORGANISATION else None)
    if visibility == ORGANISATION and not organisation:
        raise _refused("Choose which organisation can read this comment with the Hub.", allowed)
    if wanted not in allowed:
        raise _refused("You cannot post a comment for that audience.", allowed)
    return wanted


def _refused(message: str, allowed: list[Audience]) -> ValidationFailed:
    words = "; ".join(audience_words(a) for a in allowed) or "nobody: you cannot post here"
    return ValidationFailed(message, fields={FIELD: f"{message} You can choose: {words}."})


__all__ = ["INTERNAL", "ORGANISATION", "PROJECT", "audience_words", "choice_value", "chosen", "from_choice"]
