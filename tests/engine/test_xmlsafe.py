"""Uploaded XML is parsed with entities, DTDs and network off, and with a size limit."""
import pytest

from engine.spiff.xmlsafe import MAX_XML_BYTES, UnsafeXml, parse_xml

XXE = b"""<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>"""
LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><l>&c;</l>"""


@pytest.mark.parametrize("payload", [XXE, LAUGHS])
def test_doctypes_and_entities_are_refused(payload):
    with pytest.raises(UnsafeXml, match="DOCTYPE"):
        parse_xml(payload)


def test_oversized_files_are_refused():
    with pytest.raises(UnsafeXml, match="larger"):
        parse_xml(b"<a>" + b" " * MAX_XML_BYTES + b"</a>")


def test_malformed_xml_is_reported():
    with pytest.raises(UnsafeXml, match="well-formed"):
        parse_xml(b"<a><b></a>")
