"""`figscrape split`: every current figure not yet split by this splitter version gets its panel
rows (box, label, sub-caption, image hash, perceptual hash), one transaction per figure."""

from __future__ import annotations

from sqlalchemy import Engine, or_, select

from figscrape.db import read_session, write_session
from figscrape.imaging import decode, encode_crop, perceptual_hash
from figscrape.models import Figure, Panel, Pdf
from figscrape.runs import RunLog, progress
from figscrape.split.panels import SPLITTER_VERSION, cut_panels
from figscrape.store import ObjectStore


def pending_figures(engine: Engine) -> list[int]:
    """Figures of the current extraction whose panels this splitter version has not made."""
    with read_session(engine) as session:
        return list(
            session.scalars(
                select(Figure.id)
                .join(Pdf, Pdf.id == Figure.pdf_id)
                .where(Figure.extractor_version == Pdf.extracted_version)
                .where(or_(Figure.split_version.is_(None), Figure.split_version != SPLITTER_VERSION))
                .order_by(Figure.id)
            )
        )


def split_figure(engine: Engine, store: ObjectStore, figure_id: int) -> int:
    with read_session(engine) as session:
        fig = session.get(Figure, figure_id)
        assert fig is not None
        sha, caption, width, height = fig.image_sha256, fig.caption, fig.width, fig.height
        tiles = [tuple(t) for t in fig.tiles or []]
        letters = [(text, tuple(box)) for text, box in fig.letters or []]
    image = decode(store.read(sha))
    rows = []
    for index, cut in enumerate(cut_panels(image, caption, tiles, letters)):
        whole = cut.bbox == (0, 0, width, height)
        panel_sha = sha if whole else store.put_bytes(encode_crop(image, cut.bbox))
        x0, y0, x1, y1 = cut.bbox
        rows.append(
            Panel(
                figure_id=figure_id, splitter_version=SPLITTER_VERSION, index=index, x0=x0, y0=y0, x1=x1, y1=y1,
                label=cut.label, subcaption=cut.subcaption, image_sha256=panel_sha,
                phash=perceptual_hash(image[y0:y1, x0:x1]),
            )
        )
    with write_session(engine) as session:
        fig = session.get(Figure, figure_id)
        assert fig is not None
        session.add_all(rows)
        fig.split_version = SPLITTER_VERSION
    return len(rows)


def run_split(engine: Engine, store: ObjectStore, run: RunLog) -> None:
    ids = pending_figures(engine)
    with progress() as bar:
        task = bar.add_task("split", total=len(ids))
        for figure_id in ids:
            try:
                run.counts["panels"] += split_figure(engine, store, figure_id)
                run.counts["figures"] += 1
            except (OSError, ValueError) as exc:
                run.fail(f"figure {figure_id}", str(exc))
            bar.advance(task)
