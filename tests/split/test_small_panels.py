"""Panels too small for the splitter's panel size that other evidence shows are panels."""

from __future__ import annotations

import cv2
import numpy as np

from figscrape.geometry import iou
from figscrape.split.gutters import find_panels


def strips(rows: int, cols: int) -> tuple[np.ndarray, list]:
    """A white 600 x 600 figure with a grid of textured strips 136 x 34 (under 6% of its height)."""
    rng = np.random.default_rng(3)
    image = np.full((600, 600), 255, np.uint8)
    boxes = []
    for r in range(rows):
        for c in range(cols):
            x, y = 75 + 164 * c, 123 + 163 * r
            noise = cv2.GaussianBlur(rng.integers(20, 200, (34, 136)).astype(np.uint8), (5, 5), 0)
            image[y : y + 34, x : x + 136] = noise
            boxes.append((x, y, x + 136, y + 34))
    return image, boxes


def test_a_grid_of_thin_equal_pictures_is_a_panel_each() -> None:
    image, truth = strips(3, 3)
    found = find_panels(image)
    assert len(found) == 9
    assert all(max(iou(t, f) for f in found) >= 0.9 for t in truth)


def test_two_thin_pictures_alone_are_no_grid() -> None:
    image, _ = strips(1, 2)
    assert len(find_panels(image)) == 1


def framed_scatters(per_frame: int) -> tuple[np.ndarray, list]:
    """Three tickless axes frames on white, each round `per_frame` clusters of dots in its middle."""
    rng = np.random.default_rng(5)
    image = np.full((260, 760), 255, np.uint8)
    frames = []
    for k in range(3):
        x0, y0 = 30 + 240 * k, 40
        x1, y1 = x0 + 200, y0 + 180
        cv2.rectangle(image, (x0, y0), (x1 - 1, y1 - 1), 80, 1)
        for c in range(per_frame):
            cx, cy = x0 + 60 + 80 * c, y0 + 90
            for _ in range(60):
                dx, dy = rng.normal(0, 12, 2)
                cv2.circle(image, (int(cx + dx), int(cy + dy)), 3, 60, -1)
        frames.append((x0, y0, x1, y1))
    return image, frames


def test_a_tickless_frame_round_one_panel_is_its_border() -> None:
    image, frames = framed_scatters(1)
    found = find_panels(image)
    assert len(found) == 3
    assert all(max(iou(f, p) for p in found) >= 0.9 for f in frames)


def grid_with_an_empty_cell() -> tuple[np.ndarray, list]:
    """A 2 x 2 grid of cells with faint outlines, each with its letter: three hold a picture, the
    fourth nothing else. The boxes of the three full cells."""
    rng = np.random.default_rng(9)
    image = np.full((520, 620), 255, np.uint8)
    cells = []
    for r in range(2):
        for c in range(2):
            x0, y0 = 10 + 305 * c, 10 + 255 * r
            cv2.rectangle(image, (x0, y0), (x0 + 294, y0 + 244), 228, 1)
            cv2.putText(image, "abcd"[2 * r + c], (x0 + 8, y0 + 28), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 0, 2)
            if (r, c) != (1, 1):
                image[y0 + 40 : y0 + 230, x0 + 40 : x0 + 280] = cv2.GaussianBlur(rng.integers(30, 220, (190, 240)).astype(np.uint8), (5, 5), 0)
                cells.append((x0, y0, x0 + 295, y0 + 245))
    return image, cells


def test_an_empty_cell_that_holds_only_its_letter_is_no_panel() -> None:
    image, cells = grid_with_an_empty_cell()
    found = find_panels(image)
    assert len(found) == 3
    assert all(max(iou(c, f) for f in found) >= 0.9 for c in cells)


def frame_round_clusters_and_outline_round_pictures() -> tuple[np.ndarray, list]:
    """On white: a tickless frame round two clusters of dots (one scatter), and beside it an outline
    of the same kind round two textured pictures (a group). The scatter's frame, then the pictures."""
    rng = np.random.default_rng(11)
    image = np.full((320, 900), 255, np.uint8)
    cv2.rectangle(image, (20, 20), (419, 299), 80, 1)
    for cx in (110, 330):
        for _ in range(150):
            dx, dy = rng.normal(0, 18, 2)
            cv2.circle(image, (int(cx + dx), int(160 + dy)), 3, 60, -1)
    cv2.rectangle(image, (460, 20), (879, 299), 80, 1)
    boxes = [(20, 20, 420, 300)]
    for x0 in (490, 680):
        image[60:260, x0 : x0 + 160] = cv2.GaussianBlur(rng.integers(30, 220, (200, 160)).astype(np.uint8), (5, 5), 0)
        boxes.append((x0, 60, x0 + 160, 260))
    return image, boxes


def test_a_frame_round_dots_only_is_one_chart_but_round_pictures_a_group() -> None:
    image, truth = frame_round_clusters_and_outline_round_pictures()
    found = find_panels(image)
    assert len(found) == 3
    assert all(max(iou(t, f) for f in found) >= 0.9 for t in truth)
