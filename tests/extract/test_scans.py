"""Scanned pages, on scans made here: a page with a chart and its caption is rendered to an image,
that image is placed as the only thing on a PDF page, and an OCR-like text layer is written over it
invisibly (render mode 3) or left out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pymupdf
from pdf_drawing import SCAN_CHART, printed_page

from figscrape.extract.document import extract_figures
from figscrape.extract.layout import PlacedImage, mark_furniture, page_scan, read_page
from figscrape.extract.scans import (
    cut_at,
    extend_to_ink,
    scan_pixels,
    split_between,
    without_scans,
)
from figscrape.geometry import iou

CAPTION = "Fig. 1. Yield of the test plots over six seasons."
SCAN_DPI = 150


def _scan_pdf(tmp_path: Path, ocr: bool) -> Path:
    """Three scanned pages, the middle one with the chart."""
    doc = pymupdf.open()
    for index in range(3):
        printed = pymupdf.open()
        text = printed_page(printed.new_page(width=595, height=842), CAPTION if index == 1 else None, lines=40 - index, axis_title="t/ha")  # every scan differs
        pix = printed[0].get_pixmap(dpi=SCAN_DPI, colorspace=pymupdf.csGRAY)
        page = doc.new_page(width=595, height=842)
        page.insert_image(page.rect, pixmap=pix)
        if ocr:
            for pos, line, size in text:
                page.insert_text(pos, line, fontsize=size, render_mode=3)
    path = tmp_path / ("ocr.pdf" if ocr else "bare.pdf")
    doc.save(path)
    return path


def test_a_page_that_is_one_image_is_a_scan_and_the_structure_analysis_does_not_see_it(tmp_path: Path) -> None:
    doc = pymupdf.open(_scan_pdf(tmp_path, ocr=True))
    pages = [read_page(p) for p in doc]
    mark_furniture(pages)
    assert all(page_scan(p) is not None for p in pages)  # placed alike on every page, yet each page's own
    assert all(not p.images and not p.drawings for p in without_scans(pages))


def test_a_region_stops_at_a_caption_crossing_its_bottom_or_top() -> None:
    assert cut_at((100, 100, 400, 400), [(100, 380, 300, 392)]) == (100, 100, 400, 380)
    assert cut_at((100, 100, 400, 400), [(100, 104, 300, 116)]) == (100, 116, 400, 400)
    assert cut_at((100, 100, 400, 400), [(450, 380, 500, 392)]) == (100, 100, 400, 400)


def test_a_scanned_chart_is_cut_from_the_page_image_at_full_resolution_with_its_ocr_caption(tmp_path: Path) -> None:
    path = _scan_pdf(tmp_path, ocr=True)
    figures = extract_figures(path).figures
    assert [(f.page, f.number) for f in figures] == [(2, "1")]
    fig = figures[0]
    assert fig.caption == CAPTION and fig.kind == "raster"
    assert iou(fig.bbox, SCAN_CHART) > 0.8
    assert abs(fig.image.width - (fig.bbox[2] - fig.bbox[0]) * SCAN_DPI / 72) <= 2  # the scan's own pixels
    doc = pymupdf.open(path)
    scan = pymupdf.Pixmap(doc, doc[1].get_images()[0][0])
    pixels = cv2.imdecode(np.frombuffer(fig.image.data, np.uint8), cv2.IMREAD_UNCHANGED)
    x0, y0 = round(fig.bbox[0] * SCAN_DPI / 72), round(fig.bbox[1] * SCAN_DPI / 72)
    stored = np.frombuffer(scan.samples, np.uint8).reshape(scan.height, scan.width)
    assert np.array_equal(pixels, stored[y0 : y0 + pixels.shape[0], x0 : x0 + pixels.shape[1]])  # lossless


def test_without_a_text_layer_a_scanned_chart_is_found_unnumbered(tmp_path: Path) -> None:
    figures = extract_figures(_scan_pdf(tmp_path, ocr=False)).figures
    assert [(f.page, f.number, f.caption) for f in figures] == [(2, "", "")]
    assert iou(figures[0].bbox, SCAN_CHART) > 0.7


def _scanned(draw: Callable[[pymupdf.Page], None]) -> tuple[pymupdf.Document, PlacedImage]:
    """One page printed by `draw`, scanned at SCAN_DPI and placed as the page's only content."""
    printed = pymupdf.open()
    draw(printed.new_page(width=595, height=842))
    doc = pymupdf.open()
    doc.new_page(width=595, height=842).insert_image(doc[0].rect, pixmap=printed[0].get_pixmap(dpi=SCAN_DPI, colorspace=pymupdf.csGRAY))
    scan = page_scan(read_page(doc[0]))
    assert scan is not None
    return doc, scan


