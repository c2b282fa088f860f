"""Figures of record from a preprint's JATS XML: each <fig>'s label, caption and image file.
Real JATS from the servers is not always well-formed (an XML declaration not on line 1, bare &,
HTML entities), so it is parsed leniently."""

from __future__ import annotations

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


def _text(tag) -> str:  # noqa: ANN001 - a bs4 Tag or None
    return re.sub(r"\s+", " ", tag.get_text(" ")).strip() if tag is not None else ""


def jats_figures(xml: bytes | str) -> list[JatsFigure]:
    """Every <fig> of the document, in order; tables are not figures."""
    text = xml.decode("utf-8", errors="replace") if isinstance(xml, bytes) else xml
    text = text.lstrip("\ufeff \r\n\t")
    soup = BeautifulSoup(text, "lxml-xml")
    figs = soup.find_all("fig")
    if not figs:  # a document the XML parser gave up on: the HTML parser is more forgiving
        soup = BeautifulSoup(text, "html.parser")
        figs = soup.find_all("fig")
    out = []
    for fig in figs:
        graphic = fig.find("graphic")
        href = ""
        if graphic is not None:
            href = graphic.get("xlink:href") or graphic.get("href") or ""
        out.append(JatsFigure(_text(fig.find("label")), _text(fig.find("caption")), str(href), str(fig.get("id") or "")))
    return out
