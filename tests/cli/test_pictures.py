"""`figscrape inspect --overlay` and `figscrape sheet`: what was found, drawn where it is."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pymupdf
from conftest import write_pdf
from PIL import Image
from typer.testing import CliRunner

from figscrape.cli import app
from figscrape.data.db import open_database
from figscrape.pipeline.overlay import ZOOM, render_page, stored_figures
from figscrape.runtime.drawing import FIGURE_COLOUR, PANEL_COLOUR
from figscrape.synthetic.papers import SyntheticPaper

runner = CliRunner()


def _colour_at(image: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    return np.all(np.abs(image.astype(int) - np.array(colour)) < 40, axis=-1)


def test_inspect_overlay_draws_every_figure_on_its_page_and_keeps_the_json(tmp_path: Path, config, papers: list[SyntheticPaper]) -> None:  # noqa: ANN001
    paper = papers[0]
    out = tmp_path / "overlays"
    result = runner.invoke(app, ["inspect", str(write_pdf(tmp_path, paper)), "--json", "--overlay", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # the contract's JSON alone on stdout
    pngs = sorted(out.glob("*.png"))
    assert [p.name for p in pngs] == [f"{paper.name}-p{n:03d}.png" for n in range(1, paper.pages + 1)]
    figure_pages = {f["page"] for f in data["figures"]}
    with pymupdf.open(tmp_path / f"{paper.name}.pdf") as doc:
        for page, png in zip(doc, pngs):
            drawn = np.asarray(Image.open(png).convert("RGB"))
            assert (drawn != render_page(page)).any() == (page.number + 1 in figure_pages), png.name
    for fig in data["figures"]:
        image = np.asarray(Image.open(pngs[fig["page"] - 1]).convert("RGB"))
        x0, y0, x1, y1 = (round(v * ZOOM) for v in fig["bbox"])
        mid = (y0 + y1) // 2
        assert _colour_at(image[mid - 2 : mid + 3, max(0, x0 - 2) : x0 + 3], FIGURE_COLOUR).any()
        assert _colour_at(image[y0 : y1, x0 : x1], PANEL_COLOUR).any()  # its panels, with their CT score


def test_inspect_overlay_into_a_file_is_refused_before_any_work(tmp_path: Path, papers: list[SyntheticPaper]) -> None:
    (tmp_path / "taken").write_text("x")
    result = runner.invoke(app, ["inspect", str(write_pdf(tmp_path, papers[0])), "--overlay", str(tmp_path / "taken")])
    assert result.exit_code == 2 and "is a file, not a folder" in result.output


def test_stored_figures_are_the_databases_with_scored_panels_and_sheets_show_them(tmp_path: Path, config, papers: list[SyntheticPaper]) -> None:  # noqa: ANN001
    folder = tmp_path / "pdfs"
    folder.mkdir()
    stored, elsewhere = write_pdf(folder, papers[1]), write_pdf(tmp_path, papers[2])
    for command in (["ingest", str(folder)], ["extract"], ["split"], ["classify"]):
        assert runner.invoke(app, command).exit_code == 0
    engine = open_database(config.db_url, create=False)
    figures = stored_figures(engine, stored)
    assert figures is not None and len(figures) == len(papers[1].figures)
    assert all(f["panels"] and all(p["ct_score"] is not None for p in f["panels"]) for f in figures)
    assert stored_figures(engine, elsewhere) is None
    engine.dispose()
    result = runner.invoke(app, ["sheet", str(tmp_path / "sheets")])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "sheets").iterdir())
    assert names == ["figures-001.png", "panels-001.png"]
    sheet = np.asarray(Image.open(tmp_path / "sheets" / "figures-001.png").convert("RGB"))
    assert _colour_at(sheet, PANEL_COLOUR).any()  # panels boxed on their figures


def test_sheet_without_a_database_says_what_to_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--data", str(tmp_path / "empty"), "sheet", str(tmp_path / "out")])
    assert result.exit_code == 2 and "no figscrape database at" in result.output
    assert not (tmp_path / "out").exists()