def _graph(page: pymupdf.Page, box: tuple[float, float, float, float]) -> None:
    page.draw_rect(box, color=(0, 0, 0), width=1.5)
    page.draw_line(box[:2], box[2:], color=(0, 0, 0), width=1.5)


def test_a_region_two_captions_share_side_by_side_is_cut_at_the_blank_between_them() -> None:
    def draw(page: pymupdf.Page) -> None:
        _graph(page, (150, 110, 250, 190))
        _graph(page, (290, 95, 440, 210))
    doc, scan = _scanned(draw)
    labels = [(200, 70, 248, 84), (360, 70, 408, 84)]  # "Figure 1" and "Figure 2", over each graph
    left, right = split_between(doc, doc[0], scan, (140, 70, 455, 212), labels, 60.0)
    assert 250 < left[2] == right[0] < 290
    assert split_between(doc, doc[0], scan, (140, 70, 455, 212), labels[:1], 60.0) == [(140, 70, 455, 212)]


def test_a_region_goes_on_over_its_panels_and_their_legends_to_the_running_text() -> None:
    legend_rows = [(150, 230, 260, 240), (150, 330, 260, 340)]
    text_row = (60, 380, 300, 390)
    def draw(page: pymupdf.Page) -> None:
        _graph(page, (120, 120, 280, 220))
        _graph(page, (140, 255, 260, 320))
        for x0, y0, _, _ in legend_rows:
            page.insert_text((x0, y0 + 8), "(a) Goto function.", fontsize=9)
        page.insert_text((text_row[0], text_row[1] + 8), "One state is designated as the start state of the machine", fontsize=9)
    doc, scan = _scanned(draw)
    grown = extend_to_ink(doc, doc[0], scan, (118, 118, 282, 222), True, [text_row], 27.0)
    assert grown[:3] == (118, 118, 282) and 335 <= grown[3] < 380
    assert extend_to_ink(doc, doc[0], scan, (118, 118, 282, 222), True, [text_row, legend_rows[0]], 27.0)[3] < 230


def test_a_scan_placed_partly_off_the_page_is_cut_where_it_shows() -> None:
    printed = pymupdf.open()
    _graph(printed.new_page(width=595, height=842), (150, 400, 450, 600))
    pix = printed[0].get_pixmap(dpi=SCAN_DPI, colorspace=pymupdf.csGRAY)
    doc = pymupdf.open()
    doc.new_page(width=595, height=842).insert_image((0, 20, 595, 862), pixmap=pix)  # its foot hangs off the page
    scan = page_scan(read_page(doc[0]))
    assert scan is not None and scan.bbox[3] == 842
    box, image = scan_pixels(doc, doc[0], scan, (100, 380, 500, 660))
    assert all(abs(a - b) <= 1.5 for a, b in zip(box, (149, 419, 451, 621)))  # the graph, 20 pt down
    shown = cv2.imdecode(np.frombuffer(image.data, np.uint8), cv2.IMREAD_UNCHANGED)
    stored = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width)
    x0, y0 = round(box[0] * SCAN_DPI / 72), round((box[1] - 20) * SCAN_DPI / 72)
    assert np.array_equal(shown, stored[y0 : y0 + shown.shape[0], x0 : x0 + shown.shape[1]])


def test_the_foot_of_a_caption_line_that_a_region_cuts_through_is_not_part_of_it() -> None:
    def draw(page: pymupdf.Page) -> None:
        page.insert_text((200, 100), "Figure 1 gjpqy", fontsize=12)  # descenders reach below 101
        _graph(page, (180, 115, 300, 200))
    doc, scan = _scanned(draw)
    box, _ = scan_pixels(doc, doc[0], scan, (170, 101, 310, 210))
    assert abs(box[1] - 114.25) <= 1.5 and abs(box[3] - 200.75) <= 1.5



def test_a_scan_whose_colour_space_cannot_be_read_is_rendered_not_a_crash() -> None:
    """A scan whose colour space MuPDF cannot parse (a real 1986 Nature scan names a broken object)
    decodes to coverage only, no colours: a region on it is read from the page's render instead."""
    doc, scan = _scanned(lambda page: _graph(page, (120, 120, 280, 220)))
    doc.xref_set_key(scan.xref, "ColorSpace", "null")
    assert pymupdf.Pixmap(doc, scan.xref).colorspace is None
    grown = extend_to_ink(doc, doc[0], scan, (118, 118, 282, 160), True, [], 27.0)
    assert grown[:3] == (118, 118, 282) and grown[3] >= 160
