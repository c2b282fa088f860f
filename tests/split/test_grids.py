"""Montages of equal tiles (figscrape.split.grids): touching tiles cut at equal pitch on evidence,
and pictures, drawn cells and halves left whole."""

from __future__ import annotations

import numpy as np

from figscrape.geometry import iou
from figscrape.split.gutters import find_panels
from figscrape.split.grids import tiles_of
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

