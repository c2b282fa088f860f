"""`figscrape papers export` and `papers search`: the stored metadata, offline."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from figscrape.cli import app
from figscrape.data.db import write_session
from figscrape.data.models import Paper, Pdf


def _papers(engine) -> None:  # noqa: ANN001
    with write_session(engine) as s:
        s.add(Paper(server="medrxiv", doi="10.1101/2020.03.02.1", version=1, title="COVID-19 pneumonia on chest CT", authors="Doe, J.",
                    date="2020-03-02", category="radiology and imaging", license="cc_by", abstract="Ground-glass opacities.", pdf=Pdf(status="stored", sha256="ab" * 32)))
        s.add(Paper(server="biorxiv", doi="10.1101/2021.01.05.2", version=2, title="Knee cartilage", authors="Roe, R.",
                    date="2021-01-05", category="bioengineering", license="cc_no", abstract="=cmd|' /C calc'!A0"))


def test_export_jsonl_and_csv_with_query_and_since(engine, tmp_path: Path) -> None:  # noqa: ANN001
    _papers(engine)
    runner = CliRunner()
    result = runner.invoke(app, ["papers", "export", str(tmp_path / "all.jsonl")])
    assert result.exit_code == 0 and "2 papers written" in result.output
    rows = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text().splitlines()]
    assert [r["doi"] for r in rows] == ["10.1101/2020.03.02.1", "10.1101/2021.01.05.2"] and rows[0]["pdf_status"] == "stored"
    result = runner.invoke(app, ["papers", "export", str(tmp_path / "ct.csv"), "--query", "chest ct|cartilage", "--since", "2021-01-01"])
    assert result.exit_code == 0, result.output
    with (tmp_path / "ct.csv").open(newline="") as fh:
        table = list(csv.DictReader(fh))
    assert [r["doi"] for r in table] == ["10.1101/2021.01.05.2"] and table[0]["version"] == "2"
    assert runner.invoke(app, ["papers", "export", str(tmp_path / "x.txt")]).exit_code == 2


def test_search_over_title_abstract_authors_category_and_licence(engine) -> None:  # noqa: ANN001
    _papers(engine)
    runner = CliRunner()
    for regex, doi in (("ground-glass", "2020.03.02.1"), ("^roe", "2021.01.05.2"), ("BIOENGINEERING", "2021.01.05.2"), ("cc_no", "2021.01.05.2")):
        result = runner.invoke(app, ["papers", "search", regex])
        assert result.exit_code == 0 and doi in result.output and len(result.output.splitlines()) == 1, (regex, result.output)
    assert runner.invoke(app, ["papers", "search", "nothing like this"]).exit_code == 1
    assert runner.invoke(app, ["papers", "search", "("]).exit_code == 2
