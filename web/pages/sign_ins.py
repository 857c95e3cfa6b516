"""Sign-ins on the record, for auditors: who signed in, failed, was locked out, set up a second factor, made or
revoked an API token, and how groups map to roles; filtered by person, kind and dates, as a page and a CSV."""
from __future__ import annotations

import csv
import io
import re
from datetime import timezone

from flask import Blueprint, Response, render_template, request, url_for
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from engine.errors import BadRequest
from engine.history import sign_ins
from engine.history.audit_export import spreadsheet_safe
from web.event_kinds import event_kind_name
from web.form_reading import labelled_date
from web.services import clock, read, read_and_record, signed_in_user
from web.wording import role_name, uk_date, uk_datetime

bp = Blueprint("sign_ins", __name__, url_prefix="/audit")
GROUP_NAMES = {
    "signed_in": "Signed in", "failures": "Failures and lock-outs", "second_factor": "Second factor",
    "passwords_and_accounts": "Passwords and accounts", "tokens": "API tokens",
    "single_sign_on": "Single sign-on and role mappings", "signed_out": "Signed out",
}
HOW_WORDS = {"password": "Password", "password_and_code": "Password and authenticator app",
             "password_and_recovery_code": "Password and recovery code",
             "second_factor": "Authenticator app", "recovery_code": "Recovery code"}
REFUSALS = {"no_role": "none of their groups gives a role here", "disabled": "their account here is disabled",
            "not_verified": "the provider's answer failed verification"}
CSV_HEADER = ["When (UTC)", "Event number", "Username", "Name", "What", "How", "Address", "Detail", "Recorded by",
              "Recorded by (name)"]
FILTER_NAMES = ("person", "group", "from-day", "from-month", "from-year", "to-day", "to-month", "to-year")


def read_filters(args: MultiDict) -> sign_ins.Filters:
    """The filters from the query string. Raises BadRequest naming each field at fault (person, group, from, to)."""
    since, since_problem = labelled_date(args, "from", "The start date", "1 3 2026")
    until, until_problem = labelled_date(args, "to", "The end date", "31 3 2026")
    problems = {name: problem for name, problem in (("from", since_problem), ("to", until_problem)) if problem}
    if since and until and until < since and not problems:
        problems["to"] = "The end date must be the same as or after the start date"
    if problems:
        raise BadRequest(" ".join(problems.values()), fields=problems)
    return sign_ins.filters_of(person=args.get("person"), group=args.get("group"), since=since, until=until)


def read_page(args: MultiDict) -> int:
    page = args.get("page", "1").strip() or "1"
    if not re.fullmatch(r"[0-9]{1,6}", page) or int(page) < 1:
        raise BadRequest("The page is a whole number, 1 or more.", fields={"page": "a whole number, 1 or more"})
    return int(page)


def how_words(row: sign_ins.SignIn) -> str:
    if row.how == "provider":
        return f"Single sign-on ({row.provider})"
    return HOW_WORDS.get(row.how or "", "")


def _mapping_words(row: sign_ins.SignIn) -> str:
    change = "Added" if row.detail.get("change") == "added" else "Removed"
    return (f"{change}: members of the group “{row.detail.get('group', '')}” at {row.provider or ''} "
            f"hold the {role_name(str(row.detail.get('role', '')))} role")


def _refusal_words(row: sign_ins.SignIn) -> str:
    reason = REFUSALS.get(str(row.detail.get("reason")), str(row.detail.get("reason", "")))
    named = f"; the provider named them {row.detail['name']}" if row.detail.get("name") else ""
    return f"Refused: {reason}{named}"


def _rule_words(row: sign_ins.SignIn) -> str:
    change = "Added" if row.detail.get("change") == "added" else "Removed"
    value = str(row.detail.get("value", ""))
    who = f"everyone with the {role_name(value)} role" if row.detail.get("scope") == "role" else f"everyone at {value}"
    return f"{change}: {who} must use a second factor"


def _codes_left_words(row: sign_ins.SignIn) -> str:
    left = row.detail.get("left")
    return f"{left} recovery code{'' if left == 1 else 's'} left" if isinstance(left, int) else ""


DETAIL_WORDS = {"role_mapping_changed": _mapping_words, "single_sign_on_refused": _refusal_words,
                "second_factor_rule_changed": _rule_words, "recovery_code_used": _codes_left_words}


def detail_words(row: sign_ins.SignIn) -> str:
    """What else the event says, in a sentence (the same words on the page and in the CSV)."""
    if row.kind in DETAIL_WORDS:
        return DETAIL_WORDS[row.kind](row)
    said = "; ".join(_facts(row.detail))
    return said[:1].upper() + said[1:]


