"""Panel letters printed in the pixels (a raster figure has no text layer): glyphs near each panel's
corners (figscrape.split.glyphs) are read by the shipped glyph classifier (figscrape.split.glyphnet),
a few per figure in one batch, and kept only as a consistent run: a, b, c... (or A, B, C...) from
the first letter on, each on its own panel, one case, one size, no later letter above and left of
an earlier one. Anything less leaves every panel unlabelled: a wrong letter is worse than none."""

from __future__ import annotations

import cv2
import numpy as np

from figscrape.geometry import PixelBox
from figscrape.split.glyphnet import classify
from figscrape.split.glyphs import Glyph, find_glyphs, glyph_view

READ_SIDE = 1000  # glyphs are looked for in a grey view at most this long (letters smaller than glyphs.MIN_HEIGHT there are not read)
CORNER = 0.3  # of a panel's width and height: how near a corner a letter inside it sits
OUTSIDE = 3.0  # glyph heights: how far above, left of or (in parentheses) below a panel its letter may sit
TALLEST = 0.3  # of a panel's shorter side: the tallest glyph that can be its letter
SURE = 0.7  # case-blind probability a glyph needs to count
EACH = 4  # glyphs classified per panel, in parentheses or nearest its corners first
MOST = 32  # and per figure
LOOK = 60  # isolated glyphs looked for per figure, nearest a corner first
GAPS = 1  # letters a run may miss
SIZES = 1.8  # largest ratio of letter heights in one run
LOOK_ALIKE = set("cosuvwxz")  # letters whose capital is the small one enlarged: their case is the run's


def _place(glyph: Glyph, panels: list[PixelBox]) -> tuple[int, float] | None:
    """The panel a glyph can letter (inside one of its corners, in parentheses along its foot as in
    "(a) Original image", or outside above or left of it) and a rank, lower first: in parentheses
    first, then by the distance to the panel's nearest corner in glyph heights (one more outside
    it). None when none."""
    x0, y0, x1, y1 = glyph.box
    gh = y1 - y0
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    best: tuple[float, int] | None = None
    for i, (px0, py0, px1, py1) in enumerate(panels):
        pw, ph = px1 - px0, py1 - py0
        if gh > TALLEST * min(pw, ph):
            continue
        inside = px0 <= cx <= px1 and py0 <= cy <= py1
        near_x = min(cx - px0, px1 - cx) <= CORNER * pw
        near_y = min(cy - py0, py1 - cy) <= CORNER * ph
        foot = glyph.parens and px0 <= cx <= px1 and py1 - CORNER * ph <= cy <= py1 + OUTSIDE * gh
        above_left = px0 - OUTSIDE * gh <= cx <= px0 + CORNER * pw and py0 - OUTSIDE * gh <= cy <= py0 + CORNER * ph
        if not ((inside and near_x and near_y) or foot or (not inside and above_left)):
            continue
        corners = ((px0, py0), (px1, py0), (px0, py1), (px1, py1))
        rank = min(float(np.hypot(cx - x, cy - y)) for x, y in corners) / gh + (not inside) - 500 * glyph.parens
        if best is None or rank < best[0]:
            best = (rank, i)
    return None if best is None else (best[1], best[0])


def _zones(panels: list[PixelBox], width: int, height: int) -> list[PixelBox]:
    """Where a panel's letter can be (as _place sees it): its four corners, the strip along its
    foot, and the band above and left of it (a sixth of its size and a few pixels out)."""
    out = []
    for x0, y0, x1, y1 in panels:
        cw, ch, m = CORNER * (x1 - x0), CORNER * (y1 - y0), max(x1 - x0, y1 - y0) / 6 + 8
        out += [
            (x0 - m, y0 - m, x0 + cw, y0 + ch), (x1 - cw, y0, x1, y0 + ch), (x0, y1 - ch, x1, y1 + m),
        ]
    return [(max(0, a), max(0, b), min(width, c), min(height, d)) for a, b, c, d in out]  # type: ignore[misc]


