"""How a figure is cut into panels: boxes from the tiles the PDF placed (when the figure was tiled
from separate images) or from the pixels, letters from the PDF's text, else from the pixels, else
the caption, and each panel's part of the caption."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from figscrape.geometry import PixelBox
from figscrape.runtime.imaging import opaque, to_gray8
from figscrape.split.gutters import find_panels, reading_order
from figscrape.split.letters import (
    assign_letters,
    group_by_letters,
    letters_in_reading_order,
)
from figscrape.split.printed import READ_SIDE, printed_labels
from figscrape.split.settings import Settings
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


def _grey_view(image: np.ndarray, side: int) -> np.ndarray:
    """The image in 8-bit grey, at most `side` pixels long. An 8-bit image that needs no
    compositing is made grey first (a third of the pixels to shrink); one with alpha to composite
    or 16 bits is shrunk first, so that a figure of many megapixels is never converted whole."""
    height, width = image.shape[:2]
    scale = max(height, width) / side
    if scale <= 1:
        return to_gray8(image)
    plain = image.dtype == np.uint8 and opaque(image)
    size = (round(width / scale), round(height / scale))
    return to_gray8(cv2.resize(to_gray8(image) if plain else image, size, interpolation=cv2.INTER_AREA))


def _panels_from_pixels(gray: np.ndarray, width: int, height: int, settings: Settings | None = None) -> list[PixelBox]:
    """find_panels on the splitter's grey view, boxes mapped back to the figure's pixels."""
    fx, fy = width / gray.shape[1], height / gray.shape[0]
    return [
        (int(x0 * fx), int(y0 * fy), min(width, int(np.ceil(x1 * fx))), min(height, int(np.ceil(y1 * fy))))
        for x0, y0, x1, y1 in find_panels(gray, settings or Settings(), fx > 1 or fy > 1)
    ]


def cut_panels(
    image: np.ndarray, caption: str, tiles: list[PixelBox] | None = None, letters: list[tuple[str, PixelBox]] | None = None, read_pixels: bool = True
) -> list[PanelCut]:
    """The panels of a figure image, in reading order, each with its label and sub-caption
    (`read_pixels=False` leaves printed letters unread, for benchmarks to time the reader)."""
    height, width = image.shape[:2]
    boxes = tile_panels(tiles or [], width, height)
    gray = None
    if boxes:
        boxes = reading_order(boxes)
    else:
        gray = _grey_view(image, Settings().cut_side)
        boxes = _panels_from_pixels(gray, width, height)
    if letters:
        boxes = reading_order(group_by_letters(boxes, letters, width, height))
        labels = assign_letters(boxes, letters, width, height)
    elif len(boxes) > 1 and read_pixels:
        gray = gray if gray is not None else _grey_view(image, READ_SIDE)
        fx, fy = gray.shape[1] / width, gray.shape[0] / height
        labels = printed_labels(gray, [(x0 * fx, y0 * fy, x1 * fx, y1 * fy) for x0, y0, x1, y1 in boxes])  # type: ignore[misc]
        if not any(labels):
            labels = letters_in_reading_order(caption, len(boxes))
    else:
        labels = letters_in_reading_order(caption, len(boxes)) if len(boxes) > 1 else [""]
    parts = split_caption(caption) if caption else None
    cuts = []
    for box, label in zip(boxes, labels):
        sub = subcaption_for(parts, label, _places(box, width, height)) if parts and len(boxes) > 1 else ""
        cuts.append(PanelCut(box, label, sub))
    return cuts
