"""`figscrape papers set`: fix a paper row by DOI or from a CSV; bad input is one line and exit 2."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from figscrape.cli import app
from figscrape.data.db import open_database, read_session, write_session
from figscrape.data.models import Paper

runner = CliRunner()


def seed(config) -> None:  # noqa: ANN001
    engine = open_database(config.db_url)
    with write_session(engine) as s:
        s.add_all([Paper(server="medrxiv", doi="10.1101/2020.03.02.20030001", version=1, title="x"),
                   Paper(server="biorxiv", doi="10.1101/153585", version=1), Paper(server="biorxiv", doi="10.1101/153585", version=2)])
    engine.dispose()


def paper(config, doi: str, version: int) -> Paper | None:  # noqa: ANN001
    engine = open_database(config.db_url)
    with read_session(engine) as s:
        row = s.scalar(select(Paper).where(Paper.doi == doi, Paper.version == version))
    engine.dispose()
    return row


def test_set_one_paper_round_trips(config) -> None:  # noqa: ANN001
    seed(config)
    result = runner.invoke(app, ["papers", "set", "10.1101/2020.03.02.20030001", "--title", "Chest CT", "--license", "cc_by_nc", "--date", "2020-03-04", "--version", "2"])
    assert result.exit_code == 0, result.output
    row = paper(config, "10.1101/2020.03.02.20030001", 2)
    assert (row.title, row.license, row.date) == ("Chest CT", "cc_by_nc", "2020-03-04")
    assert runner.invoke(app, ["papers", "set", "10.1101/153585v2", "--license", "cc0"]).exit_code == 0
    assert paper(config, "10.1101/153585", 2).license == "cc0" and paper(config, "10.1101/153585", 1).license == ""


def test_set_from_a_csv(tmp_path: Path, config) -> None:  # noqa: ANN001
    seed(config)
    table = tmp_path / "fix.csv"
    table.write_text("doi,version,title,license,date,note\n10.1101/2020.03.02.20030001,,A title,cc_by,2020-03-04,ok\n10.1101/153585v1,,,cc_no,,\n")
    assert runner.invoke(app, ["papers", "set", "--csv", str(table)]).exit_code == 0
    assert (paper(config, "10.1101/2020.03.02.20030001", 1).title, paper(config, "10.1101/153585", 1).license) == ("A title", "cc_no")


def test_bad_input_is_one_line_and_exit_2_and_writes_nothing(tmp_path: Path, config) -> None:  # noqa: ANN001
    seed(config)
    cases = [
        (["10.1101/nope", "--title", "t"], "no paper with DOI 10.1101/nope"),
        (["10.1101/2020.03.02.20030001", "--license", "cc_maybe"], "licence 'cc_maybe' is not one of"),
        (["10.1101/2020.03.02.20030001", "--date", "March 4"], "is not YYYY-MM-DD"),
        (["10.1101/153585", "--title", "t"], "has versions 1, 2"),
        (["10.1101/153585v1", "--version", "2"], "10.1101/153585v2 is already another paper row"),
    ]
    for args, message in cases:
        result = runner.invoke(app, ["papers", "set", *args])
        assert result.exit_code == 2 and message in result.output and len(result.output.strip().splitlines()) == 1, result.output
    table = tmp_path / "bad.csv"
    table.write_text("doi,title\n10.1101/2020.03.02.20030001,Good\n10.1101/unknown,Bad\n")
    result = runner.invoke(app, ["papers", "set", "--csv", str(table)])
    assert result.exit_code == 2 and "line 3: no paper with DOI 10.1101/unknown" in result.output
    assert paper(config, "10.1101/2020.03.02.20030001", 1).title == "x"  # the good line was not written either
