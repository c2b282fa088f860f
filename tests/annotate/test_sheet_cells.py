"""`labels import` refuses each bad cell with its row number and stores the other rows; conflicting
rows for one panel are refused, so importing the same sheet twice adds nothing."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from figscrape.cli import app
from figscrape.data.db import read_session
from figscrape.data.models import Annotation
from figscrape.synthetic.labelled import seed_panels

runner = CliRunner()


def _sheet(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, ["panel_id", "doi", "page", "is_ct", "diagnosis", "age"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def _count(engine) -> int:  # noqa: ANN001
    with read_session(engine) as s:
        return s.scalar(select(func.count()).select_from(Annotation))


def test_bad_numbers_are_refused_by_row_and_the_rest_stored(engine, store, tmp_path: Path, config) -> None:  # noqa: ANN001
    seeded = seed_panels(engine, store, papers=1, figures=1, panels=3)
    p1, p2, p3 = seeded.panel_ids
    doi = seeded.paper_dois[0]
    sheet = _sheet(tmp_path / "s.csv", [
        dict(panel_id="inf", is_ct="true", diagnosis="covid"),  # row 2
        dict(panel_id="1e400", is_ct="true", diagnosis="covid"),  # row 3
        dict(panel_id=f"{p1}.5", is_ct="true", diagnosis="covid"),  # row 4: not panel p1
        dict(panel_id=str(p1), is_ct="true", diagnosis="covid", age="1234"),  # row 5: not age 123
        dict(doi=doi, page="inf", is_ct="true", diagnosis="covid"),  # row 6
        dict(panel_id=f"{p2}.0", is_ct="true", diagnosis="covid", age="45"),  # row 7: fine
        dict(panel_id=str(p3), is_ct="true", diagnosis="covid"),  # row 8: conflicts with row 9
        dict(panel_id=str(p3), is_ct="true", diagnosis="normal"),  # row 9
    ])
    result = runner.invoke(app, ["labels", "import", str(sheet), "--annotator", "ann"])
    assert result.exit_code == 1, result.output
    for n in (2, 3, 4, 5, 6, 9):
        assert f"row {n}:" in result.output, (n, result.output)
    assert "row 7:" not in result.output and "1 labels added" in result.output
    with read_session(engine) as s:
        stored = s.execute(select(Annotation.panel_id, Annotation.age)).all()
    assert stored == [(p2, 45)]
    again = runner.invoke(app, ["labels", "import", str(sheet), "--annotator", "ann"])
    assert again.exit_code == 1 and "0 labels added" in again.output, again.output
    assert _count(engine) == 1
