"""The OCR layer of a scan placed shifted on its page, put back over its print."""

from __future__ import annotations

import pymupdf

from figscrape.extract.layout import read_page
from figscrape.extract.ocr_layer import register_ocr_layer

BODY = "The running text of the old article goes on in full lines across the column"
SHIFT = 17.0  # points the scan stands down the page, as a real journal scan of the dev set does


def _text() -> list[tuple[tuple[float, float], str]]:
    """Paragraphs of body text with blank lines between them, as the OCR read them off the print."""
    rows = [k for k in range(48) if k % 9 != 8]
    return [((72, 80 + 14 * k), BODY[: 40 + (11 * k) % 36]) for k in rows]


def _scanned_page(shift: float, layer_in_register: bool) -> pymupdf.Page:
    printed = pymupdf.open()
    page = printed.new_page(width=595, height=842)
    for pos, line in _text():
        page.insert_text(pos, line, fontsize=10)
    pix = page.get_pixmap(dpi=150, colorspace=pymupdf.csGRAY)
    doc = pymupdf.open()
    scanned = doc.new_page(width=595, height=842)
    scanned.insert_image(pymupdf.Rect(0, shift, 595, 842 + shift), pixmap=pix)
    for (x, y), line in _text():
        scanned.insert_text((x, y + (shift if layer_in_register else 0)), line, fontsize=10, render_mode=3)
    return scanned


def _tops(page: pymupdf.Page) -> list[float]:
    return [line.bbox[1] for line in register_ocr_layer(page, read_page(page)).lines]


def test_an_ocr_layer_written_for_the_unshifted_scan_is_moved_onto_its_print() -> None:
    page = _scanned_page(SHIFT, layer_in_register=False)
    as_read = [line.bbox[1] for line in read_page(page).lines]
    assert [round(t - r, 1) for t, r in zip(_tops(page), as_read)] == [SHIFT] * len(as_read)


def test_an_ocr_layer_already_over_its_print_stays_where_it_is() -> None:
    page = _scanned_page(SHIFT, layer_in_register=True)
    assert _tops(page) == [line.bbox[1] for line in read_page(page).lines]


def test_a_born_digital_page_is_not_touched() -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    for pos, line in _text():
        page.insert_text(pos, line, fontsize=10)
    layout = read_page(page)
    assert register_ocr_layer(page, layout) is layout
