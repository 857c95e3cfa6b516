"""File fields in forms: a top-level property of type "array" with an "x-file" rule holds uploaded documents.

  "dpia_document": {"type": "array", "title": "DPIA", "maxItems": 1, "x-file": {"kinds": ["pdf", "docx"], "max_mb": 10}}

`kinds` names entries of KINDS (absent: any of them); `max_mb` limits each file (the server's own limit still holds);
`maxItems` how many; the form's `required` list asks for at least one. The answer recorded is a list of document
references {"document", "name", "type", "size", "sha256"}, built by the engine from its own records
(engine.documents), so the audit trail carries each file's hash.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FILE = "x-file"


@dataclass(frozen=True)
class Kind:
    label: str  # as people say it: "PDF", "Word document"
    media_type: str  # served as this, whatever the upload claimed
    extension: str
    preview: bool = False  # browsers show it safely on their own (PDF and images), so it may open in a tab


KINDS = {
    "pdf": Kind("PDF", "application/pdf", "pdf", preview=True),
    "docx": Kind("Word document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xlsx": Kind("Excel workbook", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pptx": Kind("PowerPoint presentation",
                 "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
    "odt": Kind("OpenDocument text", "application/vnd.oasis.opendocument.text", "odt"),
    "ods": Kind("OpenDocument spreadsheet", "application/vnd.oasis.opendocument.spreadsheet", "ods"),
    "png": Kind("PNG image", "image/png", "png", preview=True),
    "jpeg": Kind("JPEG image", "image/jpeg", "jpg", preview=True),
    "csv": Kind("CSV file", "text/csv", "csv"),
    "txt": Kind("Plain text file", "text/plain", "txt"),
}
KIND_BY_MEDIA_TYPE = {kind.media_type: kind for kind in KINDS.values()}  # a stored document's kind
MB = 1024 * 1024
# A document reference as recorded: what the engine writes, and all a submission's list may hold.
REFERENCE_KEYS = ("document", "name", "type", "size", "sha256")


@dataclass(frozen=True)
class FileRule:
    title: str
    kinds: tuple[str, ...]  # allowed kinds, every kind when the form names none
    max_bytes: int | None  # per file, as the form says (None: the server's limit)
    max_files: int | None


def file_fields(schema: Any) -> dict[str, FileRule]:
    """The form's file fields by name (top-level properties with an x-file rule)."""
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return {}
    found = {}
    for key, field in properties.items():
        if isinstance(field, dict) and isinstance(field.get(FILE), dict):
            rule = field[FILE]
            kinds = tuple(k for k in rule.get("kinds") or KINDS if k in KINDS)
            max_mb = rule.get("max_mb")
            max_files = field.get("maxItems")
            found[key] = FileRule(str(field.get("title") or key), kinds or tuple(KINDS),
                                  int(max_mb * MB) if isinstance(max_mb, (int, float)) else None,
                                  max_files if isinstance(max_files, int) else None)
    return found


def file_rule_problem(schema: dict, nodes) -> str | None:
    """Why the form's x-file rules cannot work, or None. `nodes` is every schema inside the form."""
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    top = {id(field) for field in properties.values()}
    for node in nodes:
        if FILE not in node:
            continue
        rule = node[FILE]
        if id(node) not in top:
            return f"says {FILE} on a field inside another: file fields belong to the form itself (its properties)"
        if node.get("type") != "array":
            return f'says {FILE} on a field whose type is not "array" (a file field holds a list of files)'
        if not isinstance(rule, dict) or set(rule) - {"kinds", "max_mb"}:
            return f'says {FILE} {rule!r}: give an object with "kinds" (a list) and "max_mb" (a number)'
        kinds = rule.get("kinds", list(KINDS))
        if not isinstance(kinds, list) or not kinds or any(k not in KINDS for k in kinds):
            return f"says {FILE} kinds {kinds!r}: the kinds known are {', '.join(KINDS)}"
        max_mb = rule.get("max_mb", 1)
        if isinstance(max_mb, bool) or not isinstance(max_mb, (int, float)) or max_mb <= 0:
            return f"says {FILE} max_mb {max_mb!r}: give a number of megabytes above 0"
    return None
