"""Where a compound figure's panels are, from its pixels alone.

The figure is analysed as an 8-bit grey view at most `Settings.analysis_side` pixels long. Its
background is the level of its gutters (whole rows or columns of near white or near black between
pictures), else of its border; a figure whose background is neither near white nor near black is a
single picture (a micrograph or a photo filling the frame). Content is what differs from the
background or has texture (the noise of a scan, even where it is black on a black page).

Panels are the large pieces of content that gutters separate. Long thin lines that stand apart
(frames around cells, rules, brackets) are removed first, as they join panels across gutters
(but not from a chart whose curve they would leave in pieces). A
piece that is pictures joined only by strokes (arrows) is those pictures; large pieces whose boxes
overlap are one panel (a chart's curve and its axes); small pieces (panel letters, tick labels,
axis titles, legends, scale bars) join the nearest panel, and strips of text over several panels
(titles, headers) are dropped. Last, strips along a panel (a scanner table, a colour bar), small
pictures tight beside it (zoomed insets) and the second lung of a masked slice join it. A figure with no
panel-sized piece but two or more axes stacked as strips (scale or tick demos) is those strips.

Gutters too thin for the analysis view, of the other colour than the page, or where two pictures
touch (seams) are found first at a finer scale (cuts.py) and count as background in the mask.
Last, a panel that is a montage of equal tiles, touching or parted by a line too thin to see, is
cut into its tiles at that finer scale (grids.py).

This module is the entry and the order of those steps; each step lives with its concern:
settings.py (PixelBox, and every tuning number in `Settings`), masks.py (the view, its background and
content mask), cuts.py (gutters and seams at the finer scale), grids.py (montages of equal tiles), lines.py (thin-line removal), pieces.py (connected pieces and which are panels) and
joining.py (the rules that join pieces into panels)."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from figscrape import geometry as g
from figscrape.geometry import PixelBox
from figscrape.split.cuts import band_mask, fine_view, gutter_bands
from figscrape.split.grids import montage_tiles, tiles_of
from figscrape.split.joining import (
    absorb_parts,
    attach,
    join_halves,
    merge_overlapping,
    nearest_joined,
    orphan_panels,
    spans_several,
)
from figscrape.split.lines import thin_lines
from figscrape.split.masks import analysis_view, background_level, content_mask, gutter_level, inside_frame
from figscrape.split.pieces import (
    Piece,
    blank,
    components,
    container,
    cores_of,
    major_flags,
    panel_sized,
    pieces,
    pieces_of,
    taller_than_text,
    text_lines,
    unbridged,
)
from figscrape.split.settings import Settings


def panel_boxes(gray: np.ndarray, bg: int, settings: Settings, gutters: np.ndarray | None = None) -> list[PixelBox]:
    """Panels in analysis pixels, on a background of level `bg`; `gutters` (a mask, 1 where a gutter
    found at a finer scale runs) are background whatever their level."""
    h, w = gray.shape
    drawn = content_mask(gray, bg, settings)  # with the lines that finer gutters cross, so that frames stay closed
    mask = drawn & (1 - gutters) if gutters is not None else drawn
    mask, found = keep_line_drawings(mask, gray, settings)
    found = [p for p in found if not blank(gray, p, settings)]
    if not found:
        return [(0, 0, w, h)]
    cores = cores_of(mask, settings)
    major = major_flags(found, gray, settings)
    candidates = [part for p, m in zip(found, major) if m for part in unbridged(p, cores, gray, settings)]
    majors = merge_overlapping([p.box for p in candidates if not container(p, candidates, mask, settings)], settings)
    majors = framed(majors, drawn & (1 - mask), mask, gray, settings)
    reach = settings.attach_reach * (w * w + h * h) ** 0.5
    if not majors:
        return axis_strips(found, w, h, reach, settings) or [(0, 0, w, h)]
    small = [p for p, m in zip(found, major) if not m and p.pixels >= settings.speck]
    minors = [p for p in small if not p.glyph] + text_lines([p for p in small if p.glyph], h, settings)
    upright = [p.glyph and taller_than_text(p.box, h, settings) for p in minors]  # a narrow strip, not text (see text_lines)
    kept = [k for k, p in enumerate(minors) if not (len(majors) >= 2 and p.glyph and spans_several(p.box, majors, settings, upright[k]))]
    minors, upright = [minors[k] for k in kept], [upright[k] for k in kept]
    majors += orphan_panels([p.box for p in minors], majors, reach, w, h, settings)
    grown = attach([p.box for p in minors], majors, reach, settings, [p.glyph for p in minors], upright)
    return join_halves(absorb_parts(merge_overlapping(grown, settings), reach, settings), mask, gray, settings)


def framed(majors: list[PixelBox], removed: np.ndarray, mask: np.ndarray, gray: np.ndarray, settings: Settings) -> list[PixelBox]:
    """Each panel alone inside a closed frame of removed thin lines (axes whose spines carry no
    ticks round a sparse scatter) grown to the frame: the frame is its border, not a rule between
    panels. So are the panels inside a frame that holds two or more when none of them is a solid
    picture (clusters of a scatter, curves: one chart); a frame round pictures is a group outline
    and changes nothing. `mask` is the content without the removed lines."""
    out = list(majors)
    removed = cv2.dilate(removed, np.ones((3, 3), np.uint8))  # a frame broken for a pixel where a gutter crossed it stays closed
    for p in pieces(removed, settings):
        if not panel_sized(p, gray, settings) or not _closed_frame(removed, p.box, settings):
            continue
        x0, y0, x1, y1 = p.box
        frame = (x0 + 1, y0 + 1, x1 - 1, y1 - 1)
        inside = [k for k, b in enumerate(out) if g.area(g.intersection(b, frame)) >= settings.container_inside * g.area(b)]
        if len(inside) == 1 or (len(inside) >= 2 and not any(_solid(mask, out[k], settings) for k in inside)):
            joined = g.union([frame] + [out[k] for k in inside])
            out = [b for k, b in enumerate(out) if k not in inside] + [joined]
    return out


def _solid(mask: np.ndarray, box: PixelBox, settings: Settings) -> bool:
    """Whether content covers `settings.solid` of `box`: a picture, not strokes or dots."""
    x0, y0, x1, y1 = box
    return cv2.countNonZero(mask[y0:y1, x0:x1]) >= settings.solid * max(1, (x1 - x0) * (y1 - y0))


def _closed_frame(removed: np.ndarray, box: PixelBox, settings: Settings) -> bool:
    """Whether the removed lines run along nearly all of each side of `box` (a drawn rectangle, not a bracket or a dashed group)."""
    x0, y0, x1, y1 = box
    d = settings.line_thickness
    sides = (removed[y0 : y0 + d, x0:x1].any(axis=0), removed[y1 - d : y1, x0:x1].any(axis=0), removed[y0:y1, x0 : x0 + d].any(axis=1), removed[y0:y1, x1 - d : x1].any(axis=1))
    return all(s.size and s.mean() >= settings.frame_closed for s in sides)


def axis_strips(found: list[Piece], width: int, height: int, reach: float, settings: Settings) -> list[PixelBox]:
    """In a figure with no panel-sized piece, its axes stacked as strips (a scale or a tick formatter
    shown per row): thin pieces, lines with their ticks, running along most of its width, two or
    more. Each is a panel with the text nearest it (its title above, its tick labels below); none
    when the figure holds fewer than two."""
    axes = [p for p in found if p.glyph and p.box[2] - p.box[0] >= settings.axis_strip * width]
    if len(axes) < 2:
        return []
    rest = [p for p in found if all(p is not a for a in axes) and p.pixels >= settings.speck]
    lines = [p for p in rest if not p.glyph] + text_lines([p for p in rest if p.glyph], height, settings)
    return nearest_joined([p.box for p in lines], [a.box for a in axes], reach)


def keep_line_drawings(mask: np.ndarray, gray: np.ndarray, settings: Settings) -> tuple[np.ndarray, list[Piece]]:
    """The content mask without its thin lines that stand apart, except in a panel-sized piece that
    holds no panel-sized piece once they are gone (a set of axes whose spines carry only tiny
    inward ticks, or a line drawing, is its lines, and without them it would vanish; a bare
    rectangle round nothing, an empty cell of a grid, is not, and the letter it holds goes with it), or only
    strokes, two or more, each sparse in its box: a chart's curve, cut where it crossed the frame's
    grid lines, whose pieces would each pass for a panel. With the mask's pieces, which finding it
    mostly has at hand."""
    lines = thin_lines(mask, settings)
    if not lines.any():
        return mask, pieces(mask, settings)
    kept = mask & (1 - lines)
    n, labels, stats = components(mask)
    _, kept_labels, kept_stats = components(kept)
    after = pieces_of(kept_stats, kept.shape, settings)
    majors = [(k, p) for k, (p, m) in enumerate(zip(after, major_flags(after, gray, settings)), start=1) if m]
    restore = np.zeros(n, bool)
    empty = np.zeros(len(after) + 1, bool)  # pieces of the line-free mask inside an empty cell
    for i, p in enumerate(pieces_of(stats, mask.shape, settings), start=1):
        if panel_sized(p, gray, settings):
            inside = [(k, m) for k, m in majors if g.area(g.intersection(m.box, p.box)) == g.area(m.box)]
            bare = not inside and _bare_outline(labels, i, p.box, settings) and _holds_little(kept, p.box, settings)
            if bare:
                empty[[k for k, q in enumerate(after, start=1) if g.area(g.intersection(q.box, p.box)) == g.area(q.box)]] = True
            restore[i] = (
                (not inside and not bare)
                or (len(inside) >= 2 and all(m.density < settings.stroke_density for _, m in inside))
                or (len(inside) >= 2 and _crossed(kept_labels, lines, p.box, [k for k, _ in inside], settings))
            )
    if empty.any():
        kept = np.where(empty[kept_labels], 0, kept).astype(np.uint8)
        after = [q for k, q in enumerate(after, start=1) if not empty[k]]
    if not restore.any():
        return kept, after
    restored = np.where(restore[labels], mask, kept).astype(np.uint8)
    return restored, pieces(restored, settings)


def _bare_outline(labels: np.ndarray, label: int, box: PixelBox, settings: Settings) -> bool:
    """Whether piece `label` lies all along the sides of its `box` (within a line's thickness of
    them): a drawn rectangle with nothing of its own inside, where axes have ticks or grid lines."""
    x0, y0, x1, y1 = box
    d = settings.line_thickness + 1
    return x1 - x0 > 2 * d and y1 - y0 > 2 * d and not (labels[y0 + d : y1 - d, x0 + d : x1 - d] == label).any()


def _holds_little(kept: np.ndarray, box: PixelBox, settings: Settings) -> bool:
    """Whether the content inside `box` covers at most `settings.empty_share` of it: a letter, a
    word; a scatter's dots or a drawing's strokes, glyphs each, cover more."""
    x0, y0, x1, y1 = box
    return cv2.countNonZero(kept[y0:y1, x0:x1]) <= settings.empty_share * (x1 - x0) * (y1 - y0)


def _crossed(labels: np.ndarray, lines: np.ndarray, box: PixelBox, parts: list[int], settings: Settings) -> bool:
    """Whether pieces `parts` (labels of the line-free mask) of one piece cut by the removed `lines`
    meet across a line: a chart's curve crossing its grid lines comes back together on the line's
    other side, within its thickness. Pictures in the cells of a frame lie further apart, and two
    pictures whose ends a line joins along its length (a crosshair across touching panels) face
    each other along it, not across."""
    x0, y0, x1, y1 = box
    crop, drawn = labels[y0:y1, x0:x1], lines[y0:y1, x0:x1]
    side = 2 * settings.line_thickness + 1
    runs = [(cv2.morphologyEx(drawn, cv2.MORPH_OPEN, np.ones(along, np.uint8)), np.ones(along[::-1], np.uint8), axis) for along, axis in (((1, side), 0), ((side, 1), 1))]
    for k in parts[:-1]:
        mine = (crop == k).view(np.uint8)
        others = np.isin(crop, [q for q in parts if q != k])
        for run, step, axis in runs:  # horizontal lines, the pieces above and below; then vertical ones
            met = np.nonzero(cv2.dilate(mine, step).view(bool) & others & cv2.dilate(run, step).view(bool))[axis]
            if met.size and np.ptp(met) < side:  # across the line, not over an area
                return True
    return False


def find_panels(gray: np.ndarray, settings: Settings | None = None, shrunk: bool = False) -> list[PixelBox]:
    """Panel boxes (x0, y0, x1, y1, in the given image's pixels) in reading order; of a figure in a
    frame that hides its page, those inside the frame (see masks.inside_frame): the frame's lines
    cross every gutter and give the border a level that is no page's (neither near white nor near
    black), or not the level of the gutters inside it (a white line round pictures on black). A
    frame of the page's own level (a white edge round slices parted by white lines on black) hides nothing.
    `shrunk`: `gray` is the figure made smaller, whose thinnest lines it blended (see cuts._blended)."""
    settings = settings or Settings()
    frame = inside_frame(gray, settings)
    if frame is None:
        return _unframed_panels(gray, settings, shrunk)
    x0, y0, x1, y1 = frame
    outer = background_level(analysis_view(gray, settings)[0], settings)
    if min(abs(outer - page) for page in (0, 255)) <= settings.gutter_tolerance:
        view = analysis_view(gray[y0:y1, x0:x1], settings)[0]
        inner = gutter_level(view, replace(settings, gutter_run=1))  # lines one pixel wide part the pictures too
        if abs((background_level(view, settings) if inner is None else inner) - outer) <= settings.gutter_tolerance:
            return _unframed_panels(gray, settings, shrunk)
    return [(a + x0, b + y0, c + x0, d + y0) for a, b, c, d in _unframed_panels(gray[y0:y1, x0:x1], settings, shrunk)]


def _unframed_panels(gray: np.ndarray, settings: Settings, shrunk: bool = False) -> list[PixelBox]:
    fine, fine_factor = fine_view(gray, settings)
    small, factor = analysis_view(fine, settings)
    factor *= fine_factor
    bg = background_level(small, settings)
    if settings.black_level < bg < settings.white_level:  # the border is pictures: gutters too thin for the analysis view may still show finer
        finer = gutter_level(fine, replace(settings, gutter_run=1))
        bg = bg if finer is None else finer
    if settings.black_level < bg < settings.white_level:  # a picture filling the figure to its edges: one panel, or a montage of touching tiles
        H, W = gray.shape
        tiles = tiles_of(fine, (0, 0, fine.shape[1], fine.shape[0]), None, settings, pair=True) or [(0, 0, fine.shape[1], fine.shape[0])]
        return reading_order([(int(a * fine_factor), int(b * fine_factor), min(W, int(np.ceil(c * fine_factor))), min(H, int(np.ceil(d * fine_factor)))) for a, b, c, d in tiles], settings)
    gutters = band_mask(small.shape, gutter_bands(fine, bg, settings, shrunk or fine_factor > 1), factor / fine_factor)
    H, W = gray.shape
    fh, fw = fine.shape
    up = factor / fine_factor  # analysis pixels to the finer view's
    boxes = [
        (max(0, int(x0 * up)), max(0, int(y0 * up)), min(fw, int(np.ceil(x1 * up))), min(fh, int(np.ceil(y1 * up))))
        for x0, y0, x1, y1 in panel_boxes(small, bg, settings, gutters)
    ]
    out = [
        (max(0, int(a0 * fine_factor)), max(0, int(b0 * fine_factor)), min(W, int(np.ceil(a1 * fine_factor))), min(H, int(np.ceil(b1 * fine_factor))))
        for a0, b0, a1, b1 in montage_tiles(fine, boxes, bg, settings)
    ]
    return reading_order(out, settings)


def reading_order(boxes: list[PixelBox], settings: Settings | None = None) -> list[PixelBox]:
    """Rows top to bottom (boxes whose tops fall within the first box's upper half), left to right in each."""
    settings = settings or Settings()
    rest = sorted(boxes, key=lambda b: (b[1], b[0]))
    ordered: list[PixelBox] = []
    while rest:
        top = rest[0]
        band = sorted((b for b in rest if b[1] < top[3] - settings.row_band * (top[3] - top[1])), key=lambda b: b[0])
        ordered += band
        rest = [b for b in rest if b not in band]
    return ordered
