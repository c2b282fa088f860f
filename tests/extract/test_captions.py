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
    ],
)
def test_caption_starts(text: str, kind: str, number: str, label_only: bool) -> None:
    start = parse_caption_start(line((text, False)))
    assert start is not None
    assert (start.kind, start.number, start.label_only) == (kind, number, label_only)


@pytest.mark.parametrize("text", ["Figure 2 presents some challenging examples", "Figure 8).", "Figures 2a and 3 show", "Figured out"])
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
