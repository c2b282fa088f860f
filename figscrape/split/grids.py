"""Montages: a panel that is a grid of equal tiles (slices of a volume, a model's outputs side by
side) cut into its tiles.

Tiles that touch, or that a line one pixel wide parts, leave too little evidence for a gutter or a
seam to be found line by line: the edge between two tiles may jump on only half the rows (where
either tile is black it does not jump), and a line of background between two dark slices is as
dark as the slices' own margins. The hypothesis that a picture is an n-wide grid of equal tiles
joins that weak evidence up: all n - 1 lines at equal pitch must each be an edge or a line of
background, and the tiles' middles must be neither. The largest n that holds wins (a grid of 8
also holds at 4 and 2; at 16 its tiles' middles fail). Text rows and columns at the block's ends
(headers, rotated row labels) are trimmed first, since they are not tiles (nor panels)."""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from figscrape.geometry import PixelBox, group_near, overlap_fraction, union
from figscrape.split.masks import line_shares
from figscrape.split.settings import Settings


def _picture_span(share: np.ndarray, settings: Settings) -> tuple[int, int] | None:
    """From the first to the last run of lines that are mostly picture (not page) and as long as a
    tile, over breaks of a line or two (a thin gutter between tiles): a header's or a rotated
    label's lines are mostly page between its glyphs, or a run too short for a tile."""
    inside = np.concatenate([[0], (share >= settings.grid_picture).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(inside))
    runs = list(zip(edges[::2].tolist(), edges[1::2].tolist()))
    if not runs:
        return None
    bridge = max(settings.grid_bridge, int(settings.grid_bridge_share * share.size))
    merged = [runs[0]]
    for a, b in runs[1:]:
        if a - merged[-1][1] <= bridge:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    long = [r for r in merged if r[1] - r[0] >= settings.grid_min_tile]
    return (long[0][0], long[-1][1]) if long else None


def _widened(profile: np.ndarray) -> np.ndarray:
    """The best of each line and the two beside it: a boundary may fall a pixel either way."""
    padded = np.pad(profile, 1, mode="edge")
    return np.max(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0)


def _margin_level(g: np.ndarray) -> int:
    """The commonest grey level of a block's outermost rows and columns: its margin. Not their
    median, which an edge of another level (a frame line along the top, the page along one side)
    moves to a level the margin never has."""
    ring = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]]).astype(np.int64)
    return int(np.argmax(np.bincount(np.clip(ring, 0, 255), minlength=256)))


