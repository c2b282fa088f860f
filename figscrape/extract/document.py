"""One PDF in, its figures out: opens and checks the file, reads the layout, finds the captioned
figures and takes each figure's pixels. No database here, so `inspect` and the stage share it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

from figscrape import geometry as g
from figscrape.extract.figures import FoundFigure, find_figures_and_tables
from figscrape.extract.images import (
    Drawable,
    FigureImage,
    embedded_inked,
    native_dpi,
    render_inked,
    upright,
)
from figscrape.extract.layout import (
    PageLayout,
    mark_furniture,
    page_scan,
    read_page,
    symbol_font,
)
from figscrape.extract.letters import panel_letter
from figscrape.extract.ocr_layer import register_ocr_layer
from figscrape.extract.proposals import add_detected_figures
from figscrape.extract.scans import scan_pixels, without_scans
from figscrape.runtime.mupdf import log_mupdf_messages
from figscrape.runtime.pdfsniff import file_problem

MAX_PAGES = 600


class PdfError(Exception):
    """A PDF that cannot be processed; the message names the file and the problem."""

    plain = True  # the message is for people as it is


@dataclass
class ExtractedFigure:
    page: int
    bbox: g.Box
    number: str
    caption: str
    kind: str
    xrefs: list[int]
    image: FigureImage
    tiles: list[tuple[int, int, int, int]] = field(default_factory=list)  # placed images, in figure pixels
    letters: list[tuple[str, tuple[int, int, int, int]]] = field(default_factory=list)  # panel letters ("a", "B") of the text layer, in pixels


@dataclass
class ExtractedDocument:
    path: str
    pages: int
    figures: list[ExtractedFigure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def open_pdf(path: Path, max_pages: int = MAX_PAGES) -> pymupdf.Document:
    """Open a PDF or raise PdfError saying plainly what is wrong with it."""
    if not path.exists():
        raise PdfError(f"{path}: no such file")
    if path.is_dir():
        raise PdfError(f"{path}: is a folder, not a PDF")
    problem = file_problem(path)
    if problem:
        raise PdfError(f"{path}: {problem}")
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:  # MuPDF raises its own error types for every kind of damage
        raise PdfError(f"{path}: cannot be opened as a PDF ({exc})") from exc
    if doc.needs_pass:
        doc.close()
        raise PdfError(f"{path}: encrypted with a password")
    if doc.page_count == 0:
        doc.close()
        raise PdfError(f"{path}: has no pages (damaged or truncated)")
    if doc.page_count > max_pages:
        n = doc.page_count
        doc.close()
        raise PdfError(f"{path}: has {n} pages, more than the {max_pages}-page limit (FIGSCRAPE_MAX_PAGES)")
    return doc


def _figure_pixels(doc: pymupdf.Document, drawn: Drawable, fig: FoundFigure, layout: PageLayout) -> tuple[g.Box, FigureImage]:
    """The figure's box cut to its ink (a picture's white padding is not the figure either) and its pixels."""
    if fig.kind == "raster" and fig.images[0] is page_scan(layout):
        return scan_pixels(doc, drawn, fig.images[0], fig.bbox)
    if _embedded(fig):
        return embedded_inked(doc, fig.images[0].xref, drawn, fig.bbox, _alone(fig, layout))
    sizes = [(i.bbox, i.width, i.height) for i in fig.images]
    return render_inked(drawn, fig.bbox, native_dpi(fig.bbox, sizes, vector=fig.kind == "vector"))


def _touches(box: g.Box, other: g.Box) -> bool:
    return g.area(g.intersection(box, other)) > 0


def _alone(fig: FoundFigure, layout: PageLayout) -> bool:
    """The figure's image shows in its box exactly as its samples are stored: placed unturned over
    the whole box, inside the page, with nothing else drawn or written on it and no clip cutting into it."""
    image = fig.images[0]
    inner = g.expand(layout.rect, -0.5)
    if not image.upright or any(abs(a - b) > 0.01 for a, b in zip(image.bbox, fig.bbox)) or g.intersection(fig.bbox, inner) != fig.bbox:
        return False
    if any(_touches(fig.bbox, i.bbox) for i in layout.images if i is not image) or any(_touches(fig.bbox, d) for d in layout.drawings):
        return False
    if any(_touches(fig.bbox, line.bbox) for line in layout.lines if not line.blank):
        return False
    return not any(_touches(fig.bbox, c) and g.intersection(fig.bbox, c) != fig.bbox for c in layout.clips)


def _to_pixels(box: g.Box, fig: g.Box, image: FigureImage) -> tuple[int, int, int, int]:
    sx = image.width / max(1e-6, fig[2] - fig[0])
    sy = image.height / max(1e-6, fig[3] - fig[1])
    x0, y0 = max(0, round((box[0] - fig[0]) * sx)), max(0, round((box[1] - fig[1]) * sy))
    x1, y1 = min(image.width, round((box[2] - fig[0]) * sx)), min(image.height, round((box[3] - fig[1]) * sy))
    return (x0, y0, max(x0 + 1, x1), max(y0 + 1, y1))


def _embedded(fig: FoundFigure) -> bool:
    """The figure's pixels are its one image as stored, not a render of its box."""
    return fig.kind == "raster" and bool(fig.images[0].xref)


