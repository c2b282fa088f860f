"""The file names of exported panels, in COVID-CT's form: DOI suffix, page, figure and panel index
(`2020.03.22.20040782-p25-2%1.png`). Import reads the same names back, so both use this module.
Every part is bounded (a long one keeps its start and gains a short hash of the whole), so a name is
at most about 150 ASCII bytes, well under the 255 that file systems allow, and stays distinct."""

from __future__ import annotations

import hashlib
import re

UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_SUFFIX = 96  # a DOI suffix longer than this keeps its first characters and a hash of the whole
MAX_FIGURE = 24


def _bounded(text: str, limit: int) -> str:
    """`text`, or when longer than `limit`, its start and 10 hex digits of its SHA-256 (still distinct)."""
    if len(text) <= limit:
        return text
    return text[: limit - 11] + "_" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def doi_suffix(doi: str) -> str:
    """The part of a DOI after its registrant prefix ("10.1101/"), safe and bounded as a file name."""
    return _bounded(UNSAFE.sub("_", doi.split("/", 1)[-1]).strip("_"), MAX_SUFFIX)


def figure_token(number: str, index: int) -> str:
    return _bounded(UNSAFE.sub("_", number), MAX_FIGURE) if number else f"i{index + 1}"


def panel_ext(panel_sha256: str, figure_sha256: str, figure_ext: str) -> str:
    """A panel that is its whole figure keeps the figure's file type; a crop is a PNG."""
    return figure_ext if panel_sha256 == figure_sha256 else "png"


def export_name(doi: str, version: int, page: int, figure_number: str, figure_index: int, panel_index: int, ext: str) -> str:
    """`suffix-pPAGE-FIGURE%PANEL.ext`; versions after the first add `v2` to the suffix."""
    stem = doi_suffix(doi) + (f"v{version}" if version > 1 else "")
    return f"{stem}-p{page}-{figure_token(figure_number, figure_index)}%{panel_index}.{ext}"


def distinct_name(name: str, panel_id: int, taken: set[str]) -> str:
    """`name`, or, when an earlier panel took it (another extractor or splitter version of the same
    panel), `name` with the panel id after its `%`: `...-p25-2%318-1.png`. Adds the result to `taken`."""
    if name in taken:
        name = name.replace("%", f"%{panel_id}-", 1)
    taken.add(name)
    return name
