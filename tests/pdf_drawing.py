"""Vector drawings for the small PDFs the extraction tests make with PyMuPDF."""

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
