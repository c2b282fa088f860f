"""The rules that join pieces into panels, on boxes alone (and, for the halves of a picture, the mask and its pixels).

Pixels cut one panel into many pieces: a chart's curve apart from its axes, letters and tick
labels apart from their picture, a colour bar or a zoomed inset beside it, the two lungs of a
masked CT slice. Each rule here says when pieces are one panel and why; the order in which the
splitter applies them is in gutters.panel_boxes."""

from __future__ import annotations

import cv2
import numpy as np

from figscrape import geometry as g
from figscrape.geometry import PixelBox
from figscrape.split.masks import flat_share
from figscrape.split.pieces import components, taller_than_text
from figscrape.split.settings import Settings


def merge_overlapping(boxes: list[PixelBox], settings: Settings) -> list[PixelBox]:
    """Boxes of which one mostly lies in the other become one (a curve inside its axes, an inset)."""
    boxes = list(boxes)
    changed = True
    while changed:
        changed = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                if g.area(g.intersection(boxes[i], boxes[j])) > settings.merge_overlap * min(g.area(boxes[i]), g.area(boxes[j])):
                    merged = g.union([boxes[i], boxes[j]])
                    boxes = [b for k, b in enumerate(boxes) if k not in (i, j)] + [merged]
                    changed = True
                    break
            if changed:
                break
    return boxes


def spans_several(piece: PixelBox, majors: list[PixelBox], settings: Settings, upright: bool = False) -> bool:
    """A title or header over a row (or beside a column) of panels belongs to none of them: it runs
    along two of them. An `upright` strip beside its panel (a colour bar, an axis) runs along every
    panel of its row, so it spans several only when two of those lie one above the other (a
    label beside two rows)."""
    share = settings.span_overlap

    def along(lo: int, hi: int) -> list[PixelBox]:
        return [m for m in majors if min(piece[hi], m[hi]) - max(piece[lo], m[lo]) > share * (m[hi] - m[lo])]

    across, down = along(0, 2), along(1, 3)
    if upright:
        rows_apart = any(min(a[3], b[3]) - max(a[1], b[1]) < share * min(a[3] - a[1], b[3] - b[1]) for i, a in enumerate(down) for b in down[i + 1 :])
        return len(across) >= 2 or rows_apart
    return len(across) >= 2 or len(down) >= 2


def _strip_of(s: PixelBox, m: PixelBox, reach: float, settings: Settings) -> bool:
    """Whether s is a thin strip lying along one side of m, within m's extent: the scanner table
    under a CT slice, a colour bar beside a heatmap, a band cut off a bright slice by a white row."""
    slack = settings.strip_slack
    for lo, hi, a0, a1 in ((1, 3, 0, 2), (0, 2, 1, 3)):  # s above or below m, then s left or right of m
        thin = (s[hi] - s[lo]) <= settings.strip_thin * (m[hi] - m[lo])
        along = s[a0] >= m[a0] - slack * (m[a1] - m[a0]) and s[a1] <= m[a1] + slack * (m[a1] - m[a0])
        near = max(s[lo] - m[hi], m[lo] - s[hi]) <= reach
        if thin and along and near and (s[a1] - s[a0]) >= settings.strip_cover * (m[a1] - m[a0]):
            return True
    return False


def _satellite_of(s: PixelBox, m: PixelBox, tight: float, settings: Settings) -> bool:
    """Whether s is a small picture right beside m within m's extent, closer to it than the figure's
    gutters are wide: the zoomed insets stacked beside a micrograph, a fragment of a bright slice."""
    if g.area(s) > settings.satellite_area * g.area(m) or g.gap(s, m) > tight:
        return False
    slack = settings.satellite_slack
    within_x = s[0] >= m[0] - slack and s[2] <= m[2] + slack
    within_y = s[1] >= m[1] - slack and s[3] <= m[3] + slack
    return within_x or within_y


