"""The kinds of file a form may take, known by their content (never by their name or the browser's word), the
limits on size, and the safe name a file is kept under."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import filetype

from engine.repository.file_fields import KINDS, MB

DEFAULT_MAX_MB = 20  # the server's limit per file when SIXGATES_MAX_UPLOAD_MB is not set


BY_FILETYPE = {"pdf": "pdf", "docx": "docx", "xlsx": "xlsx", "pptx": "pptx", "odt": "odt", "ods": "ods",
               "png": "png", "jpg": "jpeg"}
TEXT_KINDS = ("csv", "txt")  # no magic number: known as text by decoding, named by the upload's extension
# What some content is when it is none of the kinds, to say so in the refusal.
NAMED_TYPES = {"exe": "a Windows program", "elf": "a Linux program", "zip": "a zip archive", "rar": "an archive",
               "7z": "an archive", "gz": "a compressed archive", "doc": "an old Word document (.doc)",
               "xls": "an old Excel workbook (.xls)", "ppt": "an old PowerPoint file (.ppt)",
               "rtf": "a rich text file", "gif": "a GIF image", "sqlite": "a database file"}


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = DEFAULT_MAX_MB * MB  # per file, whatever a form allows


def sniff(content: bytes, name: str = "") -> str | None:
    """The kind of this content, read from the bytes themselves (a program renamed .pdf is a program); plain text
    has no signature, so a UTF-8 text upload is CSV or text by its extension."""
    found = filetype.guess(content)
    if found is not None:
        return BY_FILETYPE.get(found.extension)
    if _is_text(content):
        return "csv" if name.lower().endswith(".csv") else "txt"
    return None


def described(content: bytes) -> str:
    """What unaccepted content is, in words, for the refusal."""
    found = filetype.guess(content)
    if found is None:
        return "not a kind of file this form takes"
    return NAMED_TYPES.get(found.extension, f"a .{found.extension} file")


def _is_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def kinds_in_words(kinds: tuple[str, ...]) -> str:
    labels = [KINDS[k].label for k in kinds if k in KINDS]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


SAFE = re.compile(r"[^\w .()+,-]+")


def safe_name(name: str, kind: str) -> str:
    """The name a file is kept and served under: its last path part, letters, digits and plain punctuation only,
    at most 120 characters, ending in its kind's own extension (a PDF called report.exe becomes report.exe.pdf)."""
    base = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = SAFE.sub("_", "".join(c for c in base if unicodedata.category(c)[0] != "C")).strip(" ._") or "document"
    extension = KINDS[kind].extension
    stem, dot, given = base.rpartition(".")
    if dot and given.lower() in (extension, "jpeg" if kind == "jpeg" else extension):
        base = stem.strip(" ._") or "document"
    return f"{base[:120 - len(extension) - 1]}.{extension}"


def size_in_words(size: int) -> str:
    """A file's size as people say it: "300 KB", "1 MB", "1.5 MB"."""
    if size < MB:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / MB:.1f} MB".replace(".0 MB", " MB")
