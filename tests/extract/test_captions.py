import pytest

from figscrape.extract.captions import parse_caption_start
from figscrape.extract.layout import Span, TextLine


def line(*parts: tuple[str, bool]) -> TextLine:
    spans = tuple(Span(text, "Helvetica-Bold" if bold else "Helvetica", 9.0, bold, False) for text, bold in parts)
    return TextLine((0, 0, 100, 10), "".join(p[0] for p in parts), spans, True)


@pytest.mark.parametrize(
    ("text", "kind", "number", "label_only"),
    [
        ("Figure 1. Chest CT of a 45-year-old man", "figure", "1", False),
        ("Fig. 2: Axial slices", "figure", "2", False),
        ("FIGURE 3 | Survival curves", "figure", "3", False),
        ("Figure S3. Supplementary scans", "figure", "S3", False),
        ("Supplementary figure 1. Connectivity", "figure", "S1", False),
        ("Figure 1.: Agarose gel", "figure", "1", False),
        ("Figure 2", "figure", "2", True),
        ("Figure 4.", "figure", "4", True),
        ("Table 1. Demographics", "table", "1", False),
        ("Figure A.2: An appendix image", "figure", "A.2", False),
        ("Figure 3.4. A chapter's fourth figure", "figure", "3.4", False),
    ],
)
def test_caption_starts(text: str, kind: str, number: str, label_only: bool) -> None:
    start = parse_caption_start(line((text, False)))
    assert start is not None
    assert (start.kind, start.number, start.label_only) == (kind, number, label_only)


@pytest.mark.parametrize("text", [
    "Figure 2 presents some challenging examples", "Figure 8).", "Figures 2a and 3 show", "Figured out", "Figure 2.5 shows",
    "Figure 3-left shows the results", "Figure 3–5 show the results", "fig. S14B, fig. S15C).", "Figure 2, 3 and 4 show", "fig. 2.",
    "Figure 1.c shows a collection of versions",
])
def test_running_text_that_mentions_a_figure_is_not_a_caption(text: str) -> None:
    assert parse_caption_start(line((text, False))) is None


def test_a_bold_label_without_punctuation_starts_a_caption() -> None:
    start = parse_caption_start(line(("Fig. 1", True), (" Chest CT images", False)))
    assert start is not None and start.number == "1"


def test_an_unpunctuated_plain_label_is_a_weak_start_and_needs_a_graphic_beside_it() -> None:
    from figscrape.extract.captions import find_captions
    from figscrape.extract.layout import PageLayout

    start = parse_caption_start(line(("Fig 1 Chest CT of a 45-year-old man", False)))
    assert start is not None and start.weak
    caption = TextLine((50, 300, 300, 310), "Fig 1 Chest CT of a 45-year-old man", line(("Fig 1 Chest CT", False)).spans, True)
    alone = PageLayout(1, (0, 0, 612, 792), [caption], [], [])
    assert find_captions(alone) == []
    under_a_chart = PageLayout(1, (0, 0, 612, 792), [caption], [], [(60, 150, 280, 290)])
    assert [c.number for c in find_captions(under_a_chart)] == ["1"]


def _line(bbox: tuple[float, float, float, float], *parts: tuple[str, bool], size: float = 9.0) -> TextLine:
    spans = tuple(Span(text, "Times-Bold" if bold else "Times-Roman", size, bold, False) for text, bold in parts)
    return TextLine(bbox, "".join(p[0] for p in parts), spans, True)


def _styled(bbox: tuple[float, float, float, float], text: str, font: str, size: float, bold: bool = False) -> TextLine:
    """One line in one span of `font` (its "-Bold" face when bold)."""
    return TextLine(bbox, text, (Span(text, f"{font}-Bold" if bold else font, size, bold, False),), True)


def _helvetica(bbox: tuple[float, float, float, float], text: str, bold: bool = False) -> TextLine:
    return _styled(bbox, text, "Helvetica", 8.0, bold)


def _gill(bbox: tuple[float, float, float, float], text: str, bold: bool = False) -> TextLine:
    return _styled(bbox, text, "GillSans", 9.7, bold)


def _caption_text(lines: list[TextLine], line_gap: float = 2.0) -> str:
    from figscrape.extract.captions import find_captions
    from figscrape.extract.layout import BodyText, PageLayout

    page = PageLayout(1, (0, 0, 612, 792), lines, [], [(60, 100, 540, 290)])
    (caption,) = find_captions(page, BodyText("Times-Roman", 10.0, line_gap))
    return caption.text


def test_a_label_with_its_text_beside_it_on_the_same_row_is_a_whole_caption() -> None:
    text = _caption_text([
        _line((72, 300, 106, 310), ("Figure 2", False)),
        _line((116, 300, 540, 310), ("Overview of the design.", True), (" The first three plots", False)),
        _line((82, 311, 540, 321), ("show the environments.", False)),
    ])
    assert text == "Figure 2 Overview of the design. The first three plots show the environments."


