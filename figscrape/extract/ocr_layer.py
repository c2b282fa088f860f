"""A scan's OCR text layer put back over the print it was read from. Some scanning tools place the
page image shifted (cropped or padded when deskewed: an image standing 17 pt down the page) but
write the OCR words where the print lay in the unshifted image, so every caption found in the text
sits a line or two off its picture. The shift is the placement's own offset; it is taken only where
the scan's ink rows and columns agree with the moved words clearly better than with the words as
written, so a layer that is already in register (the usual case) stays untouched."""

from __future__ import annotations

import dataclasses

import numpy as np
import pymupdf

from figscrape.extract.images import pixmap_array
from figscrape.extract.layout import PageLayout, TextLine, page_scan
from figscrape.extract.scans import INK_GREY

LOOK_DPI = 72  # one pixel a point: enough to tell a shift of a text line's height
MIN_SHIFT = 3.0  # points: a placement this close to the page's corner moves no word by a visible amount
MIN_WORDS = 20  # lines on the page: fewer profile no rows worth comparing
PLAY = 3  # points either way a word box may stand from its print
GAIN = 0.05  # the moved words must match the ink's profiles by this much more (sum of two correlations)


def _profile(lines: list[TextLine], shape: tuple[int, int], origin: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns the lines cover, each weighted by the lines' extent across it."""
    rows, cols = np.zeros(shape[0]), np.zeros(shape[1])
    for line in lines:
        x0, y0, x1, y1 = line.bbox
        r0, r1 = max(0, round(y0 + origin[1])), min(shape[0], round(y1 + origin[1]))
        c0, c1 = max(0, round(x0 + origin[0])), min(shape[1], round(x1 + origin[0]))
        if r1 > r0 and c1 > c0:
            rows[r0:r1] += c1 - c0
            cols[c0:c1] += r1 - r0
    return rows, cols


def _shifted(a: np.ndarray, by: int) -> np.ndarray:
    out = np.zeros_like(a)
    if by >= 0:
        out[by:] = a[: len(a) - by]
    else:
        out[:by] = a[-by:]
    return out


def _correlation(ink: np.ndarray, words: np.ndarray, shift: float) -> float:
    """The best correlation of the ink with the words moved by about `shift`: a word's box runs
    lower than its print (descenders, line gap) by a few points, so a little play either way."""
    if ink.std() == 0:
        return -1.0
    best = -1.0
    for by in range(round(shift) - PLAY, round(shift) + PLAY + 1):
        moved = _shifted(words, by)
        if moved.std() > 0:
            best = max(best, float(np.corrcoef(ink, moved)[0, 1]))
    return best


def _moved(line: TextLine, dx: float, dy: float) -> TextLine:
    x0, y0, x1, y1 = line.bbox
    core = (line.core[0] + dy, line.core[1] + dy) if line.core else None
    return dataclasses.replace(line, bbox=(x0 + dx, y0 + dy, x1 + dx, y1 + dy), core=core)


def register_ocr_layer(page: pymupdf.Page, layout: PageLayout) -> PageLayout:
    """The page with its OCR lines moved by the scan's placement offset when its ink says the layer
    was written for the unshifted image; any other page as it is."""
    scan = page_scan(layout)
    lines = [line for line in layout.lines if line.horizontal and not line.blank]
    if scan is None or len(lines) < MIN_WORDS:
        return layout
    dx, dy = scan.placed[0] - layout.rect[0], scan.placed[1] - layout.rect[1]
    if max(abs(dx), abs(dy)) < MIN_SHIFT:
        return layout
    pix = page.get_pixmap(matrix=pymupdf.Matrix(LOOK_DPI / 72, LOOK_DPI / 72), colorspace=pymupdf.csGRAY, annots=False)
    dark = pixmap_array(pix)[:, :, 0] < INK_GREY
    ink = (dark.sum(axis=1).astype(float), dark.sum(axis=0).astype(float))
    origin = (-layout.rect[0], -layout.rect[1])  # page coordinates to pixels
    rows, cols = _profile(lines, dark.shape, origin)
    as_written = _correlation(ink[0], rows, 0) + _correlation(ink[1], cols, 0)
    moved = _correlation(ink[0], rows, dy) + _correlation(ink[1], cols, dx)
    if moved < as_written + GAIN:
        return layout
    return dataclasses.replace(layout, lines=[_moved(line, dx, dy) for line in layout.lines])
