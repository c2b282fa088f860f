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
REMNANT = 3.0  # points: print this thin where a region's edge cuts through it, and a blank as wide inside, lies outside it


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


def _decoded(doc: pymupdf.Document, xref: int) -> np.ndarray | None:
    """The scan's samples, grey or RGB, as stored (a bilevel scan comes out as 0 and 255); None when
    they carry no colours, only coverage (a colour space MuPDF could not read, or none): the page
    then shows them as a stencil, and only a render says how."""
    pix = pymupdf.Pixmap(doc, xref)
    check_size(pix.width, pix.height, "page scan")
    if pix.colorspace is None and pix.alpha:
        return None
    if pix.alpha:
        pix = pymupdf.Pixmap(pix, 0)
    if pix.colorspace is None or pix.colorspace.n not in (1, 3):
        pix = pymupdf.Pixmap(pymupdf.csRGB if pix.colorspace and pix.colorspace.n > 1 else pymupdf.csGRAY, pix)
    return pixmap_array(pix).copy()  # the pixmap goes when this returns


def _print_span(grey: np.ndarray, remnant: int) -> tuple[int, int, int, int] | None:
    """First and last rows and columns (end exclusive) with print on them, grain and dust ignored,
    and less a remnant at an edge (fewer than `remnant` pixels of print the edge cuts through, a
    blank as wide apart from the rest and not across it: the foot of a caption's letters above)."""
    dark = grey < INK_GREY
    rows = _without_remnants(dark, np.flatnonzero(dark.sum(axis=1) >= INK_RUN), remnant)
    cols = _without_remnants(dark.T, np.flatnonzero(dark.sum(axis=0) >= INK_RUN), remnant)
    if rows.size == 0 or cols.size == 0:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _without_remnants(dark: np.ndarray, rows: np.ndarray, remnant: int) -> np.ndarray:
    runs = _runs(rows)
    if len(runs) < 2:
        return rows
    def cut_off(run: tuple[int, int], apart: int) -> bool:
        across = np.flatnonzero(dark[run[0] : run[1]].any(axis=0))
        return run[1] - run[0] < remnant <= apart and across[-1] - across[0] < 0.8 * dark.shape[1]
    if runs[0][0] == 0 and cut_off(runs[0], runs[1][0] - runs[0][1]):
        rows = rows[rows >= runs[1][0]]
    if runs[-1][1] == dark.shape[0] and cut_off(runs[-1], runs[-1][0] - runs[-2][1]):
        rows = rows[rows < runs[-2][1]]
    return rows


def _region(doc: pymupdf.Document, page: Drawable, scan: PlacedImage, box: Box) -> tuple[np.ndarray, Box]:
    """The scan's samples under a box and the box they cover exactly: cut from the decoded scan when
    it is placed unturned in one piece and has colours, else a render of the box at the scan's resolution."""
    box = g.intersection(box, scan.bbox)
    samples = _decoded(doc, scan.xref) if scan.upright and scan.strips == 1 else None
    if samples is None:
        zoom = min(MAX_RENDER_DPI / 72, max(scan.width / g.width(scan.bbox), scan.height / g.height(scan.bbox)))
        pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), clip=pymupdf.Rect(box), alpha=False)
        return pixmap_array(pix).copy(), (pix.x / zoom, pix.y / zoom, (pix.x + pix.width) / zoom, (pix.y + pix.height) / zoom)
    h, w = samples.shape[:2]
    placed = scan.placed  # the samples span the whole placement, also where it sticks out of the page
    sx, sy = w / g.width(placed), h / g.height(placed)
    c0, r0 = max(0, int((box[0] - placed[0]) * sx)), max(0, int((box[1] - placed[1]) * sy))
    c1, r1 = max(c0 + 1, min(w, int(np.ceil((box[2] - placed[0]) * sx)))), max(r0 + 1, min(h, int(np.ceil((box[3] - placed[1]) * sy))))
    covered = (placed[0] + c0 / sx, placed[1] + r0 / sy, placed[0] + c1 / sx, placed[1] + r1 / sy)
    return samples[r0:r1, c0:c1], covered


