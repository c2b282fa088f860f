"""Extraction on generated preprints of every layout, and the pixels of each image encoding."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import numpy as np
import pymupdf
import pytest
from conftest import write_pdf
from pdf_drawing import bar_chart

from figscrape.extract.document import ExtractedFigure, extract_figures
from figscrape.extract.letters import panel_letter
from figscrape.geometry import iou
from figscrape.runtime.imaging import decode
from figscrape.synthetic.encodings import ENCODINGS
from figscrape.synthetic.papers import (
    STYLES,
    FigureMaker,
    Layout,
    SyntheticPaper,
    make_paper,
)


def similar(a: str, b: str) -> float:
    norm = lambda s: re.sub(r"\s+", " ", s).strip().lower()  # noqa: E731
    return difflib.SequenceMatcher(None, norm(a), norm(b), autojunk=False).ratio()


@pytest.mark.parametrize("style_index", range(len(STYLES)), ids=[s.name for s in STYLES])
def test_every_figure_of_every_layout_is_found_with_its_caption(tmp_path: Path, papers: list[SyntheticPaper], style_index: int) -> None:
    paper = papers[style_index]
    doc = extract_figures(write_pdf(tmp_path, paper))
    assert doc.pages == paper.pages
    assert len(doc.figures) == len(paper.figures), [(f.page, f.number) for f in doc.figures]
    for truth in paper.figures:
        match = max(doc.figures, key=lambda f: iou(tuple(truth.bbox), f.bbox) if f.page == truth.page else 0)
        assert match.page == truth.page and iou(tuple(truth.bbox), match.bbox) >= 0.7, (truth, match.bbox)
        assert match.number == truth.number
        assert match.kind == truth.kind
        assert similar(match.caption, truth.caption) >= 0.9, (truth.caption, match.caption)


def test_tables_equations_logos_and_icons_are_not_figures(tmp_path: Path) -> None:
    paper = make_paper(7, STYLES[0], figures=0)  # headers, stamp, logo, icon, equation, no figure
    assert extract_figures(write_pdf(tmp_path, paper)).figures == []


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_one_image_figures_keep_their_pixels(tmp_path: Path, encoding: str) -> None:
    import random

    style = STYLES[1]
    layout = Layout(style, random.Random(1), np.random.default_rng(1))
    maker = FigureMaker(random.Random(1), np.random.default_rng(1))
    layout.paragraph()
    truth = layout.place_figure("1", "Axial chest CT slice.", maker.raster("1", encoding), span=False, height=200)
    path = tmp_path / f"{encoding}.pdf"
    path.write_bytes(layout.doc.tobytes())
    (fig,) = extract_figures(path).figures
    assert fig.kind == "raster" and fig.page == truth.page
    got = decode(fig.image.data)
    want = maker.originals["1"]
    if encoding.startswith("jpeg"):
        assert fig.image.ext == "jpg"  # the stored JPEG, not a re-encoding
        assert fig.image.data == layout.doc.extract_image(fig.xrefs[0])["image"]
        return
    assert fig.image.ext == "png"
    if encoding == "cmyk":  # correct RGB is what a reader shows: MuPDF's colour-managed rendering of the page
        import pymupdf

        page = pymupdf.open(path)[fig.page - 1]
        zoom = fig.image.width / (fig.bbox[2] - fig.bbox[0])
        pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), clip=pymupdf.Rect(fig.bbox), alpha=False)
        want = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, 3)[:, :, ::-1]
        h, w = min(want.shape[0], got.shape[0]), min(want.shape[1], got.shape[1])
        got, want = got[:h, :w], want[:h, :w]
    if encoding == "smask":
        alpha = got[:, :, 3:4].astype(np.float64) / 255
        got = (got[:, :, :3] * alpha + 255 * (1 - alpha)).round().astype(np.uint8)
    assert got.dtype == want.dtype and got.shape == want.shape
    tolerance = 6 if encoding == "cmyk" else 0  # the rendering resamples once
    assert np.abs(got.astype(np.int32) - want.astype(np.int32)).mean() <= tolerance


def test_rotated_pages_give_the_same_boxes_and_upright_images(tmp_path: Path) -> None:
    import pymupdf

    paper = make_paper(201, STYLES[1], figures=2)
    doc = pymupdf.open(stream=paper.pdf)
    for page in doc:
        page.set_rotation(90)
    path = tmp_path / "rotated.pdf"
    doc.save(path)
    figures = extract_figures(path).figures
    assert len(figures) == len(paper.figures)
    for fig, truth in zip(figures, paper.figures):
        assert fig.page == truth.page and iou(fig.bbox, tuple(truth.bbox)) >= 0.7
        w_pt, h_pt = fig.bbox[2] - fig.bbox[0], fig.bbox[3] - fig.bbox[1]
        assert (fig.image.width > fig.image.height) == (h_pt > w_pt)  # turned a quarter, as a reader sees it


def _running_text(page: pymupdf.Page, top: float, bottom: float) -> None:
    for y in range(round(top), round(bottom), 14):
        page.insert_text((72, y), "Running text of the paper that goes on for a while across the page width here.", fontsize=10)


def _noise_png(rng: np.random.Generator) -> bytes:
    """A 240 x 300 picture of colour noise, as PNG: a graphic that is no text."""
    art = rng.integers(0, 255, (300, 240, 3), dtype=np.uint8)
    return pymupdf.Pixmap(pymupdf.csRGB, 240, 300, art.tobytes(), False).tobytes("png")


@pytest.mark.parametrize("cover", [False, True], ids=["", "after-a-picture-cover"])
def test_figure_pages_without_a_label_take_the_unused_legends_in_order(tmp_path: Path, cover: bool) -> None:
    """And only on pages after their legends (or just before one): a cover page of pictures takes none."""
    import pymupdf

    style = next(s for s in STYLES if s.legends_section)
    paper = make_paper(42, style, figures=3)
    doc = pymupdf.open(stream=paper.pdf)
    for truth in paper.figures:  # take the "Figure N." off each figure page
        page = doc[truth.page - 1]
        for hit in page.search_for(style.label_format.format(n=truth.number)):
            page.add_redact_annot(hit)
        page.apply_redactions(images=pymupdf.PDF_REDACT_IMAGE_NONE)
    if cover:
        front = doc.new_page(0, width=doc[0].rect.width, height=doc[0].rect.height)
        png = _noise_png(np.random.default_rng(1))
        w, h = front.rect.width, front.rect.height
        front.insert_image(pymupdf.Rect(0, 0, w, 0.35 * h), stream=png, keep_proportion=False)  # a banner over the title
        front.insert_image(pymupdf.Rect(0, 0.65 * h, w, h), stream=png, keep_proportion=False)  # and one under it
    path = tmp_path / "unlabelled.pdf"
    doc.save(path)
    found = extract_figures(path).figures
    assert [(f.page, f.number) for f in found] == [(t.page + cover, t.number) for t in paper.figures]
    for f, t in zip(found, paper.figures):
        assert iou(f.bbox, tuple(t.bbox)) >= 0.7 and similar(f.caption, t.caption) >= 0.9


def test_figure_pages_each_followed_by_its_legend_take_them(tmp_path: Path) -> None:
    """A supplement that prints each figure on a page of its own and its legend on the next page."""
    doc = pymupdf.open()
    _running_text(doc.new_page(), 80, 700)
    rng = np.random.default_rng(2)
    for n in (1, 2):
        doc.new_page().insert_image(pymupdf.Rect(72, 72, 540, 600), stream=_noise_png(rng), keep_proportion=False)
        legend = doc.new_page()
        legend.insert_text((72, 80), f"Fig. S{n}. Panels of the supplementary experiment number {n}, as described.", fontsize=10)
        legend.insert_text((72, 94), "Values are means of three replicates; bars show the standard deviation.", fontsize=10)
    path = tmp_path / "supplement.pdf"
    doc.save(path)
    assert [(f.page, f.number) for f in extract_figures(path).figures] == [(2, "S1"), (4, "S2")]


def test_a_caption_set_beside_its_figure_claims_it(tmp_path: Path) -> None:
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    _running_text(page, 80, 200)
    rng = np.random.default_rng(0)
    import cv2

    from figscrape.synthetic import images as pics

    page.insert_image(pymupdf.Rect(72, 230, 372, 530), stream=cv2.imencode(".png", pics.ct_slice(rng, 300))[1].tobytes())
    for i, text in enumerate(["Figure 1. Axial chest CT", "of a patient with bilateral", "ground-glass opacities."]):
        page.insert_text((390, 360 + 12 * i), text, fontsize=9)
    path = tmp_path / "side.pdf"
    doc.save(path)
    (fig,) = extract_figures(path).figures
    assert fig.number == "1" and fig.caption.startswith("Figure 1. Axial chest CT")
    assert iou(fig.bbox, (72, 230, 372, 530)) >= 0.9


def test_panel_letters_are_stored_as_the_letter_they_stand_for() -> None:
    """Extraction decides which text spans are panel letters; the splitter only places them."""
    assert [panel_letter(t) for t in ("(a)", "B", "c.", "B. Reported cases", "Fig", "12", "word")] == ["a", "B", "c", "B", None, None, None]


def _only_figure(doc: pymupdf.Document, path: Path) -> ExtractedFigure:
    """Save the document and extract it: the one figure it has."""
    doc.save(path)
    (figure,) = extract_figures(path).figures
    return figure


def test_a_stack_of_charts_stays_with_its_own_caption_below_not_the_caption_above(tmp_path: Path) -> None:
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    bar_chart(page, (72, 72, 540, 200))
    page.insert_text((72, 215), "Figure 1. A chart on its own, captioned below it.", fontsize=9)
    rows = [(72, 250 + k * 60, 540, 295 + k * 60) for k in range(4)]  # 15 pt between rows
    for row in rows:
        bar_chart(page, row)
    page.insert_text((72, rows[-1][3] + 30), "Figure 2. Four rows of charts, one figure.", fontsize=9)
    path = tmp_path / "stack.pdf"
    doc.save(path)
    figures = {f.number: f for f in extract_figures(path).figures}
    assert iou((72, 250, 540, rows[-1][3]), figures["2"].bbox) > 0.9, figures["2"].bbox
    assert iou((72, 72, 540, 200), figures["1"].bbox) > 0.9, figures["1"].bbox


def test_a_column_wide_caption_does_not_take_a_box_of_the_next_column(tmp_path: Path) -> None:
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    bar_chart(page, (60, 80, 290, 260))
    page.draw_rect((295, 200, 552, 236), color=None, fill=(0.9, 0.9, 0.9))  # a keywords box in the next column
    page.insert_text((300, 220), "Keywords: charts, columns", fontsize=9)
    page.insert_text((60, 275), "Figure 3. A chart in the left column, with a caption", fontsize=9)
    page.insert_text((60, 286), "set to the column's measure over two lines.", fontsize=9)
    figure = _only_figure(doc, tmp_path / "columns.pdf")
    assert figure.bbox[2] < 300 and iou((60, 80, 290, 260), figure.bbox) > 0.9, figure.bbox


def test_a_picture_padded_with_white_is_boxed_to_what_shows_and_keeps_its_pixels(tmp_path: Path) -> None:
    import pymupdf

    pixels = np.full((200, 300, 3), 255, dtype=np.uint8)
    pixels[50:150, 60:240] = np.random.default_rng(1).integers(0, 200, (100, 180, 3), dtype=np.uint8)  # the picture, in white padding
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    for k in range(6):
        page.insert_text((72, 80 + 14 * k), "The running text of the paper goes on in full lines across the column, as body text does.", fontsize=9)
    page.insert_image(pymupdf.Rect(100, 200, 400, 400), pixmap=pymupdf.Pixmap(pymupdf.csRGB, 300, 200, pixels.tobytes(), False))
    page.insert_text((185, 265), "A", fontsize=10)  # a panel letter on the picture
    page.insert_text((100, 420), "Figure 1. A picture set in white padding.", fontsize=9)
    path = tmp_path / "padded.pdf"
    doc.save(path)
    (fig,) = extract_figures(path).figures
    assert iou(fig.bbox, (160, 250, 340, 350)) > 0.9
    assert (fig.image.width, fig.image.height) == (300, 200)  # the stored image as embedded, padding and all
    (letter,) = fig.letters
    x0, y0, _, _ = letter[1]  # mapped by where the image is placed, not by the trimmed box
    assert 80 <= x0 <= 90 and 50 <= y0 <= 60, letter


RUNNING = "Running text of the block, set in the body's type and long enough to be a paragraph line."


def test_a_block_edged_with_rules_around_running_text_is_layout_not_a_figure(tmp_path: Path) -> None:
    """A poster's block: a rule down its right edge and a strip under it, running text inside and
    a chart among the text. The figure is the chart, not the block its edges span."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    for k in range(6):
        page.insert_text((60, 90 + 14 * k), RUNNING, fontsize=10)
    bar_chart(page, (150, 190, 400, 330))
    page.insert_text((60, 350), "Figure 1. A chart inside a poster's block.", fontsize=10)
    for k in range(4):
        page.insert_text((60, 380 + 14 * k), RUNNING, fontsize=10)
    page.draw_line((548, 72), (548, 440), color=(0.3, 0.3, 0.3), width=1.5)  # the block's right edge
    page.draw_rect((60, 440, 550, 444), color=None, fill=(0.5, 0.5, 0.5))  # its shadow below
    figure = _only_figure(doc, tmp_path / "poster.pdf")
    assert iou((150, 190, 400, 330), figure.bbox) > 0.8, figure.bbox


