"""The errors service functions raise; the web layer maps each to one HTTP status."""
from __future__ import annotations


class ServiceError(Exception):
    code = "error"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class BadRequest(ServiceError):
    code = "bad_request"


class NotAuthenticated(ServiceError):
    code = "not_authenticated"


class Forbidden(ServiceError):
    code = "forbidden"


class NotFound(ServiceError):
    code = "not_found"


class Conflict(ServiceError):
    code = "conflict"


class TooLarge(ServiceError):
    code = "too_large"


class LoginThrottled(ServiceError):
    """Too many failed sign-ins for this username or from this address; `minutes` until the next try."""

    code = "too_many_attempts"

    def __init__(self, minutes: int):
        super().__init__(f"Too many attempts, try again in {minutes} minute{'s' if minutes != 1 else ''}.")
        self.minutes = minutes


class ValidationFailed(ServiceError):
    code = "validation_failed"


class ProcessFailed(ServiceError):
    """The diagram itself failed while running (a script or decision table error); nothing was saved."""

    code = "process_error"


class DiagramRejected(ValidationFailed):
    """A diagram failed the deployment checks; `problems` lists every reason."""

    code = "diagram_rejected"

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems
