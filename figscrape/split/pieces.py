"""Connected pieces of content and what each one is: a panel's picture or chart (a major piece),
or something small that belongs to one (a letter, a tick label, a legend), or a drawn box or an
outline that is no panel at all.

The joining rules only ever see boxes; this module decides which boxes are panels to begin with,
from each piece's size, density and grey levels, so that the rules for joining stay about geometry."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from figscrape import geometry as g
from figscrape.geometry import PixelBox
from figscrape.split.settings import Settings


@dataclass
class Piece:
    box: PixelBox
    pixels: int
    glyph: bool  # short or narrow: text, a letter, a tick, a dash

    @property
    def density(self) -> float:
        return self.pixels / max(1, g.area(self.box))


def components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """cv2.connectedComponentsWithStats (8-connected): count, labels, stats. Labels are 16-bit
    where they fit, which OpenCV labels and measures in about half the time; a mask of more
    pieces than that (OpenCV refuses to overflow) is labelled in 32 bits."""
    try:
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8, ltype=cv2.CV_16U)
    except cv2.error:
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return n, labels, stats


def labelled(mask: np.ndarray) -> tuple[int, np.ndarray]:
    """cv2.connectedComponents (8-connected): count and labels, in 16 bits where they fit (see components)."""
    try:
        return cv2.connectedComponents(mask, connectivity=8, ltype=cv2.CV_16U)
    except cv2.error:
        return cv2.connectedComponents(mask, connectivity=8)


def pieces(mask: np.ndarray, settings: Settings) -> list[Piece]:
    """Connected pieces of content."""
    return pieces_of(components(mask)[2], mask.shape, settings)


def pieces_of(stats: np.ndarray, shape: tuple[int, ...], settings: Settings) -> list[Piece]:
    """The pieces of OpenCV's connected-component `stats` (background row first) in a mask of `shape`."""
    h, w = shape[:2]
    short, narrow = settings.glyph_side * h, settings.glyph_side * w
    return [Piece((x, y, x + bw, y + bh), area, bh < short or bw < narrow) for x, y, bw, bh, area in stats[1:, :5].tolist()]  # Python ints: unpacking numpy rows costs more than the rest


def cores_of(mask: np.ndarray, settings: Settings) -> list[Piece]:
    """The pieces left once strokes up to `settings.bridge` thick are opened away (see unbridged)."""
    side = settings.bridge + 1
    return pieces(cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((side, side), np.uint8)), settings)


def taller_than_text(box: PixelBox, height: int, settings: Settings) -> bool:
    """Too tall to be a letter of a figure `height` pixels high (a glyph piece so tall is a narrow
    upright strip: a colour bar, an axis, a rotated label)."""
    return box[3] - box[1] >= settings.glyph_side * height


def text_lines(glyphs: list[Piece], height: int, settings: Settings) -> list[Piece]:
    """Glyph pieces joined into lines of text (words side by side on one baseline), so that a
    title is judged whole, not word by word. Each glyph joins the first line it fits (lines held as
    arrays: a scatter plot's thousands of dots are glyphs too). A glyph too tall to be a letter of
    the figure (`height` pixels high), a narrow upright strip (a colour bar, an axis, a rotated
    label), is no word and stays alone: the gap words may have grows with their height, and a row
    of colour bars would be one line across the row."""
    strips = [p for p in glyphs if taller_than_text(p.box, height, settings)]
    glyphs = [p for p in glyphs if not taller_than_text(p.box, height, settings)]
    lines = np.zeros((len(glyphs), 4), np.int64)
    pixels: list[int] = []
    for p in sorted(glyphs, key=lambda p: (p.box[1], p.box[0])):
        x0, y0, x1, y1 = p.box
        h = y1 - y0
        b = lines[: len(pixels)]
        bh = b[:, 3] - b[:, 1]
        same_row = np.minimum(b[:, 3], y1) - np.maximum(b[:, 1], y0) > settings.word_row * np.minimum(h, bh)
        close = np.maximum(b[:, 0], x0) - np.minimum(b[:, 2], x1) <= settings.word_gap * np.maximum(h, bh)
        hit = np.flatnonzero(same_row & close)
        if hit.size:
            i = int(hit[0])
            lines[i] = (min(b[i, 0], x0), min(b[i, 1], y0), max(b[i, 2], x1), max(b[i, 3], y1))
            pixels[i] += p.pixels
        else:
            lines[len(pixels)] = p.box
            pixels.append(p.pixels)
    return strips + [Piece(tuple(int(v) for v in lines[i]), pixels[i], True) for i in range(len(pixels))]  # type: ignore[arg-type]


