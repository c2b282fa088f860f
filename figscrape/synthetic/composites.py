"""Compound figures with known panels, for the splitter's tests and benchmark.

Panels are pictures (from a folder of real images when given, else drawn by
figscrape.synthetic.images) and charts with axes, tick labels and legends, laid out on white or
black backgrounds with wide gutters, thin ones of a few pixels, or separator lines, in regular and irregular
grids, with panel letters in their corners. The letters are returned as text spans too, the way
the PDF's text layer gives them to the splitter."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from figscrape.geometry import PixelBox
from figscrape.synthetic import images as pics


@dataclass
class Composite:
    image: np.ndarray  # BGR
    panels: list[PixelBox]
    labels: list[str]
    letters: list[tuple[str, PixelBox]] = field(default_factory=list)  # text spans: (text, box in pixels)
    style: str = ""


def load_pictures(folder: Path | None, limit: int = 400) -> list[np.ndarray]:
    """Images under `folder` (any depth) as BGR arrays; none when no folder is given."""
    if folder is None or not folder.exists():
        return []
    out = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in (".png", ".jpg", ".jpeg") and len(out) < limit:
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is not None and min(image.shape[:2]) >= 64:
                out.append(image)
    return out


def chart(rng: random.Random, w: int, h: int, background: int) -> np.ndarray:
    """A line or bar chart with axes, ticks, tick labels, an axis title and a legend."""
    fg = 0 if background > 128 else 235
    img = np.full((h, w, 3), background, np.uint8)
    ox, oy = int(0.16 * w), int(0.82 * h)
    cv2.line(img, (ox, 4), (ox, oy), (fg, fg, fg), 2)
    cv2.line(img, (ox, oy), (w - 4, oy), (fg, fg, fg), 2)
    n = rng.randint(5, 10)
    step = (w - ox - 10) / n
    colour = (rng.randint(0, 200), rng.randint(0, 200), rng.randint(60, 255))
    points = []
    for i in range(n):
        x = int(ox + 6 + i * step)
        y = int(oy - rng.uniform(0.1, 0.9) * (oy - 10))
        if rng.random() < 0.5:
            cv2.rectangle(img, (x, y), (x + max(2, int(step * 0.6)), oy - 1), colour, -1)
        else:
            points.append((x, y))
        cv2.line(img, (x, oy), (x, oy + 4), (fg, fg, fg), 1)
        cv2.putText(img, str(i * 5), (x - 4, oy + 6 + int(12 * (0.3 + h / 1500))), cv2.FONT_HERSHEY_SIMPLEX, 0.3 + h / 1500, (fg, fg, fg), 1)
    if len(points) > 1:
        cv2.polylines(img, [np.array(points, np.int32)], False, colour, 2)
    for j in range(4):
        y = int(oy - j / 3 * (oy - 10))
        scale = 0.3 + h / 1500
        (tw, _), _ = cv2.getTextSize(str(j * 10), cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        cv2.line(img, (ox - 4, y), (ox, y), (fg, fg, fg), 1)
        cv2.putText(img, str(j * 10), (ox - 6 - tw, y + 4), cv2.FONT_HERSHEY_SIMPLEX, scale, (fg, fg, fg), 1)
    cv2.putText(img, "group", (w - int(0.3 * w), 18), cv2.FONT_HERSHEY_SIMPLEX, 0.35 + h / 1500, colour, 1)
    return img


def _picture(rng: random.Random, nprng: np.random.Generator, pool: list[np.ndarray]) -> np.ndarray:
    if pool:
        return pool[rng.randrange(len(pool))]
    kind = rng.choice(("ct", "ct", "xray", "micro"))
    made = {"ct": lambda: pics.ct_slice(nprng, 256), "xray": lambda: pics.radiograph(nprng), "micro": lambda: pics.micrograph(nprng)}[kind]()
    return made if made.ndim == 3 else cv2.cvtColor(made, cv2.COLOR_GRAY2BGR)


def _layout(rng: random.Random, width: int, height: int, gap: int) -> list[PixelBox]:
    """Panel rectangles: a regular grid, or an irregular one (a tall panel beside stacked ones)."""
    kind = rng.choice(("grid", "grid", "irregular", "row"))
    boxes: list[PixelBox] = []
    if kind == "irregular":
        left_w = int(width * rng.uniform(0.4, 0.6))
        boxes.append((0, 0, left_w, height))
        k = rng.randint(2, 3)
        each = (height - (k - 1) * gap) // k
        for i in range(k):
            boxes.append((left_w + gap, i * (each + gap), width, i * (each + gap) + each))
        if rng.random() < 0.5:  # mirror: the tall panel on the right
            boxes = [(width - b[2], b[1], width - b[0], b[3]) for b in boxes]
        return boxes
    rows, cols = (1, rng.randint(2, 5)) if kind == "row" else (rng.randint(1, 3), rng.randint(2, 4))
    cw = (width - (cols - 1) * gap) // cols
    rh = (height - (rows - 1) * gap) // rows
    for r in range(rows):
        for c in range(cols):
            boxes.append((c * (cw + gap), r * (rh + gap), c * (cw + gap) + cw, r * (rh + gap) + rh))
    return boxes


def make_composite(seed: int, pool: list[np.ndarray] | None = None) -> Composite:
    """One compound figure; the same seed and pool give the same figure."""
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    pool = pool or []
    gutter = rng.choice(("white", "white", "black", "thin", "lines"))
    background = 0 if gutter == "black" or (gutter == "thin" and rng.random() < 0.5) else 255
    gap = {"white": rng.randint(8, 24), "black": rng.randint(4, 14), "thin": rng.randint(2, 4), "lines": rng.randint(10, 20)}[gutter]
    width, height = rng.randint(700, 1400), rng.randint(350, 900)
    margin = rng.choice((0, 6, 16))
    layout = _layout(rng, width - 2 * margin, height - 2 * margin, gap)
    canvas = np.full((height, width, 3), background, np.uint8)
    panels: list[PixelBox] = []
    charts = rng.random() < 0.35 and gutter != "thin"
    for x0, y0, x1, y1 in layout:
        x0, y0, x1, y1 = x0 + margin, y0 + margin, x1 + margin, y1 + margin
        w, h = x1 - x0, y1 - y0
        if charts and rng.random() < 0.7:
            tile = chart(rng, w, h, background)
        else:
            tile = cv2.resize(_picture(rng, nprng, pool), (w, h), interpolation=cv2.INTER_AREA)
        canvas[y0:y1, x0:x1] = tile
        panels.append((x0, y0, x1, y1))
    if gutter == "lines":  # a rule in the gutter between neighbouring panels, never across a panel
        colour = rng.choice(((0, 0, 200), (40, 40, 40), (30, 120, 230)))
        for a in panels:
            for b in panels:
                if b[0] >= a[2] and b[0] - a[2] <= gap + 1 and min(a[3], b[3]) > max(a[1], b[1]):  # b right of a
                    x = (a[2] + b[0]) // 2
                    cv2.line(canvas, (x, max(a[1], b[1])), (x, min(a[3], b[3]) - 1), colour, 2)
                if b[1] >= a[3] and b[1] - a[3] <= gap + 1 and min(a[2], b[2]) > max(a[0], b[0]):  # b below a
                    y = (a[3] + b[1]) // 2
                    cv2.line(canvas, (max(a[0], b[0]), y), (min(a[2], b[2]) - 1, y), colour, 2)
    panels = [_visible(canvas, b, background) for b in panels]
    labels, letters = [], []
    upper = rng.random() < 0.6
    for i, (x0, y0, x1, y1) in enumerate(_reading(panels)):
        letter = chr((65 if upper else 97) + i)
        labels.append(letter)
        size = max(12, (y1 - y0) // 9)
        scale = size / 22
        (tw, th), _ = cv2.getTextSize(letter, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
        tx, ty = x0 + 4, y0 + th + 4
        ink = (255, 255, 255) if background == 0 or not charts else (0, 0, 0)
        cv2.putText(canvas, letter, (tx, ty), cv2.FONT_HERSHEY_SIMPLEX, scale, ink, 2)
        letters.append((letter, (tx, ty - th, tx + tw, ty + 2)))
    ordered = _reading(panels)
    return Composite(canvas, ordered, labels, letters, f"{gutter}{'+charts' if charts else ''}/{len(panels)}")


def _visible(canvas: np.ndarray, box: PixelBox, background: int) -> PixelBox:
    """The part of a panel's rectangle that shows anything: a chart or diagram on a page of its own
    colour has no visible edge, so its truth is the extent of what is drawn."""
    x0, y0, x1, y1 = box
    tile = cv2.cvtColor(canvas[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY).astype(np.int16)
    border = np.concatenate([tile[0], tile[-1], tile[:, 0], tile[:, -1]])
    if abs(int(np.median(border)) - background) > 12:  # a picture with its own edge: the whole rectangle shows
        return box
    ink = np.abs(tile - background) > 8
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        return box
    return (x0 + int(cols[0]), y0 + int(rows[0]), x0 + int(cols[-1]) + 1, y0 + int(rows[-1]) + 1)


def _reading(boxes: list[PixelBox]) -> list[PixelBox]:
    return sorted(boxes, key=lambda b: (b[1] // 20, b[0]))
