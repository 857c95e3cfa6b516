"""The auditors' area: the start page and the verification of every project's history."""
from __future__ import annotations

import re
import time

from flask import Blueprint, jsonify, render_template, request
from flask_login import login_required

from engine.errors import BadRequest
from engine.history import verification
from engine.kernel.stages import stage_name
from web.services import read, signed_in_user

bp = Blueprint("audit", __name__, url_prefix="/audit")
# A project's status as people say it (the engine keeps it as a code).
BATCH = 25  # projects per verification request: a progress bar moves every second or so


@bp.get("")
@login_required
def index():
    projects = read(lambda s: verification.projects_to_verify(s, user=signed_in_user(s)))
    return render_template("audit/index.html", projects=projects, stage_name=stage_name)


@bp.get("/verify")
@login_required
def verify():
    """The verification page; without JavaScript, ?run=1 checks everything in one request."""
    report, seconds = None, None
    if request.args.get("run"):
        started = time.perf_counter()
        report = read(lambda s: verification.verify(s, user=signed_in_user(s)))
        seconds = time.perf_counter() - started
    else:
        read(lambda s: verification.require_auditor(signed_in_user(s)))
    return render_template("audit/verify.html", report=report, seconds=seconds, batch=BATCH)


@bp.get("/verify/batch")
@login_required
def verify_batch():
    """One batch for the page's progress bar: JSON."""
    offset = request.args.get("offset", "0")
    if not re.fullmatch(r"[0-9]{1,9}", offset):
        raise BadRequest("offset must be a whole number, 0 or more.")
    report = read(lambda s: verification.verify(s, user=signed_in_user(s), offset=int(offset), limit=BATCH))
    return jsonify(report.as_dict())