def test_a_bold_title_runs_on_in_plain_text_set_tight_but_not_into_a_paragraph_after_a_gap() -> None:
    title = _line((72, 300, 400, 309), ("Figure 1. The workflow.", True))
    tight = _line((72, 308.5, 540, 318.5), ("(a) Modules are inferred", False), size=10.0)
    assert _caption_text([title, tight]) == "Figure 1. The workflow. (a) Modules are inferred"
    paragraph = _line((72, 317, 540, 327), ("As shown by the table and the figure, we find", False))
    assert _caption_text([title, paragraph]) == "Figure 1. The workflow."


def test_a_figure_reference_inside_a_running_sentence_does_not_end_the_caption() -> None:
    text = _caption_text([
        _line((72, 300, 540, 310), ("Figure 7: Survival functions of the five models from", False)),
        _line((72, 312, 540, 322), ("Fig.5. For each model, many iterations were run.", False)),
    ])
    assert text.endswith("many iterations were run.")


def test_a_caption_line_that_starts_with_a_small_symbol_is_not_a_new_paragraph() -> None:
    """An OCR layer (or a formula) may start a line with a small glyph: the line is set in the size of its words."""
    symbol = TextLine((72, 324, 540, 334), "y. The dotted line is an observation.", (
        Span("y. ", "Helvetica-Oblique", 6.5, False, True), Span("The dotted line is an observation.", "Times-Roman", 9.0, False, False)), True)
    text = _caption_text([
        _line((72, 300, 540, 310), ("Figure 1: An illustration of prediction. The ellipse", False)),
        _line((72, 312, 540, 322), ("is the contour of the joint distribution of the output and", False)),
        symbol,
        _line((72, 336, 300, 346), ("The axes have the same scale.", False)),
    ])
    assert text.endswith("The axes have the same scale.")


def test_a_caption_set_double_spaced_like_its_text_goes_on() -> None:
    lines = [
        _line((72, 300, 540, 312), ("Figure 1. Data from different tissues are of high quality", True), size=12.0),
        _line((72, 330, 540, 342), ("and reproducible. a. Enrichment of probes.", False), size=12.0),
    ]
    assert _caption_text(lines, line_gap=18.0).endswith("Enrichment of probes.")


def test_a_caption_in_the_text_font_that_stops_at_a_panel_letter_goes_on_at_the_top_of_the_next_page() -> None:
    from figscrape.extract.captions import continue_on_next_page, find_captions
    from figscrape.extract.layout import BodyText, PageLayout

    body = BodyText("Times-Roman", 12.0, 18.0)
    page = PageLayout(1, (0, 0, 612, 792), [
        _line((72, 600, 540, 612), ("Figure 5. Function of the regions. ", True), ("a. Heatmap of the signals.", False), size=12.0),
        _line((72, 630, 540, 642), ("Grey denotes the rest of the tissue types. ", False), ("d.", True), size=12.0),
    ], [], [(60, 100, 540, 580)])
    following = PageLayout(2, (0, 0, 612, 792), [
        _line((72, 80, 540, 92), ("Average conservation scores around the regions.", False), size=12.0),
        _line((72, 110, 540, 122), ("e. Expression of the genes nearby.", False), size=12.0),
    ], [], [])
    (caption,) = find_captions(page, body)
    continue_on_next_page(caption, page, following, body)
    assert caption.text.endswith("types. d. Average conservation scores around the regions. e. Expression of the genes nearby.")


def test_a_caption_set_in_columns_under_a_full_width_figure_goes_on_in_the_next_column() -> None:
    from figscrape.extract.captions import continue_in_next_column, find_captions
    from figscrape.extract.layout import BodyText, PageLayout

    left = [_helvetica((36, 600, 290, 608), "Figure 2 | Assessing the communities.", bold=True), _helvetica((36, 610, 290, 618), "Composite performance of the four algorithms. Test")]
    right = [_helvetica((306, 600, 560, 608), "networks were chosen for their varied sizes."), _helvetica((306, 610, 560, 618), "Link clustering finds the most relevant structure.")]
    body = BodyText("Times-Roman", 9.5, 1.3)
    page = PageLayout(1, (0, 0, 595, 792), left + right, [], [(36, 300, 560, 590)])
    (caption,) = find_captions(page, body)
    continue_in_next_column(caption, page, (36, 300, 560, 590), body)
    assert caption.text.endswith("four algorithms. Test networks were chosen for their varied sizes. Link clustering finds the most relevant structure.")
    (narrow,) = find_captions(page, body)
    continue_in_next_column(narrow, page, (36, 300, 290, 590), body)  # a figure of the caption's column: the next column is running text
    assert narrow.continuation == []


