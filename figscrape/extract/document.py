"""One PDF in, its figures out: opens and checks the file, reads the layout, finds the captioned
figures and takes each figure's pixels. No database here, so `inspect` and the stage share it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

from figscrape.extract import geometry as g
from figscrape.extract.figures import FoundFigure, find_figures
from figscrape.extract.images import FigureImage, embedded_image, ink_box, native_dpi, render_box, upright
from figscrape.extract.layout import mark_furniture, read_page

EXTRACTOR_VERSION = "extract-1"
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
    size = path.stat().st_size
    if size == 0:
        raise PdfError(f"{path}: empty file (0 bytes)")
    with path.open("rb") as fh:
        head = fh.read(1024)
        fh.seek(max(0, size - 2048))
        tail = fh.read()
    if b"%PDF-" not in head:
        lowered = head.lower()
        what = "an HTML page" if b"<html" in lowered or b"<!doctype" in lowered else "not a PDF"
        raise PdfError(f"{path}: {what} (no %PDF- header)")
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
    if b"%%EOF" not in tail and doc.is_repaired:
        doc.close()
        raise PdfError(f"{path}: truncated (no %%EOF; the download was cut short)")
    return doc


def _figure_pixels(doc: pymupdf.Document, page: pymupdf.Page, fig: FoundFigure) -> FigureImage:
    if fig.kind == "raster" and fig.images[0].xref:
        return embedded_image(doc, fig.images[0].xref)
    sizes = [(i.bbox, i.width, i.height) for i in fig.images]
    return render_box(page, fig.bbox, native_dpi(fig.bbox, sizes, vector=fig.kind == "vector"))


def extract_figures(path: Path, max_pages: int = MAX_PAGES) -> ExtractedDocument:
    """Every figure of one PDF with caption, number, box, kind and pixels."""
    doc = open_pdf(path, max_pages)
    try:
        rotations = [p.rotation for p in doc]
        for page in doc:  # work in unrotated page coordinates throughout, as text and images report them
            if page.rotation:
                page.set_rotation(0)
        pages = [read_page(p) for p in doc]
        mark_furniture(pages)
        result = ExtractedDocument(str(path), doc.page_count)
        for fig in find_figures(pages):
            page = doc[fig.page - 1]
            if fig.kind != "raster":
                fig.bbox = ink_box(page, fig.bbox)
            try:
                image = upright(_figure_pixels(doc, page, fig), rotations[fig.page - 1])
            except Exception as exc:  # one unreadable image must not lose the other figures
                result.warnings.append(f"{path}: figure {fig.number} on page {fig.page}: {exc}")
                continue
            xrefs = sorted({i.xref for i in fig.images if i.xref})
            result.figures.append(ExtractedFigure(fig.page, fig.bbox, fig.number, fig.caption, fig.kind, xrefs, image))
        return result
    finally:
        doc.close()