def _run(read: list[tuple[int, float, float, Glyph, int]]) -> dict[int, tuple[int, bool]]:
    """The longest run a, b, c... of confident readings from the first letter on (one letter of it
    may be missing when three are read), one per panel,
    as {panel: (letter index, upper case)}, or {} when it is not consistent (mixed case or sizes, a
    later letter above and left of an earlier one, more than half as many other letters of their
    size on the panels left over)."""
    chosen: list[tuple[int, float, Glyph, int]] = []
    used: set[int] = set()
    skipped = 0
    for k in range(26):
        options = [(p, up, gl, i) for letter, p, up, gl, i in read if letter == k and i not in used]
        if not options and k > 0 and skipped < GAPS:
            skipped += 1  # the letter of a panel the splitter did not find, or did not read
            continue
        if not options:
            break
        _, up, gl, i = max(options, key=lambda o: o[0])
        chosen.append((k, up, gl, i))
        used.add(i)
    gapped = bool(chosen) and chosen[-1][0] >= len(chosen)
    if len(chosen) < (3 if gapped else 2):  # a run with a gap needs three letters read
        return {}
    cased = [up for k, up, _, _ in chosen if chr(ord("a") + k) not in LOOK_ALIKE] or [up for _, up, _, _ in chosen]
    upper = float(np.mean(cased)) > 0.5
    if any((up < 0.2) if upper else (up > 0.8) for up in cased):
        return {}
    heights = [gl.box[3] - gl.box[1] for _, _, gl, _ in chosen]
    if max(heights) > SIZES * min(heights):
        return {}
    strays = {i for _, _, _, gl, i in read if i not in used and max(heights) / SIZES <= gl.box[3] - gl.box[1] <= SIZES * min(heights)}
    if len(strays) > len(chosen) / 2:  # letters of a like size on other panels that are not in the run: it is no run
        return {}
    centres = [((gl.box[0] + gl.box[2]) / 2, (gl.box[1] + gl.box[3]) / 2, gl.box[3] - gl.box[1]) for _, _, gl, _ in chosen]
    for a, (ax, ay, ah) in enumerate(centres):
        for bx, by, _ in centres[a + 1 :]:
            if by < ay - ah and bx < ax - ah:  # a later letter above and left of an earlier one
                return {}
    return {i: (k, upper) for k, _, _, i in chosen}


def printed_labels(gray: np.ndarray, panels: list[PixelBox]) -> list[str]:
    """A label per panel from the letters printed in the grey image ("" where none is read)."""
    labels = [""] * len(panels)
    if len(panels) < 2:
        return labels
    height, width = gray.shape
    scale = min(1.0, READ_SIDE / max(height, width))
    view = cv2.resize(gray, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else gray
    boxes = [tuple(v * scale for v in p) for p in panels]
    tallest = TALLEST * max(min(b[2] - b[0], b[3] - b[1]) for b in boxes)
    placed = []
    corners = np.array([p for x0, y0, x1, y1 in boxes for p in ((x0, y0), (x1, y0), (x0, y1), (x1, y1), ((x0 + x1) / 2, y1))], np.float32)
    for glyph in find_glyphs(view, _zones(boxes, view.shape[1], view.shape[0]), tallest, corners, LOOK):  # type: ignore[arg-type]
        place = _place(glyph, boxes)  # type: ignore[arg-type]
        if place is not None:
            placed.append((place[1], glyph, place[0]))
    placed.sort(key=lambda t: t[0])
    per_panel: dict[int, int] = {}
    kept = []
    for rank, glyph, i in placed:
        per_panel[i] = per_panel.get(i, 0) + 1
        if per_panel[i] <= EACH and len(kept) < MOST:
            kept.append((rank, glyph, i))
    placed = kept
    if len(placed) < 2:
        return labels
    probs = classify([glyph_view(view, gl) for _, gl, _ in placed])
    read = []
    for (_, glyph, i), p in zip(placed, probs):
        lower, upper = p[:26], p[26:52]
        blind = lower + upper
        k = int(blind.argmax())
        if blind[k] >= SURE:
            read.append((k, float(blind[k]), float(upper[k] / blind[k]), glyph, i))
    for i, (k, up) in _run(read).items():
        labels[i] = chr((ord("A") if up else ord("a")) + k)
    return labels
