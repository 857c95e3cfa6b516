"""What the checks before deployment report: findings, each about one element, and the report."""
from __future__ import annotations

from dataclasses import dataclass, field

from engine import spiff

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    element_id: str | None   # the BPMN/DMN element id, None for whole-file problems
    message: str             # one sentence a process owner understands, no Python tracebacks
    severity: str            # "error" (blocks deployment) or "warning" (does not)
    file: str | None = None  # the file element_id is in, e.g. "evidence_gate.dmn" or a form; None = the BPMN file

    def as_dict(self) -> dict:
        return {"element_id": self.element_id, "message": self.message, "severity": self.severity,
                "file": self.file}

    def __str__(self) -> str:
        """'element X: message' ('file, element X: ...' outside the BPMN file); whole-file: the message."""
        if self.element_id is None:
            return self.message
        where = f"{self.file}, element {self.element_id}" if self.file else f"element {self.element_id}"
        return f"{where}: {self.message}"


def error(element_id: str | None, message: str, file: str | None = None) -> Finding:
    return Finding(element_id, message, ERROR, file)


def warning(element_id: str | None, message: str, file: str | None = None) -> Finding:
    return Finding(element_id, message, WARNING, file)


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)
    compiled: spiff.CompiledProcess | None = None
    lanes: dict[str, str] = field(default_factory=dict)  # lane id -> name, of lanes where people work

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors
