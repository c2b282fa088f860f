"""Panel letters placed on panels: the letters extraction found in the PDF's text layer (stored
ready to use, with their boxes in the figure's pixels) go to the panel they sit in or next to;
without them, the letters a caption names are given in reading order when there are exactly as
many as panels. No OCR is needed for letters that are text in the PDF."""

from __future__ import annotations

import re

from figscrape import geometry as g
from figscrape.geometry import PixelBox

CAPTION_LETTER = re.compile(r"(?:^|[\s;.,])\(?([A-Za-z])\)(?=\s|$|[,;])|\(([A-Za-z])\)")


def _distance(point: tuple[float, float], box: PixelBox) -> float:
    x, y = point
    dx = max(box[0] - x, 0, x - box[2])
    dy = max(box[1] - y, 0, y - box[3])
    return (dx * dx + dy * dy) ** 0.5


def assign_letters(panels: list[PixelBox], letters: list[tuple[str, PixelBox]], width: int, height: int) -> list[str]:
    """A label per panel ("" where none): each letter goes to the panel it lies in, or the nearest
    one within a tenth of the figure's diagonal; a panel with several keeps the one nearest its top-left corner."""
    reach = 0.1 * (width * width + height * height) ** 0.5
    chosen: dict[int, tuple[float, str]] = {}
    for letter, box in letters:
        centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        dist, index = min((_distance(centre, p), i) for i, p in enumerate(panels))
        if dist > reach:
            continue
        corner = ((centre[0] - panels[index][0]) ** 2 + (centre[1] - panels[index][1]) ** 2) ** 0.5
        if index not in chosen or corner < chosen[index][0]:
            chosen[index] = (corner, letter)
    return [chosen[i][1] if i in chosen else "" for i in range(len(panels))]


def group_by_letters(panels: list[PixelBox], letters: list[tuple[str, PixelBox]], width: int, height: int) -> list[PixelBox]:
    """When the PDF's letters name the panels (a run a, b, c... on at least two of them), a piece
    without a letter is part of a lettered panel: of the nearest one it can join without the joined
    box reaching into another lettered panel. Pixels alone cut a montage inside one panel, the
    zooms beside a picture or a bright slice on a white page into several; the letters say which
    belong together. A piece that can join none stays a panel."""
    labels = assign_letters(panels, letters, width, height)
    named = sorted(label.lower() for label in labels if label)
    if len(named) < 2 or named != [chr(ord("a") + k) for k in range(len(named))]:
        return panels
    groups = {i: panels[i] for i, label in enumerate(labels) if label}
    alone: list[PixelBox] = []
    loose = [p for p, label in zip(panels, labels) if not label]
    for box in sorted(loose, key=lambda b: min(g.gap(b, q) for q in groups.values())):
        for i in sorted(groups, key=lambda i: g.gap(box, groups[i])):
            if g.area(box) > 0.5 * g.area(panels[i]):  # a picture of its own under a shared letter stays
                continue
            joined = g.union([groups[i], box])
            if all(g.area(g.intersection(joined, other)) == 0 for k, other in groups.items() if k != i):
                groups[i] = joined
                break
        else:
            alone.append(box)
    return list(groups.values()) + alone


def caption_letters(caption: str) -> list[str]:
    """The distinct panel letters a caption names in "(A)" or "A)" form, in order of first mention."""
    seen: list[str] = []
    for m in CAPTION_LETTER.finditer(caption):
        letter = m.group(1) or m.group(2)
        if letter not in seen:
            seen.append(letter)
    return seen


def letters_in_reading_order(caption: str, count: int) -> list[str]:
    """Labels from the caption alone, when it names a run of exactly `count` letters (A, B, C...)."""
    names = caption_letters(caption)
    run = [chr(ord(names[0]) + i) for i in range(count)] if names else []
    return run if len(names) == count and names == run else [""] * count
