"""Montages of equal tiles (figscrape.split.grids): touching tiles cut at equal pitch on evidence,
and pictures, drawn cells and halves left whole."""

from __future__ import annotations

import cv2
import numpy as np

from figscrape.geometry import iou
from figscrape.split.grids import _drawn, _stacked, tiles_of
from figscrape.split.gutters import find_panels
from figscrape.split.settings import Settings
from figscrape.synthetic import images as pics


def montage(rows: int, cols: int, side: int, lift: list[int] | None = None) -> tuple[np.ndarray, list]:
    """Touching CT-like slices; `lift` raises each tile's levels (tiles windowed differently), so
    that the level jumps where two tiles meet."""
    rng = np.random.default_rng(3)
    canvas = np.zeros((rows * side, cols * side), np.uint8)
    boxes = []
    for k in range(rows * cols):
        r, c = divmod(k, cols)
        tile = pics.ct_slice(rng, side).astype(np.int16) + (lift[k % len(lift)] if lift else 0)
        canvas[r * side : (r + 1) * side, c * side : (c + 1) * side] = np.clip(tile, 0, 255)
        boxes.append((c * side, r * side, (c + 1) * side, (r + 1) * side))
    return canvas, boxes


def test_touching_tiles_windowed_apart_are_cut_at_their_edges() -> None:
    image, truth = montage(1, 3, 200, lift=[60, 0, 90])  # no gutter, no page: one picture to the gutter finder
    found = find_panels(image)
    assert len(found) == 3
    assert all(max(iou(t, f) for f in found) >= 0.9 for t in truth)


def test_slices_on_black_touching_are_cut_into_whole_tiles_at_the_black_between_them() -> None:
    image, truth = montage(2, 4, 150)
    found = tiles_of(image, (0, 0, image.shape[1], image.shape[0]), 0, Settings())
    assert found is not None and len(found) == 8
    assert all(max(iou(t, f) for f in found) >= 0.7 for t in truth)  # the outer tiles lose the black margin at the figure's edge


def test_one_picture_and_its_two_halves_are_no_montage() -> None:
    single, _ = montage(1, 1, 400)
    assert tiles_of(single, (0, 0, 400, 400), 0, Settings()) is None
    pair, _ = montage(1, 2, 200, lift=[0, 80])  # two tiles are too weak a hypothesis
    assert tiles_of(pair, (0, 0, 400, 200), 0, Settings()) is None


def test_a_heatmap_of_flat_cells_is_no_montage() -> None:
    rng = np.random.default_rng(5)
    cells = rng.integers(40, 220, (4, 6)).astype(np.uint8)
    heatmap = np.kron(cells, np.ones((60, 60), np.uint8))
    assert tiles_of(heatmap, (0, 0, heatmap.shape[1], heatmap.shape[0]), 255, Settings()) is None


def test_grid_lines_of_a_chart_on_white_are_no_montage() -> None:
    chart = np.full((300, 600), 255, np.uint8)
    chart[:, ::150] = 200  # light grid lines at an equal pitch, full height
    chart[::100, :] = 200
    chart[150:160, 20:580] = 30  # and a curve
    assert tiles_of(chart, (0, 0, 600, 300), 0, Settings()) is None


def test_a_whole_picture_beside_a_montage_is_not_cut_at_its_pitch() -> None:
    from figscrape.split.grids import montage_tiles

    rng = np.random.default_rng(7)
    tiles, _ = montage(2, 1, 200, lift=[0, 80])
    image = np.zeros((400, 400), np.uint8)
    image[:, :200] = tiles
    image[:, 200:] = pics.ct_slice(rng, 400)[:, 100:300]  # one tall picture, no edge at y = 200
    found = montage_tiles(image, [(0, 0, 200, 400), (200, 0, 400, 400)], 0, Settings())
    assert (200, 0, 400, 400) in found or not any(f[0] >= 200 and f[3] <= 210 for f in found)



# -- the whole-block reading: panels tried together, the margin's commonest level, busy tiles, dark pages untrimmed