def _evidence(g: np.ndarray, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """Per column of `g`: the share of rows where the level jumps across it (tiles that touch, or a
    thin line between them), and the share of rows at the level of the block's margin (a column of
    black between two slices on black, where nothing jumps)."""
    h, w = g.shape
    jump = np.zeros(w)
    if w > 2:
        jump[1:-1] = line_shares(np.abs(g[:, 2:] - g[:, :-2]) > settings.seam_step, 0)
    margin = line_shares(np.abs(g - _margin_level(g)) <= settings.background_tolerance, 0)
    return _widened(jump), margin


def _count(g: np.ndarray, settings: Settings) -> tuple[int, list[int]]:
    """How many equal tiles the columns of `g` hold, and where the boundaries between them fall:
    the most for which every boundary is an edge (or a column of margin) and no tile's middle is.
    An edge must stand out from the edges elsewhere too: a chart's grid lines or an enlarged
    picture's pixel blocks are edges at every pitch."""
    w = g.shape[1]
    jump, margin = _evidence(g, settings)
    possible = np.concatenate([[0], np.cumsum((jump >= settings.grid_edge) | (margin >= settings.grid_margin))])  # where a boundary could be at all
    for n in range(min(settings.grid_most, w // settings.grid_min_tile), 1, -1):
        pitch = w / n
        slack = max(2, int(settings.grid_slack * pitch))
        if any(possible[min(w, round(k * pitch) + slack + 1)] == possible[max(0, round(k * pitch) - slack)] for k in range(1, n)):
            continue  # a boundary with no line that could be one: the cheap test first
        middles = [slice(int((k + 0.25) * pitch), int((k + 0.75) * pitch) + 1) for k in range(n)]
        jump_mid = max(float(np.median(jump[m])) for m in middles)
        busy = jump_mid > settings.grid_middle  # busy middles (a CT slice's edges): only lines across the whole block part its tiles
        dark_mid = max(float(np.median(margin[m])) for m in middles)
        elsewhere = np.ones(w, bool)  # columns away from every boundary and from the block's ends
        for k in range(n + 1):
            elsewhere[max(0, round(k * pitch) - slack) : round(k * pitch) + slack + 1] = False
        rival = float(np.quantile(jump[elsewhere], settings.grid_rival)) if elsewhere.any() else 0.0
        floor = max(settings.grid_line if busy else settings.grid_edge, settings.grid_contrast * max(jump_mid, rival))
        cuts = []
        for k in range(1, n):
            at = round(k * pitch)
            lo, hi = max(0, at - slack), min(w, at + slack + 1)
            if jump[lo:hi].max() >= floor:
                cuts.append(lo + int(np.argmax(jump[lo:hi])))
            elif not busy and margin[lo:hi].max() >= settings.grid_margin and dark_mid <= settings.grid_margin_middle:
                inside = np.flatnonzero(margin[lo:hi] >= settings.grid_margin)
                cuts.append(lo + int(inside[np.argmin(np.abs(inside + lo - at))]))
            else:
                break
        if len(cuts) == n - 1:
            return n, cuts
    return 1, []


def tiles_of(gray: np.ndarray, box: PixelBox, page: int | None, settings: Settings, pair: bool = False) -> list[PixelBox] | None:
    """The tiles of the panel `box` of `gray` (a figure on a page of level `page`, None where
    pictures fill it and there is no page) when it is a grid of equal tiles (see the module's
    doc), else None. On a dark page the block is also read whole, untrimmed: the outer tiles'
    own dark margins are of the page's level there, and trimming them unsettles the pitch; the
    reading with more tiles wins. Two tiles are a montage only with `pair` (the block is the whole
    figure) and a line between them (see _ruled)."""
    x0, y0, x1, y1 = box
    crop = gray[y0:y1, x0:x1]
    if crop.size == 0:
        return None
    trimmed = _grid_in(crop, page, settings, pair)
    if page is not None and page <= settings.black_level:
        whole = _grid_in(crop, None, settings, pair)
        if whole and len(whole) > len(trimmed or []):
            trimmed = whole
    return [(x0 + a, y0 + b, x0 + c, y0 + d) for a, b, c, d in trimmed] if trimmed else None


def _grid_in(crop: np.ndarray, page: int | None, settings: Settings, pair: bool = False) -> list[PixelBox] | None:
    """The tiles of `crop` (in its pixels) once the rows and columns at its ends that are mostly
    of the page's level are trimmed (none when `page` is None), or None."""
    if page is None:
        near_page = np.zeros(crop.shape, bool)
    else:
        near_page = np.abs(crop.astype(np.int16) - page) <= settings.background_tolerance
    picture = ~near_page
    rows, cols = _picture_span(line_shares(picture, 1), settings), _picture_span(line_shares(picture, 0), settings)
    if rows is None or cols is None:
        return None
    (r0, r1), (c0, c1) = rows, cols
    block = crop[r0:r1, c0:c1].astype(np.int16)
    page_block = near_page[r0:r1, c0:c1]
    if block.shape[0] < 2 * settings.grid_min_tile and block.shape[1] < 2 * settings.grid_min_tile:
        return None
    if (~page_block).mean() < settings.grid_picture:  # a chart's or a diagram's strokes on the page: no tiles
        return None
    across, xs = _count(block, settings)
    down, ys = _count(block.T, settings)
    if across * down < settings.grid_fewest and not (pair and across * down == 2 and _ruled(block if across == 2 else block.T, (xs or ys)[:1], settings)):
        return None  # two halves are too weak a hypothesis, a picture's own straight edge makes them, unless a line parts them
    xs = [0] + xs + [block.shape[1]]
    ys = [0] + ys + [block.shape[0]]
    cells = [(a, b, c, d) for b, d in zip(ys, ys[1:]) for a, c in zip(xs, xs[1:])]
    if any(_drawn(block[b:d, a:c], settings) for a, b, c, d in cells):
        return None
    return [(c0 + a, r0 + b, c0 + c, r0 + d) for a, b, c, d in cells]


def _ruled(g: np.ndarray, cuts: list[int], settings: Settings) -> bool:
    """Whether the level jumps across each column of `cuts` of `g` on `settings.grid_pair` of its
    rows: a divider drawn down the whole block, or two pictures that meet along all of it. A
    picture's own edge (a slice's outline, a bright organ) runs along part of it; where two pictures
    meet with black margins, their black rows do not jump. The block's evidence is read once for all."""
    if not cuts:
        return True
    jump, _ = _evidence(g, settings)
    return all(jump[max(0, cut - 2) : min(g.shape[1], cut + 3)].max() >= settings.grid_pair for cut in cuts)


def _drawn(tile: np.ndarray, settings: Settings) -> bool:
    """Whether a tile is drawn rather than scanned or photographed: most of what is not its margin
    is flat fills (a chart's areas, a diagram's shapes), pixels equal to the one above, which a
    scan's noise rarely repeats; or it is little but a blank margin of near white or near black (a
    chart's grid lines on white), not a picture's mid grey (a slice's soft tissue). A picture
    enlarged by repeating its pixels (a low-resolution volume drawn big) repeats them in blocks
    only: a few lines further on its pixels differ again, where a drawing's fills stay equal."""
    level = _margin_level(tile)
    body = np.abs(tile[1:] - level) > settings.background_tolerance
    if body.mean() < settings.grid_body:  # little but margin: lines on a blank (a chart's grid on white), unless the margin is a picture's grey (soft tissue)
        return not settings.black_level < level < settings.white_level
    if float((np.diff(tile, axis=0) == 0)[body].mean()) <= settings.grid_flat:
        return False
    k = settings.grid_block
    return float((tile[k:] == tile[:-k])[body[k - 1 :]].mean()) > settings.grid_block_flat


def montage_tiles(gray: np.ndarray, boxes: list[PixelBox], page: int | None, settings: Settings) -> list[PixelBox]:
    """`boxes` (panels of `gray`) with every montage cut into its tiles. All panels together, then
    panels that touch (or that a gutter thinner than the figure's own parts), are tried as one
    montage first: pixels alone part some tiles of a montage and join others in twos and threes,
    and only the whole block shows the equal pitch. Else each panel is tried alone (a figure's only
    panel as a pair too: two pictures that a line parts from edge to edge)."""
    whole = _lined(gray, boxes, page, settings) or _as_montage(gray, boxes, page, settings)
    if whole is not None:
        return whole
    out: list[PixelBox] = []
    for group in group_near([tuple(map(float, b)) for b in boxes], settings.grid_near * max(gray.shape)):
        members = [boxes[i] for i in group]
        tiles = _as_montage(gray, members, page, settings) if len(members) < len(boxes) else None  # all of them: tried above
        if tiles is not None:
            out += tiles
            continue
        for box in members:
            out += tiles_of(gray, box, page, settings, len(boxes) == 1) or _stacked(gray, box, boxes, settings) or [box]
    return out


def _lined(gray: np.ndarray, boxes: list[PixelBox], page: int | None, settings: Settings) -> list[PixelBox] | None:
    """On a dark page, the figure's tiles when lines drawn from edge to edge (see _ruled) part it
    into equal tiles that each hold one of `boxes`: black tiles parted by white lines, whose black
    is the page's level, so that the pixels alone find each picture in its tile and lose the tile.
    The lines say where each tile ends; without them (slices on black) nothing does."""
    if page is None or page > settings.black_level or len(boxes) < 2:
        return None
    h, w = gray.shape
    tiles = tiles_of(gray, (0, 0, w, h), None, settings)
    if not tiles or len(tiles) != len(boxes):
        return None
    homes = {max(range(len(tiles)), key=lambda k: overlap_fraction(b, tiles[k])) for b in boxes}
    if len(homes) < len(tiles) or any(max(overlap_fraction(b, t) for t in tiles) < settings.grid_within for b in boxes):
        return None
    g = gray.astype(np.int16)
    xs, ys = {t[0] for t in tiles} - {0}, {t[1] for t in tiles} - {0}
    return tiles if _ruled(g, sorted(xs), settings) and _ruled(g.T, sorted(ys), settings) else None


def _stacked(gray: np.ndarray, box: PixelBox, boxes: list[PixelBox], settings: Settings) -> list[PixelBox] | None:
    """`box` cut into the k panels it holds when it is k times as tall (or wide) as two or more panels
    of its width (its height) beside it, and a jump between neighbouring lines peaks, well above the
    lines around it, at each place where the k equal parts meet: two rows of a grid that touch with
    too weak an edge for a seam, which the grid's other panels, each one row high, give the pitch of."""
    x0, y0, x1, y1 = box
    slack = settings.grid_slack
    for lo, span, across, along in ((y0, y1 - y0, 1, 0), (x0, x1 - x0, 0, 1)):
        width = box[2 + along] - box[along]
        units = [b[2 + across] - b[across] for b in boxes if b != box and abs((b[2 + along] - b[along]) - width) <= slack * width]
        if len(units) < 2:
            continue
        unit = float(np.median(units))
        k = round(span / unit) if unit else 0
        if k < 2 or abs(span - k * unit) > slack * unit or sum(abs(u - unit) <= slack * unit for u in units) < 2:
            continue
        crop = gray[y0:y1, x0:x1].astype(np.int16)
        g = crop if across == 1 else crop.T
        step = np.concatenate([[0.0], (np.abs(np.diff(g, axis=0)) > settings.seam_step).mean(axis=1)])  # step[r]: a jump between lines r - 1 and r
        reach = max(2, int(slack * span / k))
        cuts = []
        for j in range(1, k):
            at = round(j * span / k)
            near = step[at - reach : at + reach + 1]
            c = at - reach + int(np.argmax(near))
            around = np.concatenate([step[max(0, c - 3 * reach) : c - 1], step[c + 2 : c + 3 * reach]])
            if near.max() < max(settings.stack_edge, settings.grid_contrast * float(np.quantile(around, settings.grid_rival))):
                break
            cuts.append(c)
        if len(cuts) == k - 1:
            edges = [0] + cuts + [span]
            return [(x0, lo + a, x1, lo + b) if across == 1 else (lo + a, y0, lo + b, y1) for a, b in pairwise(edges)]
    return None


def _as_montage(gray: np.ndarray, members: list[PixelBox], page: int | None, settings: Settings) -> list[PixelBox] | None:
    """The tiles of the block that `members` (two panels or more) fill, when they are more than the
    members, no tile straddles two members, and each member is cut only where it shows an edge
    (see _parted); else None."""
    if len(members) < 2:
        return None
    tiles = tiles_of(gray, tuple(int(v) for v in union(members)), page, settings)  # type: ignore[arg-type]
    if not tiles or len(tiles) <= len(members):
        return None
    for t in tiles:
        shares = sorted((overlap_fraction(t, m) for m in members), reverse=True)
        if len(shares) > 1 and shares[1] > 1 - settings.grid_within:
            return None
    return tiles if all(_parted(gray, m, tiles, settings) for m in members) else None


def _parted(gray: np.ndarray, box: PixelBox, tiles: list[PixelBox], settings: Settings) -> bool:
    """Whether every tile edge that runs through the inside of `box` is an edge in `box` itself: a
    jump between neighbouring lines on many of its rows, peaked at one line well above the lines
    around it. The rest of a montage may not cut a picture of its own where it is whole (a brain's
    dark midline wanders over several lines)."""
    x0, y0, x1, y1 = box
    crop = gray[y0:y1, x0:x1].astype(np.int16)
    n = settings.seam_window
    for g, lo, hi, edges in ((crop, x0, x1, {t[0] for t in tiles} | {t[2] for t in tiles}), (crop.T, y0, y1, {t[1] for t in tiles} | {t[3] for t in tiles})):
        inner = [e - lo for e in edges if lo + settings.grid_min_tile // 2 <= e <= hi - settings.grid_min_tile // 2]
        if not inner:
            continue
        step = np.concatenate([[0.0], (np.abs(np.diff(g, axis=1)) > settings.seam_step).mean(axis=0)])  # step[c]: a jump between lines c - 1 and c
        for c in inner:
            peak = step[max(0, c - 2) : c + 3].max()
            around = np.concatenate([step[max(0, c - n - 2) : max(0, c - 2)], step[c + 3 : c + n + 3]])
            if peak < max(settings.grid_edge, settings.grid_contrast * float(np.median(around) if around.size else 0.0)):
                return False
    return True
