"""Small real documents the demo projects attach (a signed joint working agreement, a DPIA, EoI evidence, a pilot
report, a business case), each uploaded through the engine's own service and given to the task's completion by
reference, as a person's upload would be. The PDFs are written here: a one-page PDF is a few text objects and a
table of their byte offsets, so the demo needs no PDF library."""
from __future__ import annotations

import textwrap
import unicodedata
from dataclasses import dataclass
from typing import Callable

from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.documents.kinds import UploadLimits
from engine.store.models import User
from engine.tasks.uploads import upload_document

NOTICE = "An invented document for the Six Gates demonstration: no real organisation signed it."
WIDTH, TITLE_WIDTH = 80, 50  # characters of 11 pt Helvetica (16 pt bold) on an A4 line between 2.5 cm margins
LINES = 40  # lines of 11 pt text (16 pt apart) from the top of an A4 page to 2.5 cm above its foot


@dataclass(frozen=True)
class DemoFile:
    name: str  # as the uploader's computer called it
    content: bytes


# Per task (BPMN id): file field -> the files to attach, fixed or chosen from the task's data and the acting user.
Files = dict[str, list[DemoFile]] | Callable[[dict, User], dict[str, list[DemoFile]]]


def one_page_pdf(title: str, paragraphs: list[str]) -> bytes:
    """A valid one-page A4 PDF: the title, then each paragraph wrapped, and the demo's notice after them."""
    lines = [("F2", 16, line) for line in textwrap.wrap(title, TITLE_WIDTH)] + [("F1", 11, "")]
    for paragraph in paragraphs:
        lines += [("F1", 11, line) for line in textwrap.wrap(paragraph, WIDTH) or [""]] + [("F1", 11, "")]
    lines = lines[:LINES] + [("F1", 9, NOTICE)]  # what fits above the bottom margin
    text = ["BT", "72 770 Td"]
    for font, size, line in lines:
        text += [f"/{font} {size} Tf", f"({_escaped(line)}) Tj", f"0 -{size + 5} Td"]
    stream = "\n".join(text + ["ET"]).encode("cp1252")
    font = "<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>"
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> "
        b"/Contents 6 0 R >>",
        (font % "Helvetica").encode(), (font % "Helvetica-Bold").encode(),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ])


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")  # the second line marks the file as binary for old tools
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, table)
    return bytes(out)


def _escaped(line: str) -> str:
    """The line as a PDF string in Windows-1252 (the fonts' encoding here): a character outside it becomes its
    letter without the accent, or a question mark."""
    chars = []
    for char in line:
        plain = unicodedata.normalize("NFKD", char)[:1]
        chars.append(char if _encodable(char) else plain if _encodable(plain) else "?")
    return "".join(chars).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _encodable(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return bool(char)


def attach(session: Session, *, user: User, task_id: str, files: dict[str, list[DemoFile]],
           clock: Clock) -> dict[str, list[int]]:
    """Upload each file to the task's file field as `user` (a draft document of theirs), and return the answers
    that give the task's completion those documents."""
    return {field: [upload_document(session, user=user, task_id=task_id, field=field, name=file.name,
                                    content=file.content, limits=UploadLimits(), clock=clock).id
                    for file in given]
            for field, given in files.items() if given}
