"""The BPMN MIWG reference diagrams, drawn in many tools: each is accepted or refused with reasons, never a crash."""

import pytest

from engine.repository.checks import check_diagram
from tests.conftest import MIWG

CORPUS = MIWG
FILES = sorted(CORPUS.glob("*.bpmn")) if CORPUS.is_dir() else []
needs_corpus = pytest.mark.skipif(not FILES, reason=f"the MIWG corpus is not checked out at {CORPUS}")
TRACEBACK_WORDS = ("Traceback", 'File "', "Error:", "Exception", "<lxml", "0x")


def corpus_ids() -> list[str]:
    return [p.name for p in FILES] or ["absent"]


@needs_corpus
def test_the_corpus_has_its_21_reference_diagrams():
    assert len(FILES) == 21


@needs_corpus
@pytest.mark.parametrize("path", FILES or [None], ids=corpus_ids())
def test_each_reference_diagram_is_accepted_or_refused_with_reasons(path):
    data = path.read_bytes()
    report = check_diagram(data, {}, {})
    ids = set(_element_ids(data))
    for finding in report.findings:
        assert finding.severity in ("error", "warning")
        assert finding.element_id is None or finding.element_id in ids, finding
        assert finding.message and "\n" not in finding.message
        assert not any(word in finding.message for word in TRACEBACK_WORDS), finding.message
    if report.ok:
        assert report.compiled is not None
    else:
        assert report.compiled is None
        assert all(f.element_id or f.file is None for f in report.errors)


@needs_corpus
def test_the_corpus_is_refused_for_the_reasons_a_process_owner_would_expect():
    """Every MIWG file is descriptive or written for another engine, so none can run in Six Gates as it is."""
    reports = {p.name: check_diagram(p.read_bytes(), {}, {}) for p in FILES}
    assert [name for name, report in reports.items() if report.ok] == []
    messages = {name: " ".join(f.message for f in report.errors) for name, report in reports.items()}
    assert "isExecutable=false" in messages["A.1.0.bpmn"]
    assert "written in JUEL" in messages["C.1.0.bpmn"]
    assert "written in XPath" in messages["C.1.1.bpmn"]
    assert "zeebe:taskDefinition" in messages["C.8.1.bpmn"]
    assert "is ISO 8601 text, but timers are Python expressions" in messages["C.9.1.bpmn"]
    assert "compensate event definition" in messages["C.6.0.bpmn"]
    assert "has no implementation in Six Gates" in messages["C.4.0.bpmn"]  # data stores


def _element_ids(data: bytes) -> list[str]:
    from lxml import etree
    return [e.get("id") for e in etree.fromstring(data).iter() if isinstance(e.tag, str) and e.get("id")]