def _ink_look(cut: np.ndarray, covered: Box) -> tuple[np.ndarray, np.ndarray]:
    """The samples in grey, and that grey at most INK_DPI fine (finer: shrunk first, so the grain averages out)."""
    grey = cut[:, :, 0] if cut.shape[2] == 1 else cv2.cvtColor(np.ascontiguousarray(cut), cv2.COLOR_RGB2GRAY)
    scale = min(1.0, INK_DPI / (72 * cut.shape[1] / g.width(covered)))
    look = cv2.resize(grey, (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    return grey, look


def split_between(doc: pymupdf.Document, page: Drawable, scan: PlacedImage, box: Box, captions: list[Box], reach: float) -> list[Box]:
    """A detected region on a scan that captions set side by side over (or under) it share, cut
    into one region each: at the widest blank strip of the scan between each two captions' middles
    (two graphs under "Figure 1" and "Figure 2", which the model saw as one). `reach`: points
    between a region and a caption set over or under it."""
    middle = (box[1] + box[3]) / 2
    sides: dict[bool, list[Box]] = {True: [], False: []}
    for c in captions:
        cx = (c[0] + c[2]) / 2
        if box[0] < cx < box[2] and (box[1] - reach <= c[3] and c[1] < middle or middle < c[3] and c[1] <= box[3] + reach):
            sides[c[1] < middle].append(c)
    level = max(sides.values(), key=len)
    level.sort(key=lambda c: c[0])
    if len(level) < 2 or any(a[2] > b[0] or g.y_overlap(a, b) <= 0 for a, b in zip(level, level[1:])):
        return [box]
    cut, covered = _region(doc, page, scan, cut_at(box, captions))
    _, look = _ink_look(cut, covered)
    blank = (look < INK_GREY).sum(axis=0) < INK_RUN
    per_point = look.shape[1] / g.width(covered)
    edges = [box[0]]
    for a, b in zip(level, level[1:]):
        lo, hi = int(((a[0] + a[2]) / 2 - covered[0]) * per_point), int(((b[0] + b[2]) / 2 - covered[0]) * per_point)
        run = _widest_run(blank[max(0, lo) : max(0, hi)])
        if run is None:
            return [box]
        edges.append(covered[0] + (max(0, lo) + (run[0] + run[1]) / 2) / per_point)
    edges.append(box[2])
    return [(x0, box[1], x1, box[3]) for x0, x1 in zip(edges, edges[1:])]


def extend_to_ink(doc: pymupdf.Document, page: Drawable, scan: PlacedImage, box: Box, down: bool, stops: list[Box], max_gap: float) -> Box:
    """A region on a scan taken on, away from its caption, over the print that follows it in its
    width (the model often sees one panel of a figure only, and stops at a panel's legend line),
    up to a blank wider than `max_gap` points or print that lies level with a stop (a line of running
    text, a caption)."""
    reach = (box[0], box[3], box[2], scan.bbox[3]) if down else (box[0], scan.bbox[1], box[2], box[1])
    if g.height(reach) < 1:
        return box
    cut, covered = _region(doc, page, scan, reach)
    _, look = _ink_look(cut, covered)
    per_point = look.shape[0] / g.height(covered)
    inked = (look < INK_GREY).sum(axis=1) >= INK_RUN
    rows = np.flatnonzero(inked if down else inked[::-1])
    edge = 0.0  # points from the box's edge to the print taken so far
    for start, end in _runs(rows):
        top, bottom = start / per_point, end / per_point
        if top - edge > max_gap:
            break
        band = (box[0], covered[1] + top, box[2], covered[1] + bottom) if down else (box[0], covered[3] - bottom, box[2], covered[3] - top)
        if any(g.x_overlap(s, box) > 0 and g.y_overlap(s, band) > 0.5 * min(g.height(band), g.height(s)) for s in stops):
            break
        edge = bottom
    return (box[0], box[1], box[2], box[3] + edge) if down else (box[0], box[1] - edge, box[2], box[3])


def _runs(rows: np.ndarray) -> list[tuple[int, int]]:
    """Runs of consecutive row indices, as (first, last + 1)."""
    if rows.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(rows) > 1)
    starts = np.concatenate(([rows[0]], rows[breaks + 1]))
    ends = np.concatenate((rows[breaks], [rows[-1]])) + 1
    return list(zip(starts.tolist(), ends.tolist()))


def _widest_run(flags: np.ndarray) -> tuple[int, int] | None:
    """Start and end (exclusive) of the longest run of True (the first of equals), None when there is none."""
    return max(_runs(np.flatnonzero(flags)), key=lambda run: run[1] - run[0], default=None)


def scan_pixels(doc: pymupdf.Document, page: Drawable, scan: PlacedImage, box: Box) -> tuple[Box, FigureImage]:
    """A region of a page scan cut to its print, and its pixels at the scan's resolution (lossless PNG)."""
    cut, covered = _region(doc, page, scan, box)
    grey, look = _ink_look(cut, covered)
    sx, sy = cut.shape[1] / g.width(covered), cut.shape[0] / g.height(covered)
    span = _print_span(look, round(REMNANT * look.shape[0] / g.height(covered)))
    if span is not None:
        fx, fy = grey.shape[1] / look.shape[1], grey.shape[0] / look.shape[0]
        a0, b0 = int(span[0] * fx), int(span[1] * fy)
        a1, b1 = min(grey.shape[1], int(np.ceil(span[2] * fx))), min(grey.shape[0], int(np.ceil(span[3] * fy)))
        cut = cut[b0:b1, a0:a1]
        covered = (covered[0] + a0 / sx, covered[1] + b0 / sy, covered[0] + a1 / sx, covered[1] + b1 / sy)
    cut = np.ascontiguousarray(cut)
    data = encode_png(cut[:, :, 0] if cut.shape[2] == 1 else cv2.cvtColor(cut, cv2.COLOR_RGB2BGR))
    return covered, FigureImage(data, "png", cut.shape[1], cut.shape[0], None)