def absorb_parts(boxes: list[PixelBox], reach: float, settings: Settings) -> list[PixelBox]:
    """Boxes that are parts of a bigger neighbour, a strip along it (see _strip_of) or a small picture
    tight beside it (see _satellite_of), joined to it."""
    nearest = [min((g.gap(b, o) for o in boxes if o is not b), default=0.0) for b in boxes]
    tight = min(reach, settings.satellite_gap * max(nearest, default=0.0))
    boxes = sorted(boxes, key=g.area, reverse=True)
    out: list[PixelBox] = []
    for box in boxes:
        host = next((i for i, m in enumerate(out) if _strip_of(box, m, reach, settings) or _satellite_of(box, m, tight, settings)), None)
        if host is None:
            out.append(box)
        else:
            out[host] = g.union([out[host], box])
    return out


def orphan_panels(small: list[PixelBox], majors: list[PixelBox], reach: float, width: int, height: int, settings: Settings) -> list[PixelBox]:
    """Panels made of small pieces alone: a group of them (each within reach of the next) that no
    panel is within reach of, that is as big as a panel and as wide and high as most of the figure's
    other panels (a shared colour bar or legend beside a grid is a strip), and
    that holds more than lines of text (a piece at least a glyph's share of the figure high: text
    alone, a caption's paragraph, is no panel). A bar chart's bars are flat boxes and each too
    narrow for a panel, its axes are thin lines, yet bars, ticks and labels together fill a
    panel's place; what no panel claims would otherwise be lost."""
    if not small or not majors:
        return []
    share = settings.orphan_panel
    typical_w, typical_h = share * float(np.median([m[2] - m[0] for m in majors])), share * float(np.median([m[3] - m[1] for m in majors]))
    boxes = np.array(small, dtype=np.float64)
    claimed = np.zeros(len(small), bool)
    for m in majors:
        claimed |= _gaps(boxes, m) <= reach
    out = []
    for group in g.group_near([tuple(b) for b in boxes.tolist()], reach):
        if claimed[group].any() or not any(taller_than_text(small[i], height, settings) for i in group):
            continue
        x0, y0, x1, y1 = g.union([small[i] for i in group])
        wide, high = x1 - x0 >= max(typical_w, settings.major_side * width), y1 - y0 >= max(typical_h, settings.major_side * height)
        if wide and high and (x1 - x0) * (y1 - y0) >= settings.major_area * width * height:
            out.append((int(x0), int(y0), int(x1), int(y1)))
    return out


def _gaps(boxes: np.ndarray, box: PixelBox) -> np.ndarray:
    """g.gap from each of `boxes` (an n x 4 array) to `box`."""
    dx = np.maximum(0, np.maximum(boxes[:, 0], box[0]) - np.minimum(boxes[:, 2], box[2]))
    dy = np.maximum(0, np.maximum(boxes[:, 1], box[1]) - np.minimum(boxes[:, 3], box[3]))
    return np.maximum(dx, dy)