def _sized(bbox: tuple[float, float, float, float], *parts: tuple[str, float]) -> TextLine:
    spans = tuple(Span(text, "Times-Roman", size, False, False) for text, size in parts)
    return TextLine(bbox, "".join(p[0] for p in parts), spans, True)


def test_a_caption_whose_label_is_set_larger_than_its_text_ends_where_the_running_text_starts() -> None:
    first = _sized((72, 300, 540, 312), ("Figure 4:", 10.0), (" Tablet location hierarchy. The first level is a file", 9.0))
    second = _sized((72, 312, 540, 322), ("stored in the lock service.", 9.0))
    paragraph = _sized((72, 328, 540, 340), ("The second level holds the location of every tablet.", 10.0))
    assert _caption_text([first, second, paragraph]) == "Figure 4: Tablet location hierarchy. The first level is a file stored in the lock service."


def test_a_label_set_apart_by_a_justified_space_takes_the_text_beside_it() -> None:
    label = _sized((54, 300, 86, 308), ("Figure 5.", 8.0))
    text = _sized((101, 300, 297, 308), ("Proposed lossy compression algorithm using Multi-layer", 8.0))
    tail = _sized((54, 309, 155, 317), ("Prediction and Model", 8.0))
    assert _caption_text([label, text, tail]) == "Figure 5. Proposed lossy compression algorithm using Multi-layer Prediction and Model"


def test_a_caption_goes_on_under_its_label_after_a_colon_at_the_line_end() -> None:
    label = _sized((238, 300, 280, 310), ("Figure 2:", 10.0))
    text = _sized((289, 300, 357, 310), ("Grow-only Set:", 10.0))
    under = _sized((238, 312, 263, 322), ("G-Set", 10.0))
    assert _caption_text([label, text, under]) == "Figure 2: Grow-only Set: G-Set"


def test_a_label_on_a_line_of_its_own_takes_the_title_and_legend_set_flush_under_it() -> None:
    text = _caption_text([
        _gill((54, 300, 91, 310), "Figure 1", bold=True),
        _gill((54, 311, 272, 321), "Southern blot analysis of bovine genomic DNA.", bold=True),
        _gill((54, 322, 289, 332), "Genomic DNA digested with (A) HindIII or (B) Ssp1."),
    ])
    assert text == "Figure 1 Southern blot analysis of bovine genomic DNA. Genomic DNA digested with (A) HindIII or (B) Ssp1."


def test_a_label_alone_over_words_that_are_not_flush_with_it_stays_a_bare_label() -> None:
    label = _sized((250, 300, 300, 312), ("Figure 2", 12.0))
    axis = _sized((90, 313, 160, 321), ("Time (days)", 8.0))
    assert _caption_text([label, axis]) == "Figure 2"


def test_a_caption_does_not_run_on_into_the_next_page_s_own_caption_whose_label_shares_its_row() -> None:
    from figscrape.extract.captions import continue_on_next_page, find_captions
    from figscrape.extract.layout import BodyText, PageLayout

    body = BodyText("Giovanni-Book", 9.7, 2.0)
    page = PageLayout(1, (0, 0, 612, 792), [_gill((54, 700, 553, 710), "Figure 2: Genomic organisation of the locus, shown")], [], [(60, 100, 540, 690)])
    following = PageLayout(2, (0, 0, 612, 792), [
        _gill((54.1, 628, 190, 638), "Dot-plot analyses of the region"),  # a hidden copy of the title, over the label
        _gill((54.1, 628, 91, 638), "Figure 3", bold=True),
        _gill((54, 639, 553, 649), "Dot-plot analyses of the region. (A) The locus."),
    ], [], [(60, 100, 540, 620)])
    (caption,) = find_captions(page, body)
    continue_on_next_page(caption, page, following, body)
    assert caption.continuation == []


def test_two_captions_side_by_side_in_columns_are_two() -> None:
    from figscrape.extract.captions import find_captions
    from figscrape.extract.layout import PageLayout

    lines = [
        _line((54, 253, 308.6, 263), ("Figure 4: Average and 99.9 percentiles of latencies for read and", False)),
        _line((317.2, 253, 564, 263), ("Figure 5: Comparison of performance of buffered writes", False)),
        _line((54, 263.3, 308.6, 273.3), ("write requests during our peak request season.", False)),
        _line((317.2, 263.3, 564, 273.3), ("over a period of 24 hours.", False)),
    ]
    page = PageLayout(1, (0, 0, 612, 792), lines, [], [(54, 72, 300, 247), (317, 72, 562, 247)])
    assert [c.text for c in find_captions(page)] == [
        "Figure 4: Average and 99.9 percentiles of latencies for read and write requests during our peak request season.",
        "Figure 5: Comparison of performance of buffered writes over a period of 24 hours.",
    ]
