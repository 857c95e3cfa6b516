"""The errors service functions raise; the web layer maps each to one HTTP status."""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from engine.repository.checks import Finding


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
    """A diagram failed the deployment checks.

    `findings` holds every engine.repository.findings.Finding (errors and warnings); `problems` the errors as
    strings, "element X: message", for callers that only print them.
    """

    code = "diagram_rejected"

    def __init__(self, findings: Sequence[Finding]):
        self.findings = list(findings)
        self.problems = [str(f) for f in self.findings if f.severity == "error"]
        super().__init__("; ".join(self.problems))
