"""Thin-line removal: the long thin straight lines that stand apart from the pictures.

Frames around cells, rules, brackets and dashed group outlines run across gutters and would join
the panels on either side into one piece, so they are taken out of the content mask before pieces
are found. A line that content runs along (a frame drawn on a picture's edge) or that carries tick
marks (a chart's axis) belongs to its panel and stays."""

from __future__ import annotations

import cv2
import numpy as np

from figscrape.split.pieces import components, labelled
from figscrape.split.settings import Settings


def thin_lines(mask: np.ndarray, settings: Settings) -> np.ndarray:
    """Long thin straight lines, solid or dashed, that stand apart: frames around cells, rules,
    brackets and dashed group outlines that cross gutters. A line that content runs along (a frame
    drawn on a picture's edge) or that carries tick marks (an axis) belongs to its panel and stays."""
    h, w = mask.shape
    out = np.zeros_like(mask)
    t = settings.line_thickness
    dash, solid_k, m = settings.dash_join, settings.line_solid, settings.line_margin
    for horizontal in (True, False):
        length = max(settings.line_min_length, int(settings.line_length * (w if horizontal else h)))
        joined = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((1, dash) if horizontal else (dash, 1), np.uint8))  # dashes into lines
        solid = cv2.morphologyEx(joined, cv2.MORPH_CLOSE, np.ones((solid_k, solid_k), np.uint8))
        line_k = (1, length) if horizontal else (length, 1)
        thick_k = (t + 1, length) if horizontal else (length, t + 1)
        lines = _opened(joined, line_k) & (1 - _opened(solid, thick_k)) & mask
        x0, y0, bw, bh = cv2.boundingRect(lines)
        if not bw:
            continue
        # work on the lines' surroundings only: ticks and touches lie within the margin
        y0, y1, x0, x1 = max(0, y0 - m), min(h, y0 + bh + m), max(0, x0 - m), min(w, x0 + bw + m)
        out[y0:y1, x0:x1] |= _standing_apart(mask[y0:y1, x0:x1], lines[y0:y1, x0:x1], horizontal, settings)
    return out


def _opened(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """OpenCV's opening of a 0/1 mask by a rectangle of `size` (rows, columns), pixel for pixel,
    from running box sums: their cost does not grow with the rectangle, morphology's does, and a
    line's rectangle is a fifth of the figure long. Eroded where the window holds no 0 (outside
    counts as 1, as for cv2.erode), then dilated where it holds a 1."""
    k = (size[1], size[0])
    eroded = cv2.boxFilter(1 - mask, cv2.CV_16U, k, normalize=False, borderType=cv2.BORDER_CONSTANT) == 0
    return (cv2.boxFilter(eroded.view(np.uint8), cv2.CV_16U, k, normalize=False, borderType=cv2.BORDER_CONSTANT) > 0).view(np.uint8)


def _standing_apart(mask: np.ndarray, lines: np.ndarray, horizontal: bool, settings: Settings) -> np.ndarray:
    """The pixels of `lines` (candidate lines of one direction in `mask`) that stand apart: next to
    little content along their length, and without three tick marks."""
    h, w = mask.shape
    m, d = settings.line_margin, settings.line_side
    widened = cv2.dilate(lines, np.ones((settings.line_widen, settings.line_widen), np.uint8))
    n, labels = labelled(widened)  # labels alone: measuring them costs several times more
    labels = labels * (lines > 0)
    rest = mask & (1 - widened)
    near = np.zeros_like(mask)  # content a few pixels to either side of the line (no wrapping round the edges)
    if horizontal:
        near[:-d] |= rest[d:]
        near[d:] |= rest[:-d]
    else:
        near[:, :-d] |= rest[:, d:]
        near[:, d:] |= rest[:, :-d]
    # how much of each line's length has content beside it (per position along it, whatever its thickness)
    xs, ys = cv2.findNonZero(lines).reshape(-1, 2).T  # np.nonzero's pixels, in its order, many times faster (the lines are never none here)
    along, extent = (xs, w) if horizontal else (ys, h)
    key = labels[ys, xs].astype(np.int64) * extent + along
    length_of = np.bincount(np.unique(key) // extent, minlength=n)
    touched = np.bincount(np.unique(key[near[ys, xs] > 0]) // extent, minlength=n)
    apart = touched < settings.line_touched * np.maximum(length_of, 1)
    apart[0] = False
    if not apart.any():  # every line runs along content: nothing to remove, no need to look for ticks
        return np.zeros_like(mask)
    out = np.zeros_like(mask)
    in_apart = apart[labels[ys, xs]]  # tick marks matter only on those lines: look within the margin of them
    y0, y1 = max(0, ys[in_apart].min() - m), min(h, ys[in_apart].max() + m + 1)
    x0, x1 = max(0, xs[in_apart].min() - m), min(w, xs[in_apart].max() + m + 1)
    labels, rest = labels[y0:y1, x0:x1], rest[y0:y1, x0:x1]
    _, rest_labels, rest_stats = components(rest)
    along, across = (cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT) if horizontal else (cv2.CC_STAT_HEIGHT, cv2.CC_STAT_WIDTH)
    tick = (rest_stats[:, along] <= settings.tick_length) & (rest_stats[:, across] <= settings.tick_across)  # short strokes touching the line
    tick[0] = False
    r = settings.tick_reach
    reach = cv2.dilate(labels if labels.dtype == np.uint16 else labels.astype(np.float32), np.ones((r, r), np.uint8)).astype(np.int64)  # OpenCV dilates no 32-bit ints
    close = (reach > 0) & (rest > 0) & tick[rest_labels]
    pairs = np.unique(reach[close] * (int(rest_labels.max()) + 1) + rest_labels[close])
    pairs = np.stack([pairs // (int(rest_labels.max()) + 1), pairs % (int(rest_labels.max()) + 1)])
    marks = np.bincount(pairs[0][pairs[0] > 0], minlength=n)  # tick marks on the line
    alone = apart & (marks < settings.axis_ticks)
    out[y0:y1, x0:x1] = (alone[labels] & (lines[y0:y1, x0:x1] > 0)).astype(np.uint8)
    return out
