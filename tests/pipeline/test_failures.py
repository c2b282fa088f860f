"""Logs that help: -v lists skipped items with why (not Alembic's chatter), a stage's summary says how
many failed and which command lists them, and `status --failures` lists every failed item with its
reason and where, newest first (--json too), while `status --json` keeps its keys."""

from __future__ import annotations

import json
from pathlib import Path

import pymupdf
from sqlalchemy import update
from typer.testing import CliRunner

from figscrape.cli import app
from figscrape.data.db import write_session
from figscrape.data.models import Pdf
from figscrape.pipeline.status import Status

runner = CliRunner()


def test_failures_are_counted_listed_and_skips_shown_with_v(engine, tmp_path: Path, config) -> None:  # noqa: ANN001
    folder = tmp_path / "in"
    folder.mkdir()
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "hello")
    doc.save(folder / "good.pdf")
    (folder / "broken.pdf").write_bytes(b"<html>not a pdf</html>")
    result = runner.invoke(app, ["ingest", str(folder), str(tmp_path / "missing.pdf")])
    out = " ".join(result.output.split())
    assert result.exit_code == 1 and "2 failed: `figscrape status --failures` lists them" in out, result.output
    again = runner.invoke(app, ["-v", "ingest", str(folder / "good.pdf")])
    out = " ".join(again.output.split())
    assert "skipped" in out and "good.pdf: already ingested (same bytes)" in out, again.output
    assert "Context impl" not in out and "Will assume" not in out
    with write_session(engine) as s:
        s.execute(update(Pdf).values(extract_error="PDF timed out after 60 s", updated_at=Pdf.updated_at))
    listed = runner.invoke(app, ["status", "--failures"])
    text = " ".join(listed.output.split())
    assert listed.exit_code == 0 and "3 failed items" in text, listed.output
    assert "broken.pdf: an HTML page, not a PDF" in text and "missing.pdf: no such file or folder" in text
    assert "extract" in text and "PDF timed out after 60 s" in text and "good.pdf" in text  # where: the file it came from
    data = json.loads(runner.invoke(app, ["status", "--failures", "--json"]).stdout)["failures"]
    assert {tuple(sorted(f)) for f in data} == {("at", "item", "reason", "stage", "where")} and len(data) == 3
    assert [f["at"] for f in data] == sorted((f["at"] for f in data), reverse=True)
    plain = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert set(plain) == set(Status.__dataclass_fields__)


def test_failures_fixed_by_a_later_run_are_no_longer_listed(engine, store, tmp_path: Path, config, monkeypatch) -> None:  # noqa: ANN001
    """A file that failed to ingest and went in on a re-run, a figure split after failing, a panel
    scored after failing: none is listed any more; what still fails is, with its latest reason."""
    from sqlalchemy import select

    from figscrape.data.models import Figure, Panel
    from figscrape.runtime.runs import record_run
    from figscrape.synthetic.labelled import seed_panels

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "late.pdf").write_bytes(b"<html>not yet a pdf</html>")
    (folder / "bad.pdf").write_bytes(b"<html>never a pdf</html>")
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["ingest", "in"]).exit_code == 1  # both fail, named relative to here
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "now a PDF")
    doc.save(folder / "late.pdf")
    assert runner.invoke(app, ["ingest", str(folder / "late.pdf")]).exit_code == 0  # the re-run, by its absolute path
    seeded = seed_panels(engine, store, papers=1, figures=2, panels=2)
    with write_session(engine) as s:
        figures = sorted(s.scalars(select(Figure.id)))
        panels = sorted(s.scalars(select(Panel.id)))
        split_version = s.get(Figure, figures[0]).split_version
        scored_by = s.get(Panel, panels[0]).model_version or "model-a"
        for pid in panels:
            s.get(Panel, pid).model_version = scored_by
    for stage, version, failed in (("split", split_version, [f"figure {figures[0]}", f"figure {figures[1]}"]), ("classify", scored_by, [f"panel {panels[0]}"])):
        with record_run(engine, stage, version) as run:
            for item in failed:
                run.fail(item, "it broke")
    with write_session(engine) as s:  # figure 2 and panel 1 are still waiting for their stage's version
        s.get(Figure, figures[1]).split_version = "older"
        s.get(Panel, panels[0]).model_version = "older"
    data = json.loads(runner.invoke(app, ["status", "--failures", "--json"]).stdout)["failures"]
    listed = sorted((f["stage"], f["item"]) for f in data)
    assert listed == [("classify", f"panel {panels[0]}"), ("ingest", "in/bad.pdf"), ("split", f"figure {figures[1]}")], data
    assert len(seeded.panel_ids) == len(panels)
