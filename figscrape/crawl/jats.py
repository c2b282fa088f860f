"""Figures of record from a preprint's JATS XML: each <fig>'s label, caption and image file.
Real JATS from the servers is not always well-formed (an XML declaration not on line 1, bare &,
HTML entities), so it is parsed leniently."""

from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass

from bs4 import BeautifulSoup


@dataclass(frozen=True)
class JatsFigure:
    label: str
    caption: str
    graphic: str
    fig_id: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}


def tag_text(tag) -> str:  # noqa: ANN001 - a bs4 Tag or None
    """A tag's text with its whitespace collapsed; "" for no tag."""
    return re.sub(r"\s+", " ", tag.get_text(" ")).strip() if tag is not None else ""


def clean_xml(data: bytes | str) -> str:
    """Text a lenient XML parser can take: declaration moved to the front or dropped, HTML entities
    turned into characters, bare ampersands escaped, attributes that run together separated."""
    text = (data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data).lstrip("\ufeff \r\n\t")
    text = re.sub(r"<\?xml[^>]*\?>", "", text)
    text = re.sub(r"&([A-Za-z][A-Za-z0-9]*);", _entity, text)
    text = re.sub(r"&(?!(?:[A-Za-z][A-Za-z0-9]*|#\d+|#x[0-9a-fA-F]+);)", "&amp;", text)
    text = re.sub(r'(=\s*"[^"<>]*")(?=[A-Za-z_:][-\w:.]*\s*=)', r"\1 ", text)
    return text


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in XML_ENTITIES:
        return match.group(0)
    char = html.unescape(match.group(0))
    return char if char != match.group(0) else f"&amp;{name};"


def parse_leniently(xml: bytes | str, expect: str) -> BeautifulSoup:
    """The document as an XML tree; when the XML parser loses the `expect` element (a document it
    gave up on), the HTML parser's more forgiving tree."""
    text = clean_xml(xml)
    soup = BeautifulSoup(text, "lxml-xml")
    if soup.find(expect) is None:
        soup = BeautifulSoup(text, "html.parser")
    return soup


def figures_in(soup: BeautifulSoup) -> list[JatsFigure]:
    """Every <fig> of the document, in order; tables are not figures."""
    out = []
    for fig in soup.find_all("fig"):
        graphic = fig.find("graphic")
        href = ""
        if graphic is not None:
            href = graphic.get("xlink:href") or graphic.get("href") or ""
        out.append(JatsFigure(tag_text(fig.find("label")), tag_text(fig.find("caption")), str(href), str(fig.get("id") or "")))
    return out


def jats_figures(xml: bytes | str) -> list[JatsFigure]:
    return figures_in(parse_leniently(xml, "fig"))
