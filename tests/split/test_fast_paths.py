"""The splitter's faster equivalents of numpy and OpenCV calls give exactly what the calls they
stand in for give: a mask's row and column shares, the opening by a line's rectangle, the cut's
cell shares from integral images, pieces labelled in 16 bits (and in 32 when they do not fit), and
alpha composited on white."""

from __future__ import annotations

import cv2
import numpy as np

from figscrape.runtime.imaging import opaque, to_gray8
from figscrape.split.cuts import _cell_shares
from figscrape.split.lines import _opened
from figscrape.split.masks import line_shares
from figscrape.split.pieces import components, labelled


def test_line_shares_are_numpys_mean_for_every_layout() -> None:
    mask = np.random.default_rng(1).random((90, 130)) > 0.6
    for view in (mask, mask.T, mask[5:40, 7:99], mask.T[:, 3:], mask.astype(np.uint8)):
        for axis in (0, 1):
            assert np.array_equal(line_shares(view, axis), view.mean(axis=axis))


def test_opening_by_box_sums_is_opencvs_morphology() -> None:
    rng = np.random.default_rng(2)
    for _ in range(60):
        h, w = rng.integers(1, 80, 2)
        mask = (rng.random((h, w)) > rng.random() * 0.6).astype(np.uint8)
        size = (int(rng.integers(1, 6)), int(rng.integers(1, 50)))  # even and odd lengths, longer than the mask too
        for rect in (size, size[::-1]):
            assert np.array_equal(_opened(mask, rect), cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones(rect, np.uint8)))


def test_cell_shares_from_the_integral_image_are_the_cells_means() -> None:
    mask = (np.random.default_rng(3).random((60, 80)) > 0.5).astype(np.uint8)
    counts = cv2.integral(mask)
    x0, y0, x1, y1 = 9, 4, 71, 55
    assert np.array_equal(_cell_shares(counts, x0, y0, x1, y1, True), mask[y0:y1, x0:x1].mean(axis=1))
    assert np.array_equal(_cell_shares(counts, x0, y0, x1, y1, False), mask[y0:y1, x0:x1].mean(axis=0))


def test_components_fall_back_to_32_bit_labels_when_16_overflow() -> None:
    dots = np.zeros((600, 600), np.uint8)
    dots[::2, ::2] = 1  # 90,000 isolated pixels: more pieces than 16-bit labels hold
    n, labels, stats = components(dots)
    assert n == 90_001 and labels.max() == 90_000 and stats[1:, cv2.CC_STAT_AREA].max() == 1
    few = np.zeros((50, 50), np.uint8)
    few[5:10, 5:20] = few[30:40, 30:45] = 1
    n, labels, stats = components(few)
    assert n == 3 and sorted(stats[1:, cv2.CC_STAT_AREA].tolist()) == [75, 150]
    assert labelled(dots)[0] == 90_001 and labelled(dots)[1].max() == 90_000
    n, labels = labelled(few)
    assert n == 3 and labels.dtype == np.uint16 and np.array_equal(labels, cv2.connectedComponents(few, connectivity=8)[1])


def test_grey_of_opaque_alpha_is_the_grey_of_its_colour_and_transparent_alpha_is_composited() -> None:
    bgra = np.random.default_rng(5).integers(0, 256, (40, 60, 4), dtype=np.uint8)
    bgra[..., 3] = 255
    assert opaque(bgra) and np.array_equal(to_gray8(bgra), cv2.cvtColor(np.ascontiguousarray(bgra[..., :3]), cv2.COLOR_BGR2GRAY))
    bgra[0, 0, 3] = 0  # one transparent pixel: composited on white
    assert not opaque(bgra) and to_gray8(bgra)[0, 0] == 255


def test_alpha_composited_on_white_only_where_partly_clear_is_the_blend_of_every_pixel() -> None:
    from figscrape.runtime.imaging import _composited

    def blended(array: np.ndarray) -> np.ndarray:  # the formula applied to every pixel
        alpha = array[:, :, 3:4].astype(np.float32) / 255
        return (array[:, :, :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)

    level, alpha = np.meshgrid(np.arange(256), np.arange(256))
    every = np.dstack([level, 255 - level, (7 * level) % 256, alpha]).astype(np.uint8)  # each level at each alpha
    assert np.array_equal(_composited(every), blended(every))
    rng = np.random.default_rng(7)
    image = rng.integers(0, 256, (70, 90, 4), dtype=np.uint8)
    image[..., 3] = rng.choice([0, 255], (70, 90))  # clear and opaque only: nothing to blend
    for view in (image, image[5:60, 9:80]):
        assert np.array_equal(_composited(view), blended(view))
    image[::7, ::5, 3] = 128
    assert np.array_equal(_composited(image[3:, 2:]), blended(image[3:, 2:]))


def test_a_flat_box_is_judged_from_its_histogram_as_from_its_pixels() -> None:
    from figscrape.split.pieces import Piece, _flat_box
    from figscrape.split.settings import Settings

    rng = np.random.default_rng(6)
    settings = Settings()
    seen = set()
    for _ in range(400):
        h, w = (int(v) for v in rng.integers(1, 40, 2))
        gray = np.clip(rng.integers(0, 256) + rng.normal(0, rng.choice([0.5, 3, 8, 40]), (h, w)), 0, 255).astype(np.uint8)
        if rng.random() < 0.3:
            gray[: h // 2] = rng.integers(0, 256)  # two levels: the median between them
        level = int(np.median(gray))
        expected = level > settings.flat_level and bool((np.abs(gray.astype(np.int16) - level) <= settings.flat_tolerance).mean() >= settings.flat_share)
        assert _flat_box(gray, Piece((0, 0, w, h), h * w, False), settings) == expected
        seen.add(expected)
    assert seen == {True, False}
