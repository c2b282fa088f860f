"""How a figure is cut into panels: boxes from the tiles the PDF placed (when the figure was tiled
from separate images) or from the pixels, letters from the PDF's text or the caption, and each
panel's part of the caption."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from figscrape.geometry import PixelBox
from figscrape.runtime.imaging import to_gray8
from figscrape.split.gutters import find_panels, reading_order
from figscrape.split.letters import (
    assign_letters,
    group_by_letters,
    letters_in_reading_order,
)
from figscrape.split.subcaptions import split_caption, subcaption_for


@dataclass(frozen=True)
class PanelCut:
    bbox: tuple[int, int, int, int]  # pixels of the figure image
    label: str = ""
    subcaption: str = ""


def tile_panels(tiles: list[PixelBox], width: int, height: int) -> list[PixelBox] | None:
    """Panels from the figure's image tiles: tiles that touch are one picture cut in strips; groups
    apart are panels. None when the tiles do not describe panels (one group, or most of the figure uncovered)."""
    from figscrape.geometry import group_near, union

    if len(tiles) < 2:
        return None
    groups = [union(tiles[i] for i in g) for g in group_near([tuple(map(float, t)) for t in tiles], 1.0)]
    covered = sum((g[2] - g[0]) * (g[3] - g[1]) for g in groups)
    if len(groups) < 2 or covered < 0.5 * width * height:
        return None
    return [tuple(int(round(v)) for v in g) for g in groups]  # type: ignore[misc]


def _places(box: PixelBox, width: int, height: int) -> set[str]:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    places = {"left" if cx < width / 2 else "right", "top" if cy < height / 2 else "bottom"}
    if height / 3 < cy < 2 * height / 3:
        places.add("middle")
    return places


def cut_panels(image: np.ndarray, caption: str, tiles: list[PixelBox] | None = None, letters: list[tuple[str, PixelBox]] | None = None) -> list[PanelCut]:
    """The panels of a figure image, in reading order, each with its label and sub-caption."""
    height, width = image.shape[:2]
    boxes = tile_panels(tiles or [], width, height)
    boxes = reading_order(boxes) if boxes else find_panels(to_gray8(image))
    if letters:
        boxes = reading_order(group_by_letters(boxes, letters, width, height))
        labels = assign_letters(boxes, letters, width, height)
    else:
        labels = letters_in_reading_order(caption, len(boxes)) if len(boxes) > 1 else [""]
    parts = split_caption(caption) if caption else None
    cuts = []
    for box, label in zip(boxes, labels):
        sub = subcaption_for(parts, label, _places(box, width, height)) if parts and len(boxes) > 1 else ""
        cuts.append(PanelCut(box, label, sub))
    return cuts
