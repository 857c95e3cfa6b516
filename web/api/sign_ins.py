"""REST API /audit/sign-ins: the sign-ins on the record for auditors and administrators, as the page lists them
(kinds as recorded), filtered by person, group of kinds and ISO dates (inclusive, UK days); each reading is
itself recorded."""
from __future__ import annotations

from datetime import date, timezone

from flask import Blueprint, jsonify, request

from engine.errors import BadRequest
from engine.history import sign_ins
from web.api.request_args import int_arg
from web.services import clock, read_and_record, signed_in_user

bp = Blueprint("sign_ins", __name__)
MAX_LIMIT = 200


def _date_arg(name: str) -> date | None:
    if name not in request.args:
        return None
    text = request.args[name]
    try:
        return date.fromisoformat(text) if len(text) == 10 else _not_a_date(name)
    except ValueError:
        return _not_a_date(name)


def _not_a_date(name: str):
    raise BadRequest(f"{name} is a date as YYYY-MM-DD.", fields={name: "a date as YYYY-MM-DD"})


def _as_json(row: sign_ins.SignIn) -> dict:
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=timezone.utc)
    return {"seq": row.seq, "at": at.astimezone(timezone.utc).isoformat(), "kind": row.kind,
            "username": row.username, "name": row.name, "how": row.how, "provider": row.provider,
            "address": row.address, "actor": row.actor, "detail": row.detail}


@bp.get("/audit/sign-ins")
def list_sign_ins():
    group = request.args.get("group")
    if group is not None and group not in sign_ins.GROUPS:  # the page's "" (anything) is no group here
        raise BadRequest(f"group is one of {', '.join(sign_ins.GROUPS)}.", fields={"group": "one of the groups"})
    filters = sign_ins.filters_of(person=request.args.get("person"), group=group,
                                  since=_date_arg("from"), until=_date_arg("to"))
    limit, offset = int_arg("limit", sign_ins.PER_PAGE), int_arg("offset", 0)
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit is 1 to {MAX_LIMIT}.", fields={"limit": f"1 to {MAX_LIMIT}"})
    found = read_and_record(lambda s: sign_ins.read_sign_ins(s, user=signed_in_user(s), clock=clock(),
                                                             filters=filters, offset=offset, limit=limit))
    summary = found.summary
    return jsonify({"sign_ins": [_as_json(row) for row in found.rows], "total": found.total,
                    "offset": found.offset, "limit": found.limit,
                    "summary": {"sign_ins": summary.sign_ins, "failures": summary.failures,
                                "lock_outs": summary.lock_outs}})


def openapi_paths() -> dict:
    """This area's paths in the OpenAPI document."""
    from web.api.openapi import NULLABLE_STRING, PAGE, _op, _query  # imported when the document is built
    day = {"type": "string", "format": "date"}
    row = {"type": "object", "required": ["seq", "at", "kind", "username", "name", "how", "provider", "address",
                                          "actor", "detail"], "properties": {
        "seq": {"type": "integer", "description": "The event's number on the system chain"},
        "at": {"type": "string", "format": "date-time"}, "kind": {"type": "string"},
        "username": {**NULLABLE_STRING, "description": "Whom it is about (null: nobody known)"},
        "name": {**NULLABLE_STRING, "description": "Their display name, where they have an account"},
        "how": {"type": "string", "nullable": True,
                "enum": ["password", "password_and_code", "password_and_recovery_code", "second_factor",
                         "recovery_code", "provider", None]},
        "provider": NULLABLE_STRING, "address": NULLABLE_STRING,
        "actor": {"type": "string", "description": "Who recorded it"}, "detail": {"type": "object"}}}
    count = {"type": "integer"}
    result = {"type": "object", "required": ["sign_ins", "total", "offset", "limit", "summary"], "properties": {
        "sign_ins": {"type": "array", "items": row}, "total": count, "offset": count, "limit": count,
        "summary": {"type": "object", "required": ["sign_ins", "failures", "lock_outs"],
                    "properties": {"sign_ins": count, "failures": count, "lock_outs": count}}}}
    params = (_query("person", {"type": "string", "maxLength": 80}),
              _query("group", {"type": "string", "enum": list(sign_ins.GROUPS)}),
              _query("from", day), _query("to", day), *PAGE)
    return {"/audit/sign-ins": {"get": _op(
        "Sign-ins, failures, lock-outs, second factors, API tokens and role mappings on the record, newest first "
        "(auditors and administrators; each reading is recorded). Dates are UK days, inclusive",
        result=result, errors=(403,), params=params)}}