def _one_level(gray: np.ndarray, box: PixelBox, settings: Settings) -> tuple[int, float]:
    """The median grey level of `box` and the share of its pixels within `settings.flat_tolerance` of it."""
    x0, y0, x1, y1 = box
    counts = np.cumsum(cv2.calcHist([gray[y0:y1, x0:x1]], [0], None, [256], [0, 256]).ravel().astype(np.int64))  # from the patch's histogram
    n = int(counts[-1])
    level = int((np.searchsorted(counts, (n - 1) // 2 + 1) + np.searchsorted(counts, n // 2 + 1)) / 2)  # np.median's: the middle two averaged
    t = settings.flat_tolerance
    near = counts[min(255, level + t)] - (counts[level - t - 1] if level - t > 0 else 0)
    return level, float(near / n)


def _flat_box(gray: np.ndarray, p: Piece, settings: Settings) -> bool:
    """A filled box of one light or mid colour (a diagram's node, a legend swatch): drawn, not a
    picture. A box mostly dark is a picture (a lung-masked CT slice, a micrograph on its dark field)."""
    if p.density < settings.solid:
        return False
    level, share = _one_level(gray, p.box, settings)
    return level > settings.flat_level and share >= settings.flat_share


def blank(gray: np.ndarray, p: Piece, settings: Settings) -> bool:
    """A panel-sized solid dark box of one level throughout (a black cell where a method of a grid
    has no image): it shows nothing, so it is no panel, nor part of one. A dark box counts as a
    picture otherwise (see _flat_box); a light one is drawn, and may be part of a chart. Its
    edges, two pixels deep, are left out: shrinking blends them with the gutters round it."""
    if p.density < settings.solid or not panel_sized(p, gray, settings):
        return False
    x0, y0, x1, y1 = p.box
    level, share = _one_level(gray, (x0 + 2, y0 + 2, x1 - 2, y1 - 2), settings)
    return level <= settings.flat_level and share >= settings.blank_share


def container(p: Piece, others: list[Piece], mask: np.ndarray, settings: Settings) -> bool:
    """A sparse outline around several panels (a dashed group frame, a grid): not a panel itself.
    An outline closes round them: it runs along all four sides of its box, where a chart's axes
    (a left and a bottom spine round its curves and an inset) run along two."""
    if p.density >= settings.container_density:
        return False
    inside = [o for o in others if o is not p and g.area(g.intersection(o.box, p.box)) >= settings.container_inside * g.area(o.box)]
    return len(inside) >= 2 and _closed(mask, p.box, settings)


def _closed(mask: np.ndarray, box: PixelBox, settings: Settings) -> bool:
    """Whether content runs along each side of `box` (within a few pixels of it) over at least
    `settings.container_side` of the side's length."""
    x0, y0, x1, y1 = box
    d = settings.line_thickness
    sides = (mask[y0 : y0 + d, x0:x1].any(axis=0), mask[y1 - d : y1, x0:x1].any(axis=0), mask[y0:y1, x0 : x0 + d].any(axis=1), mask[y0:y1, x1 - d : x1].any(axis=1))
    return all(s.size and s.mean() >= settings.container_side for s in sides)


def _textured(gray: np.ndarray, p: Piece, settings: Settings) -> bool:
    """Whether a piece's grey levels vary as a picture's do (a bar of a chart is one flat colour)."""
    x0, y0, x1, y1 = p.box
    return float(gray[y0:y1, x0:x1].std()) > settings.picture_spread


def panel_sized(p: Piece, gray: np.ndarray, settings: Settings) -> bool:
    """Whether a piece is big enough, and not a glyph, to be a panel of the figure `gray`."""
    h, w = gray.shape
    b = p.box
    return (
        not p.glyph
        and g.area(b) >= settings.major_area * w * h
        and (b[2] - b[0]) >= settings.major_side * w
        and (b[3] - b[1]) >= settings.major_side * h
    )


def is_major(p: Piece, gray: np.ndarray, settings: Settings) -> bool:
    """A panel-sized piece that is not a drawn flat box."""
    return panel_sized(p, gray, settings) and not _flat_box(gray, p, settings)


def _equal_pictures(found: list[Piece], major: list[bool], gray: np.ndarray, settings: Settings) -> list[bool]:
    """Which of `found`, too short or too narrow for a panel of the figure, are pictures of a row or
    grid of equal ones (thin slices side by side, strips of a registration grid): a solid, textured
    rectangle of a panel's area with at least `grid_fewest - 1` others of its size (within
    `equal_size` of its width and height). Text, legend swatches and colour bars are glyphs, flat
    or alone."""
    h, w = gray.shape
    small = [
        i for i, (p, m) in enumerate(zip(found, major))
        if not m and not p.glyph and p.density >= settings.solid and g.area(p.box) >= settings.major_area * w * h
        and _textured(gray, p, settings) and not _flat_box(gray, p, settings)
    ]
    sizes = np.array([(found[i].box[2] - found[i].box[0], found[i].box[3] - found[i].box[1]) for i in small], float).reshape(-1, 2)
    out = [False] * len(found)
    for k, i in enumerate(small):
        alike = np.all(np.abs(sizes - sizes[k]) <= settings.equal_size * sizes[k], axis=1)
        out[i] = int(alike.sum()) >= settings.grid_fewest
    return out


def major_flags(found: list[Piece], gray: np.ndarray, settings: Settings) -> list[bool]:
    """Which of `found` are panels (major pieces) rather than parts of one."""
    major = [is_major(p, gray, settings) for p in found]
    major = [m or e for m, e in zip(major, _equal_pictures(found, major, gray, settings))]
    typical = float(np.median([g.area(p.box) for p, m in zip(found, major) if m])) if any(major) else 0.0
    # a flat box as big as the other panels is a panel (a white picture on black), not a diagram's node
    return [m or (panel_sized(p, gray, settings) and g.area(p.box) >= settings.flat_panel * typical > 0) for p, m in zip(found, major)]


def unbridged(p: Piece, cores: list[Piece], gray: np.ndarray, settings: Settings) -> list[Piece]:
    """A piece that is several pictures joined only by thin strokes (arrows from one CT slice to the
    next, a dashed outline around a row of them) as those pictures; the strokes are dropped. `cores`
    are the pieces left once strokes are opened away. Only solid, textured rectangles count: a chart
    (all strokes, flat bars) has none, and the lungs of a bright slice on a white page are not rectangles."""
    inside = [
        c for c in cores
        if g.area(g.intersection(c.box, p.box)) == g.area(c.box) and c.density >= settings.solid and is_major(c, gray, settings) and _textured(gray, c, settings)
    ]
    if len(inside) >= 2 and sum(c.pixels for c in inside) >= settings.bridged_share * p.pixels:
        return inside
    return [p]
