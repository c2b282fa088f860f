"""What a file's first and last bytes say about it being a whole PDF: the one check that ingest,
the crawler's downloads and extraction share."""

from __future__ import annotations

from pathlib import Path


def header_problem(head: bytes) -> str:
    """Why the first kilobyte is not a PDF's (an HTML page, a bot check), or "" when it is."""
    if b"%PDF-" in head:
        return ""
    lowered = head.lower()
    if b"just a moment" in lowered or b"challenge" in lowered or b"error code: 10" in lowered:
        return "a bot check page, not a PDF"
    if b"<html" in lowered or b"<!doctype" in lowered:
        return "an HTML page, not a PDF"
    return "not a PDF (no %PDF- header)"


def file_problem(path: Path) -> str:
    """Why the file is not a whole PDF (empty, not a PDF, cut short), or "" when it looks like one."""
    size = path.stat().st_size
    if size == 0:
        return "empty file (0 bytes)"
    with path.open("rb") as fh:
        head = fh.read(1024)
        fh.seek(max(0, size - 1024))
        tail = fh.read()
    problem = header_problem(head)
    if problem:
        return problem
    if b"%%EOF" not in tail:
        return f"truncated PDF ({size} bytes, no %%EOF at the end)"
    return ""
