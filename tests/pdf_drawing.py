"""Vector drawings for the small PDFs the extraction tests make with PyMuPDF, and the printed page
that the scan tests scan."""

from __future__ import annotations

import pymupdf


def bar_chart(page: pymupdf.Page, box: tuple[float, float, float, float], bars: int = 5) -> None:
    """A small vector chart inside `box`: two axes and `bars` filled bars rising left to right."""
    x0, y0, x1, y1 = box
    page.draw_line((x0, y1), (x1, y1), color=(0, 0, 0))
    page.draw_line((x0, y0), (x0, y1), color=(0, 0, 0))
    for k in range(bars):
        bx = x0 + 10 + k * (x1 - x0 - 20) / bars
        page.draw_rect((bx, y0 + 5 + 4 * k, bx + 12, y1), color=None, fill=(0.2, 0.3, 0.8))


SCAN_BODY = "The running text of the old article goes on in full lines across the column, as body text does."
SCAN_CHART = (150.0, 250.0, 450.0, 480.0)  # the printed chart's area on the page, its year labels included

Printed = list[tuple[tuple[float, float], str, float]]  # (position, text, size) of each line


def printed_page(page: pymupdf.Page, caption: str | None, lines: int = 38, caption_x: float = SCAN_CHART[0], axis_title: str | None = None) -> Printed:
    """Draws a printed page of running text, with a bar chart (SCAN_CHART) and its caption below when
    a caption is given; returns its text for an OCR layer written over the page's scan."""
    text = [((72, 80 + 14 * k), SCAN_BODY, 9.0) for k in range(10 if caption is not None else lines)]
    if caption is not None:
        x0, y0, x1, y1 = SCAN_CHART
        page.draw_line((x0 + 20, y0), (x0 + 20, y1 - 20), color=(0, 0, 0), width=1.2)
        page.draw_line((x0 + 20, y1 - 20), (x1, y1 - 20), color=(0, 0, 0), width=1.2)
        for k, h in enumerate((60, 120, 90, 170, 140, 200)):
            left = x0 + 40 + k * 45
            page.draw_rect((left, y1 - 20 - h, left + 28, y1 - 20), color=(0, 0, 0), fill=(0.55, 0.55, 0.55))
            text.append(((left + 6, y1 - 4), f"{1950 + k}", 8.0))
        if axis_title:
            text.append(((x0, y0 + 10), axis_title, 8.0))
        text.append(((caption_x, 510), caption, 9.0))
        text += [((72, 560 + 14 * k), SCAN_BODY, 9.0) for k in range(14)]
    for pos, line, size in text:
        page.insert_text(pos, line, fontsize=size)
    return text
