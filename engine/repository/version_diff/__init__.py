"""What changed between two deployed process versions, element by element: diagram (BPMN),
forms (JSON Schema) and decision tables (DMN); and the services that read versions for people."""
from __future__ import annotations

from engine.repository.version_diff.changes import AREAS, Change, ProcessFiles
from engine.repository.version_diff.compare import diagram_markers, diff_files, summarise
from engine.repository.version_diff.service import (
    VersionDetail,
    VersionDiff,
    VersionSummary,
    list_versions,
    may_read_versions,
    version_bpmn,
    version_detail,
    version_diagram,
    version_diff,
)

__all__ = [
    "AREAS", "Change", "ProcessFiles", "VersionDetail", "VersionDiff", "VersionSummary", "diagram_markers",
    "diff_files", "list_versions", "may_read_versions", "summarise", "version_bpmn", "version_detail",
    "version_diagram", "version_diff",
]
