"""Joining pieces into panels: the parts that belong beside a panel (colour bars, axes) join it."""

from __future__ import annotations

import cv2
import numpy as np

from figscrape.geometry import iou
from figscrape.split.gutters import find_panels
from figscrape.synthetic import images as pics


def heatmaps_with_colour_bars(count: int = 3) -> tuple[np.ndarray, list]:
    """A row of heat maps, each with a colour bar taller than it (a plotting library's default),
    a few pixels to its right, ticks and labels beside the bar; the next heat map a wide gutter away."""
    rng = np.random.default_rng(5)
    image = np.full((320, 40 + count * 300), 255, np.uint8)
    truth = []
    for c in range(count):
        x = 20 + c * 300
        image[70:250, x : x + 180] = cv2.GaussianBlur(rng.normal(120, 200, (180, 180)), (0, 0), 2).clip(0, 255).astype(np.uint8)
        bar = x + 188
        image[30:290, bar : bar + 14] = np.linspace(20, 230, 260, dtype=np.uint8)[::-1, None]
        for k, y in enumerate(range(40, 290, 60)):
            image[y : y + 2, bar + 14 : bar + 19] = 0
            cv2.putText(image, f"0.{k}", (bar + 22, y + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.4, 0, 1)
        truth.append((x, 30, bar + 50, 290))
    return image, truth


def test_a_colour_bar_taller_than_its_heat_map_joins_it_not_its_neighbours() -> None:
    """Each bar runs along the whole row (as every panel of a row does) but lies beside one panel:
    it is no title over several, and the bars of a row are no line of text."""
    image, truth = heatmaps_with_colour_bars()
    found = find_panels(image)
    assert len(found) == len(truth)
    assert all(max(iou(t, f) for f in found) >= 0.9 for t in truth), (found, truth)


def test_a_label_beside_two_rows_still_joins_neither() -> None:
    """An upright strip beside two rows of panels (a row group's label) spans several and joins none."""
    rng = np.random.default_rng(6)
    image = np.full((470, 520), 255, np.uint8)
    truth = []
    for r in range(2):
        for c in range(2):
            x, y = 60 + c * 230, 20 + r * 230
            image[y : y + 200, x : x + 200] = np.clip(rng.normal(120, 30, (200, 200)), 0, 255).astype(np.uint8)
            truth.append((x, y, x + 200, y + 200))
    image[20:420, 30:38] = 0
    found = find_panels(image)
    assert sorted(found) == sorted(truth), found


def test_a_bar_chart_of_flat_narrow_bars_is_a_panel_beside_pictures() -> None:
    """Each bar is a flat box too narrow to be a panel and the axes are apart from them (R's
    style), so no piece of the chart is panel-sized; its bars, ticks and labels together are."""
    rng = np.random.default_rng(7)
    image = np.full((600, 620), 255, np.uint8)
    truth = []
    for c in range(2):
        x = 30 + c * 300
        for k, top in enumerate((60, 120, 150, 190, 210, 225)):
            image[top:260, x + 30 + 38 * k : x + 52 + 38 * k] = 90
        image[40:260, x + 10 : x + 12] = 0  # the y axis, apart from the bars
        for y in range(60, 261, 50):
            image[y : y + 2, x + 4 : x + 10] = 0
        cv2.putText(image, "Count", (x + 80, 290), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 0, 1)
        truth.append((x, 40, x + 260, 295))
        image[330:570, x : x + 260] = np.clip(rng.normal(120, 30, (240, 260)), 0, 255).astype(np.uint8)
        truth.append((x, 330, x + 260, 570))
    found = find_panels(image)
    assert len(found) == len(truth)
    assert all(max(iou(t, f) for f in found) >= 0.8 for t in truth), found


def test_a_figure_title_above_one_panels_own_title_is_not_that_panels() -> None:
    """Three pictures in a row, each titled; the figure's own title over the first one, above the
    line every panel's title reaches: the titles are each panel's, the figure's title is none's."""
    rng = np.random.default_rng(8)
    image = np.full((330, 760), 255, np.uint8)
    cv2.putText(image, "Validation", (22, 42), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 0, 2)
    for c in range(3):
        x = 20 + c * 250
        image[90:310, x : x + 220] = np.clip(rng.normal(110, 30, (220, 220)), 0, 255).astype(np.uint8)
        cv2.putText(image, "Method", (x + 60, 78), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2)
    found = sorted(find_panels(image))
    assert len(found) == 3 and all(55 <= b[1] <= 65 for b in found), found


def test_a_frame_round_the_whole_figure_does_not_hide_its_page() -> None:
    """Charts on light grey in one frame round the figure (a darker top and right, a grey bottom
    and left, as a screenshot's), parted by lines of the frame: every row and column crosses the
    frame, so there is no whole line of page, and the border's level is neither page nor picture."""
    rng = np.random.default_rng(9)
    image = np.full((260, 920), 255, np.uint8)
    image[4:7, :], image[-1:, :], image[:, :3], image[:, -2:] = 60, 200, 200, 60
    truth = []
    for c in range(3):
        x = 12 + c * 300
        area = np.clip(rng.normal(232, 10, (200, 270)), 0, 250).astype(np.uint8)
        ys, xs = rng.integers(0, 200, 400), rng.integers(0, 270, 400)
        area[ys, xs] = 40
        image[30:230, x : x + 270] = area
        truth.append((x, 30, x + 270, 230))
        if c:
            image[7:259, x - 15] = 0
    found = find_panels(image)
    assert len(found) == 3 and all(max(iou(t, f) for f in found) >= 0.9 for t in truth), found


def test_a_white_line_round_pictures_on_black_hides_their_page() -> None:
    """A one-pixel white frame round pictures on a black page: every black gutter crosses the frame,
    and the border's level is the frame's white, not the page's. Inside it the gutters are black, so
    the frame hides the page."""
    rng = np.random.default_rng(2)
    image = np.zeros((300, 1000), np.uint8)
    image[0], image[-1], image[:, 0], image[:, -1] = 255, 255, 255, 255
    truth = []
    for c in range(4):
        x = 40 + c * 240
        image[2:298, x : x + 180] = pics.radiograph(rng, 180, 296)  # a line of black above and below: no gutter row
        truth.append((x, 2, x + 180, 298))
    found = find_panels(image)
    assert len(found) == 4 and all(max(iou(t, f) for f in found) >= 0.9 for t in truth), found
