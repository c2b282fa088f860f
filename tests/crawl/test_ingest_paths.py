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


def test_a_row_that_cannot_be_written_leaves_no_file_in_the_store(engine, store, tmp_path: Path, config) -> None:  # noqa: ANN001
    """The database refuses the PDF's row (a trigger, as a full or failing database would): the file
    named in one line, exit 1, and neither a row nor a store file left; the files after it go in, and a
    re-run once the database takes rows adds it. Bytes another row names are never taken back."""
    from sqlalchemy import text

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-first.pdf").write_bytes(_pdf("first"))
    (folder / "b-refused.pdf").write_bytes(_pdf("refused"))
    (folder / "c-after.pdf").write_bytes(_pdf("after"))
    runner.invoke(app, ["ingest", str(folder / "a-first.pdf")])
    with engine.begin() as conn:
        conn.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON papers WHEN NEW.source LIKE '%b-refused%' BEGIN SELECT RAISE(ABORT, 'the database refuses this row'); END"))
    objects = sorted(p.name for p in store.root.rglob("*") if p.is_file())
    result = runner.invoke(app, ["ingest", str(folder)])
    out = " ".join(result.output.split())
    assert result.exit_code == 1 and "b-refused.pdf: IntegrityError: (sqlite3.IntegrityError) the database refuses this row" in out, result.output
    with read_session(engine) as s:
        sources = sorted(Path(p).name for p in s.scalars(select(Paper.source)))
    assert sources == ["a-first.pdf", "c-after.pdf"]
    after = sorted(p.name for p in store.root.rglob("*") if p.is_file())
    assert len(after) == len(objects) + 1 and set(objects) <= set(after)  # c-after's file only; a-first's kept
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER refuse"))
    again = runner.invoke(app, ["ingest", str(folder)])
    assert again.exit_code == 0 and "ingested: 1" in " ".join(again.output.split()), again.output
