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
