"""Drawn marks that belong to the page's layout, not to a figure: a frame round a figure and its
caption, and strips or rules that edge or run beside running text."""

from __future__ import annotations

import numpy as np

from figscrape import geometry as g
from figscrape.geometry import Box

STRIP_SIDE = 6.0  # points: a part no thicker than this is a rule or a strip, not a picture
RULE_LINES = 3  # lines of running text framed by strips, or beside an upright one, that make it layout
RULE_REACH = 1.5  # body sizes between an upright rule and the ends of the lines beside it


def drop_frames(drawings: list[Box], caption_boxes: list[Box]) -> list[Box]:
    """Remove boxes drawn around a figure together with its caption: they belong to neither."""
    if not caption_boxes or not drawings:
        return drawings
    sizes = np.asarray(drawings, dtype=np.float64)
    w, h = np.maximum(0.0, sizes[:, 2] - sizes[:, 0]), np.maximum(0.0, sizes[:, 3] - sizes[:, 1])
    thin = np.flatnonzero((w < 2) | (h < 2) | ((w <= STRIP_SIDE) & (h <= STRIP_SIDE))).tolist()  # sides, and a rounded frame's corners
    drop: set[int] = set(np.flatnonzero(g.mostly_inside(caption_boxes, drawings, 0.95).any(axis=0)).tolist())
    for group in g.group_near([drawings[i] for i in thin], 2.0):
        members = [thin[k] for k in group]
        frame = g.union(drawings[i] for i in members)
        if all(_on_frame(drawings[i], frame) for i in members) and any(g.overlap_fraction(c, frame) > 0.95 for c in caption_boxes):
            drop.update(members)
    return [d for i, d in enumerate(drawings) if i not in drop]


def _on_frame(d: Box, frame: Box) -> bool:
    """A side of the frame (a hairline along one of its edges) or a corner piece (at an edge both ways)."""
    at_x = min(abs(d[0] - frame[0]), abs(d[2] - frame[2])) < 2
    at_y = min(abs(d[1] - frame[1]), abs(d[3] - frame[3])) < 2
    return at_x and g.width(d) < 2 or at_y and g.height(d) < 2 or at_x and at_y


def is_layout_rule(parts: list[Box], box: Box, running: list[Box], body_size: float) -> bool:
    """Strips only (rules, a block's edge or its shadow, drawn or as thin images) that frame running
    text or run beside it: the edge of a poster's block or a sidebar, the rule between two columns.
    Such a frame would otherwise take in every line it holds and grow into a false figure."""
    if len(running) < RULE_LINES:
        return False
    if g.width(box) <= STRIP_SIDE and g.height(box) >= RULE_LINES * body_size:  # an upright rule: what runs beside it
        x = (box[0] + box[2]) / 2
        held = sum(g.y_overlap(t, box) > 0.8 * g.height(t) and min(abs(t[0] - x), abs(t[2] - x)) <= RULE_REACH * body_size for t in running)
    else:  # a frame: what it holds
        held = sum(g.overlap_fraction(t, box) > 0.9 for t in running)
    if held < RULE_LINES:
        return False
    return not any(min(g.width(p), g.height(p)) > STRIP_SIDE and max(g.width(p), g.height(p)) > 2 * STRIP_SIDE for p in parts)


def is_underline(d: Box, lines: list[Box]) -> bool:
    """A hairline at the foot of a text line and within its width: a link's or a word's underline
    (a browser's print underlines every link), not a graphic."""
    if g.height(d) > 1.5:
        return False
    return any(t[0] - 1 <= d[0] and d[2] <= t[2] + 1 and t[3] - 0.35 * g.height(t) <= d[1] <= t[3] + 2 for t in lines)
