"""Printed glyphs in a figure's pixels: small, isolated, text-like connected components (ink darker
or lighter than its neighbourhood), and the normalised view of one that the glyph classifier reads.
Training (tools/train_glyph_reader.py) and reading use these same two functions, so the classifier
sees at training exactly what the reader gives it."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from figscrape.geometry import PixelBox
from figscrape.split.pieces import components

SIDE = 24  # the classifier's view is SIDE x SIDE
CONTRAST = 40  # grey levels: ink differs from the mean around it (a block of NEIGHBOURHOOD px) by this much, either way round
NEIGHBOURHOOD = 41
MIN_HEIGHT = 8  # pixels of the grey view: smaller letters are not read
SEE = 0.4  # of the glyph's height: the ring around it that must hold no other ink (parentheses and an i's dot aside)
TRIES = 4  # components looked at closely per glyph wanted, at most
LINE = 0.15  # of the ring: the most of it a long frame or axis line passing through may cover


@dataclass(frozen=True)
class Glyph:
    box: PixelBox  # of the glyph alone, in the grey view's pixels
    light: bool  # light ink on a dark ground
    parens: bool  # between parentheses: "(a)"


def _isolated(labels: np.ndarray, stats: list[list[int]], i: int) -> tuple[bool, bool, PixelBox]:
    """Whether component i stands alone (its ring holds no other ink but parentheses beside it, a
    dot over it or the thin line of a frame or axis that keeps a little apart), whether
    parentheses flank it, and its box with the dot."""
    x, y, w, h = stats[i][:4]
    mx, my = max(3, int(np.ceil(SEE * h))), max(2, round(0.3 * h))
    H, W = labels.shape
    ring = labels[max(0, y - my) : min(H, y + h + my), max(0, x - mx) : min(W, x + w + mx)]
    x0, y0, x1, y1 = x, y, x + w, y + h
    others = ring[(ring != 0) & (ring != i)]
    sides = set()
    for j in set(others.tolist()) if others.size else ():
        jx, jy, jw, jh = stats[j][:4]
        if jh <= 2.2 * h and jw <= 0.45 * jh and jy <= y + 0.15 * h and jy + jh > y + h and (jx + jw <= x + 1 or jx >= x + w - 1):
            sides.add("left" if jx + jw <= x + 1 else "right")
        elif jh <= 0.4 * h and jw <= 0.7 * w + 2 and jy + jh <= y + 1 and jx < x + w and jx + jw > x:
            y0 = min(y0, jy)  # the dot of an i or j
        elif max(jw, jh) >= 4 * h and np.count_nonzero(ring == j) <= LINE * ring.size and not _touches(labels, j, x0, y0, x1, y1, max(1, round(0.12 * h))):
            continue  # a frame or an axis passing by
        else:
            return False, False, (x0, y0, x1, y1)
    return True, sides == {"left", "right"}, (x0, y0, x1, y1)


def _touches(labels: np.ndarray, j: int, x0: int, y0: int, x1: int, y1: int, d: int) -> bool:
    return bool(np.any(labels[max(0, y0 - d) : y1 + d, max(0, x0 - d) : x1 + d] == j))


def find_glyphs(gray: np.ndarray, zones: list[PixelBox], max_height: float, corners: np.ndarray | None = None, most: int = 0) -> list[Glyph]:
    """The isolated glyph-like components whose centre lies in one of the zones, both polarities.
    With corners (points, k x 2) and most, only the `most` nearest a corner (in their own heights)
    are returned, of the TRIES * most nearest looked at closely: most candidates are words' letters."""
    mean = cv2.blur(gray, (NEIGHBOURHOOD, NEIGHBOURHOOD)).astype(np.int16)
    tried: list[tuple[float, np.ndarray, list, int, bool]] = []
    for light in (False, True):
        ink = (gray > mean + CONTRAST) if light else (gray < mean - CONTRAST)  # a letter on a mid-grey picture too
        n, labels, stats = components(ink.view(np.uint8))  # 16-bit labels where they fit
        x, y, w, h, area = (stats[:, k] for k in range(5))
        cx, cy = x + w / 2, y + h / 2
        ok = (h >= MIN_HEIGHT) & (h <= max_height) & (w <= 1.6 * h) & (w >= 0.08 * h) & (area >= 0.12 * w * h)
        ok[0] = False
        inside = np.zeros(n, bool)
        for zx0, zy0, zx1, zy1 in zones:
            inside |= (cx >= zx0) & (cx <= zx1) & (cy >= zy0) & (cy <= zy1)
        picked = np.flatnonzero(ok & inside)
        if corners is not None and len(picked):
            far = np.hypot(cx[picked, None] - corners[None, :, 0], cy[picked, None] - corners[None, :, 1]).min(1) / h[picked]
        else:
            far = np.zeros(len(picked))
        rows = stats.tolist()
        tried += [(float(d), labels, rows, int(i), light) for d, i in zip(far, picked)]
    found: list[Glyph] = []
    tried.sort(key=lambda t: t[0])
    for _, labels, stats, i, light in tried[: TRIES * most] if most else tried:
        alone, parens, box = _isolated(labels, stats, i)
        if alone:
            found.append(Glyph(box, light, parens))
            if len(found) == most:
                break
    return found


def _fifth_percentile(values: np.ndarray) -> float:
    """np.percentile(values, 5) (linear), by a partial sort: a fifth of its time on small crops."""
    flat = values.ravel()
    k = 0.05 * (flat.size - 1)
    i = int(k)
    j = min(i + 1, flat.size - 1)
    part = np.partition(flat, (i, j))
    return float(part[i] + (k - i) * (part[j] - part[i]))


def glyph_view(gray: np.ndarray, glyph: Glyph) -> np.ndarray:
    """The glyph as the classifier sees it: a crop with a margin of a sixth of its size (neighbours
    show at the edges, as they do in figures), ink bright on a black ground stretched to [0, 1],
    scaled to fit SIDE x SIDE keeping its aspect ratio, centred."""
    x0, y0, x1, y1 = glyph.box
    m = max(1, round(max(x1 - x0, y1 - y0) / 6))
    H, W = gray.shape
    crop = gray[max(0, y0 - m) : min(H, y1 + m), max(0, x0 - m) : min(W, x1 + m)].astype(np.float32)
    if not glyph.light:
        crop = 255 - crop
    lo, hi = _fifth_percentile(crop), crop.max()
    crop = np.clip((crop - lo) / max(hi - lo, 1.0), 0, 1)
    h, w = crop.shape
    scale = SIDE / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    view = np.zeros((SIDE, SIDE), np.float32)
    oy, ox = (SIDE - size[1]) // 2, (SIDE - size[0]) // 2
    view[oy : oy + size[1], ox : ox + size[0]] = small
    return view
