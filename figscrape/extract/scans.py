"""Scanned pages: a page that is one image covering most of it (an old journal article, a report
or a thesis, scanned with or without an OCR text layer). Its figures are regions of that image, so
the structure analysis, which would take the whole page image for one figure, does not see it; the
layout detector finds the regions (`proposals.py`), the OCR layer's "Fig. 3." names them, and their
pixels are cut from the page image at the scan's own resolution."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pymupdf

from figscrape import geometry as g
from figscrape.extract.images import (
    MAX_RENDER_DPI,
    Drawable,
    FigureImage,
    encode_png,
    pixmap_array,
)
from figscrape.extract.layout import PageLayout, PlacedImage, page_scan
from figscrape.geometry import Box
from figscrape.runtime.imaging import check_size

INK_DPI = 144  # the scan is looked at this fine to cut a region to its ink
INK_GREY = 150  # darker than this is print; a scan's paper is rarely white (245 would take its grain)
INK_RUN = 2  # a row or column is print with this many dark pixels at INK_DPI (fewer: dust, grain)


def without_scans(pages: list[PageLayout]) -> list[PageLayout]:
    """The pages as the structure analysis should see them: a scanned page is one picture, whose
    figures the detector finds; the scan is not one figure, nor is what lies drawn over it (an OCR
    program's masks and marks)."""
    return [dataclasses.replace(p, images=[], drawings=[]) if page_scan(p) else p for p in pages]


def cut_at(box: Box, captions: list[Box]) -> Box:
    """A detected region on a scan without the caption lines the model took in with it: the region
    stops at a caption that crosses its top or bottom part."""
    x0, y0, x1, y1 = box
    for c in captions:
        if g.x_overlap(c, box) <= 0 or c[3] <= y0 or c[1] >= y1:
            continue
        if (c[1] + c[3]) / 2 > (y0 + y1) / 2:
            y1 = min(y1, c[1])
        else:
            y0 = max(y0, c[3])
    return (x0, y0, x1, max(y0 + 1, y1))


def _decoded(doc: pymupdf.Document, xref: int) -> np.ndarray:
    """The scan's samples, grey or RGB, as stored (a bilevel scan comes out as 0 and 255)."""
    pix = pymupdf.Pixmap(doc, xref)
    check_size(pix.width, pix.height, "page scan")
    if pix.alpha:
        pix = pymupdf.Pixmap(pix, 0)
    if pix.colorspace is None or pix.colorspace.n not in (1, 3):
        pix = pymupdf.Pixmap(pymupdf.csRGB if pix.colorspace and pix.colorspace.n > 1 else pymupdf.csGRAY, pix)
    return pixmap_array(pix).copy()  # the pixmap goes when this returns


def _print_span(grey: np.ndarray) -> tuple[int, int, int, int] | None:
    """First and last rows and columns (end exclusive) with print on them, grain and dust ignored."""
    dark = grey < INK_GREY
    rows, cols = np.flatnonzero(dark.sum(axis=1) >= INK_RUN), np.flatnonzero(dark.sum(axis=0) >= INK_RUN)
    if rows.size == 0 or cols.size == 0:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _region(doc: pymupdf.Document, page: Drawable, scan: PlacedImage, box: Box) -> tuple[np.ndarray, Box]:
    """The scan's samples under a box and the box they cover exactly: cut from the decoded scan when
    it is placed unturned, else a render of the box at the scan's resolution."""
    box = g.intersection(box, scan.bbox)
    if not scan.upright:
        zoom = min(MAX_RENDER_DPI / 72, max(scan.width / g.width(scan.bbox), scan.height / g.height(scan.bbox)))
        pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), clip=pymupdf.Rect(box), alpha=False)
        return pixmap_array(pix).copy(), (pix.x / zoom, pix.y / zoom, (pix.x + pix.width) / zoom, (pix.y + pix.height) / zoom)
    samples = _decoded(doc, scan.xref)
    h, w = samples.shape[:2]
    sx, sy = w / g.width(scan.bbox), h / g.height(scan.bbox)
    c0, r0 = max(0, int((box[0] - scan.bbox[0]) * sx)), max(0, int((box[1] - scan.bbox[1]) * sy))
    c1, r1 = max(c0 + 1, min(w, int(np.ceil((box[2] - scan.bbox[0]) * sx)))), max(r0 + 1, min(h, int(np.ceil((box[3] - scan.bbox[1]) * sy))))
    covered = (scan.bbox[0] + c0 / sx, scan.bbox[1] + r0 / sy, scan.bbox[0] + c1 / sx, scan.bbox[1] + r1 / sy)
    return samples[r0:r1, c0:c1], covered


def scan_pixels(doc: pymupdf.Document, page: Drawable, scan: PlacedImage, box: Box) -> tuple[Box, FigureImage]:
    """A region of a page scan cut to its print, and its pixels at the scan's resolution (lossless PNG)."""
    cut, covered = _region(doc, page, scan, box)
    grey = cut[:, :, 0] if cut.shape[2] == 1 else cv2.cvtColor(np.ascontiguousarray(cut), cv2.COLOR_RGB2GRAY)
    sx, sy = cut.shape[1] / g.width(covered), cut.shape[0] / g.height(covered)
    scale = min(1.0, INK_DPI / (72 * sx))  # finer than INK_DPI: shrink first, so the grain averages out
    look = cv2.resize(grey, (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    span = _print_span(look)
    if span is not None:
        fx, fy = grey.shape[1] / look.shape[1], grey.shape[0] / look.shape[0]
        a0, b0 = int(span[0] * fx), int(span[1] * fy)
        a1, b1 = min(grey.shape[1], int(np.ceil(span[2] * fx))), min(grey.shape[0], int(np.ceil(span[3] * fy)))
        cut = cut[b0:b1, a0:a1]
        covered = (covered[0] + a0 / sx, covered[1] + b0 / sy, covered[0] + a1 / sx, covered[1] + b1 / sy)
    cut = np.ascontiguousarray(cut)
    data = encode_png(cut[:, :, 0] if cut.shape[2] == 1 else cv2.cvtColor(cut, cv2.COLOR_RGB2BGR))
    return covered, FigureImage(data, "png", cut.shape[1], cut.shape[0], None)
