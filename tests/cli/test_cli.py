"""The commands end to end on generated preprints: ingest, extract, split, status, inspect, demo."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import write_pdf
from typer.testing import CliRunner

from figscrape.cli import app
from figscrape.synthetic.papers import SyntheticPaper

runner = CliRunner()


def test_ingest_extract_split_status_and_nothing_new_on_rerun(tmp_path: Path, config, papers: list[SyntheticPaper]) -> None:  # noqa: ANN001
    folder = tmp_path / "pdfs"
    folder.mkdir()
    for paper in papers[:3]:
        write_pdf(folder, paper)
    assert runner.invoke(app, ["ingest", str(folder)]).exit_code == 0
    again = runner.invoke(app, ["-v", "ingest", str(folder)])
    assert again.exit_code == 0 and "already ingested" in again.output
    assert runner.invoke(app, ["extract"]).exit_code == 0
    assert runner.invoke(app, ["split"]).exit_code == 0
    assert runner.invoke(app, ["classify"]).exit_code == 0
    status = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    expected = sum(len(p.figures) for p in papers[:3])
    for key in ("papers", "pdfs_downloaded", "pdfs_failed", "figures", "panels", "panels_scored", "annotations"):
        assert key in status
    assert status["papers"] == 3 and status["pdfs_downloaded"] == 3 and status["pdfs_extracted"] == 3
    assert status["figures"] == expected and status["panels"] >= expected
    assert status["panels_scored"] == status["panels"]
    assert "nothing to do" in runner.invoke(app, ["classify"]).output
    rerun = runner.invoke(app, ["extract"])
    assert rerun.exit_code == 0 and "nothing to do" in rerun.output
    assert json.loads(runner.invoke(app, ["status", "--json"]).stdout)["figures"] == expected
    images = list((config.store_root).rglob("*"))
    assert not [p for p in images if p.name.startswith(".tmp-")]


def test_inspect_json_follows_the_contract(tmp_path: Path, papers: list[SyntheticPaper]) -> None:
    paper = papers[0]
    result = runner.invoke(app, ["inspect", str(write_pdf(tmp_path, paper)), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["pdf"].endswith(".pdf") and data["pages"] == paper.pages
    assert len(data["figures"]) == len(paper.figures)
    for fig in data["figures"]:
        assert {"page", "bbox", "number", "caption", "kind", "width", "height", "panels"} <= set(fig)
        assert fig["page"] >= 1 and len(fig["bbox"]) == 4 and fig["kind"] in ("raster", "tiled", "vector", "mixed")
        assert fig["panels"]
        for panel in fig["panels"]:
            x0, y0, x1, y1 = panel["bbox"]
            assert 0 <= x0 < x1 <= fig["width"] and 0 <= y0 < y1 <= fig["height"]
            assert {"label", "subcaption", "ct_score", "patient", "age", "sex", "diagnosis_hint"} <= set(panel)
            assert 0.0 <= panel["ct_score"] <= 1.0


def test_demo_runs_offline_on_the_bundled_samples(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--data", str(tmp_path / "demo"), "demo"])
    assert result.exit_code == 0, result.output
    assert "Figures found" in result.output and "figure 1" in result.output
    status = json.loads(runner.invoke(app, ["--data", str(tmp_path / "demo"), "status", "--json"]).stdout)
    assert status["papers"] == 3 and status["figures"] >= 9


def test_status_without_a_database_says_what_to_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--data", str(tmp_path / "empty"), "status"])
    assert result.exit_code == 2 and "no figscrape database at" in result.output and "figscrape demo" in result.output
    assert not (tmp_path / "empty" / "figscrape.db").exists()


def test_an_unusable_database_path_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("not a folder")
    result = runner.invoke(app, ["--db", f"sqlite:///{tmp_path}/afile/x.db", "extract"])
    assert result.exit_code == 2 and "cannot open the database" in result.output


def test_a_locked_database_is_a_one_line_error_and_nothing_is_lost(tmp_path: Path, papers: list[SyntheticPaper]) -> None:
    import os
    import sqlite3
    import subprocess
    import sys

    data = tmp_path / "locked"
    env = {**os.environ, "FIGSCRAPE_DATA": str(data), "FIGSCRAPE_DB_TIMEOUT": "1"}
    pdf = write_pdf(tmp_path, papers[0])
    assert subprocess.run([sys.executable, "-m", "figscrape.cli", "ingest", str(pdf)], env=env, capture_output=True).returncode == 0
    holder = sqlite3.connect(data / "figscrape.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        done = subprocess.run([sys.executable, "-m", "figscrape.cli", "extract"], env=env, capture_output=True, text=True, timeout=60)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert done.returncode == 2
    assert "database is locked" in done.stderr and "Traceback" not in done.stderr
    status = json.loads(subprocess.run([sys.executable, "-m", "figscrape.cli", "status", "--json"], env=env, capture_output=True, text=True).stdout)
    assert status["papers"] == 1 and status["pdfs_downloaded"] == 1


SECRET_URL = "postgresql+psycopg://ann:s3cret%21pw@127.0.0.1:1/figscrape"


def test_the_database_password_is_never_printed(monkeypatch, tmp_path: Path) -> None:  # noqa: ANN001
    import os

    import figscrape.cli.dataset as dataset

    for args in (["db", "upgrade"], ["status"]):
        result = runner.invoke(app, ["--data", str(tmp_path), "--db", SECRET_URL, *args])
        assert result.exit_code != 0 and "ann:***@127.0.0.1" in result.output, result.output
        assert "s3cret" not in result.output, result.output
    monkeypatch.setattr(dataset, "engine", lambda **_: None)
    monkeypatch.setattr(os, "execve", lambda *a, **k: None)
    result = runner.invoke(app, ["--data", str(tmp_path), "--db", SECRET_URL, "app"])
    assert "labeling app on" in result.output and "ann:***@127.0.0.1" in result.output and "s3cret" not in result.output, result.output
