"""`figscrape inspect FILE.pdf --overlay DIR`: every page of a PDF as a PNG with what extraction
found drawn on it (figure boxes with number and caption start; panel boxes with label and CT
score), so that a person sees at a glance what was found and what was missed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pymupdf
from sqlalchemy import Engine, select

from figscrape.data.current import current_figures, current_panels
from figscrape.data.db import read_session
from figscrape.data.models import Figure, Panel, Pdf
from figscrape.runtime.drawing import FIGURE_COLOUR, PANEL_COLOUR, Mark, draw_marks

ZOOM = 1.5  # 108 dpi: captions stay readable, a page stays under a megabyte
CAPTION_START = 60  # characters of the caption written beside a figure's number


def figure_text(number: str | None, caption: str) -> str:
    """A figure's tag: its number and the start of its caption."""
    start = " ".join(caption.split())
    start = start if len(start) <= CAPTION_START else start[: CAPTION_START - 1] + "…"
    return f"Fig {number or '?'}: {start}" if start else f"Fig {number or '?'}"


def panel_text(label: str, ct_score: float | None) -> str:
    """A panel's tag: its letter (or "·") and its CT score."""
    return f"{label or '·'} {'CT ?' if ct_score is None else f'CT {ct_score:.2f}'}"


def _on_page(page: pymupdf.Page, bbox: list[float]) -> pymupdf.Rect:
    """A box of extraction's unrotated page coordinates where it shows on the page as rendered."""
    return (pymupdf.Rect(bbox) * page.rotation_matrix).normalize() * ZOOM


def figure_marks(page: pymupdf.Page, figures: list[dict]) -> list[Mark]:
    """Marks for figures in the `inspect` JSON's form (page, bbox, number, caption) on this page."""
    return [Mark(tuple(_on_page(page, f["bbox"])), figure_text(f.get("number"), f.get("caption", "")), FIGURE_COLOUR, above=True) for f in figures]


def panel_marks(page: pymupdf.Page, figures: list[dict]) -> list[Mark]:
    """Marks for the panels of figures in the `inspect` JSON's form (a figure's bbox, width and
    height; its panels' bbox in the figure's pixels, label, ct_score) on this page."""
    marks: list[Mark] = []
    for fig in figures:
        rect = _on_page(page, fig["bbox"])
        sx, sy = rect.width / max(1, fig["width"]), rect.height / max(1, fig["height"])
        for panel in fig.get("panels", []):
            x0, y0, x1, y1 = panel["bbox"]
            box = (rect.x0 + x0 * sx, rect.y0 + y0 * sy, rect.x0 + x1 * sx, rect.y0 + y1 * sy)
            marks.append(Mark(box, panel_text(panel.get("label", ""), panel.get("ct_score")), PANEL_COLOUR, width=2))
    return marks


def render_page(page: pymupdf.Page) -> np.ndarray:
    """The page as a reader sees it, at the overlays' zoom, as RGB pixels."""
    pix = page.get_pixmap(matrix=pymupdf.Matrix(ZOOM, ZOOM), alpha=False, colorspace=pymupdf.csRGB)
    return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, 3)


def write_overlays(pdf: Path, figures: list[dict], out: Path, panels_of: list[dict] | None = None,
                   extra: dict[int, list[Mark]] | None = None) -> list[Path]:
    """One PNG per page of `pdf` in `out` (`<stem>-p003.png`) with `figures` and their panels drawn
    on it (or the panels of `panels_of`, figures as the database holds them), and `extra` marks (per
    1-based page, in rendered pixels) below them. Returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with pymupdf.open(pdf) as doc:
        for page in doc:
            number = page.number + 1
            here = [f for f in figures if f["page"] == number]
            panels = [f for f in (figures if panels_of is None else panels_of) if f["page"] == number]
            marks = (extra or {}).get(number, []) + figure_marks(page, here) + panel_marks(page, panels)
            path = out / f"{pdf.stem}-p{number:03d}.png"
            draw_marks(render_page(page), marks).save(path)
            written.append(path)
    return written


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def stored_figures(engine: Engine, pdf: Path) -> list[dict] | None:
    """The PDF's current figures and panels as the database holds them (boxes corrected by hand
    and scores of the active CT filter), in the `inspect` JSON's form; None when it is not there."""
    sha = file_sha256(pdf)
    with read_session(engine) as session:
        rows = session.execute(
            select(Figure).join(Pdf, Pdf.id == Figure.pdf_id).where(Pdf.sha256 == sha, current_figures()).order_by(Figure.index)
        ).scalars().all()
        if not rows:
            return None
        panels = session.execute(
            select(Panel).join(Figure, Figure.id == Panel.figure_id).join(Pdf, Pdf.id == Figure.pdf_id)
            .where(Pdf.sha256 == sha, current_panels()).order_by(Panel.index)
        ).scalars().all()
        by_figure: dict[int, list[dict]] = {}
        for p in panels:
            by_figure.setdefault(p.figure_id, []).append({"bbox": [p.x0, p.y0, p.x1, p.y1], "label": p.label, "ct_score": p.ct_score})
        return [
            {"page": f.page, "bbox": [f.x0, f.y0, f.x1, f.y1], "number": f.number, "caption": f.caption,
             "width": f.width, "height": f.height, "panels": by_figure.get(f.id, [])}
            for f in rows
        ]
