"""Pure box maths for every stage: a box is an (x0, y0, x1, y1) tuple, origin top left. The
functions work in any unit; the names say which one a box is in: PointBox for PDF points (page
coordinates, extraction), PixelBox for the pixels of an image (integers, x1 and y1 exclusive:
splitting, panels)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import cv2
import numpy as np

Box = tuple[float, float, float, float]
PointBox = Box  # in PDF points, PyMuPDF's page coordinates
PixelBox = tuple[int, int, int, int]  # in an image's pixels, x1 and y1 exclusive


def width(b: Box) -> float:
    """Horizontal extent of a box (never negative)."""
    return max(0.0, b[2] - b[0])


def height(b: Box) -> float:
    """Vertical extent of a box (never negative)."""
    return max(0.0, b[3] - b[1])


def area(b: Box) -> float:
    """Area of a box; empty boxes have area 0."""
    return width(b) * height(b)


def union(boxes: Iterable[Box]) -> Box:
    """Smallest box holding every given box."""
    bs = list(boxes)
    if not bs:
        raise ValueError("union of no boxes")
    return (min(b[0] for b in bs), min(b[1] for b in bs), max(b[2] for b in bs), max(b[3] for b in bs))


def intersection(a: Box, b: Box) -> Box:
    """Overlap of two boxes; may be empty (x0 >= x1 or y0 >= y1)."""
    return (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))


def iou(a: Box, b: Box) -> float:
    """Intersection over union, 0 for disjoint boxes."""
    inter = area(intersection(a, b))
    total = area(a) + area(b) - inter
    return inter / total if total > 0 else 0.0


def overlap_fraction(inner: Box, outer: Box) -> float:
    """Share of `inner`'s area that lies inside `outer`."""
    a = area(inner)
    return area(intersection(inner, outer)) / a if a > 0 else 0.0


def x_overlap(a: Box, b: Box) -> float:
    """Length of the horizontal overlap of two boxes (0 when apart)."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0]))


def y_overlap(a: Box, b: Box) -> float:
    """Length of the vertical overlap of two boxes (0 when apart)."""
    return max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def mostly_inside(inner: Sequence[Box], outer: Sequence[Box], share: float) -> np.ndarray:
    """Boolean (len(inner), len(outer)): overlap_fraction(inner[i], outer[j]) > share, all pairs at once."""
    if len(inner) == 0 or len(outer) == 0:
        return np.zeros((len(inner), len(outer)), dtype=bool)
    a, b = np.asarray(inner, dtype=np.float64).reshape(-1, 4), np.asarray(outer, dtype=np.float64).reshape(-1, 4)
    w = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    h = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    own = (np.clip(a[:, 2] - a[:, 0], 0, None) * np.clip(a[:, 3] - a[:, 1], 0, None))[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(own > 0, w * h / own, 0.0) > share


def gap(a: Box, b: Box) -> float:
    """Chebyshev distance between two boxes: 0 when they touch or overlap."""
    dx = max(0.0, max(a[0], b[0]) - min(a[2], b[2]))
    dy = max(0.0, max(a[1], b[1]) - min(a[3], b[3]))
    return max(dx, dy)


def expand(b: Box, d: float) -> Box:
    """Box grown by `d` on every side."""
    return (b[0] - d, b[1] - d, b[2] + d, b[3] + d)


PAIRWISE_LIMIT = 256  # boxes: fewer are grouped by comparing every pair of cells, more on the painted grid


def group_near(boxes: Sequence[Box], tol: float) -> list[list[int]]:
    """Indices of boxes grouped transitively by gap <= tol, to within half a point (single-link clustering).

    Boxes grown by tol/2 are laid on a half-point grid and grouped by the cells they cover, so
    that every path gives the same groups: a few boxes by comparing their cell ranges pairwise,
    many by painting the grid and reading back its connected components (linear in the number
    of boxes, so a chart of 100,000 markers groups in milliseconds)."""
    if not boxes:
        return []
    arr = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    half = tol / 2
    lo_x, lo_y = arr[:, 0].min() - half, arr[:, 1].min() - half
    extent = max(arr[:, 2].max() - lo_x, arr[:, 3].max() - lo_y) + half
    s = min(2.0, 8000.0 / max(extent, 1.0))  # cells per point
    x0 = np.floor((arr[:, 0] - half - lo_x) * s).astype(np.int64)
    y0 = np.floor((arr[:, 1] - half - lo_y) * s).astype(np.int64)
    x1 = np.maximum(x0 + 1, np.ceil((arr[:, 2] + half - lo_x) * s).astype(np.int64))  # exclusive
    y1 = np.maximum(y0 + 1, np.ceil((arr[:, 3] + half - lo_y) * s).astype(np.int64))
    labels = _touching_labels(x0, y0, x1, y1) if len(arr) <= PAIRWISE_LIMIT else _painted_labels(x0, y0, x1, y1)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels.tolist()):
        groups.setdefault(label, []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def _touching_labels(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> np.ndarray:
    """Per box, the lowest index of its group: two cell ranges touch (8-connected, as on the
    painted grid) when each starts at most one cell after the other ends."""
    touch = (x0[:, None] <= x1[None, :]) & (x0[None, :] <= x1[:, None]) & (y0[:, None] <= y1[None, :]) & (y0[None, :] <= y1[:, None])
    label = np.arange(len(x0))
    while True:  # each box takes the lowest label it touches, then its label's label
        lower = np.where(touch, label[None, :], len(x0)).min(axis=1)
        lower = lower[lower]
        if np.array_equal(lower, label):
            return label
        label = lower


def _painted_labels(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> np.ndarray:
    """Per box, the connected component of the grid its cells are painted on."""
    mask = np.zeros((int(y1.max()) + 1, int(x1.max()) + 1), dtype=np.uint8)
    for a, b, c, d in zip(x0, y0, x1, y1):
        mask[b:d, a:c] = 1
    _, labels = cv2.connectedComponents(mask, connectivity=8)
    return labels[y0, x0]
