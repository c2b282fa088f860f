"""`figscrape run`: every stage over what is new, against a local rxiv server."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from filelock import FileLock
from rxiv_server import FakeRxiv, fast_settings, record
from typer.testing import CliRunner

from figscrape.cli import app
from figscrape.config import Config
from figscrape.crawl.client import ClientSettings
from figscrape.synthetic.papers import SyntheticPaper

runner = CliRunner()


@pytest.fixture
def site(config: Config, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.setattr(ClientSettings, "__init__", fast_settings)
    with FakeRxiv() as server:
        for key, value in (("FIGSCRAPE_API_URL", server.url), ("FIGSCRAPE_MEDRXIV_URL", server.url), ("FIGSCRAPE_BIORXIV_URL", server.url), ("FIGSCRAPE_RATE", "50")):
            monkeypatch.setenv(key, value)
        yield server


def test_run_crawls_extracts_splits_and_scores_what_is_new(site: FakeRxiv, papers: list[SyntheticPaper]) -> None:
    today = date.today().isoformat()
    for i, paper in enumerate(papers[:2]):
        site.add("medrxiv", record(f"10.1101/2020.03.0{i}.1", today), paper.pdf)
    result = runner.invoke(app, ["run", "--server", "medrxiv", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["ok"] and [s["stage"] for s in summary["stages"]] == ["crawl", "extract", "split", "classify"]
    status = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert status["pdfs_downloaded"] == 2 and status["figures"] == sum(len(p.figures) for p in papers[:2])
    assert status["panels_scored"] == status["panels"] > 0
    again = json.loads(runner.invoke(app, ["run", "--server", "medrxiv", "--json"]).stdout)
    assert all(not s["counts"].get("pdfs") and not s["counts"].get("panels") for s in again["stages"])


def test_a_failed_crawl_is_reported_and_the_other_stages_still_run(site: FakeRxiv, papers: list[SyntheticPaper], tmp_path: Path) -> None:
    site.fault_rate, site.random_faults = 1.0, ("empty",)
    pdf = tmp_path / "local.pdf"
    pdf.write_bytes(papers[0].pdf)
    assert runner.invoke(app, ["ingest", str(pdf)]).exit_code == 0
    result = runner.invoke(app, ["run", "--server", "medrxiv", "--json"])
    assert result.exit_code == 1
    stages = {s["stage"]: s for s in json.loads(result.stdout)["stages"]}
    assert not stages["crawl"]["ok"] and stages["extract"]["ok"] and stages["extract"]["counts"]["pdfs"] == 1
    assert stages["classify"]["counts"]["panels"] > 0


def test_a_second_run_while_one_runs_exits_0(config: Config) -> None:
    config.data_home.mkdir(parents=True, exist_ok=True)
    with FileLock(str(config.data_home / "run.lock")):
        result = runner.invoke(app, ["run", "--no-crawl"])
    assert result.exit_code == 0 and "another run is in progress" in result.output
