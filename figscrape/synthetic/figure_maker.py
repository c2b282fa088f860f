"""Drawing each kind of figure into a rectangle of a page: one raster image in some encoding,
tiles, a vector chart with real text, an image with vector labels; with the box a reader would
draw around it, recorded as it is drawn."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pymupdf

from figscrape.synthetic import images as pics
from figscrape.synthetic.encodings import expected_pixels, insert_encoded


def text_box(x: float, baseline: float, text: str, font: str, size: float) -> list[float]:
    return [x, baseline - 0.78 * size, x + pymupdf.get_text_length(text, fontname=font, fontsize=size), baseline + 0.22 * size]


def union_box(boxes: list[list[float]]) -> list[float]:
    return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]


class FigureMaker:
    """Draws each kind of figure into a rectangle; returns (truth box, kind, encoding)."""

    def __init__(self, rng: random.Random, nprng: np.random.Generator) -> None:
        self.rng, self.nprng = rng, nprng
        self.originals: dict[str, np.ndarray] = {}

    def picture(self) -> np.ndarray:
        choice = self.rng.choice(("ct", "ct", "xray", "micro", "chart"))
        return {"ct": lambda: pics.ct_slice(self.nprng), "xray": lambda: pics.radiograph(self.nprng),
                "micro": lambda: pics.micrograph(self.nprng), "chart": lambda: pics.raster_chart(self.nprng)}[choice]()

    def raster(self, number: str, encoding: str):  # noqa: ANN201
        array = self.picture()
        if encoding in ("decode", "gray16", "jpeg-gray") and array.ndim == 3:
            array = cv2.cvtColor(array, cv2.COLOR_BGR2GRAY)
        self.originals[number] = expected_pixels(array, encoding)
        h, w = array.shape[:2]

        def draw(page: pymupdf.Page, rect: pymupdf.Rect):  # noqa: ANN202
            width = min(rect.width, rect.height * w / h)
            r = pymupdf.Rect(rect.x0, rect.y0, rect.x0 + width, rect.y0 + width * h / w)
            insert_encoded(page, r, array, encoding)
            return [r.x0, r.y0, r.x1, r.y1], "raster", encoding

        return draw

    def tiled(self):  # noqa: ANN201
        strips = self.rng.random() < 0.5
        if strips:  # one picture cut into strips placed edge to edge (how some PDF producers store it)
            array = pics.micrograph(self.nprng, 480, 360)
            k = self.rng.randint(4, 12)

            def draw(page: pymupdf.Page, rect: pymupdf.Rect):  # noqa: ANN202
                h = rect.width * 360 / 480
                h = min(h, rect.height)
                w = h * 480 / 360
                edges = np.linspace(0, 360, k + 1).astype(int)
                for a, b in zip(edges[:-1], edges[1:]):
                    r = pymupdf.Rect(rect.x0, rect.y0 + h * a / 360, rect.x0 + w, rect.y0 + h * b / 360)
                    page.insert_image(r, stream=pics.encode(array[a:b], ".png"))
                return [rect.x0, rect.y0, rect.x0 + w, rect.y0 + h], "tiled", ""

            return draw
        rows, cols = self.rng.randint(1, 3), self.rng.randint(2, 4)

        def grid(page: pymupdf.Page, rect: pymupdf.Rect):  # noqa: ANN202
            side = min((rect.width - (cols - 1) * 3) / cols, (rect.height - (rows - 1) * 3) / rows)
            for r in range(rows):
                for c in range(cols):
                    x, y = rect.x0 + c * (side + 3), rect.y0 + r * (side + 3)
                    page.insert_image(pymupdf.Rect(x, y, x + side, y + side), stream=pics.encode(pics.ct_slice(self.nprng, 160), ".jpg"))
            return [rect.x0, rect.y0, rect.x0 + cols * side + (cols - 1) * 3, rect.y0 + rows * side + (rows - 1) * 3], "tiled", ""

        return grid

    def vector(self):  # noqa: ANN201
        line_chart = self.rng.random() < 0.5
        n = self.rng.randint(4, 9)
        values = [self.rng.uniform(0.1, 1.0) for _ in range(n)]

        def draw(page: pymupdf.Page, rect: pymupdf.Rect):  # noqa: ANN202
            boxes = []
            w = min(rect.width, 1.6 * rect.height)
            ox, oy = rect.x0 + 24, rect.y0 + rect.height - 22
            top = rect.y0 + 6
            right = rect.x0 + w - 4
            page.draw_line((ox, oy), (right, oy), width=0.8)
            page.draw_line((ox, oy), (ox, top), width=0.8)
            boxes.append([ox, top, right, oy])
            step = (right - ox - 10) / n
            points = []
            for i, v in enumerate(values):
                x = ox + 8 + i * step
                y = oy - v * (oy - top - 4)
                if line_chart:
                    points.append((x + step / 3, y))
                    page.draw_circle((x + step / 3, y), 1.8, color=(0.8, 0.1, 0.1), fill=(0.8, 0.1, 0.1))
                else:
                    page.draw_rect(pymupdf.Rect(x, y, x + step * 0.6, oy), color=None, fill=(0.2, 0.4, 0.7))
                tick = str(2016 + i)
                page.insert_text((x, oy + 9), tick, fontname="helv", fontsize=6)
                boxes.append(text_box(x, oy + 9, tick, "helv", 6))
            if line_chart:
                page.draw_polyline(points, color=(0.8, 0.1, 0.1), width=1)
            for j in range(5):
                label = f"{j * 25}"
                y = oy - j / 4 * (oy - top - 4)
                page.insert_text((ox - 16, y + 2), label, fontname="helv", fontsize=6)
                boxes.append(text_box(ox - 16, y + 2, label, "helv", 6))
            title = "Number of cases"
            page.insert_text((ox + (right - ox) / 2 - 25, oy + 19), title, fontname="helv", fontsize=7)
            boxes.append(text_box(ox + (right - ox) / 2 - 25, oy + 19, title, "helv", 7))
            return union_box(boxes), "vector", ""

        return draw

    def mixed(self):  # noqa: ANN201
        k = self.rng.randint(2, 3)

        def draw(page: pymupdf.Page, rect: pymupdf.Rect):  # noqa: ANN202
            boxes = []
            side = min((rect.width - (k - 1) * 8) / k, rect.height - 14)
            for i in range(k):
                x, y = rect.x0 + i * (side + 8), rect.y0 + 12
                r = pymupdf.Rect(x, y, x + side, y + side)
                page.insert_image(r, stream=pics.encode(pics.ct_slice(self.nprng, 256), ".png"))
                letter = "ABC"[i]
                page.insert_text((x, y - 3), letter, fontname="hebo", fontsize=10)
                boxes += [[r.x0, r.y0, r.x1, r.y1], text_box(x, y - 3, letter, "hebo", 10)]
                ax, ay = x + side * 0.7, y + side * 0.3
                page.draw_line((ax + 14, ay - 14), (ax, ay), color=(1, 0.9, 0), width=1.5)
                page.draw_polyline([(ax + 5, ay - 1), (ax, ay), (ax + 1, ay - 5)], color=(1, 0.9, 0), width=1.5)
            return union_box(boxes), "mixed", ""

        return draw
