"""Layouts first met on the PDFs that were the holdout until session 11, each rebuilt as a small
generated PDF: a scan stored as bands of one picture, a bare "Figure 1" on a scan, an OCR layer
that gives each word a line of its own, a legend row drawn as outlined text under a chart,
an unnumbered "Figure Supplementary." caption, a diagram's node that names "Table 2.2", caption lines
whose boxes a symbol glyph deepens, a formula glyph set as a line of its own, an OCR layer's wandering sizes."""

from __future__ import annotations

from pathlib import Path

import pymupdf
from pdf_drawing import SCAN_BODY, SCAN_CHART, bar_chart, printed_page

from figscrape.extract.captions import find_captions, parse_caption_start
from figscrape.extract.document import extract_figures
from figscrape.extract.figures import find_figures_and_tables
from figscrape.extract.layout import (
    PageLayout,
    PlacedImage,
    Span,
    TextLine,
    _core,
    mark_furniture,
    page_scan,
    read_page,
)
from figscrape.extract.proposals import _running_rows
from figscrape.geometry import iou

SCAN_DPI = 150


def _scan(path: Path, caption: str, bands: int = 1) -> Path:
    """Three scanned pages with an OCR layer, the chart on the middle one; each page image placed
    as `bands` strips one under the other, as some scanning tools store a page."""
    doc = pymupdf.open()
    for index in range(3):
        printed = pymupdf.open()
        text = printed_page(printed.new_page(width=595, height=842), caption if index == 1 else None, caption_x=260)
        page = doc.new_page(width=595, height=842)
        step = 842 / bands
        for k in range(bands):
            clip = pymupdf.Rect(0, k * step, 595, (k + 1) * step)
            page.insert_image(clip, pixmap=printed[0].get_pixmap(dpi=SCAN_DPI, colorspace=pymupdf.csGRAY, clip=clip), keep_proportion=False)
        for pos, line, size in text:
            page.insert_text(pos, line, fontsize=size, render_mode=3)
    doc.save(path)
    return path


def test_a_scan_stored_as_bands_is_one_scan_and_its_chart_is_cut_from_it(tmp_path: Path) -> None:
    path = _scan(tmp_path / "bands.pdf", "Fig. 1. Yield of the test plots.", bands=12)
    pages = [read_page(p) for p in pymupdf.open(path)]
    mark_furniture(pages)
    scans = [page_scan(p) for p in pages]
    assert all(s is not None and s.strips == 12 and iou(s.bbox, p.rect) > 0.99 for s, p in zip(scans, pages))  # bands placed alike on every page are no furniture
    figures = extract_figures(path).figures
    assert [(f.page, f.number, f.caption, f.kind) for f in figures] == [(2, "1", "Fig. 1. Yield of the test plots.", "raster")]
    assert iou(figures[0].bbox, SCAN_CHART) > 0.8
    assert abs(figures[0].image.width / ((figures[0].bbox[2] - figures[0].bbox[0]) * SCAN_DPI / 72) - 1) < 0.02  # at the scan's resolution


def test_a_bare_figure_label_on_a_scan_is_the_caption_of_the_figure_it_names(tmp_path: Path) -> None:
    figures = extract_figures(_scan(tmp_path / "label.pdf", "Figure 1")).figures
    assert [(f.page, f.number, f.caption) for f in figures] == [(2, "1", "Figure 1")]  # no legend elsewhere: the label is all the caption there is


def _word(x: float, y: float, text: str, size: float = 10.0) -> TextLine:
    return TextLine((x, y, x + 5.5 * len(text), y + size * 1.2), text, (Span(text, "Times-Roman", size, False, False),), True)


