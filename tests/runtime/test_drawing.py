"""Drawing for people: marks land where their boxes are, thumbnails keep their marks, sheets hold every tile."""

from __future__ import annotations

import numpy as np

from figscrape.runtime.drawing import FIGURE_COLOUR, Mark, Tile, contact_sheet, draw_marks, thumbnail


def _has_colour(image: np.ndarray, colour: tuple[int, int, int], tolerance: int = 40) -> np.ndarray:
    return np.all(np.abs(image.astype(int) - np.array(colour)) < tolerance, axis=-1)


def test_a_mark_outlines_its_box_and_writes_its_tag_inside() -> None:
    page = np.full((200, 300, 3), 255, np.uint8)
    drawn = np.asarray(draw_marks(page, [Mark((50, 60, 250, 180), "Fig 1: Chest CT", FIGURE_COLOUR)]))
    red = _has_colour(drawn, FIGURE_COLOUR)
    assert red[120, 50:53].any() and red[120, 248:251].any() and red[60:63, 150].any()
    assert not red[:55, :].any() and not red[185:, :].any()  # nothing outside the box
    assert red[64:80, 55:150].sum() > 20  # the tag's letters, inside the top left corner


def test_a_thumbnail_shrinks_the_picture_and_keeps_its_marks_in_place() -> None:
    picture = np.full((1000, 2000, 3), 255, np.uint8)
    small = thumbnail(picture, 200, (Mark((1000, 0, 2000, 1000), "", FIGURE_COLOUR),))
    assert small.shape == (100, 200, 3)
    red = _has_colour(small, FIGURE_COLOUR)
    assert red[50, 99:102].any() and not red[50, :90].any()


def test_a_contact_sheet_has_a_cell_for_every_tile() -> None:
    tiles = [Tile(np.zeros((30, 40, 3), np.uint8), ("paper", "p1 Fig 1")) for _ in range(7)]
    sheet = np.asarray(contact_sheet(tiles, columns=3, cell=50, text_lines=2))
    assert sheet.shape[1] == 3 * 60 + 10
    dark = np.all(sheet < 10, axis=-1)
    rows = {round(y / 10) for y in np.where(dark.any(axis=1))[0]}
    assert dark.sum() >= 7 * 30 * 40 and len(rows) > 3
