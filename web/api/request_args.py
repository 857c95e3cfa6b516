"""What an API view reads from the request beyond its path: a JSON object body and whole-number query
parameters, refused with a 400 the client can act on."""
from __future__ import annotations

from flask import request

from engine.errors import BadRequest
from web.odd_input import bounded_int


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


def int_arg(name: str, default: int) -> int:
    return bounded_int(request.args.get(name), name, default=default)


def text_field(body: dict, name: str, *, longest: int = 1000) -> str:
    """A text member of the body ("" when absent: the service says whether it is required); raises BadRequest
    for anything but text, or text longer than `longest`."""
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > longest:
        raise BadRequest(f"{name} must be text of at most {longest} characters.",
                         fields={name: f"Use text of at most {longest} characters."})
    return value
