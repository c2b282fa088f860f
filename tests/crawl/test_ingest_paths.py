"""Ingest handles every path: a file name that is not UTF-8 goes in (shown with backslash escapes)
and the files after it too; a device, a FIFO or a symbolic link to a device is skipped, counted and
shown with why, never opened."""

from __future__ import annotations

import os
from pathlib import Path

import pymupdf
from sqlalchemy import select
from typer.testing import CliRunner

from figscrape.cli import app
from figscrape.data.db import read_session
from figscrape.data.models import Paper

runner = CliRunner()


def _pdf(text: str) -> bytes:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), text)
    return doc.tobytes()


def test_every_path_is_handled_and_devices_and_fifos_are_skipped_with_why(engine, tmp_path: Path, config) -> None:  # noqa: ANN001
    folder = tmp_path / "in"
    folder.mkdir()
    with open(os.fsencode(folder) + b"/caf\xe9.pdf", "wb") as fh:  # Latin-1, not UTF-8
        fh.write(_pdf("first"))
    (folder / "zz-after.pdf").write_bytes(_pdf("second"))
    (folder / "null.pdf").symlink_to("/dev/null")
    os.mkfifo(folder / "pipe.pdf")
    result = runner.invoke(app, ["ingest", str(folder)])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "device: 1" in out and "fifo: 1" in out and "ingested: 2" in out
    assert "null.pdf: a character device" in out and "pipe.pdf: a FIFO" in out
    with read_session(engine) as s:
        titles = sorted(s.scalars(select(Paper.title)))
        sources = list(s.scalars(select(Paper.source)))
    assert titles == ["caf\\xe9", "zz-after"] and any(src.endswith("caf\\xe9.pdf") for src in sources)
    result = runner.invoke(app, ["ingest", str(folder / "pipe.pdf")])  # named on its own: still never opened
    assert "a FIFO" in " ".join(result.output.split())
