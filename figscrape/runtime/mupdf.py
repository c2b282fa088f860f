"""MuPDF's own messages. MuPDF prints its errors about damaged PDFs ("syntax error in content
stream") to stdout, where figscrape's commands print JSON for scripts. Every module that opens a
PDF quiets it here; what MuPDF said is read back and logged to stderr, naming the file."""

from __future__ import annotations

import logging
from pathlib import Path

import pymupdf

log = logging.getLogger("figscrape")


def quiet_mupdf() -> None:
    """Keep MuPDF from printing; its messages still accumulate for mupdf_messages()."""
    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)


def log_mupdf_messages(path: Path | str) -> list[str]:
    """What MuPDF said since the last call (distinct lines, in order), logged once to stderr."""
    seen: list[str] = []
    for line in pymupdf.TOOLS.mupdf_warnings(reset=True).splitlines():
        if line.strip() and line not in seen:
            seen.append(line)
    if seen:
        log.warning("%s: MuPDF: %s%s", path, "; ".join(seen[:3]), f" (and {len(seen) - 3} more)" if len(seen) > 3 else "")
    return seen


quiet_mupdf()