def test_panel_legends_a_line_below_their_panels_stay_in_the_figure(tmp_path: Path) -> None:
    """Sub-figures with "(a) ..." legends in the body's type a line under each: one figure whose box
    holds the legends, found by its caption although legends stand between it and the panels."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    for k in range(3):
        page.insert_text((60, 90 + 14 * k), RUNNING, fontsize=10)
    bar_chart(page, (80, 150, 295, 280))
    bar_chart(page, (315, 150, 530, 280))
    page.insert_text((80, 300), "(a) The first configuration of the network.", fontsize=10)
    page.insert_text((315, 300), "(b) The network after a local operation.", fontsize=10)
    page.insert_text((80, 312), "the second line of the first legend", fontsize=10)
    page.insert_text((60, 345), "Figure 2. Two panels, each with its own legend below it.", fontsize=10)
    figure = _only_figure(doc, tmp_path / "legends.pdf")
    assert figure.number == "2" and iou((80, 150, 530, 314), figure.bbox) > 0.85, figure.bbox


def test_pieces_stacked_within_the_caption_measure_are_one_figure_across_a_wider_gap(tmp_path: Path) -> None:
    """Three rows of charts with 32 pt between rows, all inside the caption's measure and nothing
    between them: one figure, not only the row next to the caption."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    rows = [(150, 80 + k * 112, 380, 160 + k * 112) for k in range(3)]
    for row in rows:
        bar_chart(page, row)
    page.insert_text((72, rows[-1][3] + 20), "Figure 2. Three rows of sequence logos, far apart, set in one figure.", fontsize=9)
    page.insert_text((72, rows[-1][3] + 31), "The caption runs the full measure of the text column, wider than the rows.", fontsize=9)
    figure = _only_figure(doc, tmp_path / "pieces.pdf")
    assert iou((150, 80, 380, rows[-1][3]), figure.bbox) > 0.9, figure.bbox


