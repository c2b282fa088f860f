"""One odd record never blocks a whole export: long DOIs give bounded, distinct file names, and text
with control characters is cleaned in every CSV and XLSX cell."""

from __future__ import annotations

from pathlib import Path

from labelling import label
from sqlalchemy import update
from typer.testing import CliRunner

from figscrape.cli import app
from figscrape.data.db import write_session
from figscrape.data.models import Figure, Paper
from figscrape.data.naming import distinct_name, export_name
from figscrape.export.check import check_export
from figscrape.runtime.tables import cell, read_csv, read_xlsx
from figscrape.synthetic.labelled import seed_panels

runner = CliRunner()


def test_a_long_doi_gives_a_bounded_name_and_two_long_dois_stay_distinct() -> None:
    a, b = "10.1101/" + "x" * 400 + "a", "10.1101/" + "x" * 400 + "b"
    na, nb = export_name(a, 1, 3, "2" * 300, 0, 1, "png"), export_name(b, 1, 3, "2", 0, 1, "png")
    assert len(na.encode()) <= 200 and len(nb.encode()) <= 200 and na != nb
    assert export_name(a, 1, 3, "2", 0, 1, "png") == export_name(a, 1, 3, "2", 0, 1, "png")  # stable: import reads it back
    assert export_name("10.1101/2020.03.22.20040782", 1, 25, "2", 0, 1, "png") == "2020.03.22.20040782-p25-2%1.png"
    taken: set[str] = set()
    assert distinct_name(na, 7, taken) == na and len(distinct_name(na, 123456789, taken).encode()) <= 255


def test_control_characters_are_taken_out_of_every_cell() -> None:
    assert cell("a\x00b\x01c\x0b\x0c\x1fd\te\nf") == "abcd\te\nf"
    assert cell("=\x01SUM(A1)") == "'=SUM(A1)"


def test_a_long_doi_and_a_title_with_control_characters_export(engine, store, tmp_path: Path, config) -> None:  # noqa: ANN001
    seeded = seed_panels(engine, store, papers=2, figures=1, panels=2)
    long_doi = "10.1101/" + "9" * 400
    with write_session(engine) as s:
        s.execute(update(Paper).where(Paper.doi == seeded.paper_dois[0]).values(doi=long_doi, title="CT\x01 of\x0b lungs\x1f"))
        s.execute(update(Figure).values(caption="Axial CT\x02 (A)\x07"))
    for pid in seeded.panel_ids:
        label(engine, pid, "ann")
    out = tmp_path / "out"
    result = runner.invoke(app, ["export", str(out)])
    assert result.exit_code == 0, result.output
    names = [p.name for p in (out / "Images-processed").rglob("*.png")]
    assert len(names) == 4 and max(len(n.encode()) for n in names) <= 200
    titles = {r["Title"] for r in read_xlsx(out / "COVID-CT-MetaInfo.xlsx")} | {r["Title"] for r in read_csv(out / "COVID-CT-MetaInfo.csv")}
    assert "CT of lungs" in titles and not any(ch in t for t in titles for ch in "\x01\x0b\x1f")
    assert check_export(out) == []
    result = runner.invoke(app, ["labels", "export", str(tmp_path / "labels.csv")])
    assert result.exit_code == 0, result.output
