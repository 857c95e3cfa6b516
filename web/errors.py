"""The one place service errors become HTTP answers."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from engine.errors import (
    BadRequest,
    Conflict,
    DiagramRejected,
    Forbidden,
    LoginThrottled,
    NotAuthenticated,
    NotFound,
    ProcessFailed,
    ServiceError,
    TooLarge,
    ValidationFailed,
)

STATUS = {BadRequest: 400, NotAuthenticated: 401, Forbidden: 403, NotFound: 404, Conflict: 409,
          TooLarge: 413, LoginThrottled: 429, ValidationFailed: 422, DiagramRejected: 422, ProcessFailed: 500}


def status_of(error: ServiceError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def wants_json() -> bool:
    """The API, and pages' own fetch calls that send or ask for JSON, get errors as JSON; people get a page."""
    return request.path.startswith("/api/") or request.is_json or request.accept_mimetypes.best == "application/json"


# Errors Python or the database raise on input no request should carry, answered as such.
BAD_INPUT = {RecursionError: BadRequest("The request is nested too deeply to read."),  # a deep JSON body
             # ids past any column are 404 at the route (odd_input); an overflow here is a value, e.g. a timer's date
             OverflowError: BadRequest("A number or date in the request is too large to work with."),
             # a value the database refuses to hold (a number out of range, a NUL): what odd_input misses
             DataError: BadRequest("The request holds a value that cannot be stored or looked up.")}


def _bad_input(error: Exception) -> ServiceError | None:
    return next((answer for cls, answer in BAD_INPUT.items() if isinstance(error, cls)), None)


def init_app(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError):
        status = status_of(error)
        body = error_body(error.code, error.message, error.fields)
        if isinstance(error, DiagramRejected):
            body["error"]["problems"] = error.problems
            body["error"]["findings"] = [f.as_dict() for f in error.findings]
        # HTTP: a 401 names the scheme that would be accepted.
        headers = {"WWW-Authenticate": 'Bearer realm="Six Gates API"'} if status == 401 else {}
        if wants_json():
            return jsonify(body), status, headers
        return render_template("error.html", status=status, message=error.message), status, headers

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        if _bad_input(error) is not None:
            return service_error(_bad_input(error))
        app.logger.exception("unexpected error on %s", request.path)
        message = "Something went wrong on our side; nothing was changed. Please try again."
        if wants_json():
            return jsonify(error_body("internal_error", message)), 500
        return render_template("error.html", status=500, message=message), 500

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # Keep what the error itself says in headers, such as Allow on a 405.
        headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
        if wants_json():
            code = (error.name or "error").lower().replace(" ", "_")
            return jsonify(error_body(code, error.description or error.name)), error.code, headers
        return render_template("error.html", status=error.code, message=error.description), error.code, headers
