"""The two versions a compare request names, for the diff page and the API's /processes/diff alike."""
from __future__ import annotations

from typing import Mapping

from engine.errors import BadRequest, NotFound
from web.odd_input import MAX_ID


def version_ids(args: Mapping[str, str]) -> tuple[int, int]:
    """The `old` and `new` version ids of a compare request."""
    try:
        old, new = int(args["old"]), int(args["new"])
    except (KeyError, ValueError):
        raise BadRequest("Choose the two versions to compare: old and new, each a version number id.",
                         fields={"old": "required", "new": "required"}) from None
    if max(abs(old), abs(new)) > MAX_ID:  # past any id: names nothing, on every database
        raise NotFound("There is nothing with that number.")
    return old, new
