"""Panel letters: the PDF's own text spans inside the figure ("A", "(b)", "c."), mapped to the
figure's pixels and given to the panel they sit in or next to; without them, the letters a caption
names are given in reading order when there are exactly as many as panels. No OCR is needed for
letters that are text in the PDF."""

from __future__ import annotations

import re

from figscrape.split.gutters import Box

LETTER = re.compile(r"^\(?([A-Za-z])\)?[.:)]?$|^\(?([A-Za-z])[.)]\s+\S")  # "A", "(b)", "c.", or "B. Reported cases"
CAPTION_LETTER = re.compile(r"(?:^|[\s;.,])\(?([A-Za-z])\)(?=\s|$|[,;])|\(([A-Za-z])\)")


def panel_letter(text: str) -> str | None:
    """The letter a text span stands for, or None when it is not a panel letter."""
    m = LETTER.match(text.strip())
    return (m.group(1) or m.group(2)) if m else None


def _distance(point: tuple[float, float], box: Box) -> float:
    x, y = point
    dx = max(box[0] - x, 0, x - box[2])
    dy = max(box[1] - y, 0, y - box[3])
    return (dx * dx + dy * dy) ** 0.5


def assign_letters(panels: list[Box], spans: list[tuple[str, Box]], width: int, height: int) -> list[str]:
    """A label per panel ("" where none): each letter goes to the panel it lies in, or the nearest
    one within a tenth of the figure's diagonal; a panel with several keeps the one nearest its top-left corner."""
    reach = 0.1 * (width * width + height * height) ** 0.5
    chosen: dict[int, tuple[float, str]] = {}
    for text, box in spans:
        letter = panel_letter(text)
        if letter is None:
            continue
        centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        dist, index = min((_distance(centre, p), i) for i, p in enumerate(panels))
        if dist > reach:
            continue
        corner = ((centre[0] - panels[index][0]) ** 2 + (centre[1] - panels[index][1]) ** 2) ** 0.5
        if index not in chosen or corner < chosen[index][0]:
            chosen[index] = (corner, letter)
    return [chosen[i][1] if i in chosen else "" for i in range(len(panels))]


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
