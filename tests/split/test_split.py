"""Panel splitting: boxes from pixels and tiles, letters from text spans or the caption, sub-captions."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from figscrape.geometry import iou
from figscrape.split.gutters import find_panels
from figscrape.split.letters import (
    assign_letters,
    caption_letters,
    group_by_letters,
    letters_in_reading_order,
)
from figscrape.split.panels import cut_panels, tile_panels
from figscrape.split.subcaptions import split_caption, subcaption_for
from figscrape.synthetic import images as pics


def grid(background: int, gap: int, rows: int = 2, cols: int = 3, side: int = 200) -> tuple[np.ndarray, list]:
    rng = np.random.default_rng(1)
    canvas = np.full((rows * side + (rows + 1) * gap, cols * side + (cols + 1) * gap), background, np.uint8)
    boxes = []
    for r in range(rows):
        for c in range(cols):
            x, y = gap + c * (side + gap), gap + r * (side + gap)
            canvas[y : y + side, x : x + side] = pics.ct_slice(rng, side)
            boxes.append((x, y, x + side, y + side))
    return canvas, boxes


@pytest.mark.parametrize(("background", "gap"), [(255, 20), (255, 3), (0, 12)])
def test_a_grid_of_ct_slices_splits_into_its_slices(background: int, gap: int) -> None:
    image, truth = grid(background, gap)
    found = find_panels(image)
    assert len(found) == len(truth)
    assert all(max(iou(t, f) for f in found) >= 0.8 for t in truth)


@pytest.mark.parametrize(("background", "gap"), [(255, 6), (0, 2)])
def test_pictures_that_fill_the_border_still_split_at_their_gutters(background: int, gap: int) -> None:
    """No margin: the figure's border is the pictures' own grey edges, the background is the gutters'
    (on black, a gutter of two pixels between bright edges, which a 3x3 texture window would bridge)."""
    rng = np.random.default_rng(4)
    side = 180
    canvas = np.full((2 * side + gap, 3 * side + 2 * gap), background, np.uint8)
    truth = []
    for r in range(2):
        for c in range(3):
            x, y = c * (side + gap), r * (side + gap)
            canvas[y : y + side, x : x + side] = np.clip(rng.normal(120, 25, (side, side)), 0, 255).astype(np.uint8)
            truth.append((x, y, x + side, y + side))
    found = find_panels(canvas)
    assert len(found) == 6 and all(max(iou(t, f) for f in found) >= 0.9 for t in truth)


def test_dark_slices_touching_every_side_of_a_white_page_split_at_its_white_gutters() -> None:
    """The border is the slices' black: the white gutters, not the border, say what the page is."""
    rng = np.random.default_rng(5)
    side, gap = 180, 14
    image = np.full((2 * side + gap, 3 * side + 2 * gap), 255, np.uint8)
    truth = []
    for r in range(2):
        for c in range(3):
            x, y = c * (side + gap), r * (side + gap)
            slice_ = np.zeros((side, side), np.uint8)
            cv2.ellipse(slice_, (side // 2, side // 2), (side // 2 - 12, side // 3), 0, 0, 360, 1, -1)
            image[y : y + side, x : x + side] = slice_ * np.clip(rng.normal(110, 30, (side, side)), 0, 255).astype(np.uint8)
            truth.append((x, y, x + side, y + side))
    found = find_panels(image)
    assert len(found) == 6 and all(max(iou(t, f) for f in found) >= 0.9 for t in truth)


def test_thin_white_gutters_between_pictures_with_black_margins_decide_the_page() -> None:
    """Pictures on black fields (a brain, masked lungs) have whole black columns inside them; only
    the 3-pixel white columns run between pictures, so the page is white."""
    rng = np.random.default_rng(11)
    side, gap = 200, 3
    image = np.full((side, 4 * side + 3 * gap), 255, np.uint8)
    truth = []
    for k in range(4):
        x = k * (side + gap)
        picture = np.zeros((side, side), np.uint8)
        cv2.ellipse(picture, (side // 2, side // 2), (side // 4, side // 2 - 20), 0, 0, 360, 1, -1)
        image[:, x : x + side] = picture * np.clip(rng.normal(140, 30, (side, side)), 1, 255).astype(np.uint8)
        truth.append((x, 0, x + side, side))
    found = find_panels(image)
    assert len(found) == 4 and all(max(iou(t, f) for f in found) >= 0.9 for t in truth)


def test_zoomed_insets_stacked_beside_their_picture_belong_to_it() -> None:
    """Two small zooms 4 px beside a micrograph, the next panel 26 px away: the zooms are part of the
    first panel (ncomms5946 fig4); gutters as wide as the figure's own are not."""
    rng = np.random.default_rng(12)

    def noise(height: int, width: int) -> np.ndarray:
        return np.clip(rng.normal(130, 30, (height, width)), 0, 220).astype(np.uint8)

    image = np.full((220, 520), 255, np.uint8)
    image[10:210, 10:210] = noise(200, 200)
    image[10:108, 214:274], image[112:210, 214:274] = noise(98, 60), noise(98, 60)
    image[10:210, 300:500] = noise(200, 200)
    found = find_panels(image)
    assert len(found) == 2 and iou(found[0], (10, 10, 274, 210)) >= 0.95 and iou(found[1], (300, 10, 500, 210)) >= 0.95


def test_slices_joined_by_arrows_are_each_a_panel() -> None:
    """A sequence figure: framed slices in a row, a bold arrow from each to the next touching both."""
    rng = np.random.default_rng(8)
    image = np.full((240, 760), 255, np.uint8)
    truth = []
    for k in range(3):
        x = 40 + k * 240
        image[40:200, x : x + 200] = 120
        image[46:194, x + 6 : x + 194] = np.clip(rng.normal(60, 40, (148, 188)), 0, 255).astype(np.uint8)
        truth.append((x, 40, x + 200, 200))
        if k < 2:
            cv2.arrowedLine(image, (x + 200, 120), (x + 239, 120), 150, 4, tipLength=0.3)
    found = find_panels(image)
    assert len(found) == 3 and all(max(iou(t, f) for f in found) >= 0.9 for t in truth)


def chart_beside_a_picture() -> np.ndarray:
    """A picture, and a bar chart whose rotated y-axis title sits nearer the picture than the chart's
    axis, though right beside the chart's tick labels. The x axis has no tick marks, only bars on it."""
    rng = np.random.default_rng(9)
    image = np.full((500, 1000), 255, np.uint8)
    image[20:480, 20:400] = np.clip(rng.normal(100, 35, (460, 380)), 0, 255).astype(np.uint8)
    cv2.line(image, (520, 30), (520, 460), 0, 2)
    cv2.line(image, (520, 460), (980, 460), 0, 2)
    for k, y in enumerate(range(460, 30, -80)):
        cv2.line(image, (514, y), (520, y), 0, 1)
        cv2.putText(image, str(100 * k + 100), (462, y + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 0, 1)
    title = np.full((16, 200), 255, np.uint8)
    cv2.putText(title, "Cumulative incidence", (2, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.42, 0, 1)
    image[150:350, 426:442] = np.rot90(title)  # 26 px from the picture, 20 from the tick labels
    for x in range(550, 960, 60):
        image[int(rng.integers(80, 420)) : 459, x : x + 30] = 90
    return image


def test_an_axis_title_joins_its_chart_through_the_tick_labels_not_the_picture_across_the_gutter() -> None:
    picture, chart = find_panels(chart_beside_a_picture())
    assert picture == (20, 20, 400, 480)
    assert chart[0] < 440 and chart[2] >= 980 and chart[3] >= 460  # the title (tick labels begin at 462), axes and bars


def test_a_flat_white_picture_among_dark_slices_on_black_is_a_panel_of_its_own() -> None:
    """A drawing on white (circles) as big as the slices beside it: a panel, not a diagram's node to
    attach to its neighbour."""
    image, truth = grid(0, 4, rows=2, cols=2)
    x0, y0, x1, y1 = truth[3]
    image[y0:y1, x0:x1] = 255
    for k in range(6):
        cv2.circle(image, (x0 + 30 + 25 * k, y0 + 40 + 20 * (k % 3)), 12, 60, 1)
    found = find_panels(image)
    assert len(found) == 4 and all(max(iou(t, f) for f in found) >= 0.9 for t in truth)


def lungs(rng: np.random.Generator, width: int = 260, height: int = 300) -> np.ndarray:
    """A lung-masked slice: two tall lungs on black, their facing (inner) edges curved."""
    image = np.zeros((height, width), np.uint8)
    ys = np.arange(20, height - 20)
    bulge = (28 * np.sin(np.pi * (ys - 20) / (height - 40))).astype(int)  # the heart's notch
    for y, b in zip(ys, bulge):
        image[y, 20 : width // 2 - 8 - b] = rng.integers(60, 130, width // 2 - 28 - b)
        image[y, width // 2 + 8 + b : width - 20] = rng.integers(60, 130, width // 2 - 28 - b)
    return image


def test_a_lung_masked_slice_is_one_panel_and_two_of_them_are_two() -> None:
    rng = np.random.default_rng(6)
    one = lungs(rng)
    assert len(find_panels(one)) == 1
    pair = np.zeros((300, 2 * 260 + 30), np.uint8)
    pair[:, :260], pair[:, 290:] = lungs(rng), lungs(rng)
    found = find_panels(pair)
    assert len(found) == 2 and found[0][2] <= 270 and found[1][0] >= 280


def test_two_drawn_shapes_with_the_outline_of_lungs_stay_two_panels() -> None:
    """The lungs' outline filled flat (a chart's or a diagram's fills, which repeat the pixel above)
    is two drawings side by side, not the halves of one scanned slice."""
    drawn = np.where(lungs(np.random.default_rng(6)) > 0, 100, 255).astype(np.uint8)
    found = find_panels(drawn)
    assert len(found) == 2 and found[0][2] <= 130 and found[1][0] >= 130
    stretched = cv2.resize(lungs(np.random.default_rng(6), height=200), (260, 600), interpolation=cv2.INTER_NEAREST)
    assert len(find_panels(stretched)) == 1  # a scan stretched along its height repeats along it only: still one slice


def test_squat_lungs_are_one_slice_but_round_slices_side_by_side_stay_apart() -> None:
    """Lungs as wide as they are tall are still halves: each is hollowed where the heart is, where a
    whole round slice is convex."""
    rng = np.random.default_rng(7)
    squat = cv2.resize(lungs(rng, width=300, height=300), (300, 160), interpolation=cv2.INTER_NEAREST)
    assert len(find_panels(squat)) == 1
    row = np.zeros((200, 2 * 200 + 6), np.uint8)
    row[:, :200], row[:, 206:] = pics.ct_slice(rng, 200), pics.ct_slice(rng, 200)
    assert len(find_panels(row)) == 2


def test_the_scanner_table_under_a_slice_is_part_of_it() -> None:
    """A thin strip along a picture's side, within its width (the table, a colour bar), is no panel."""
    image = np.zeros((300, 260), np.uint8)
    image[10:250, 10:250] = pics.ct_slice(np.random.default_rng(3), 240)
    cv2.ellipse(image, (130, 282), (110, 24), 0, 180, 360, 150, 4)  # the curve of the table
    image[280:286, 30:230] = 150
    assert len(find_panels(image)) == 1


def test_a_single_picture_is_one_panel() -> None:
    ct = pics.ct_slice(np.random.default_rng(2), 400)
    assert find_panels(ct) == [(0, 0, 400, 400)] or len(find_panels(ct)) == 1
    micro = cv2.cvtColor(pics.micrograph(np.random.default_rng(3)), cv2.COLOR_BGR2GRAY)
    assert find_panels(micro) == [(0, 0, micro.shape[1], micro.shape[0])]


def test_separator_lines_between_panels_are_cut() -> None:
    image, truth = grid(255, 24)
    cv2.line(image, (0, image.shape[0] // 2), (image.shape[1], image.shape[0] // 2), 0, 2)
    for x in (224 + 12 - 12, 448 - 12 + 12):
        cv2.line(image, (x + 10, 0), (x + 10, image.shape[0]), 0, 2)
    assert len(find_panels(image)) == len(truth)


def test_tiles_that_touch_are_one_picture_and_groups_apart_are_panels() -> None:
    strips = [(0, i * 10, 100, (i + 1) * 10) for i in range(10)]
    assert tile_panels(strips, 100, 100) is None
    two = [(0, 0, 48, 100), (52, 0, 100, 100)]
    assert tile_panels(two, 100, 100) == [(0, 0, 48, 100), (52, 0, 100, 100)]


def test_letters_from_the_text_layer_go_to_their_panels() -> None:
    panels = [(0, 0, 100, 100), (110, 0, 210, 100)]
    letters = [("B", (112, 2, 120, 12)), ("a", (2, 2, 14, 12))]
    assert assign_letters(panels, letters, 210, 100) == ["a", "B"]
    assert assign_letters(panels, [("c", (300, 300, 310, 310))], 1000, 1000) == ["", ""]  # too far from any panel


def test_pieces_without_a_letter_join_the_lettered_panel_they_are_part_of() -> None:
    """Letters a, b from the text layer: a small piece without one (a fragment, a zoom) joins the
    nearest lettered panel it can join without reaching into another; a picture as big as a lettered
    one stays a panel under a shared letter (each CT slice of a row is wanted on its own)."""
    panels = [(0, 0, 100, 100), (104, 30, 130, 70), (150, 0, 250, 100), (260, 0, 360, 100)]
    letters = [("a", (2, 2, 10, 12)), ("b", (152, 2, 160, 12))]
    assert group_by_letters(panels, letters, 360, 100) == [(0, 0, 130, 100), (150, 0, 250, 100), (260, 0, 360, 100)]
    assert group_by_letters(panels, [("a", (2, 2, 10, 12)), ("c", (152, 2, 160, 12))], 360, 100) == panels  # not a run a, b, ...


def test_caption_letters_in_reading_order() -> None:
    caption = "Figure 2. Chest CT. (A) Axial slice. (B) Coronal view. (C) Follow-up."
    assert caption_letters(caption) == ["A", "B", "C"]
    assert letters_in_reading_order(caption, 3) == ["A", "B", "C"]
    assert letters_in_reading_order(caption, 2) == ["", ""]


@pytest.mark.parametrize(
    ("caption", "label", "expected"),
    [
        ("Figure 1. Chest CT of patient 3. (A) Day 1, ground-glass. (B) Day 7, consolidation.", "B", "Day 7, consolidation."),
        ("Figure 1. Scans. A, axial image; B, coronal image.", "A", "axial image"),
        ("Figure 1. Scans. (a-c) Axial slices at three levels. (d) Coronal.", "b", "Axial slices at three levels."),
        ("Figure 1. Scans. (A and B) Before. (C) After.", "B", "Before."),
    ],
)
def test_subcaptions_by_letter(caption: str, label: str, expected: str) -> None:
    parts = split_caption(caption)
    text = subcaption_for(parts, label, set())
    assert expected in text and text.startswith(caption.split(".")[0])


def test_subcaptions_by_place() -> None:
    parts = split_caption("Figure 3. CT of two patients. Left: a 45-year-old man. Right: a 60-year-old woman.")
    assert "60-year-old woman" in subcaption_for(parts, "", {"right", "top"})
    assert "45-year-old man" not in subcaption_for(parts, "", {"right", "top"})


def test_cut_panels_gives_labels_and_subcaptions_from_the_caption() -> None:
    image, _ = grid(255, 20, rows=1, cols=2)
    cuts = cut_panels(image, "Figure 4. CT. (A) Before treatment. (B) After treatment.")
    assert [c.label for c in cuts] == ["A", "B"]
    assert "After treatment." in cuts[1].subcaption and "Before" not in cuts[1].subcaption


@pytest.mark.parametrize("form", ["rgb", "rgba", "gray16", "huge"])
def test_any_depth_and_size_splits_with_boxes_in_the_images_own_pixels(form: str) -> None:
    from figscrape.runtime.imaging import to_gray8

    image, truth = grid(255, 20)
    if form == "rgb":
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif form == "rgba":
        image = np.dstack([cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), np.full(image.shape, 255, np.uint8)])
    elif form == "gray16":
        image = image.astype(np.uint16) * 257
    elif form == "huge":  # analysed at reduced size, boxes mapped back to full resolution
        image = cv2.resize(image, None, fx=4, fy=4, interpolation=cv2.INTER_NEAREST)
        truth = [tuple(4 * v for v in t) for t in truth]
    found = find_panels(to_gray8(image))
    assert len(found) == len(truth)
    assert all(max(iou(t, f) for f in found) >= 0.8 for t in truth)


def ct_like(rng: np.random.Generator, height: int, width: int, level: int) -> np.ndarray:
    """A textured picture of mid grey whose neighbouring pixels are alike (a slice's soft tissue)."""
    return np.clip(cv2.GaussianBlur(rng.normal(level, 60, (height, width)), (0, 0), 2), 40, 215).astype(np.uint8)


def test_a_one_pixel_white_gutter_in_a_large_figure_parts_its_pictures() -> None:
    """At 2600 pixels wide both views (1000 and 2000) shrink a 1-pixel white gutter into the pictures'
    grey; the four equal tiles' edges still show to the montage test."""
    rng = np.random.default_rng(21)
    side = 650
    image = np.full((side, 4 * side + 3), 255, np.uint8)
    truth = []
    for k in range(4):
        x = k * (side + 1)
        image[:, x : x + side] = ct_like(rng, side, side, 90 + 20 * k)
        truth.append((x, 0, x + side, side))
    found = cut_panels(image, "")
    assert len(found) == 4 and all(max(iou(t, f.bbox) for f in found) >= 0.95 for t in truth)


def test_a_thin_white_gutter_between_pictures_on_a_black_page_parts_them() -> None:
    """A row of image, overlay and rendering on a black page, two of them parted by a white line of 2
    pixels (white is content on a black page, so the mask alone joins them)."""
    rng = np.random.default_rng(22)
    image = np.zeros((300, 980), np.uint8)
    truth = [(10, 10, 330, 290), (332, 10, 652, 290), (670, 10, 970, 290)]
    image[10:290, 330:332] = 255
    for x0, y0, x1, y1 in truth:
        image[y0:y1, x0:x1] = ct_like(rng, y1 - y0, x1 - x0, 110)
    found = find_panels(image)
    assert len(found) == 3 and all(max(iou(t, f) for f in found) >= 0.95 for t in truth)


def test_pictures_that_touch_part_at_the_seam_where_the_picture_jumps() -> None:
    """Three slices side by side with no gutter: the grey level jumps along a straight full-height
    line between them, and nowhere else."""
    rng = np.random.default_rng(23)
    image = np.full((340, 960), 255, np.uint8)
    truth = [(20, 20, 320, 320), (320, 20, 620, 320), (620, 20, 920, 320)]
    for (x0, y0, x1, y1), level in zip(truth, (80, 150, 95)):
        image[y0:y1, x0:x1] = ct_like(rng, y1 - y0, x1 - x0, level)
    found = find_panels(image)
    assert len(found) == 3 and all(max(iou(t, f) for f in found) >= 0.95 for t in truth)


def test_a_smooth_picture_with_a_straight_edge_inside_is_one_panel() -> None:
    """A straight jump across only part of a picture (a bright organ's edge) is no seam."""
    rng = np.random.default_rng(24)
    image = np.full((340, 660), 255, np.uint8)
    image[20:320, 20:640] = ct_like(rng, 300, 620, 90)
    image[100:240, 300:640] = ct_like(rng, 140, 340, 170)  # the edge runs down less than half the height
    assert len(find_panels(image)) == 1


def test_empty_axes_whose_ticks_point_inward_are_panels() -> None:
    """A grid of matplotlib axes with only tiny inward ticks and light grid lines: the spines are the
    panels (removing them as lines that stand apart would leave only text)."""
    image = np.full((600, 600), 255, np.uint8)
    truth = []
    for r in range(2):
        for c in range(2):
            x0, y0 = 60 + c * 290, 40 + r * 290
            x1, y1 = x0 + 220, y0 + 220
            for k in range(1, 4):
                cv2.line(image, (x0 + k * 55, y0), (x0 + k * 55, y1), 200, 1)
                cv2.line(image, (x0, y0 + k * 55), (x1, y0 + k * 55), 200, 1)
            cv2.rectangle(image, (x0, y0), (x1, y1), 0, 1)
            for k in range(0, 221, 11):
                cv2.line(image, (x0 + k, y1), (x0 + k, y1 - 2), 0, 1)
                cv2.line(image, (x0, y0 + k), (x0 + 2, y0 + k), 0, 1)
            cv2.putText(image, "0.5", (x0 - 30, y0 + 115), cv2.FONT_HERSHEY_SIMPLEX, 0.35, 0, 1)
            truth.append((x0, y0, x1 + 1, y1 + 1))
    found = find_panels(image)
    assert len(found) == 4 and all(max(iou(t, f) for f in found) >= 0.85 for t in truth)


def spines(image: np.ndarray, x0: int, y0: int, x1: int, y1: int, step: int) -> None:
    """A left and a bottom spine with outward ticks, as R and despined matplotlib charts draw them."""
    cv2.line(image, (x0, y0), (x0, y1), 0, 2)
    cv2.line(image, (x0, y1), (x1, y1), 0, 2)
    for x in range(x0, x1, step):
        cv2.line(image, (x, y1), (x, y1 + 6), 0, 1)
    for y in range(y1, y0, -step):
        cv2.line(image, (x0 - 6, y), (x0, y), 0, 1)


def test_a_charts_two_spines_round_its_curves_and_inset_are_a_panel_not_an_outline() -> None:
    """Two charts, each two noisy curves and an inset with spines of its own inside a left and a
    bottom spine: the spines hold several pieces and are sparse, as a group frame is, but they do
    not close round them, so the chart is one panel and not the pieces inside it."""
    rng = np.random.default_rng(12)
    image = np.full((420, 1000), 255, np.uint8)
    truth = []
    for c in range(2):
        x0 = 60 + c * 490
        spines(image, x0, 30, x0 + 400, 380, 50)
        xs = np.arange(x0 + 10, x0 + 400)
        for level, ys in ((90, 180 - 120 * (1 - np.exp(-(xs - x0) / 60))), (160, 330 - 60 * (1 - np.exp(-(xs - x0) / 60)))):
            for x, y in zip(xs, ys + rng.normal(0, 6, xs.size)):
                cv2.line(image, (int(x), int(y) - 8), (int(x), int(y) + 8), level, 1)
        spines(image, x0 + 250, 220, x0 + 390, 330, 35)
        xi = np.arange(x0 + 255, x0 + 390)
        for x, y in zip(xi, 320 - 60 * (1 - np.exp(-(xi - xi[0]) / 20))):
            cv2.line(image, (int(x), int(y) - 4), (int(x), int(y) + 4), 120, 1)
        truth.append((x0 - 6, 30, x0 + 401, 387))
    found = find_panels(image)
    assert len(found) == 2 and all(max(iou(t, f) for f in found) >= 0.9 for t in truth)


def axis_strips(count: int) -> tuple[np.ndarray, list]:
    """Axes stacked one per row, as scale and tick-formatter demos draw them: a title, a line with
    ticks and tick labels, and nothing panel-sized anywhere."""
    image = np.full((count * 90 + 20, 700), 255, np.uint8)
    truth = []
    for k in range(count):
        y = 40 + k * 90
        cv2.putText(image, f"Scale number {k}", (20, y - 12), cv2.FONT_HERSHEY_SIMPLEX, 0.55, 0, 1)
        cv2.line(image, (20, y), (680, y), 0, 1)
        for i, x in enumerate(range(20, 681, 66)):
            cv2.line(image, (x, y), (x, y + 6), 0, 1)
            cv2.putText(image, f"{i / 10:.1f}", (x - 10, y + 22), cv2.FONT_HERSHEY_SIMPLEX, 0.4, 0, 1)
        truth.append((10, y - 28, 695, y + 26))
    return image, truth


def test_axes_stacked_as_strips_are_a_panel_each_with_their_titles_and_labels() -> None:
    image, truth = axis_strips(3)
    found = find_panels(image)
    assert len(found) == 3 and all(max(iou(t, f) for f in found) >= 0.8 for t in truth)


def test_a_drawn_chart_is_not_cut_at_its_grid_lines() -> None:
    """Two polar charts whose light flat areas are crossed by grid lines: no seams run through a
    drawing's flat fills (seams are where scanned pictures touch), so each chart is one panel."""
    image = np.full((300, 560), 255, np.uint8)
    for x0 in (10, 290):
        centre = (x0 + 130, 150)
        cv2.circle(image, centre, 125, 229, -1)  # the area the chart fills, a little darker than near white
        for r in (30, 60, 90, 125):
            cv2.circle(image, centre, r, 190, 1)
        cv2.line(image, (x0, 150), (x0 + 260, 150), 195, 2)
        cv2.line(image, (x0 + 130, 20), (x0 + 130, 280), 195, 2)
        cv2.circle(image, centre, 15, 255, -1)
    found = find_panels(image)
    assert len(found) == 2 and found[0][2] <= 280 and found[1][0] >= 280


def test_a_framed_chart_whose_curve_its_grid_lines_cut_stays_one_panel() -> None:
    """Two framed charts with grid lines and a noisy curve: taking the frame and grid lines away
    leaves the curve in sparse strokes that would each pass for a panel; a frame round only such
    strokes stays, and each chart is one panel."""
    rng = np.random.default_rng(2)
    image = np.full((400, 900), 255, np.uint8)
    for x0 in (40, 480):
        cv2.rectangle(image, (x0, 30), (x0 + 380, 360), 0, 1)
        for k in range(1, 6):
            cv2.line(image, (x0 + 63 * k, 30), (x0 + 63 * k, 360), 170, 1)
            cv2.line(image, (x0, 30 + 55 * k), (x0 + 380, 30 + 55 * k), 170, 1)
        xs = np.arange(x0 + 10, x0 + 370)
        ys = (330 - 280 * np.exp(-(xs - x0) / 120.0) + rng.normal(0, 10, xs.size)).astype(np.int32)
        cv2.polylines(image, [np.stack([xs, ys], 1).reshape(-1, 1, 2)], False, 60, 1)
    found = find_panels(image)
    assert len(found) == 2 and found[0][2] <= 450 and found[1][0] >= 450


def test_a_part_bigger_than_its_panel_joins_it_when_it_runs_along_no_other() -> None:
    """A picture with a light flat band wider than itself tight under it (the rest of a chart that
    its grid lines cut off), and another picture far off: the band is the first panel's, though it
    is wider than that panel (a title runs along two panels; this runs along one)."""
    rng = np.random.default_rng(3)
    image = np.full((400, 900), 255, np.uint8)
    image[40:240, 40:160] = np.clip(rng.normal(110, 30, (200, 120)), 0, 255).astype(np.uint8)
    image[248:308, 30:290] = 200
    image[40:240, 600:720] = np.clip(rng.normal(110, 30, (200, 120)), 0, 255).astype(np.uint8)
    assert sorted(find_panels(image)) == [(30, 40, 290, 308), (600, 40, 720, 240)]


def test_a_filled_shape_that_a_removed_line_cuts_comes_back_together_across_it() -> None:
    """Two polar-like charts: a filled disc with a line through its middle that runs far beyond it
    (so it stands apart and is removed), which leaves the disc in halves meeting across the line."""
    image = np.full((400, 900), 255, np.uint8)
    for x0 in (40, 480):
        cv2.line(image, (x0, 200), (x0 + 380, 200), 150, 1)
        cv2.circle(image, (x0 + 190, 200), 55, 190, -1)
        cv2.circle(image, (x0 + 190, 200), 55, 90, 2)
    found = find_panels(image)
    assert len(found) == 2 and all(b[1] <= 146 and b[3] >= 255 for b in found) and found[0][2] <= 450 <= found[1][0]


def row_of_pictures(titled: tuple[int, ...]) -> np.ndarray:
    rng = np.random.default_rng(11)
    image = np.full((300, 760), 255, np.uint8)
    for c in range(3):
        x = 20 + c * 250
        image[60:280, x : x + 220] = np.clip(rng.normal(110, 30, (220, 220)), 0, 255).astype(np.uint8)
        if c in titled:
            cv2.putText(image, "Method", (x + 60, 48), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2)
    return image


def test_text_over_one_panel_of_a_row_is_a_header_but_titles_over_every_panel_are_theirs() -> None:
    """Three pictures in a row: a line of text over the middle one only carries it past the row's
    common top (a column header, a title over the figure) and joins none; the same text over each
    of them is each one's title."""
    assert sorted(find_panels(row_of_pictures((1,)))) == [(20, 60, 240, 280), (270, 60, 490, 280), (520, 60, 740, 280)]
    assert all(b[1] <= 35 for b in find_panels(row_of_pictures((0, 1, 2))))


def test_white_lines_thinner_than_the_shrink_still_part_the_tiles_of_a_large_figure() -> None:
    """A figure 3600 pixels wide is cut in a view 2000 long: the two-pixel white lines between its
    dark tiles become columns of light grey there, blended with the tiles' edges, and are no
    whole line of white. They are still gutters (cuts._blended)."""
    rng = np.random.default_rng(8)
    widths, heights, line = [501, 703, 598, 641, 559, 588], [561, 635], 2  # unequal: no montage's pitch
    image = np.full((sum(heights) + line, sum(widths) + 5 * line), 255, np.uint8)
    truth = []
    for r, h in enumerate(heights):
        for c, w in enumerate(widths):
            x, y = sum(widths[:c]) + c * line, sum(heights[:r]) + r * line
            tile = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 3)
            image[y : y + h, x : x + w] = np.clip(60 + 20 * tile / tile.std(), 0, 255).astype(np.uint8)
            truth.append((x, y, x + w, y + h))
    found = [c.bbox for c in cut_panels(image, "")]
    assert len(found) == 12 and all(max(iou(t, f) for f in found) >= 0.9 for t in truth), found


def test_a_blank_tile_of_a_grid_is_no_panel() -> None:
    """A grid of slices on white where one cell is a solid black tile (no image for that method):
    the tile shows nothing, so it is neither a panel nor part of its neighbour's."""
    rng = np.random.default_rng(12)
    image = np.full((430, 640), 255, np.uint8)
    truth = []
    for k in range(6):
        r, c = divmod(k, 3)
        x, y = 10 + c * 210, 10 + r * 210
        image[y : y + 200, x : x + 200] = 0 if k == 3 else pics.ct_slice(rng, 200)
        if k != 3:
            truth.append((x, y, x + 200, y + 200))
    found = find_panels(image)
    assert len(found) == 5 and all(max(iou(t, f) for f in found) >= 0.9 for t in truth), found
