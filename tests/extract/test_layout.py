"""Reading a page: the drawings a reader sees, where a reader sees them."""

from __future__ import annotations

import pymupdf

from figscrape.extract.layout import read_page


def _page_with_content(stream: bytes) -> pymupdf.Page:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.draw_rect((0, 0, 1, 1), color=None, fill=None)  # gives the page a content stream to replace
    doc.update_stream(page.get_contents()[0], stream)
    return doc[0]


def test_a_path_is_cut_to_the_clip_it_is_drawn_in() -> None:
    # a chart's curve that runs past its axes (y from 100 to 700 in page space), clipped to the plot area
    page = _page_with_content(b"q 100 542 300 200 re W n 0 0 0 RG 1 w 120 742 m 380 142 l S Q 0 0 1 RG 50 50 m 60 60 l S")
    layout = read_page(page)
    curve, free = layout.drawings
    assert [round(v) for v in curve] == [120, 100, 380, 300]  # the clip's part, not the path's whole extent
    assert [round(v) for v in free] == [50, 782, 60, 792]  # after the clip is restored, nothing cuts
    assert [[round(v) for v in c] for c in layout.clips] == [[100, 100, 400, 300]]  # the clip itself, in page space


def test_drawings_are_counted_over_pages_as_their_rounded_boxes_are() -> None:
    """The NumPy count of the pages that draw a box where a page does (rounded to 3 pt, halves
    to even) gives what counting a set of rounded tuples per page gives, repeats within a page once."""
    from collections import Counter

    import numpy as np

    from figscrape.extract.layout import PageLayout, _drawing_page_counts, _rounded

    rng = np.random.default_rng(11)
    shared = [tuple(float(v) for v in rng.integers(0, 600, 4) * 1.5) for _ in range(5)]  # many on the .5 ties
    pages = []
    for k in range(6):
        own = [tuple(float(v) for v in rng.uniform(0, 600, 4)) for _ in range(int(rng.integers(0, 30)))]
        drawn = own + shared[: k % 6] + shared[:1]  # the first shared box twice on a page: counted once
        pages.append(PageLayout(k + 1, (0, 0, 600, 800), [], [], drawn))
    seen = Counter(key for p in pages for key in {_rounded(d) for d in p.drawings})
    for p, counts in zip(pages, _drawing_page_counts(pages)):
        assert counts.tolist() == [seen[_rounded(d)] for d in p.drawings]
    assert [c.tolist() for c in _drawing_page_counts([PageLayout(1, (0, 0, 1, 1), [], [], [])])] == [[]]
