"""The learned detector where the PDF structure is not sure, merged into the structure's figures.

A page is sure when every figure label on it has a region and every sizeable graphic on it
belongs to a figure; only the other pages (a caption or "Figure N" label with no region, graphics
no figure claims, pages that look like figure pages) are rendered and run through the detector.
A detected figure counts only as far as the PDF's own images, drawings and labels bear it out:
its box is snapped to them. It widens a structure figure it contains (pieces of one figure the
structure split), or becomes a figure of its own with the nearest free caption on the page.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pymupdf

from figscrape import geometry as g
from figscrape.extract.captions import Caption, continue_on_next_page, find_captions
from figscrape.extract.detector import Detection, detect
from figscrape.extract.figures import FoundFigure
from figscrape.extract.layout import (
    RUNNING_CHARS,
    BodyText,
    PageLayout,
    PlacedImage,
    TextLine,
    at_body_size,
    describe_body,
    is_running_text,
    page_scan,
    symbol_font,
)
from figscrape.extract.scans import cut_at, extend_to_ink, split_between
from figscrape.geometry import Box

MIN_DETECTION_SCORE = 0.5  # a detected figure below this is not taken
UNCAPTIONED_SCORE = 0.6  # a figure on a page with no figure label at all (slides, posters, sheets) must be surer
UNCAPTIONED_SHARE = 0.05  # of the page, at least
FREE_GRAPHIC_SHARE = 0.03  # of the page: graphics outside every figure that make a page unsure
FIGURE_PAGE_SHARE = 0.12  # of the page: graphics that make a page with no running text a figure page
CAPTION_REACH = 60.0  # points between a detected figure and the caption it takes
SNAP_MARGIN = 6.0  # points a part may stick out of the detected box and still be snapped in


@dataclass
class PageFacts:
    """What the structure analysis left on one page, for the gate and the merge."""

    page: PageLayout
    captions: list[Caption]  # figure captions and bare labels that start on the page
    table_captions: list[Box]  # where the page's table captions stand (a scan's figure stops at them)
    figures: list[FoundFigure]  # the structure's figures on the page
    free: list[Box]  # of those, the ones that are neither hairlines nor boxes behind text
    free_marks: list[Box]  # every image and drawing outside every figure and table, hairlines too
    body_lines: int


def _solid(box: Box) -> bool:
    """Not a hairline: rules, underlines and table lines say nothing of a figure."""
    return g.width(box) >= 2 and g.height(box) >= 2


def page_facts(page: PageLayout, figures: list[FoundFigure], body: BodyText, tables: Sequence[Box] = ()) -> PageFacts:
    """What the gate and the merge need of a page; `tables`: where graphics a table caption claims are."""
    mine = [f for f in figures if f.page == page.number]
    images = [i.bbox for i in page.images]
    parts = images + page.drawings
    claimed = [g.expand(f.bbox, 4) for f in mine] + [g.expand(t, 4) for t in tables]
    outside = ~g.mostly_inside(parts, claimed, 0.8).any(axis=1)
    marks = [p for p, out in zip(parts, outside) if out]
    typeset = _text_backgrounds([p for p, out in zip(parts[len(images):], outside[len(images):]) if out], parts, [l.bbox for l in page.lines if _words(l)])
    free = [m for m in marks if _solid(m) and m not in typeset]
    captions = find_captions(page, body)
    body_lines = sum(1 for l in page.lines if not l.furniture and l.horizontal and is_running_text(l, body.size))
    figure_captions = [c for c in captions if c.kind == "figure"]
    return PageFacts(page, figure_captions, [c.bbox for c in captions if c.kind != "figure"], mine, free, marks, body_lines)


def _words(line: TextLine) -> bool:
    """A line of words, not a marker set as a glyph (a scatter plot's dots in ZapfDingbats)."""
    return sum(c.isalnum() for c in line.text) >= 2 and not symbol_font(line.main_span.font)


def _text_backgrounds(drawn: list[Box], parts: list[Box], lines: list[Box]) -> list[Box]:
    """Drawn boxes that hold text and nothing else drawn (a shaded table cell, a code listing, a
    framed remark): a filled or framed box behind words is typography, not a graphic. Any mark
    within the box (a chart's dots, however small) makes it a graphic; rules along its edges do not."""
    holding = [d for d, has in zip(drawn, g.mostly_inside(lines, drawn, 0.8).any(axis=0)) if has and _solid(d)]
    if not holding:
        return []
    within = g.mostly_inside(parts, [g.expand(d, -2) for d in holding], 0.5)
    smaller = np.asarray([g.area(p) for p in parts])[:, None] < 0.9 * np.asarray([g.area(d) for d in holding])[None, :]
    return [d for d, crowded in zip(holding, (within & smaller).any(axis=0)) if not crowded]


def unsure_because(facts: PageFacts, numbers_found: set[str], labelled: bool = False) -> str:
    """Why the structure analysis is not sure of this page ("" when it is). Nothing the detector
    could find is taken on a page with no figure whose labels all have their figures, nor on a
    page with no label and no figure in a `labelled` document (one whose figures have labels):
    there it finds logos, tables, equations and figures whose legends the structure matched
    already, never an unnumbered figure of its own."""
    if not facts.figures and all(c.number in numbers_found for c in facts.captions) and (facts.captions or labelled):
        return ""  # a detected box could take no caption here, and there is no figure to widen
    page_area = g.area(facts.page.rect)
    graphic_area = sum(g.area(p) for p in facts.free)
    marks_area = g.area(g.union(facts.free_marks)) if facts.free_marks else 0.0
    if any(c.number not in numbers_found for c in facts.captions) and marks_area > 0.02 * page_area:
        return "a figure label with no region"
    if graphic_area >= FREE_GRAPHIC_SHARE * page_area:
        return "graphics no figure claims"
    if not facts.figures and facts.body_lines <= 2 and marks_area >= FIGURE_PAGE_SHARE * page_area:
        return "a figure page"
    return ""


def snap(box: Box, page: PageLayout, avoid: list[Box]) -> tuple[Box, list[PlacedImage], list[Box]] | None:
    """The detected box drawn in to the page's own images, drawings and labels inside it; None
    when nothing of the PDF bears it out. An image larger than the box keeps the box; on a scanned
    page, less the caption lines at its top or bottom."""
    scan = page_scan(page)
    if scan is not None:
        return cut_at(g.intersection(box, scan.bbox), avoid), [scan], []
    reach = g.expand(box, SNAP_MARGIN)
    images = [i for i in page.images if g.overlap_fraction(i.bbox, reach) > 0.5]
    drawings = [d for d in page.drawings if g.overlap_fraction(d, reach) > 0.5 and g.area(d) < 1.5 * g.area(box)]
    if not images and not drawings:
        scan = [i for i in page.images if g.overlap_fraction(box, i.bbox) > 0.9]
        return (g.intersection(box, scan[0].bbox), scan, []) if scan else None
    parts = [i.bbox for i in images] + drawings
    texts = [
        l.bbox for l in page.lines
        if not l.furniture and not l.blank and g.overlap_fraction(l.bbox, reach) > 0.8 and not any(g.overlap_fraction(l.bbox, a) > 0.5 for a in avoid)
    ]
    snapped = g.union(parts + texts)
    if g.area(g.intersection(snapped, box)) < 0.3 * g.area(box):
        return None  # a few strokes in a box the model filled with something else
    return snapped, images, drawings


def _free_caption(box: Box, facts: PageFacts, used: set[str]) -> Caption | None:
    """The nearest figure caption or label on the page no figure has: just below or above the box
    (set flush left of it, as some journals do, too), or level with it at its side."""
    best: tuple[float, Caption] | None = None
    for c in facts.captions:
        if c.number in used:
            continue
        dists = []
        if g.x_overlap(c.bbox, g.expand(box, CAPTION_REACH)) > 0:
            dists.append(max(c.bbox[1] - box[3], box[1] - c.bbox[3]))
        if g.y_overlap(c.bbox, box) > 0:
            dists.append(max(c.bbox[0] - box[2], box[0] - c.bbox[2]))
        for dist in dists:
            if -4 <= dist <= CAPTION_REACH and (best is None or dist < best[0]):
                best = (dist, c)
    return best[1] if best else None


def _captioned(box: Box, caption_boxes: list[Box]) -> bool:
    """A caption the model found sits just below or above the box (a scan without a text layer,
    where no label can be read, still shows where its captions are)."""
    return any(
        g.x_overlap(c, box) > 0 and -4 <= max(c[1] - box[3], box[1] - c[3]) <= CAPTION_REACH for c in caption_boxes
    )


def _kind(images: list[PlacedImage], drawings: list[Box]) -> str:
    if not images:
        return "vector"
    if any(_solid(d) and not any(g.overlap_fraction(d, g.expand(i.bbox, 2)) > 0.95 for i in images) for d in drawings):
        return "mixed"
    return "raster" if len(images) == 1 else "tiled"


def merge(facts: PageFacts, detections: list[Detection], used: set[str], legends: dict[str, str]) -> list[FoundFigure]:
    """New figures for this page from the detector's boxes; structure figures a detection contains
    are widened to it in place. `used` (figure numbers already taken) grows."""
    avoid = [c.bbox for c in facts.captions]
    detected_captions = [d.bbox for d in detections if d.label == "figure_caption" and d.score >= MIN_DETECTION_SCORE]
    small_ok = page_scan(facts.page) is not None  # on a scan, a small figure the model saw captioned is taken
    added: list[FoundFigure] = []
    for det in sorted((d for d in detections if d.label == "figure" and d.score >= MIN_DETECTION_SCORE), key=lambda d: -d.score):
        snapped = snap(det.bbox, facts.page, avoid)
        if snapped is None:
            continue
        box, images, drawings = snapped
        inside = [f for f in facts.figures + added if g.overlap_fraction(f.bbox, g.expand(box, 4)) > 0.8]
        touching = [f for f in facts.figures + added if g.overlap_fraction(g.intersection(f.bbox, box), box) > 0.05 or g.overlap_fraction(f.bbox, box) > 0.2]
        if len(inside) == 1 and len(touching) == 1:
            fig = inside[0]
            if g.area(box) > 1.15 * g.area(fig.bbox) and not any(g.overlap_fraction(a, box) > 0.5 for a in avoid):
                fig.bbox = g.union([fig.bbox, box])
                fig.images = list({id(i): i for i in fig.images + images}.values())
                fig.drawings = fig.drawings + [d for d in drawings if d not in fig.drawings]
                fig.kind = _kind(fig.images, fig.drawings)
            continue
        if touching:
            continue  # the structure's figures here stand; the model sees them otherwise
        caption = _free_caption(box, facts, used)
        if caption is None:
            large = g.area(box) >= UNCAPTIONED_SHARE * g.area(facts.page.rect)
            if not facts.captions and det.score >= UNCAPTIONED_SCORE and (large or small_ok and _captioned(box, detected_captions)):
                added.append(FoundFigure(facts.page.number, box, "", "", _kind(images, drawings), images, drawings))
            continue
        text = legends.get(caption.number, caption.text) if caption.label_only else caption.text  # a bare "Figure 1" with no legend elsewhere is its own caption
        used.add(caption.number)
        added.append(FoundFigure(facts.page.number, box, caption.number, text, _kind(images, drawings), images, drawings, caption.label_only))
    return added


def add_detected_figures(doc: pymupdf.Document, pages: list[PageLayout], figures: list[FoundFigure], tables: Sequence[tuple[int, Box]] = ()) -> list[FoundFigure]:
    """The structure's figures with the detector's added where a page is not sure (`tables`:
    (page, box) of graphics that table captions claim)."""
    body = describe_body(pages)
    facts = [page_facts(p, figures, body, [box for number, box in tables if number == p.number]) for p in pages]
    used = {f.number for f in figures}
    legends: dict[str, str] = {}
    for index, f in enumerate(facts):
        for c in f.captions:
            if not c.label_only and c.number not in used:
                if index + 1 < len(pages):
                    continue_on_next_page(c, f.page, pages[index + 1], body)
                legends.setdefault(c.number, c.text)
    out = list(figures)
    labelled = any(f.captions for f in facts) or any(page_scan(p) and any(not l.blank for l in p.lines) for p in pages)
    for f in facts:
        if not unsure_because(f, used, labelled):
            continue
        added = merge(f, _split_on_scan(doc, f, detect(doc[f.page.number - 1])), used, legends)
        _extend_on_scan(doc, f, added, body)
        out += added
    return out


def _extend_on_scan(doc: pymupdf.Document, facts: PageFacts, added: list[FoundFigure], body: BodyText) -> None:
    """On a scanned page, a detected figure goes on away from its caption over the print in its
    width, to the running text or the next caption (a table's too): the legend lines of its panels
    do not end it."""
    scan = page_scan(facts.page)
    if scan is None or not added:
        return
    captions = {c.number: c.bbox for c in facts.captions}
    stops = [c.bbox for c in facts.captions] + facts.table_captions + [l.bbox for l in facts.page.lines if l.furniture and not l.blank]
    stops += _running_rows(facts.page.lines, body.size) + [f.bbox for f in facts.figures + added]
    for fig in added:
        cap = captions.get(fig.number)
        if cap is None or g.y_overlap(cap, fig.bbox) > 0:
            continue
        others = [s for s in stops if s != fig.bbox and s != cap]
        fig.bbox = extend_to_ink(doc, doc[facts.page.number - 1], scan, fig.bbox, cap[1] < fig.bbox[1], others, 3 * body.size)


def _running_rows(lines: list[TextLine], body_size: float) -> list[Box]:
    """The rows of text on a scan's OCR layer that no figure holds, though the layer may give each
    word a line of its own: level words a space or two apart make one row. A row of 30 characters
    at the body's size is running text, and so is a shorter one a line under such a row and flush
    left with it (a paragraph's last line, "the selected route."); a row of 40 in any size is a
    running header or a caption's text."""
    words = sorted((l for l in lines if l.horizontal and not l.blank and not l.furniture), key=lambda l: (l.bbox[1], l.bbox[0]))
    rows: list[tuple[Box, int, int]] = []  # box, characters, characters at the body's size
    for word in words:
        chars = len(word.text.strip())
        body = chars if at_body_size(word.size, body_size) else 0
        for k, (box, n, n_body) in enumerate(rows):
            level = g.y_overlap(box, word.bbox) > 0.5 * min(g.height(box), g.height(word.bbox))
            if level and -1 <= word.bbox[0] - box[2] <= 1.5 * body_size:
                rows[k] = (g.union([box, word.bbox]), n + chars + 1, n_body + body + (1 if body else 0))
                break
        else:
            rows.append((word.bbox, chars, body))
    running = [box for box, n, n_body in rows if n_body >= RUNNING_CHARS or n >= 40]
    tails = [
        box for box, n, n_body in rows
        if n_body and n_body < RUNNING_CHARS and any(0.5 * body_size <= box[1] - r[1] <= 2 * body_size and abs(box[0] - r[0]) <= body_size for r in running)
    ]
    return running + tails


def _split_on_scan(doc: pymupdf.Document, facts: PageFacts, detections: list[Detection]) -> list[Detection]:
    """On a scanned page, a detected figure under (or over) several captions side by side becomes
    one figure per caption: each caption claims the ink nearest it."""
    scan = page_scan(facts.page)
    if scan is None or len(facts.captions) < 2:
        return detections
    boxes = [c.bbox for c in facts.captions]
    page = doc[facts.page.number - 1]
    return [
        dataclasses.replace(d, bbox=part)
        for d in detections
        for part in (split_between(doc, page, scan, d.bbox, boxes, CAPTION_REACH) if d.label == "figure" and d.score >= MIN_DETECTION_SCORE else [d.bbox])
    ]
