"""Whether a body the crawler parses ended early. A cut body is a transient fault, retried like an
empty one; a whole body that is wrong is not. "Cut" means JSON, XML or HTML that stops in the
middle: every byte up to the end is a valid beginning of a document, but the document never ends."""

from __future__ import annotations

import json
import re

from lxml import etree

from figscrape.crawl.jats import clean_xml

_LITERALS = ("true", "false", "null")


def json_cut(text: str | bytes) -> bool:
    """True when the text is not JSON but is a beginning of some JSON document (or is empty)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    body = text.rstrip()
    if not body:
        return True
    try:
        json.loads(body)
    except RecursionError:  # nested deeper than Python reads: whole or not, not a document to ask for again
        return False
    except json.JSONDecodeError as exc:
        if exc.pos >= len(body) or exc.msg.startswith("Unterminated string"):
            return True
        rest = body[exc.pos :]
        if exc.msg == "Expecting value" and (any(lit.startswith(rest) for lit in _LITERALS) or re.fullmatch(r"-?\d*\.?\d*[eE]?[-+]?\d*", rest)):
            return True
        return exc.msg.startswith("Invalid \\uXXXX escape") and len(body) - exc.pos <= 6
    return False


def xml_cut(data: str | bytes) -> bool:
    """True when the XML (after the lenient clean-up) is well-formed up to its end but never closes
    its document: a prefix of a valid document. Malformed XML is not cut; it is wrong."""
    text = clean_xml(data).strip()
    if not text:
        return True
    parser = etree.XMLParser(recover=False, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    try:
        parser.feed(text)
    except etree.XMLSyntaxError:
        return False  # a mistake before the end: whole but wrong (the lenient parsers may still read it)
    try:
        parser.close()
    except etree.XMLSyntaxError:
        return True
    return False


def html_cut(text: str | bytes) -> bool:
    """True when an HTML page stops before its closing </html> tag."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return not re.search(r"</html\s*>\s*$", text.strip()[-4096:], re.IGNORECASE)
