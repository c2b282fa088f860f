"""The analysis view, its background level and its content mask: which pixels are something.

This is the first step and the only one that looks at grey levels as such; everything after works
on the mask it makes. The background is the level of the figure's gutters (whole rows or columns
of near white or near black between pictures), else of its border, because the border alone
misleads when pictures fill it; content is what differs from the background or has texture on it."""

from __future__ import annotations

import cv2
import numpy as np

from figscrape.split.settings import Settings


def analysis_view(gray: np.ndarray, settings: Settings) -> tuple[np.ndarray, float]:
    """The grey image at analysis size and the factor from analysis pixels back to the original."""
    return shrunk_view(gray, settings.analysis_side)


def shrunk_view(gray: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    """The grey image at most `side` pixels long, and the factor back to the original."""
    h, w = gray.shape
    scale = max(h, w) / side
    if scale <= 1:
        return gray, 1.0
    small = cv2.resize(gray, (round(w / scale), round(h / scale)), interpolation=cv2.INTER_AREA)
    return small, w / small.shape[1]


def line_shares(mask: np.ndarray, axis: int) -> np.ndarray:
    """numpy's `mask.mean(axis)` of a 0/1 mask (boolean or uint8), summed by OpenCV: the share of
    each column (axis 0) or row (axis 1) that is set, many times faster than numpy's float mean."""
    m = mask.view(np.uint8) if mask.dtype == bool else mask
    if not m.flags.c_contiguous and m.T.flags.c_contiguous:  # a transposed view: reduce the original the other way
        m, axis = m.T, 1 - axis
    sums = cv2.reduce(np.ascontiguousarray(m), axis, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel()
    return sums / m.shape[axis]


def inside_frame(gray: np.ndarray, settings: Settings) -> tuple[int, int, int, int] | None:
    """The box inside a frame drawn round the whole figure (x0, y0, x1, y1), None where there is
    none: on every side, near the edge, a thin run of lines nearly all unlike the page (near white,
    or near black on a dark figure) with page inside it. Only the lines near the edges are read."""
    h, w = gray.shape
    page = 255 if cv2.mean(gray)[0] >= 128 else 0
    insets = []
    for size, axis, strip in ((h, 1, lambda n: gray[:n]), (w, 0, lambda n: gray[:, w - n :][:, ::-1]), (h, 1, lambda n: gray[h - n :][::-1]), (w, 0, lambda n: gray[:, :n])):  # top, right, bottom, left
        band = max(3, int(settings.frame_band * size))
        thick = max(settings.line_thickness, int(settings.frame_margin * size))
        lines = min(size, band + thick + 1)
        shares = line_shares(np.abs(strip(lines).astype(np.int16) - page) > settings.gutter_tolerance, axis)
        frame = shares >= settings.frame_share
        if not frame[:band].any():
            return None
        start = int(np.argmax(frame))
        stop = start + int(np.argmin(frame[start:]))  # the first line past the run
        if stop == start or stop - start > thick or shares[stop] > settings.frame_inside:
            return None
        insets.append(stop)
    top, right, bottom, left = insets
    return (left, top, w - right, h - bottom) if w - right - left > w // 2 and h - bottom - top > h // 2 else None


def background_level(gray: np.ndarray, settings: Settings) -> int:
    """The figure's background: the level of its gutters (whole rows or columns of near white or near
    black between pictures) where it has them, else the grey level of its border. The border alone
    misleads when pictures fill it to the edge: dark CT slices touching every side of a white page."""
    gutter = gutter_level(gray, settings)
    if gutter is not None:
        return gutter
    border = np.concatenate([gray[0, :], gray[-1, :], gray[:, 0], gray[:, -1]])
    return int(np.median(border))


def gutter_level(gray: np.ndarray, settings: Settings) -> int | None:
    """The level of the figure's gutters: 255 or 0, whichever has more whole rows and columns near it
    that run between pictures: the lines just before and after the run are at least a fifth
    something else (pictures' edges). A run of black inside a picture, between a brain's edge and
    the picture's side, rarely is. None when neither level has any."""
    h, w = gray.shape
    if h <= settings.gutter_min_side or w <= settings.gutter_min_side:
        return None
    tolerance = settings.gutter_tolerance
    best, most = None, 0
    for level, near in ((255, gray >= 255 - tolerance), (0, gray <= tolerance)):
        count = _flanked_runs(line_shares(near, 1), settings) + _flanked_runs(line_shares(near, 0), settings)
        if count > most:
            best, most = level, count
    return best


def _flanked_runs(near: np.ndarray, settings: Settings) -> int:
    """How many lines (rows or columns, given as their share of pixels near a level) are in runs of
    two or more lines near the level throughout, with a line at least a fifth not near it right
    before and after."""
    flank = settings.gutter_flank
    padded = np.concatenate([[0], (near >= settings.gutter_share).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(padded))
    count = 0
    for start, stop in zip(edges[::2], edges[1::2]):
        if stop - start >= settings.gutter_run and start > 0 and stop < near.size and near[start - 1] <= flank and near[stop] <= flank:
            count += int(stop - start)
    return count


def flat_share(gray: np.ndarray, body: np.ndarray) -> float:
    """The share of `body`'s pixels (a mask over `gray`) equal to their neighbour, the lesser of the
    one above and the one to the left: a drawing's flat fills and strokes repeat both ways (most),
    a scan's or a rendering's noise rarely does (a fifth or less), and a picture stretched along one
    side repeats along that side only. 1 for an empty body."""
    inside = body.astype(bool)
    below, right = inside[1:], inside[:, 1:]
    n_below, n_right = np.count_nonzero(below), np.count_nonzero(right)
    if not n_below or not n_right:
        return 1.0
    same_below = np.count_nonzero((gray[1:] == gray[:-1]) & below)
    same_right = np.count_nonzero((gray[:, 1:] == gray[:, :-1]) & right)
    return min(same_below / n_below, same_right / n_right)


def content_mask(gray: np.ndarray, bg: int, settings: Settings) -> np.ndarray:
    """Pixels that differ from the background level `bg`, or that carry texture (a scan's noise) on it."""
    differs = np.abs(gray.astype(np.int16) - bg) > settings.background_tolerance
    if bg > settings.black_level:  # texture only tells a black scan from a black page; on white it is JPEG noise
        return differs.astype(np.uint8)
    g = gray.astype(np.float32)

    def std(size: tuple[int, int]) -> np.ndarray:
        mean = cv2.blur(g, size)
        return np.sqrt(np.maximum(cv2.blur(g * g, size) - mean * mean, 0))

    # texture in both directions: a gutter two pixels wide beside a bright edge varies across, never along
    k = settings.texture_window
    rough = (std((k, 1)) > settings.texture) & (std((1, k)) > settings.texture)
    o = settings.texture_open
    textured = cv2.morphologyEx(rough.astype(np.uint8), cv2.MORPH_OPEN, np.ones((o, o), np.uint8))
    return (differs | (textured > 0)).astype(np.uint8)
