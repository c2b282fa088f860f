"""`figscrape sheet OUT`: contact sheets of a data home, to check extraction and splitting by eye:
every current figure as a thumbnail with its paper, page, number and caption start and its panels
boxed, and every current panel with its letter and CT score."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Engine, select

from figscrape.data.current import current_figures, current_panels
from figscrape.data.db import read_session
from figscrape.data.models import Figure, Panel, Paper, Pdf
from figscrape.runtime.drawing import PANEL_COLOUR, Mark, Tile, contact_sheet, thumbnail
from figscrape.runtime.imaging import decode, to_rgb8
from figscrape.store import Store

PER_SHEET = 48  # thumbnails on one sheet: 8 rows of 6
CELL = 220  # pixels on a thumbnail's side
CAPTION_START = 90  # characters of a caption under a figure's thumbnail


def _paper_name(paper: Paper) -> str:
    return paper.doi or paper.title[:40] or f"paper {paper.id}"


def _panel_tag(label: str, ct_score: float | None) -> str:
    return f"{label or '·'} {'CT ?' if ct_score is None else f'CT {ct_score:.2f}'}"


def _figure_tiles(engine: Engine, store: Store) -> Iterator[Tile]:
    with read_session(engine) as session:
        figures = session.execute(
            select(Figure, Paper).join(Pdf, Pdf.id == Figure.pdf_id).join(Paper, Paper.id == Pdf.paper_id)
            .where(current_figures()).order_by(Paper.doi, Paper.version, Figure.page, Figure.index)
        ).all()
        panels: dict[int, list[Panel]] = {}
        for p in session.execute(select(Panel).join(Figure, Figure.id == Panel.figure_id).join(Pdf, Pdf.id == Figure.pdf_id)
                                 .where(current_panels()).order_by(Panel.index)).scalars():
            panels.setdefault(p.figure_id, []).append(p)
    for fig, paper in figures:
        marks = tuple(Mark((p.x0, p.y0, p.x1, p.y1), _panel_tag(p.label, p.ct_score), PANEL_COLOUR) for p in panels.get(fig.id, []))
        caption = " ".join(fig.caption.split())[:CAPTION_START]
        yield Tile(thumbnail(to_rgb8(decode(store.read(fig.image_sha256))), CELL, marks), (_paper_name(paper), f"p{fig.page} Fig {fig.number or '?'} ({fig.kind})", caption))


def _panel_tiles(engine: Engine, store: Store) -> Iterator[Tile]:
    with read_session(engine) as session:
        rows = session.execute(
            select(Panel, Figure, Paper).join(Figure, Figure.id == Panel.figure_id).join(Pdf, Pdf.id == Figure.pdf_id)
            .join(Paper, Paper.id == Pdf.paper_id).where(current_panels())
            .order_by(Paper.doi, Paper.version, Figure.page, Figure.index, Panel.index)
        ).all()
    for panel, fig, paper in rows:
        yield Tile(thumbnail(to_rgb8(decode(store.read(panel.image_sha256))), CELL),
                   (_panel_tag(panel.label, panel.ct_score), f"{_paper_name(paper)} p{fig.page} Fig {fig.number or '?'}"))


def _write(tiles: Iterator[Tile], out: Path, name: str, done: Callable[[], None]) -> list[Path]:
    written: list[Path] = []
    batch: list[Tile] = []

    def flush() -> None:
        path = out / f"{name}-{len(written) + 1:03d}.png"
        contact_sheet(batch, cell=CELL, text_lines=4 if name == "figures" else 2).save(path)
        written.append(path)
        batch.clear()

    for tile in tiles:
        batch.append(tile)
        done()
        if len(batch) == PER_SHEET:
            flush()
    if batch:
        flush()
    return written


def count_items(engine: Engine) -> int:
    """Figures and panels that the sheets will show (for a progress bar)."""
    with read_session(engine) as session:
        figures = len(session.execute(select(Figure.id).join(Pdf, Pdf.id == Figure.pdf_id).where(current_figures())).all())
        panels = len(session.execute(select(Panel.id).join(Figure, Figure.id == Panel.figure_id).join(Pdf, Pdf.id == Figure.pdf_id)
                                     .where(current_panels())).all())
    return figures + panels


def write_sheets(engine: Engine, store: Store, out: Path, done: Callable[[], None] = lambda: None) -> list[Path]:
    """`figures-001.png`, ... and `panels-001.png`, ... in `out`, PER_SHEET thumbnails each;
    `done` is called once per thumbnail. Returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    return _write(_figure_tiles(engine, store), out, "figures", done) + _write(_panel_tiles(engine, store), out, "panels", done)