def attach(
    small: list[PixelBox], majors: list[PixelBox], reach: float, settings: Settings, text: list[bool] | None = None, upright: list[bool] | None = None
) -> list[PixelBox]:
    """The panels grown by the small pieces near them (letters, tick labels, axis titles, legends),
    nearest first and measured to the panel as grown so far: an axis title beyond its tick labels
    joins its chart, not the picture across the gutter. A piece wider or taller than every panel
    within reach joins none when it runs along two of them (a title over both), nor does a panel
    grow into another. Of the pieces that are `text`, none carries a panel past a side it shares
    with its row or column (see _unaligned_trimmed); of those `upright`, see spans_several."""
    grown = list(majors)
    if not small:
        return grown
    owners = np.full(len(small), -1)
    pieces_ = np.array(small, dtype=np.float64)
    sizes = np.array([(b[2] - b[0], b[3] - b[1]) for b in majors], dtype=np.float64)
    fit = settings.attach_fit
    fits = ((pieces_[:, 2] - pieces_[:, 0])[:, None] <= fit * sizes[None, :, 0]) & ((pieces_[:, 3] - pieces_[:, 1])[:, None] <= fit * sizes[None, :, 1])
    upright = upright or [False] * len(small)
    fits |= np.array([not spans_several(s, majors, settings, u) for s, u in zip(small, upright)])[:, None]  # bigger than its panel, but over no other: the rest of a chart its grid lines cut off
    areas = sizes[:, 0] * sizes[:, 1]
    tie = settings.attach_tie * (areas.max() - areas)  # equal gaps: the larger panel
    gaps = np.stack([_gaps(pieces_, m) for m in majors], axis=1) + tie[None, :]
    gaps[~fits] = np.inf
    while True:
        i, j = np.unravel_index(int(np.argmin(gaps)), gaps.shape)
        if not gaps[i, j] <= reach:
            return _unaligned_trimmed(small, majors, owners, settings.align_slack * reach, text or [False] * len(small))
        wider = g.union([grown[j], small[i]])
        if any(k != j and g.area(g.intersection(wider, o)) > g.area(g.intersection(grown[j], o)) for k, o in enumerate(grown)):
            gaps[i, j] = np.inf  # a panel never grows into another: the piece is not this one's
            continue
        grown[j] = wider
        owners[i] = j
        gaps[i, :] = np.inf
        open_ = np.isfinite(gaps[:, j])
        gaps[open_, j] = _gaps(pieces_[open_], grown[j]) + tie[j]


def _unaligned_trimmed(small: list[PixelBox], majors: list[PixelBox], owners: np.ndarray, slack: float, text: list[bool]) -> list[PixelBox]:
    """The panels grown by the pieces each was given (`owners`), but for the pieces of `text` that
    carry a panel past a side whose line two or more other panels share (the top of a row, the left
    edge of a column) when most of that line's panels grew nothing past it: a header over one
    panel of a row (a column's header, a title over the figure), a row's label beside the last panel
    of its column; not the titles or tick labels that every panel of a row or column has. Where most
    of the line's panels did grow, a piece lying wholly beyond where most of them reached is not
    the panel's either: a title over the whole figure above one panel's own title."""
    def beyond(j: int, side: int) -> list[int]:
        sign = -1 if side < 2 else 1
        return [i for i in np.flatnonzero(owners == j).tolist() if text[i] and sign * (small[i][side] - majors[j][side]) > slack]

    dropped: set[int] = set()
    for side in range(4):
        sign, near = (-1 if side < 2 else 1), (side + 2) % 4  # a piece's side nearest to the panel
        out = [beyond(j, side) for j in range(len(majors))]
        reached = [max([sign * small[i][side] for i in mine], default=sign * majors[j][side]) for j, mine in enumerate(out)]
        for j, mine in enumerate(out):
            peers = [k for k in range(len(majors)) if k != j and abs(majors[k][side] - majors[j][side]) <= slack]
            if not mine or len(peers) < 2:
                continue
            if 2 * (1 + sum(bool(out[k]) for k in peers)) < len(peers) + 1:  # a minority of the line
                dropped.update(mine)
            else:
                line = float(np.median([reached[k] for k in peers]))
                dropped.update(i for i in mine if sign * small[i][near] - line > slack)
    return [g.union([m] + [small[i] for i in np.flatnonzero(owners == j).tolist() if i not in dropped]) for j, m in enumerate(majors)]


def nearest_joined(small: list[PixelBox], majors: list[PixelBox], reach: float) -> list[PixelBox]:
    """`majors` each grown by the small pieces nearest to it (measured to it as it was) within reach."""
    grown = list(majors)
    for s in small:
        gaps = [g.gap(s, m) for m in majors]
        j = int(np.argmin(gaps))
        if gaps[j] <= reach:
            grown[j] = g.union([grown[j], s])
    return grown


def _ragged(edges: np.ndarray, width: int, settings: Settings) -> bool:
    """Whether a piece's edge, one position per row, wanders (a lung's) rather than runs straight (a picture's)."""
    edges = edges[edges >= 0]
    return edges.size > settings.ragged_rows and float(np.std(edges)) > settings.ragged_spread * width


