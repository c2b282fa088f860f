"""Synthetic preprints with known figures, for tests, the extraction benchmark and the demo.

Each paper is laid out like a real one of some kind (two-column journal style, single-column
preprint, double-spaced author manuscript with line numbers, manuscript with a "Figure legends"
section and figures at the end), with the things that are not figures (running headers, a
server stamp and logo on every page, tiny icons, tables, equations) and the figures in every form
(one raster image in several encodings, tiles, vector charts, images with vector labels). The
truth of every figure (page, box, number, caption, kind) is recorded as it is drawn."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable

import cv2
import numpy as np
import pymupdf

from figscrape.synthetic import images as pics
from figscrape.synthetic.encodings import ENCODINGS
from figscrape.synthetic.figure_maker import FigureMaker, text_box

PAGE_W, PAGE_H = 612.0, 792.0
WORDS = (
    "patients chest computed tomography scans showed bilateral ground glass opacities consolidation "
    "peripheral distribution lower lobes viral pneumonia cohort clinical features laboratory results "
    "infection severe cases follow imaging findings lesions model training validation accuracy data "
    "hospital admission symptoms fever cough respiratory distribution analysis significant increase "
    "compared baseline reported observed associated response treatment outcome"
).split()


@dataclass
class TruthFigure:
    page: int
    bbox: list[float]
    number: str
    caption: str
    kind: str
    encoding: str = ""  # for one-image figures: how the image is stored in the PDF


@dataclass
class SyntheticPaper:
    name: str
    style: str
    pages: int
    figures: list[TruthFigure]
    pdf: bytes = field(repr=False)
    originals: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # figure number -> pixels as drawn



@dataclass(frozen=True)
class Style:
    name: str
    columns: int
    body_font: str
    body_size: float
    leading: float  # line pitch as a multiple of the size
    caption_font: str
    caption_label_font: str
    caption_size: float
    label_format: str  # e.g. "Figure {n}." / "Fig. {n}:" / "FIGURE {n} |"
    caption_above: bool = False
    line_numbers: bool = False
    legends_section: bool = False  # captions gathered before the figures, figure pages say only "Figure N"
    space_after_caption: float = 10.0  # points between a caption and the text after it


STYLES = (
    Style("journal-2col", 2, "tiro", 9.5, 1.2, "helv", "hebo", 8.0, "Figure {n}."),
    Style("preprint-1col", 1, "tiro", 10.5, 1.25, "tibo", "tibo", 9.5, "Fig. {n}."),
    Style("frontiers-2col", 2, "tiro", 9.5, 1.2, "helv", "hebo", 8.0, "FIGURE {n} |"),
    Style("manuscript", 1, "helv", 11.0, 2.0, "heit", "hebo", 9.0, "Figure {n}:", line_numbers=True),
    Style("manuscript-legends", 1, "helv", 11.0, 2.0, "helv", "hebo", 11.0, "Figure {n}.", line_numbers=True, legends_section=True),
    Style("captions-above", 1, "tiro", 10.5, 1.25, "helv", "hebo", 9.0, "Figure {n}.", caption_above=True),
    Style("body-font-captions", 1, "tiro", 10.0, 1.2, "tiro", "tibo", 10.0, "Figure {n}:", space_after_caption=6.0),
    Style("plain-labels", 2, "tiro", 9.5, 1.2, "helv", "helv", 8.0, "Fig {n}"),  # no punctuation, no bold: "Fig 1 Chest CT"
)


def _sentence(rng: random.Random, words: int | None = None) -> str:
    n = words or rng.randint(8, 18)
    text = " ".join(rng.choice(WORDS) for _ in range(n))
    return text[0].upper() + text[1:] + "."


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and pymupdf.get_text_length(trial, fontname=font, fontsize=size) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    return lines + ([current] if current else [])


class Layout:
    """Flows text, figures and tables down the columns of successive pages."""

    margin_x, top, bottom = 64.0, 72.0, 730.0
    gutter = 18.0

    def __init__(self, style: Style, rng: random.Random, nprng: np.random.Generator, doi: str = "10.1101/2020.01.01.00000000") -> None:
        self.style, self.rng, self.nprng, self.doi = style, rng, nprng, doi
        self.doc = pymupdf.open()
        self.logo_xref = 0
        self.column = 0
        self.y = self.top
        self.page_top = self.top  # below a figure that spans both columns
        self.spanning = False
        self.page: pymupdf.Page | None = None
        self.numbered_lines = 0
        self.new_page()

    @property
    def col_width(self) -> float:
        full = PAGE_W - 2 * self.margin_x
        return full if self.style.columns == 1 or self.spanning else (full - self.gutter) / 2

    @property
    def x(self) -> float:
        return self.margin_x if self.spanning else self.margin_x + self.column * (self.col_width + self.gutter)

    def new_page(self) -> None:
        self.page = self.doc.new_page(width=PAGE_W, height=PAGE_H)
        self.column, self.y, self.page_top = 0, self.top, self.top
        n = self.doc.page_count
        page = self.page
        page.insert_text((64, 22), f"medRxiv preprint doi: https://doi.org/{self.doi}; this version posted March 3, 2020.", fontname="helv", fontsize=6.5)
        page.insert_text((64, 31), "It is made available under a CC-BY 4.0 International license.", fontname="helv", fontsize=6.5)
        rect = pymupdf.Rect(PAGE_W - 124, 12, PAGE_W - 64, 32)
        if self.logo_xref:
            page.insert_image(rect, xref=self.logo_xref)
        else:
            self.logo_xref = page.insert_image(rect, stream=pics.encode(pics.logo(), ".png"))
        page.insert_text((64, 50), "Synthetic et al. — Chest CT findings in a synthetic cohort", fontname="heit", fontsize=8)
        page.insert_text((PAGE_W / 2 - 4, 760), str(n), fontname="helv", fontsize=9)

    def next_column(self) -> None:
        if self.column + 1 < self.style.columns and not self.spanning:
            self.column += 1
            self.y = self.page_top
        else:
            self.new_page()

    def room(self) -> float:
        return self.bottom - self.y

    def ensure(self, height: float) -> None:
        if self.room() < height:
            self.next_column()

    def write_lines(self, lines: list[str], font: str, size: float, leading: float, label: tuple[str, str] | None = None) -> list[tuple[int, list[float]]]:
        """Write lines in the flow, breaking to the next column or page; returns (page, box) per line."""
        placed = []
        pitch = size * leading
        for i, line in enumerate(lines):
            if self.room() < pitch:
                self.next_column()
            baseline = self.y + size
            assert self.page is not None
            if i == 0 and label is not None and line.startswith(label[0]):
                self.page.insert_text((self.x, baseline), label[0], fontname=label[1], fontsize=size)
                offset = pymupdf.get_text_length(label[0], fontname=label[1], fontsize=size)
                self.page.insert_text((self.x + offset, baseline), line[len(label[0]) :], fontname=font, fontsize=size)
            else:
                self.page.insert_text((self.x, baseline), line, fontname=font, fontsize=size)
            if self.style.line_numbers and font == self.style.body_font:
                self.numbered_lines += 1
                self.page.insert_text((self.margin_x - 30, baseline), str(self.numbered_lines), fontname="helv", fontsize=8)
            placed.append((self.page.number + 1, text_box(self.x, baseline, line, font, size)))
            self.y += pitch
        return placed

    def paragraph(self, sentences: int | None = None) -> None:
        s = self.style
        text = " ".join(_sentence(self.rng) for _ in range(sentences or self.rng.randint(3, 7)))
        self.write_lines(_wrap(text, s.body_font, s.body_size, self.col_width), s.body_font, s.body_size, s.leading)
        self.y += s.body_size * 0.6

    def heading(self, text: str, icon: bool = False) -> None:
        self.ensure(40)
        self.y += 6
        assert self.page is not None
        if icon:  # a tiny decoration, not a figure
            self.page.insert_image(pymupdf.Rect(self.x, self.y + 2, self.x + 9, self.y + 11), stream=pics.encode(pics.ct_slice(self.nprng, 32), ".png"))
        self.page.insert_text((self.x + (12 if icon else 0), self.y + 11), text, fontname="hebo", fontsize=11)
        self.y += 20

    def equation(self) -> None:
        """A displayed equation: text with symbols, and now and then an equation set as a small image."""
        self.ensure(30)
        assert self.page is not None
        if self.rng.random() < 0.5:
            self.page.insert_text((self.x + 40, self.y + 12), "L(θ) = −Σ y log p(x; θ) + λ ||θ||²        (1)", fontname="tiro", fontsize=10)
        else:
            eq = np.full((36, 300), 255, np.uint8)
            cv2.putText(eq, "f(x) = sum_i w_i x_i + b", (4, 26), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 0, 2)
            self.page.insert_image(pymupdf.Rect(self.x + 30, self.y + 2, self.x + 180, self.y + 20), stream=pics.encode(eq, ".png"))
        self.y += 28

    def table(self, number: int) -> None:
        s = self.style
        rows, cols = self.rng.randint(3, 6), self.rng.randint(3, 5)
        height = 14 + rows * 13 + 10
        self.ensure(height + 30)
        caption = f"Table {number}. " + _sentence(self.rng, 8)
        self.write_lines(_wrap(caption, s.caption_font, s.caption_size, self.col_width), s.caption_font, s.caption_size, 1.2)
        assert self.page is not None
        x0, w, y0 = self.x, self.col_width, self.y + 2
        for r in range(rows + 1):
            self.page.draw_line((x0, y0 + r * 13), (x0 + w, y0 + r * 13), width=0.5 if r else 1)
        for r in range(rows):
            for c in range(cols):
                cell = "Age" if r == 0 and c == 0 else f"{self.rng.randint(1, 99)}.{self.rng.randint(0, 9)}"
                self.page.insert_text((x0 + 4 + c * w / cols, y0 + r * 13 + 10), cell, fontname="helv", fontsize=7)
        self.y = y0 + rows * 13 + 14

    # figures --------------------------------------------------------------------------------

    def caption_lines(self, number: str, text: str, width: float) -> tuple[list[str], str]:
        s = self.style
        label = s.label_format.format(n=number)
        full = f"{label} {text}"
        return _wrap(full, s.caption_font, s.caption_size, width), label

    def place_figure(self, number: str, caption_text: str, draw, span: bool, height: float, label_only: bool = False) -> TruthFigure:  # noqa: ANN001
        """Reserve room, draw the graphic with `draw(page, rect)` and write its caption."""
        s = self.style
        if span and s.columns == 2:
            if self.column != 0 or self.y > self.page_top:
                self.new_page()
            self.spanning = True
        lines, label = self.caption_lines(number, caption_text, self.col_width)
        if label_only:
            lines = [label]
        pitch = s.caption_size * 1.2
        breakable = s.columns == 1 and s.caption_font != s.body_font and not s.caption_above and not label_only
        self.ensure(height + 18 + pitch * (min(len(lines), 3) if breakable else len(lines)))
        label_font = (label, s.caption_label_font)
        if s.caption_above:
            self.write_lines(lines, s.caption_font, s.caption_size, 1.2, label_font)
            self.y += 4
        assert self.page is not None
        page_no = self.page.number + 1
        box, kind, encoding = draw(self.page, pymupdf.Rect(self.x, self.y, self.x + self.col_width, self.y + height))
        self.y = box[3] + 8
        if not s.caption_above:
            self.write_lines(lines, s.caption_font, s.caption_size, 1.2, label_font)
        self.y += s.space_after_caption
        if self.spanning:
            self.spanning = False
            self.page_top = self.y
        return TruthFigure(page_no, [round(v, 2) for v in box], number, " ".join(lines), kind, encoding)


def make_paper(seed: int, style: Style | None = None, figures: int | None = None,
               captions: Callable[[str, str], str] | None = None) -> SyntheticPaper:
    """One synthetic preprint; the same seed always gives the same paper. `captions(number, kind)`,
    when given, writes a figure's caption text (the demo's samples name patients there); an empty
    answer keeps the made-up one, and the rest of the paper is the same either way."""
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    style = style or STYLES[seed % len(STYLES)]
    layout = Layout(style, rng, nprng, doi=f"10.1101/2020.01.01.{seed:08d}")  # one stamp DOI per paper, as ingest keys by it
    maker = FigureMaker(rng, nprng)
    count = figures if figures is not None else rng.randint(2, 5)
    kinds = ["raster", "tiled", "vector", "mixed"]
    plan = []
    for i in range(count):
        number = str(i + 1)
        if i == count - 1 and count > 2 and rng.random() < 0.5:
            number = f"S{rng.randint(1, 3)}"
        kind = kinds[(seed + i) % 4]
        caption_text = " ".join(_sentence(rng) for _ in range(rng.choice((1, 2, 4, 9))))
        caption_text = (captions(number, kind) if captions else "") or caption_text
        plan.append((number, kind, caption_text))

    layout.heading("Introduction", icon=True)
    for _ in range(2):
        layout.paragraph()
    layout.equation()
    truths: list[TruthFigure] = []
    table_no = 1

    def figure_draw(number: str, kind: str):  # noqa: ANN202
        if kind == "raster":
            return maker.raster(number, ENCODINGS[(seed + int(number.strip("S"))) % len(ENCODINGS)]), 150 + rng.random() * 120
        if kind == "tiled":
            return maker.tiled(), 140 + rng.random() * 100
        if kind == "vector":
            return maker.vector(), 130 + rng.random() * 60
        return maker.mixed(), 120 + rng.random() * 40

    if style.legends_section:
        layout.heading("Methods and results")
        for _ in range(3):
            layout.paragraph()
        layout.table(table_no)
        layout.heading("Figure legends")
        for number, _kind, text in plan:
            label = style.label_format.format(n=number)
            lines = _wrap(f"{label} {text}", style.body_font, style.body_size, layout.col_width)
            layout.write_lines(lines, style.body_font, style.body_size, style.leading, (label, style.caption_label_font))
            layout.y += 6
        for number, kind, text in plan:
            layout.new_page()
            draw, height = figure_draw(number, kind)
            fig = layout.place_figure(number, text, draw, span=False, height=min(height * 1.6, 420), label_only=True)
            label = style.label_format.format(n=number)
            fig.caption = " ".join(_wrap(f"{label} {text}", style.body_font, style.body_size, layout.col_width))
            truths.append(fig)
    else:
        for number, kind, text in plan:
            layout.heading(f"Results {number}")
            layout.paragraph()
            if rng.random() < 0.3:
                layout.table(table_no)
                table_no += 1
            if style.line_numbers:  # author manuscripts: figures at the end, one per page
                continue
            draw, height = figure_draw(number, kind)
            span = style.columns == 2 and kind in ("tiled", "mixed") and rng.random() < 0.6
            truths.append(layout.place_figure(number, text, draw, span=span, height=height))
            layout.paragraph()
        layout.heading("Discussion")
        for _ in range(2):
            layout.paragraph()
        if style.line_numbers:
            for number, kind, text in plan:
                layout.new_page()
                draw, height = figure_draw(number, kind)
                truths.append(layout.place_figure(number, text, draw, span=False, height=min(height * 1.6, 420)))
    pdf = layout.doc.tobytes(garbage=3, deflate=True)
    return SyntheticPaper(f"synthetic-{style.name}-{seed:04d}", style.name, layout.doc.page_count, truths, pdf, maker.originals)


def make_corpus(count: int, seed: int = 0) -> list[SyntheticPaper]:
    """`count` papers cycling through every style, figure kind and image encoding."""
    return [make_paper(seed + i) for i in range(count)]
