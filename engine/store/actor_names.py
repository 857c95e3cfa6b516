"""What a page calls the actors on the record that are not people: the command line, the engine, the timer
worker. The record keeps their short names ("cli"); people read what each one is."""
from __future__ import annotations

# The command line is run on the server by the Hub team, who hold the database.
SERVICE_ACTOR_NAMES = {
    "cli": "The command line (Hub team)",
    "engine": "The engine",
    "timer": "The timer worker",
    "demo": "The demo set-up",
}


def actor_name(username: str | None, people: dict[str, str]) -> str:
    """A person's display name from `people` (username -> display name), else what a service actor is,
    else the name as recorded."""
    if not username:
        return ""
    return people.get(username) or SERVICE_ACTOR_NAMES.get(username, username)