def test_panels_that_hold_a_montages_tiles_in_twos_and_threes_are_read_as_one_block() -> None:
    from figscrape.split.grids import montage_tiles

    image, truth = montage(1, 6, 120, lift=[60, 0, 90, 30, 80, 10])
    members = [(0, 0, 240, 120), (240, 0, 600, 120), (600, 0, 720, 120)]  # what pixels alone part: 2 + 3 + 1 tiles
    assert tiles_of(image, members[0], 0, Settings()) is None  # alone, a pair is no montage: only the block shows the pitch
    found = montage_tiles(image, members, 0, Settings())
    assert len(found) == 6
    assert all(max(iou(t, f) for f in found) >= 0.9 for t in truth)


def test_a_block_whose_tiles_would_straddle_two_panels_is_not_cut_as_one() -> None:
    from figscrape.split.grids import montage_tiles

    image, _ = montage(1, 6, 120, lift=[60, 0, 90, 30, 80, 10])
    members = [(0, 0, 300, 120), (300, 0, 720, 120)]  # parted through the middle of the third tile: not a montage's panels
    assert montage_tiles(image, members, 0, Settings()) == members


def test_the_margin_is_the_rings_commonest_level_not_its_median() -> None:
    from figscrape.split.grids import _margin_level

    rng = np.random.default_rng(3)
    image = np.zeros((300, 600), np.uint8)
    for k in range(8):
        r, c = divmod(k, 4)
        tile = pics.ct_slice(rng, 150)
        tile[tile < 25] = 0  # a clean black margin around each slice
        image[r * 150 : (r + 1) * 150, c * 150 : (c + 1) * 150] = tile
    image[0, :] = 255  # a frame line along the top
    image[:, 0] = 128  # and a grey edge down one side: the ring's median is 128, a level the margin never has
    ring = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    assert np.median(ring) == 128 and _margin_level(image.astype(np.int16)) == 0
    found = tiles_of(image, (0, 0, 600, 300), None, Settings())  # pictures filling the figure: nothing trimmed
    assert found is not None and len(found) == 8


def busy_row(rng: np.random.Generator, n: int, side: int) -> np.ndarray:
    """Tiles of fine texture (edges all through them, as a slice's own edges are) side by side."""
    tiles = []
    for k in range(n):
        t = cv2.GaussianBlur(rng.normal(0, 1, (side, side)).astype(np.float32), (0, 0), 2)
        tiles.append(np.clip(128 + 30 * (k % 2) + 40 * t / t.std(), 0, 255).astype(np.uint8))
    return np.hstack(tiles)


def test_busy_tiles_are_cut_at_lines_across_the_whole_block_only() -> None:
    rng = np.random.default_rng(11)
    image = busy_row(rng, 4, 160)
    box = (0, 0, 640, 160)
    assert tiles_of(image, box, None, Settings()) is None  # their edges are everywhere: no boundary stands out
    whole = image.copy()
    whole[:, [160, 320, 480]] = 255  # a one-pixel line between the tiles, top to bottom
    assert len(tiles_of(whole, box, None, Settings()) or []) == 4
    part = image.copy()
    part[:96, [160, 320, 480]] = 255  # lines down 60% of the rows: a part of busy tiles' own edges
    assert tiles_of(part, box, None, Settings()) is None
    calm = np.clip(128 + rng.normal(0, 3, (160, 640)), 0, 255).astype(np.uint8)
    calm[:96, [160, 320, 480]] = 255  # the same partial lines between calm tiles are their edges
    assert len(tiles_of(calm, box, None, Settings()) or []) == 4


def test_on_a_dark_page_the_block_is_also_read_untrimmed() -> None:
    from figscrape.split.grids import _grid_in

    rng = np.random.default_rng(3)
    image = np.zeros((150, 600), np.uint8)
    for k in range(4):  # each slice sits to the right in its tile: trimming the page's black takes 45 columns off the first tile only
        image[25:125, k * 150 + 45 : k * 150 + 145] = pics.ct_slice(rng, 100)
    assert _grid_in(image, 0, Settings()) is None  # trimmed, the pitch is off
    found = tiles_of(image, (0, 0, 600, 150), 0, Settings())
    assert found == [(0, 0, 150, 150), (150, 0, 300, 150), (300, 0, 450, 150), (450, 0, 600, 150)]