def _solidity(mask: np.ndarray) -> float:
    """Area over convex hull area of the largest piece in `mask`: 1 for a convex shape."""
    n, labels, stats = components(mask)
    if n < 2:
        return 1.0
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    contours, _ = cv2.findContours((labels == largest).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    hull = cv2.contourArea(cv2.convexHull(np.vstack(contours)))
    return float(stats[largest, cv2.CC_STAT_AREA]) / hull if hull else 1.0


def _halves(a: PixelBox, b: PixelBox, mask: np.ndarray, gray: np.ndarray, settings: Settings) -> bool:
    """Whether a and b (b right of a) are two dense pieces close together and of a height whose facing
    edges both wander and that are tall or hollowed, and pictures, not drawings: the lungs of one
    masked CT slice. Two panels face each other with straight edges; two round slices side by side
    are convex; two charts or diagrams side by side (flat fills, strokes) are drawn."""
    top, bottom = max(a[1], b[1]), min(a[3], b[3])
    short = min(a[3] - a[1], b[3] - b[1])
    narrow = min(a[2] - a[0], b[2] - b[0])
    if bottom - top < settings.halves_overlap * max(a[3] - a[1], b[3] - b[1]) or b[0] - a[2] > settings.halves_gap * narrow or short <= 0:
        return False
    rows_a = mask[top:bottom, a[0] : a[2]]
    rows_b = mask[top:bottom, b[0] : b[2]]
    if rows_a.mean() < settings.halves_density or rows_b.mean() < settings.halves_density:  # a chart's or a diagram's sparse ink: never halves of a picture
        return False
    right_of_a = np.where(rows_a.any(axis=1), rows_a.shape[1] - 1 - np.argmax(rows_a[:, ::-1], axis=1), -1)
    left_of_b = np.where(rows_b.any(axis=1), np.argmax(rows_b, axis=1), -1)
    if not (_ragged(right_of_a, a[2] - a[0], settings) and _ragged(left_of_b, b[2] - b[0], settings)):
        return False
    if max(flat_share(gray[y0:y1, x0:x1], mask[y0:y1, x0:x1]) for x0, y0, x1, y1 in (a, b)) > settings.halves_flat:
        return False
    if min((a[3] - a[1]) / (a[2] - a[0]), (b[3] - b[1]) / (b[2] - b[0])) >= settings.halves_tall:  # tall: a lung each
        return True
    # a lung is hollowed where it meets the heart (solidity 0.75-0.88); a whole round slice is convex (0.94+)
    return max(_solidity(mask[a[1] : a[3], a[0] : a[2]]), _solidity(mask[b[1] : b[3], b[0] : b[2]])) < settings.halves_solidity


def join_halves(boxes: list[PixelBox], mask: np.ndarray, gray: np.ndarray, settings: Settings) -> list[PixelBox]:
    """Pieces that are halves of one picture (see _halves) joined; but not two pieces that are each
    the size of the figure's other panels into one twice that size: those are two round slices side
    by side (a grid of lung-masked slices joins every pair, and then all are of a size again)."""
    groups = [[b] for b in boxes]
    joined = True
    while joined:
        joined = False
        for i, j in ((i, j) for i in range(len(groups)) for j in range(len(groups)) if i != j):
            a, b = g.union(groups[i]), g.union(groups[j])
            if b[0] >= (a[0] + a[2]) / 2 and b[2] > a[2] and _halves(a, b, mask, gray, settings):
                groups[i] = groups[i] + groups[j]
                del groups[j]
                joined = True
                break
    typical = float(np.median([g.area(g.union(parts)) for parts in groups]))
    out: list[PixelBox] = []
    for parts in groups:
        whole = g.union(parts)
        if len(parts) > 1 and g.area(whole) >= settings.halves_double * typical and all(g.area(p) >= settings.halves_part * typical for p in parts):
            out += parts
        else:
            out.append(whole)
    return out