def test_a_caption_set_in_the_empty_cell_of_a_grid_of_charts_takes_the_whole_grid(tmp_path: Path) -> None:
    """Five charts in a 2 x 3 grid, the caption at the foot of the sixth cell: the figure is the grid."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    cells = [(60 + c * 255, 60 + r * 170, 300 + c * 255, 215 + r * 170) for r in range(3) for c in range(2)][:5]
    for cell in cells:
        bar_chart(page, cell)
    for k, text in enumerate(["Fig. 4. Five charts in a grid, the legend set", "in the empty sixth cell of the grid, beside", "the last chart and under the one above it."]):
        page.insert_text((315, 525 + 11 * k), text, fontsize=9)
    figure = _only_figure(doc, tmp_path / "grid.pdf")
    assert iou((60, 60, 555, 555), figure.bbox) > 0.9, figure.bbox


def test_a_rounded_frame_around_a_figure_and_its_caption_belongs_to_neither(tmp_path: Path) -> None:
    """A journal's box around figure and legend, drawn as four sides and four small corner arcs:
    the figure is the picture inside, not the frame's upper part."""
    import pymupdf

    pixels = np.random.default_rng(2).integers(0, 200, (120, 200, 3), dtype=np.uint8)
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_image(pymupdf.Rect(190, 100, 400, 226), pixmap=pymupdf.Pixmap(pymupdf.csRGB, 200, 120, pixels.tobytes(), False))
    page.insert_text((125, 245), "Figure 7 Closeness and betweenness centralities of a small graph.", fontsize=8)
    page.insert_text((125, 256), "The legend runs on in the frame under the picture, as this journal sets it.", fontsize=8)
    x0, y0, x1, y1, r = 118, 90, 478, 266, 4
    for a, b in [((x0 + r, y0), (x1 - r, y0)), ((x0 + r, y1), (x1 - r, y1)), ((x0, y0 + r), (x0, y1 - r)), ((x1, y0 + r), (x1, y1 - r))]:
        page.draw_line(a, b, color=(0.5, 0.5, 0.5), width=0.5)
    for (ax, ay), (bx, by) in [((x0, y0 + r), (x0 + r, y0)), ((x1 - r, y0), (x1, y0 + r)), ((x0, y1 - r), (x0 + r, y1)), ((x1 - r, y1), (x1, y1 - r))]:
        page.draw_bezier((ax, ay), (ax, by), (ax, by), (bx, by), color=(0.5, 0.5, 0.5), width=0.5)  # a corner arc, 4 x 4 pt
    for k in range(8):
        page.insert_text((118, 300 + 14 * k), RUNNING, fontsize=10)
    figure = _only_figure(doc, tmp_path / "framed.pdf")
    assert iou((190, 100, 400, 226), figure.bbox) > 0.9, figure.bbox
