"""Gutters found by cutting the figure recursively (an XY cut) at a finer scale than the analysis view.

A gutter one or two pixels wide between two pictures is lost when the figure is shrunk to the
analysis view (its pixels blend with the pictures' edges), and a gutter of the other colour than
the page (a white line between black CT panels on a black page, a black rule between light charts)
is content to the mask. Both are whole lines of one level, near white or near black, across a part
of the figure: cut the figure at every such run that lies inside it, then each part again, and the
runs that part two pieces wide enough to be panels, with a straight edge (the line just before or
after is not of the run's level) are gutters; a run sharp on one side only is a picture's dark
edge, and the gutter is that side. A line of the page's level thinner than the factor the figure was
shrunk by is light grey in this view, lighter than what lies beside it: it counts as the page's level
too. Parts with no run either way are cut at seams, where two pictures touch. They are returned as
bands, which the content mask treats as background."""

from __future__ import annotations

import cv2
import numpy as np

from figscrape.split.masks import flat_share, line_shares, shrunk_view
from figscrape.split.settings import Settings

Band = tuple[int, int, int, int]  # x0, y0, x1, y1 in the pixels of the view the cuts were found in


def fine_view(gray: np.ndarray, settings: Settings) -> tuple[np.ndarray, float]:
    """The grey image at most `settings.cut_side` pixels long, and the factor back to the original."""
    return shrunk_view(gray, settings.cut_side)