def _panel_evidence(fig: FoundFigure, layout: PageLayout, image: FigureImage) -> tuple[list, list]:
    """The tiles and the panel letters of the text layer, mapped to the figure image's pixels
    (an embedded image's pixels cover where it is placed, which may be more than the figure's box)."""
    shown = fig.images[0].bbox if _embedded(fig) else fig.bbox
    tiles = [_to_pixels(i.bbox, shown, image) for i in fig.images if g.overlap_fraction(i.bbox, fig.bbox) > 0.5] if len(fig.images) > 1 else []
    letters = [
        (letter, _to_pixels(line.bbox, shown, image))
        for line in layout.lines
        if line.horizontal and (letter := panel_letter(line.text)) and not symbol_font(line.main_span.font)
        and g.overlap_fraction(line.bbox, g.expand(fig.bbox, 2)) > 0.8
    ]
    return tiles, letters


def extract_figures(path: Path, max_pages: int = MAX_PAGES) -> ExtractedDocument:
    """Every figure of one PDF with caption, number, box, kind and pixels."""
    doc = open_pdf(path, max_pages)
    try:
        rotations = [p.rotation for p in doc]
        for page in doc:  # work in unrotated page coordinates throughout, as text and images report them
            if page.rotation:
                page.set_rotation(0)
        pages = [register_ocr_layer(p, read_page(p)) for p in doc]
        mark_furniture(pages)
        result = ExtractedDocument(str(path), doc.page_count)
        figures = add_detected_figures(doc, pages, *find_figures_and_tables(without_scans(pages)))
        per_page = Counter(f.page for f in figures)
        drawn: dict[int, Drawable] = {}  # a page with several figures is read once into a display list
        extracted: dict[int, ExtractedFigure] = {}
        for index in sorted(range(len(figures)), key=lambda i: figures[i].page):  # page by page, to keep one page's list
            fig = figures[index]
            if fig.page not in drawn:
                page = doc[fig.page - 1]
                drawn = {fig.page: page.get_displaylist() if per_page[fig.page] > 1 else page}
            try:
                fig.bbox, image = _figure_pixels(doc, drawn[fig.page], fig, pages[fig.page - 1])
                image = upright(image, rotations[fig.page - 1])
            except Exception as exc:  # one unreadable image must not lose the other figures
                result.warnings.append(f"{path}: figure {fig.number} on page {fig.page}: {exc}")
                continue
            xrefs = sorted({i.xref for i in fig.images if i.xref})
            tiles, letters = _panel_evidence(fig, pages[fig.page - 1], image) if not rotations[fig.page - 1] else ([], [])
            extracted[index] = ExtractedFigure(fig.page, fig.bbox, fig.number, fig.caption, fig.kind, xrefs, image, tiles, letters)
        result.figures = [extracted[i] for i in sorted(extracted)]
        return result
    finally:
        doc.close()
        log_mupdf_messages(path)