def test_ocr_words_make_rows_of_running_text_and_a_paragraph_ends_in_one() -> None:
    words, x = [], 72.0
    for text in ["equality", "between", "processing", "times", "on", "machine"]:
        words.append(_word(x, 100, text))
        x = words[-1].bbox[2] + 6
    tail = [_word(72, 113, "the"), _word(96, 113, "route.")]  # a paragraph's last line, flush left under a full one
    header = [_word(200, 40, "European Journal of Operational Research 109", 7.0)]
    label = [_word(200, 300, "1950", 8.0)]  # a chart's year, alone on its row
    rows = _running_rows(words + tail + header + label, body_size=10.0)
    assert sorted(rows) == sorted([(72, 100, words[-1].bbox[2], 112), (72, 113, tail[1].bbox[2], 125), header[0].bbox])


def test_a_legend_row_drawn_as_outlined_text_between_a_chart_and_its_caption_is_part_of_the_figure(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    for y in range(80, 280, 14):
        page.insert_text((72, y), SCAN_BODY, fontsize=9)
    bar_chart(page, (150, 300, 450, 450))
    for row in (460, 474):  # a legend and "(a) the direction of flow ...": glyphs as filled paths, rows 6 pt tall 8 pt apart
        for k in range(40):
            page.draw_rect((160 + 7 * k, row, 165 + 7 * k, row + 6), color=None, fill=(0, 0, 0))
    page.insert_text((220, 505), "Fig. 5. A simple heating network with a loop.", fontsize=9)
    for y in range(520, 700, 14):
        page.insert_text((72, y), SCAN_BODY, fontsize=9)
    path = tmp_path / "legend_row.pdf"
    doc.save(path)
    figures = extract_figures(path).figures
    assert [f.number for f in figures] == ["5"]
    assert iou(figures[0].bbox, (150, 300, 450, 480)) > 0.95, figures[0].bbox


def _label_line(*parts: tuple[str, bool]) -> TextLine:
    spans = tuple(Span(text, "Helvetica-Bold" if bold else "Helvetica", 11.0, bold, False) for text, bold in parts)
    return TextLine((72, 375, 514, 387), "".join(p[0] for p in parts), spans, True)


def test_a_bold_label_without_a_number_starts_an_unnumbered_caption() -> None:
    start = parse_caption_start(_label_line(("Figure Supplementary.", True), (" Timeline of Omicron genome submissions", False)))
    assert start is not None and (start.kind, start.number, start.label_only) == ("figure", "", False)
    assert parse_caption_start(_label_line(("Figure Supplementary. Timeline of Omicron", False))) is None  # no label set apart
    assert parse_caption_start(_label_line(("Figure legends.", True))) is None  # a heading, no text after it
    assert parse_caption_start(_label_line(("Figure.", True), (" The figure shows", False))) is not None


def test_a_table_named_in_a_node_of_a_diagram_is_no_caption_and_the_figure_keeps_its_diagram(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    for y in range(80, 250, 14):
        page.insert_text((72, y), SCAN_BODY, fontsize=9)
    nodes = [(150, 280, 250, 310), (350, 280, 450, 310), (150, 380, 250, 410), (350, 380, 450, 410)]
    for k, (x0, y0, x1, y1) in enumerate(nodes):
        page.draw_rect((x0, y0, x1, y1), color=(0, 0, 0), fill=(0.9, 0.9, 0.9))
        page.insert_text((x0 + 8, y0 + 12), ["Schedule:", "Data:", "Features:", "Policy:"][k], fontsize=8)
        page.insert_text((x0 + 8, y0 + 24), ["Chapter 2", "Section 2.6", "Table 2.2", "Eq. (2.12)"][k], fontsize=8)  # the bottom row, next to the caption
    page.draw_line((250, 295), (350, 295), color=(0, 0, 0))
    page.draw_line((200, 310), (200, 380), color=(0, 0, 0))
    page.draw_line((400, 310), (400, 380), color=(0, 0, 0))
    page.insert_text((150, 435), "Figure 1.3: Class diagram for the implementation", fontsize=10)
    for y in range(470, 700, 14):
        page.insert_text((72, y), SCAN_BODY, fontsize=9)
    path = tmp_path / "diagram.pdf"
    doc.save(path)
    pages = [read_page(p) for p in pymupdf.open(path)]
    mark_furniture(pages)
    figures, tables = find_figures_and_tables(pages)  # the structure analysis alone: no detector to mend it
    assert [f.number for f in figures] == ["1.3"] and tables == []
    assert iou(figures[0].bbox, (150, 280, 450, 410)) > 0.9, figures[0].bbox


def _text(bbox: tuple[float, float, float, float], text: str, size: float = 12.0, core: tuple[float, float] | None = None) -> TextLine:
    return TextLine(bbox, text, (Span(text, "CMR12", size, False, False),), True, core=core)


def test_a_line_is_measured_by_its_text_not_by_a_symbol_glyph_whose_font_gives_it_a_deep_box() -> None:
    spans = [
        {"size": 11.96, "bbox": (72, 303.1, 325, 315.0), "text": "Figure 1: A and B show mean pairwise diversity"},
        {"size": 11.96, "bbox": (343.9, 303.2, 353.2, 323.9), "text": "±"},  # CMSY10's descent of 0.96 em
        {"size": 11.96, "bbox": (353.2, 303.1, 523, 315.0), "text": " one standard deviation, while C"},
    ]
    assert _core(spans) == (303.1, 315.0)
    assert _core(spans[:1] + spans[2:]) is None  # a plain line keeps its bbox
    lines = [
        _text((72, 303.1, 523, 323.9), "Figure 1: A and B show mean pairwise diversity ± one standard deviation, while C", core=(303.1, 315.0)),
        _text((72, 317.5, 523, 329.5), "and D depict Tajima's D in 1kb windows from genic and nongenic regions of maize"),
        _text((72, 332.0, 137, 343.9), "and teosinte."),
    ]
    page = PageLayout(1, (0, 0, 595, 842), lines, [], [])
    (caption,) = find_captions(page)
    assert caption.lines == lines  # the second line starts inside the first one's bbox, under its text


def test_a_formula_glyph_set_as_a_line_of_its_own_a_point_above_its_row_does_not_end_the_caption() -> None:
    lines = [
        _text((36, 558, 556, 570), "Figure 5: Wiberg bond orders are anticorrelated with QC torsion scans. [I] Same as A", 9.3),
        TextLine((285.6, 569.2, 290.3, 578.6), "∘", (Span("∘", "Type3 (63 0 R)", 9.4, False, False),), True),
        _text((36, 570, 549, 582), "environments. While the gold scan is symmetric around 0 , the red and blue scan", 9.3),
        _text((36, 582, 553, 594), "the red scan has a higher barrier on one side. [K] Same as C but for amino.", 9.3),
    ]
    (caption,) = find_captions(PageLayout(1, (0, 0, 595, 842), lines, [], []))
    assert caption.text.endswith("[K] Same as C but for amino.")


def test_on_a_scan_the_ocr_layer_sizes_of_one_caption_may_wander() -> None:
    scan = PlacedImage((0, 0, 612, 792), 7, 2550, 3300, True, (0, 0, 612, 792))
    lines = [
        _text((125.7, 654.4, 178.1, 669.1), "Figure 1.", 11.7),
        _text((191.8, 654.4, 516.1, 669.1), "Schematic diagram of the basic model for the algorithm", 11.4),
        _text((191.8, 666.4, 485.3, 681.1), "selection problem. The objective is to determine", 12.2),
        _text((191.8, 678.3, 465.8, 693.7), "S(x) so as to have high algorithm performance.", 11.3),
    ]
    (caption,) = find_captions(PageLayout(1, (0, 0, 612, 792), lines, [scan], []))
    assert caption.text.endswith("high algorithm performance.")
    (printed,) = find_captions(PageLayout(1, (0, 0, 612, 792), lines, [], []))  # printed text in another size is another paragraph
    assert printed.text.endswith("for the algorithm")