def _runs(share: np.ndarray, settings: Settings) -> list[tuple[int, int]]:
    """Runs of lines (given as their share of pixels near a level) near that level throughout."""
    padded = np.concatenate([[0], (share >= settings.gutter_share).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


Run = tuple[int, int, bool, bool, bool]  # start, stop, sharp before, sharp after, of the page's level only


def _merged(runs: list[Run]) -> list[Run]:
    """Runs in order, those that touch (a white run beside a black one) as one: sharp where its first
    run is before it and its last after it, of the page's level only if all its runs are."""
    out: list[Run] = []
    for a, b, before, after, page in sorted(runs):
        if out and a <= out[-1][1]:
            p = out[-1]
            out[-1] = (p[0], max(p[1], b), p[2], after if b >= p[1] else p[3], p[4] and page)
        else:
            out.append((a, b, before, after, page))
    return out


def _cell_shares(counts: np.ndarray, x0: int, y0: int, x1: int, y1: int, horizontal: bool) -> np.ndarray:
    """Per row (horizontal) or column of the cell, the share of its pixels set in the mask whose
    integral image is `counts`: each cell of the recursive cut costs its side, not its area."""
    if horizontal:
        sums = counts[y0 + 1 : y1 + 1, x1] - counts[y0 + 1 : y1 + 1, x0] - counts[y0:y1, x1] + counts[y0:y1, x0]
        return sums / (x1 - x0)
    sums = counts[y1, x0 + 1 : x1 + 1] - counts[y0, x0 + 1 : x1 + 1] - counts[y1, x0:x1] + counts[y0, x0:x1]
    return sums / (y1 - y0)


def _pictures_beside(mid: np.ndarray, a: int, b: int, width: int, settings: Settings) -> bool:
    """Whether the lines of `mid` (a cell's mid-grey pixels, the lines across the cut first) just before
    `a` and just after `b` are pictures: mostly neither near white nor near black."""
    before, after = mid[max(0, a - width) : a], mid[b : b + width]
    return before.size > 0 and after.size > 0 and min(cv2.countNonZero(before) / before.size, cv2.countNonZero(after) / after.size) >= settings.picture_mid


def _blended(gray: np.ndarray, near_page: np.ndarray, page: int, horizontal: bool, settings: Settings) -> np.ndarray:
    """Where a line of the page's level runs that shrinking the figure blended with what lies beside
    it (a white line two pixels wide between pictures, shrunk 1.8 times, is two columns of light
    grey): pixels nearer the page's level than the pixels two lines before and after, by
    `settings.seam_step`, or near it (`near_page`). Rows for `horizontal` gutters, else columns."""
    g = gray if page >= 128 else cv2.bitwise_not(gray)  # the page's level up; OpenCV's saturating 8-bit sums, not numpy's in 16 bits
    out = near_page.view(np.uint8).copy()
    centre, before, after = (g[2:-2], g[:-4], g[4:]) if horizontal else (g[:, 2:-2], g[:, :-4], g[:, 4:])
    lighter = cv2.min(cv2.compare(centre, cv2.add(cv2.max(before, after), settings.seam_step), cv2.CMP_GT), 1)
    inside = out[2:-2] if horizontal else out[:, 2:-2]
    cv2.bitwise_or(inside, lighter, dst=inside)
    return out


def gutter_bands(gray: np.ndarray, page: int, settings: Settings, blended: bool = False) -> list[Band]:
    """Bands of `gray` (on a page of level `page`) that are gutters (see the module's doc). Runs of the
    page's own level need no more; a run of the other colour or a seam also needs pictures on both
    sides (a chart's axis is a black run on a white page, beside white). A `blended` view (shrunk
    from the figure) has the page's lines that shrinking greyed too (see _blended)."""
    h, w = gray.shape
    tolerance = settings.background_tolerance  # a run as near white as the page's background is: a light grey chart area is no gutter
    white, black = gray >= 255 - tolerance, gray <= tolerance
    mid = (~white & ~black).astype(np.uint8)
    levels = ((cv2.integral(white.view(np.uint8)), page >= 128), (cv2.integral(black.view(np.uint8)), page < 128))
    near_page = white if page >= 128 else black
    thin = {d: (cv2.integral(_blended(gray, near_page, page, d, settings)), True) for d in (True, False)} if blended else {}
    min_w, min_h = settings.major_side * w, settings.major_side * h
    reach = settings.picture_reach
    bands: list[Band] = []
    cells = [(0, 0, w, h, 0)]
    while cells:
        x0, y0, x1, y1, depth = cells.pop()
        if x1 - x0 <= settings.gutter_min_side or y1 - y0 <= settings.gutter_min_side or x1 - x0 < min_w or y1 - y0 < min_h:
            continue  # too small to hold a gutter between two panels, nor parts that could
        for horizontal in (True, False):
            lo, hi = (y0, y1) if horizontal else (x0, x1)
            across = mid[y0:y1, x0:x1] if horizontal else mid[y0:y1, x0:x1].T  # lines across the cut first
            runs: list[Run] = []
            for counts, own in levels + ((thin[horizontal],) if blended else ()):
                share = _cell_shares(counts, x0, y0, x1, y1, horizontal)
                flank = settings.gutter_flank
                runs += [(a, b, share[a - 1] <= flank, share[b] <= flank, own) for a, b in _runs(share, settings) if a > 0 and b < share.size]  # not the cell's margins
            if not runs:
                continue
            runs = _merged(runs)
            size = hi - lo
            side, long_enough = (min_h, x1 - x0 >= min_w) if horizontal else (min_w, y1 - y0 >= min_h)
            for k, (a, b, sharp_before, sharp_after, page_level) in enumerate(runs):
                before = a - (runs[k - 1][1] if k else 0)
                after = (runs[k + 1][0] if k + 1 < len(runs) else size) - b
                if not ((sharp_before or sharp_after) and long_enough and before >= side and after >= side):
                    continue
                if not (page_level or _pictures_beside(across, a, b, reach, settings)):
                    continue
                # sharp on one side only: the run is a picture's dark (or white) edge, and the gutter is where it starts
                a, b = (a, b) if sharp_before and sharp_after else (a, a + 1) if sharp_before else (b - 1, b)
                bands.append((x0, lo + a, x1, lo + b) if horizontal else (lo + a, y0, lo + b, y1))
            if depth < settings.cut_depth:
                edges = [0] + [v for r in runs for v in r[:2]] + [size]
                for a, b in zip(edges[::2], edges[1::2]):
                    if b > a:
                        cells.append((x0, lo + a, x1, lo + b, depth + 1) if horizontal else (lo + a, y0, lo + b, y1, depth + 1))
            break
        else:  # no gutter either way: pictures that touch part where the picture jumps along a straight line
            if cv2.countNonZero(mid[y0:y1, x0:x1]) / ((x1 - x0) * (y1 - y0)) < settings.seam_picture:
                continue  # a chart's or a diagram's lines on the page: no pictures to part
            if flat_share(gray[y0:y1, x0:x1], mid[y0:y1, x0:x1]) > settings.seam_flat:
                continue  # a drawing's flat fills (a chart's areas, crossed by its grid lines): no pictures to part
            for horizontal in (True, False):
                lo, hi = (y0, y1) if horizontal else (x0, x1)
                cell = gray[y0:y1, x0:x1]
                side = min_h if horizontal else min_w
                across = mid[y0:y1, x0:x1] if horizontal else mid[y0:y1, x0:x1].T
                found = [p for p in seams(cell.T if horizontal else cell, side, settings) if _pictures_beside(across, p, p, reach, settings)]
                if not found or depth >= settings.cut_depth:
                    continue
                for p in found:
                    bands.append((x0, lo + p, x1, lo + p + 1) if horizontal else (lo + p, y0, lo + p + 1, y1))
                edges = [lo] + [lo + p for p in found] + [hi]
                for a, b in zip(edges, edges[1:]):
                    cells.append((x0, a, x1, b, depth + 1) if horizontal else (a, y0, b, y1, depth + 1))
                break
    return bands


def seams(gray: np.ndarray, side: float, settings: Settings) -> list[int]:
    """Columns of `gray` where two pictures touch: the grey level jumps across the column on many
    rows, far more than across the columns around it, and the columns on either side vary along
    their length as a picture does (a heatmap's blocks are flat on both sides of their edges).
    Each part between seams, and the edges, is at least `side` wide."""
    h, w = gray.shape
    if w < 2 * side or h < settings.gutter_min_side:
        return []
    g = gray.astype(np.int16)
    # the jump from column c - k to c + k - 1: a seam blurred over a few columns shows in it, a line
    # up to 2k - 2 columns thick (up and back down again) does not
    k = settings.seam_span
    jump = np.abs(g[:, 2 * k - 1 :] - g[:, : 1 - 2 * k]) > settings.seam_step
    share = np.concatenate([np.zeros(k), line_shares(jump, 0), np.zeros(k - 1)])  # share[c]: a seam at column c
    n = settings.seam_window
    padded = np.pad(share, n, mode="edge")
    local = np.median(np.lib.stride_tricks.sliding_window_view(padded, 2 * n + 1), axis=1)
    along = line_shares(np.abs(np.diff(g, axis=0)) > settings.seam_rough, 0)
    textured = np.minimum(np.roll(along, 1), np.roll(along, -1)) >= settings.seam_texture
    strong = (share >= settings.seam_share) & (share >= settings.seam_ratio * (local + settings.seam_floor)) & textured
    chosen: list[int] = []
    for p in sorted(np.flatnonzero(strong).tolist(), key=lambda c: -share[c]):
        if p >= side and w - p >= side and all(abs(p - q) >= side for q in chosen):
            chosen.append(p)
    return sorted(chosen)


def band_mask(shape: tuple[int, int], bands: list[Band], factor: float) -> np.ndarray:
    """A mask of `shape`, 1 in the bands and 0 elsewhere, each band at least a pixel wide; a band's
    pixels are `factor` times the mask's."""
    h, w = shape
    out = np.zeros((h, w), np.uint8)
    for x0, y0, x1, y1 in bands:
        along_x = x1 - x0 >= y1 - y0  # along the band: its full length, outwards; across it: what lies inside it
        a0, a1 = _outward(x0, x1, factor, w) if along_x else _span(x0, x1, factor, w)
        b0, b1 = _span(y0, y1, factor, h) if along_x else _outward(y0, y1, factor, h)
        out[b0:b1, a0:a1] = 1
    return out


def _outward(lo: int, hi: int, factor: float, size: int) -> tuple[int, int]:
    return max(0, int(np.floor(lo / factor))), min(size, int(np.ceil(hi / factor)))


def _span(lo: int, hi: int, factor: float, size: int) -> tuple[int, int]:
    a, b = int(np.ceil(lo / factor)), int(np.floor(hi / factor))
    if b <= a:
        a = min(size - 1, int((lo + hi) / 2 / factor))
        b = a + 1
    return max(0, a), min(size, b)