def test_a_panel_twice_as_tall_as_the_panels_of_its_width_is_cut_at_the_weak_edge_between_its_rows() -> None:
    """Two slices one above the other that touch where only a third of the columns jump (too weak
    for a seam), in a grid whose other panels are one slice high: cut there; a panel with no such
    peers, or no such edge, stays whole."""
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:320, 0:160]
    gray = np.clip(110 + 0.2 * xx + 0.1 * (yy % 160) + rng.normal(0, 4, (320, 160)), 0, 255).astype(np.uint8)
    smooth = gray.copy()
    gray[160:, 20:75] -= 50  # a dark structure running to the lower slice's top edge
    box, peers = (0, 0, 160, 320), [(200, 0, 360, 160), (200, 160, 360, 320), (400, 0, 560, 160)]
    assert _stacked(gray, box, [box, *peers], Settings()) == [(0, 0, 160, 160), (0, 160, 160, 320)]
    assert _stacked(gray, box, [box, (200, 0, 360, 320)], Settings()) is None
    assert _stacked(smooth, box, [box, *peers], Settings()) is None


def test_two_pictures_filling_the_figure_are_cut_where_a_line_parts_them_from_edge_to_edge() -> None:
    """A pair of views side by side with a thin grey divider down the whole figure (a viewer's two
    panes) is two panels; the same pair meeting where only their bright parts jump stays whole,
    and so does a pair that is only one panel of several (a drawing's line across its middle)."""
    rng = np.random.default_rng(4)
    views = [pics.radiograph(rng, 300, 300) for _ in range(2)]
    image = np.hstack(views)
    image[:, 299:301] = 100  # a two-pixel divider, neither white nor black
    found = find_panels(image)
    assert len(found) == 2 and all(max(iou(t, f) for f in found) >= 0.9 for t in [(0, 0, 300, 300), (300, 0, 600, 300)])
    assert tiles_of(image, (0, 0, 600, 300), None, Settings()) is None  # as one panel among others: no pair
    weak, _ = montage(1, 2, 200)  # slices on black: where both are black nothing jumps
    assert tiles_of(weak, (0, 0, 400, 200), 0, Settings(), pair=True) is None


def test_black_tiles_parted_by_white_lines_on_black_are_whole_tiles() -> None:
    """Slices in black tiles that white lines part from edge to edge: the pixels find each slice on
    the black page, and the lines give back its tile. Without the lines (slices on black) the
    slices are the panels, with no tile to say where else they could end."""
    rng = np.random.default_rng(6)
    lined = np.zeros((300, 1000), np.uint8)
    cells = []
    for r in range(2):
        for c in range(4):
            x, y = c * 250, r * 150
            lined[y + 20 : y + 130, x + 70 : x + 180] = pics.ct_slice(rng, 110)
            cells.append((x, y, x + 250, y + 150))
    bare = lined.copy()
    lined[:, [250, 500, 750]] = 255  # lines one pixel wide
    lined[150, :] = 255
    found = find_panels(lined)
    assert len(found) == 8 and all(max(iou(t, f) for f in found) >= 0.9 for t in cells), found
    found = find_panels(bare)
    assert len(found) == 8 and all(max(iou(t, f) for f in found) < 0.5 for t in cells), found


def test_pictures_enlarged_in_blocks_are_pictures_not_drawings() -> None:
    """Two low-resolution views drawn four times bigger by repeating their pixels, side by side with
    a white divider (anisotropic MR resampled for display): their pixels repeat within each block,
    as a drawing's fills do, but not four lines on, so the pair is cut; a drawing's flat discs,
    equal that far too, are still drawn."""
    rng = np.random.default_rng(9)
    views = [cv2.resize(cv2.GaussianBlur(rng.normal(120, 40, (75, 75)), (0, 0), 1.5).clip(0, 255).astype(np.uint8), (300, 300), interpolation=cv2.INTER_NEAREST) for _ in range(2)]
    image = np.hstack(views)
    image[:, 299:301] = 240
    found = find_panels(image)
    assert len(found) == 2 and all(max(iou(t, f) for f in found) >= 0.9 for t in [(0, 0, 300, 300), (300, 0, 600, 300)]), found
    drawing = np.full((300, 600), 180, np.uint8)
    for k in range(8):
        cv2.circle(drawing, (40 + 75 * k, 80 + 140 * (k % 2)), 45, (60, 120, 220)[k % 3], -1)
    drawing[:, 299:301] = 240
    assert tiles_of(drawing, (0, 0, 600, 300), None, Settings(), pair=True) is None
    assert _drawn(drawing[:, :299].astype(np.int16), Settings()) and not _drawn(image[:, :299].astype(np.int16), Settings())