def recorded_by(row: sign_ins.SignIn) -> str | None:
    """Who did it, where that is not the person it is about (an administrator disabling someone, say)."""
    return row.actor if row.actor not in (row.username, "anonymous") else None


# An event's facts in this order; "by" is said apart from them (recorded_by), the scope with its value.
FACT_ORDER = ("name", "token_name", "token", "until", "locked_until", "expires", "expires_at")
NOT_FACTS = ("by", "scope")


def _facts(detail: dict) -> list[str]:
    """The event's own facts: a token's name and expiry, a lock-out's end, a rule's scope, anything else named."""
    keys = sorted(detail, key=lambda key: FACT_ORDER.index(key) if key in FACT_ORDER else len(FACT_ORDER))
    facts = []
    for key in keys:
        value = detail[key]
        if value in (None, "", [], {}) or key in NOT_FACTS:
            continue
        if key in ("until", "locked_until"):
            facts.append(f"locked until {uk_datetime(value)}")
        elif key in ("name", "token_name", "token"):
            facts.append(f"token “{value}”")
        elif key in ("expires_at", "expires"):
            facts.append(f"expires {uk_date(value)}")
        elif key == "role" or (key == "value" and detail.get("scope") == "role"):
            facts.append(f"role {role_name(str(value))}")
        else:
            facts.append(f"{key.replace('_', ' ')} {', '.join(map(str, value)) if isinstance(value, list) else value}")
    return facts


@bp.context_processor
def _words() -> dict:
    return {"event_kind_name": event_kind_name, "how_words": how_words, "detail_words": detail_words,
            "recorded_by": recorded_by, "group_names": GROUP_NAMES}


def _kept_filters() -> dict[str, str]:
    return {name: request.args[name] for name in FILTER_NAMES if request.args.get(name)}


def _form_values() -> dict:
    values = {name: request.args.get(name, "") for name in ("person", "group")}
    values["from"] = {part: request.args.get(f"from-{part}", "") for part in ("day", "month", "year")}
    values["to"] = {part: request.args.get(f"to-{part}", "") for part in ("day", "month", "year")}
    return values


def _one_of_the_pages(found: sign_ins.SignInPage) -> sign_ins.SignInPage:
    """The page asked for, if there is one; raised inside the reading, so a refused page is not recorded as read."""
    if found.page > found.pages:
        raise BadRequest(f"There {'is' if found.pages == 1 else 'are'} only {found.pages} "
                         f"page{'' if found.pages == 1 else 's'} of sign-ins for these filters.",
                         fields={"page": f"at most {found.pages}"})
    return found


def _errors(problem: BadRequest) -> dict[str, str]:
    """The fields at fault; a page that is not one (or past the last) is said in the problem's own words."""
    errors = {name: text for name, text in problem.fields.items() if name not in ("page", "offset")}
    return errors if errors else {"page": problem.message}


@bp.get("/sign-ins", strict_slashes=False)
@login_required
def index():
    read(lambda s: sign_ins.require_reader(signed_in_user(s)))
    try:
        chosen, page = read_filters(request.args), read_page(request.args)
        found = read_and_record(lambda s: _one_of_the_pages(sign_ins.read_sign_ins(
            s, user=signed_in_user(s), clock=clock(), filters=chosen, offset=(page - 1) * sign_ins.PER_PAGE)))
    except BadRequest as problem:
        return render_template("sign_ins/index.html", found=None, values=_form_values(), errors=_errors(problem),
                               message=problem.message), 400
    kept = _kept_filters()
    return render_template("sign_ins/index.html", found=found, values=_form_values(), errors={}, kept=kept,
                           page_url=lambda n: url_for("sign_ins.index", **kept, page=n),
                           chart=[{"day": uk_date(d.day), "sign_ins": d.sign_ins, "failures": d.failures}
                                  for d in found.summary.days])


@bp.get("/sign-ins.csv", endpoint="csv")
@login_required
def csv_download():
    chosen = read_filters(request.args)
    rows = read_and_record(lambda s: sign_ins.every_sign_in(s, user=signed_in_user(s), clock=clock(),
                                                            filters=chosen))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in rows:
        at = row.at if row.at.tzinfo else row.at.replace(tzinfo=timezone.utc)
        cells = [at.astimezone(timezone.utc).isoformat(), row.seq, row.username or "", row.name or "",
                 event_kind_name(row.kind), how_words(row), row.address or "", detail_words(row), row.actor,
                 row.actor_name or ""]
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
    return Response(out.getvalue().encode("utf-8"), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="sign-ins.csv"'})

