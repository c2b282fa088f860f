"""Where a local PDF came from, read from the PDF itself: the medRxiv / bioRxiv stamp on its pages
(server, DOI, posting date, licence), its metadata (title, author), a DOI and version in its file
name, and the title from the first page when the metadata has none. Licences use the API's codes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

# rxiv DOIs: dated (2020.04.24.20077800, medRxiv 8 digits, bioRxiv 6) or the old bioRxiv numbers (153585)
RXIV_DOI = r"10\.\d{4,9}/(?:\d{4}\.\d{2}\.\d{2}\.\d{6,8}|\d{5,7})(?!\d)"
STAMP = re.compile(r"\b(medRxiv|bioRxiv) preprint\b")
STAMP_DOI = re.compile(r"doi\.org/(" + RXIV_DOI + r")")
POSTED = re.compile(r"posted(?: online)?\s+([A-Z][a-z]{2,8})\.?\s+(\d{1,2}),\s+(\d{4})")
NAME_DOI = re.compile(r"(?<![\d.])(\d{4}\.\d{2}\.\d{2}\.\d{6,8})(?:v(\d+))?")
NAME_OLD_DOI = re.compile(r"(?:^|[^\d.])(\d{6})(?:v(\d+))?(?:\.full)?$")
MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
# the stamp's licence sentence, most specific first; the codes are the API's (and crawl/meca.py's)
LICENCE_WORDS = (
    (r"CC[- ]?BY[- ]NC[- ]ND", "cc_by_nc_nd"), (r"CC[- ]?BY[- ]NC[- ]SA", "cc_by_nc_sa"), (r"CC[- ]?BY[- ]NC", "cc_by_nc"),
    (r"CC[- ]?BY[- ]ND", "cc_by_nd"), (r"CC[- ]?BY[- ]SA", "cc_by_sa"), (r"CC[- ]?BY", "cc_by"), (r"\bCC0\b|CC[- ]?ZERO", "cc0"),
    (r"No reuse allowed without permission|All rights reserved", "cc_no"),
)
LICENCE_CODES = ("cc_by", "cc_by_nc", "cc_by_nd", "cc_by_nc_nd", "cc_by_sa", "cc_by_nc_sa", "cc0", "cc_no")
JUNK_AUTHORS = {"administrator", "admin", "user", "owner", "author", "unknown"}
HEADINGS = re.compile(r"(\d+\.?\s*)?(abstract|introduction|background|summary|methods?|results?)\s*$", re.I)
STAMP_WORDS = re.compile(r"Rxiv|copyright holder|license|licence|doi\.org|perpetuity|peer[- ]review", re.I)


@dataclass
class Provenance:
    """What a PDF says about itself; server "local" when nothing names an rxiv DOI."""

    server: str = "local"
    doi: str = ""
    version: int | None = None  # None: neither the file name nor the stamp says which version
    title: str = ""
    authors: str = ""
    date: str | None = None
    license: str = ""


def licence_code(text: str) -> str:
    """The API's licence code for a stamp's licence sentence (or a code given as is); "" when none fits."""
    if text.strip().lower() in LICENCE_CODES:
        return text.strip().lower()
    made = re.search(r"made\s+available\s+(?:for use\s+)?under\s+an?\s*(.{0,60})", text, re.I)
    for phrase in ([made.group(1)] if made else []) + [text]:
        for words, code in LICENCE_WORDS:
            if re.search(words, phrase, re.I):
                return code
    return ""


def posted_date(text: str) -> str | None:
    """ISO date of the stamp's "this version posted May 4, 2020" (or older "first posted online Jun. 22, 2017")."""
    match = POSTED.search(text)
    if not match or match.group(1)[:3].lower() not in MONTHS:
        return None
    try:
        return date(int(match.group(3)), MONTHS[match.group(1)[:3].lower()], int(match.group(2))).isoformat()
    except ValueError:
        return None


def read_stamp(text: str) -> Provenance | None:
    """The rxiv stamp in a page's text (any reading order), or None when there is no stamp."""
    flat = " ".join(text.split())
    server, doi = STAMP.search(flat), STAMP_DOI.search(flat)
    if not server or not doi:
        return None
    return Provenance(server=server.group(1).lower(), doi=doi.group(1), date=posted_date(flat), license=licence_code(flat))


def from_file_name(name: str) -> Provenance | None:
    """A DOI (and version) in a file name: `2020.03.22.20040782v1.full.pdf`, `biorxiv_153585.pdf`."""
    stem = re.sub(r"(\.full)?\.pdf$", "", name, flags=re.I)
    match = NAME_DOI.search(stem)
    if match:
        suffix = match.group(1).rsplit(".", 1)[1]
        server = "medrxiv" if "medrxiv" in stem.lower() else "biorxiv" if "biorxiv" in stem.lower() else ("medrxiv" if len(suffix) == 8 else "biorxiv")
    else:
        match = NAME_OLD_DOI.search(stem)
        if not match or not (match.group(2) or "biorxiv" in stem.lower()):
            return None
        server = "biorxiv"
    return Provenance(server=server, doi=f"10.1101/{match.group(1)}", version=int(match.group(2)) if match.group(2) else None)


def first_page_title(page) -> str:  # noqa: ANN001 - a pymupdf Page
    """The largest text near the top of the first page, the stamp left out."""
    lines: list[tuple[float, float, str]] = []  # (size, y, text)
    for block in page.get_text("dict").get("blocks", []):
        for line in block.get("lines", []):
            text = " ".join("".join(span["text"] for span in line["spans"]).split())
            if len(text) < 3 or STAMP_WORDS.search(text) or HEADINGS.match(text) or line["bbox"][1] > page.rect.height * 0.6:
                continue
            lines.append((max(span["size"] for span in line["spans"]), line["bbox"][1], text))
    if not lines:
        return ""
    biggest = max(size for size, _, _ in lines)
    sizes = sorted(size for size, _, _ in lines)
    if biggest < sizes[len(sizes) // 2] + 1:  # nothing stands out above the body text
        return ""
    title: list[str] = []
    for size, _, text in sorted(lines, key=lambda t: t[1]):  # the first run of the biggest lines, at most four
        if size >= biggest - 0.5 and len(title) < 4:
            title.append(text)
        elif title:
            break
    return " ".join(title)[:500]


def _metadata_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title or re.match(r"(Microsoft Word|untitled)\b", title, re.I) or re.search(r"\.(docx?|tex|pdf)$", title, re.I):
        return ""
    return title


def read_provenance(path: Path) -> Provenance:
    """Everything the PDF at path says about its origin: the stamp (first pages), then the file name, then metadata."""
    import pymupdf

    found = from_file_name(path.name) or Provenance()
    with pymupdf.open(path) as doc:
        stamp = next((s for s in (read_stamp(doc[i].get_text()) for i in range(min(3, doc.page_count))) if s), None)
        meta = doc.metadata or {}
        title = _metadata_title(meta.get("title", "")) or (first_page_title(doc[0]) if doc.page_count else "")
    if stamp:
        stamp.version = found.version if found.doi == stamp.doi else None
        found = stamp
    author = " ".join((meta.get("author") or "").split())
    found.title = title
    found.authors = "" if author.lower() in JUNK_AUTHORS else author
    return found
