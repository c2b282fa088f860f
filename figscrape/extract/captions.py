"""Figure and table captions: where one starts ("Figure 2.", "Fig. 1:", "FIGURE 1 |", "Figure S3",
"Supplementary figure 1."), which lines it spans, its number, and its continuation on the next page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from figscrape.extract.layout import BodyText, PageLayout, Span, TextLine, page_scan
from figscrape.extract.letters import panel_letter
from figscrape.geometry import Box, union, x_overlap

_CAPTION_START = re.compile(
    r"""^\s*
    (?P<prefix>(?:supplementary|supplemental|suppl\.?|supporting|extended\s+data|appendix)\s+)?
    (?P<kind>fig(?:ure)?s?\.?|table)\s*
    (?P<num>S\s?\d+[A-Za-z]?|(?:\d+|[A-Z])\.\d+(?!\.?\d)|\d+[A-Za-z]?|[IVX]+)
    (?P<after>.*)$""",
    re.IGNORECASE | re.VERBOSE,
)
_UNNUMBERED = re.compile(r"^\s*(?P<kind>Figure|Table)(?:\s+[A-Z][a-z]+)?\s?[.:|](?=\s+\S)")  # "Figure Supplementary. Timeline of ..."
_DELIMITER = re.compile(r"^\s*(?:[.:|—]|[–-](?=\s))")  # a dash set close is a range or a compound ("Figure 3–5 show", "Figure 3-left shows")
_SENTENCE_END = re.compile(r"[.!?:;)\]]\s*$")
ROW_REACH = 1.3  # of a line's size: the widest space between two pieces of one row of a caption
LABEL_REACH = 2.5  # the same after a label set alone ("Figure 5." then its text, the row justified wide)
OCR_SIZE_SLACK = 0.15  # of a size: how far an OCR layer's sizes of one paragraph wander


@dataclass(frozen=True)
class CaptionStart:
    kind: str  # "figure" or "table"
    number: str  # "2", "S3"
    label_only: bool  # the line says only "Figure 2" (author manuscripts put legends elsewhere)
    weak: bool = False  # "Fig 1 Chest CT": no punctuation, no style of its own; a caption only next to a graphic


@dataclass
class Caption:
    kind: str
    number: str
    page: int
    lines: list[TextLine]
    label_only: bool
    continuation: list[TextLine] = field(default_factory=list)

    @property
    def bbox(self) -> Box:
        return union(line.bbox for line in self.lines)

    @property
    def text(self) -> str:
        return " ".join(line.text.strip() for line in self.lines + self.continuation if line.text.strip())


def parse_caption_start(line: TextLine) -> CaptionStart | None:
    """The caption label a line starts with, or None when it is running text that mentions a figure."""
    m = _CAPTION_START.match(line.text)
    if not m:
        return _unnumbered_start(line)
    kind = "table" if m.group("kind").lower().startswith("tab") else "figure"
    num = m.group("num").replace(" ", "")
    if m.group("prefix") and not num.upper().startswith("S"):
        num = "S" + num
    elif num[0] in "sS":
        num = "S" + num[1:]
    after = m.group("after")
    if not (m.group("prefix") or m.group("kind"))[0].isupper() or after.lstrip()[:1] in {",", ";", ")"}:
        return None  # "fig. S14B, fig. S15C)." in running text: a caption's label is capitalised and not one of a list
    if not after.strip(" .:|—–-"):
        return CaptionStart(kind, num, label_only=True)
    if after[:1].isalnum() or re.match(r"[.:][a-z]", after):
        return None  # "Figure 2a shows", "Figure 1.c shows" (a panel named in running text); "Figures" is caught by the number; "Fig. 12b" is the number
    if _DELIMITER.match(after):
        return CaptionStart(kind, num, label_only=False)
    if _label_styled_apart(line, m.end("num")):
        return CaptionStart(kind, num, label_only=False)
    if re.match(r"^\s+[A-Z](?:[a-z]|[A-Z]+\b)", after):  # "Fig 1 Chest CT", "Figure 6.2 ROC Curve", but not "Figure 2 shows"
        return CaptionStart(kind, num, label_only=False, weak=True)
    return None


def _unnumbered_start(line: TextLine) -> CaptionStart | None:
    """A caption label without a number ("Figure Supplementary.", "Figure."): only a label set in
    bold before text that is not, as a lone figure of a supplement or a poster is captioned."""
    m = _UNNUMBERED.match(line.text)
    if m is None or not line.main_span.bold or not _label_styled_apart(line, m.end()):
        return None
    return CaptionStart(m.group("kind").lower(), "", label_only=False)


def _next_to_graphic(line: TextLine, page: PageLayout, reach: float = 32.0) -> bool:
    """True when an image or a drawing lies just above or below the line (an axis title may sit
    between; a picture's blank margin may run under the line by up to half its height), overlapping it across."""
    into = max(2.0, 0.5 * (line.bbox[3] - line.bbox[1]))
    for box in [i.bbox for i in page.images] + page.drawings:
        across = min(box[2], line.bbox[2]) - max(box[0], line.bbox[0]) > 0
        near = -into <= line.bbox[1] - box[3] <= reach or -into <= box[1] - line.bbox[3] <= reach
        if across and near:
            return True
    return False


def _label_styled_apart(line: TextLine, label_end: int) -> bool:
    """True when the label ("Figure 1") is set in another style than the text after it."""
    pos = 0
    label_style = rest_style = None
    for span in line.spans:
        if not span.text.strip():
            pos += len(span.text)
            continue
        style = (span.bold, span.italic, span.font)
        if pos < label_end and label_style is None:
            label_style = style
        elif pos >= label_end:
            rest_style = style
            break
        pos += len(span.text)
    return label_style is not None and rest_style is not None and label_style[:2] != rest_style[:2]


def _same_column(a: Box, b: Box) -> bool:
    return x_overlap(a, b) > 0.5 * min(a[2] - a[0], b[2] - b[0])


def _reading_order(lines: list[TextLine]) -> list[TextLine]:
    """Row by row, each row left to right: a line level with the row's first one by more than half
    its height is on that row though it starts a little higher (a formula's glyph a browser sets as
    a line of its own, an OCR word read a point up)."""
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda l: (l.band[0], l.bbox[0])):
        if rows and _level(line, rows[-1][0]) > 0.5:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda l: l.bbox[0])]


def _level(a: TextLine, b: TextLine) -> float:
    """How far two lines' text stands level, as a share of the shorter one's height."""
    (a0, a1), (b0, b1) = a.band, b.band
    return (min(a1, b1) - max(a0, b0)) / max(1e-6, min(a1 - a0, b1 - b0))


def _line_above(line: TextLine, lines: list[TextLine]) -> TextLine | None:
    above = [o for o in lines if o is not line and o.bbox[3] <= line.bbox[1] + 1 and _same_column(o.bbox, line.bbox)]
    return max(above, key=lambda o: o.bbox[3], default=None)


def _continues_paragraph(line: TextLine, lines: list[TextLine]) -> bool:
    """True when the line is the wrapped tail of a sentence begun on the line above."""
    prev = _line_above(line, lines)
    if prev is None or prev.blank:
        return False
    close = line.bbox[1] - prev.bbox[3] < 0.6 * line.size
    same_look = abs(prev.size - line.size) < 0.3 and prev.main_span.font == line.main_span.font
    full_width = prev.bbox[2] - prev.bbox[0] >= 0.85 * max(prev.bbox[2] - prev.bbox[0], line.bbox[2] - line.bbox[0])
    return close and same_look and full_width and not _SENTENCE_END.search(prev.text)


def _style(span: Span) -> tuple[str, float]:
    return (span.font, round(span.size))


def _mostly_bold(line: TextLine) -> bool:
    """True when most of the line's characters are set in bold (a caption's title line)."""
    bold = sum(len(s.text.strip()) for s in line.spans if s.bold)
    return 2 * bold > sum(len(s.text.strip()) for s in line.spans)


def _restyled(line: TextLine, last: TextLine, size_slack: float = 0.6) -> bool:
    """True when the line's text is set in another size (a larger label aside), or starts in bold where the line before ended
    in plain text and is mostly so (or the other way round): the style of a new paragraph, not of
    the caption's next line (a bold panel letter at the start of a line is not)."""
    weight_changed = line.main_span.bold != last.tail_span.bold and _mostly_bold(line) != _mostly_bold(last)
    return abs(line.text_size - last.text_size) > size_slack or weight_changed


def _row_mates(line: TextLine, candidates: list[TextLine], taken: set[int], reach: float = ROW_REACH) -> list[TextLine]:
    """Lines that go on the same row right after `line`, at most `reach` of its size apart (MuPDF
    cuts a line at a font change or a wide space: "Figure 2" and the caption text beside it, a
    sentence and the next one), up to a caption of its own (two captions set side by side in
    columns a gutter apart). A piece in another size counts only where it touches the row: an
    inline formula set in its own font ("conditional P(Y | X, C). (B) ...")."""
    mates: list[TextLine] = []
    edge = line
    for other in sorted(candidates, key=lambda o: o.bbox[0]):
        if other is line or id(other) in taken or other.blank or other in mates:
            continue
        level = _level(other, edge) > 0.6
        apart = other.bbox[0] - edge.bbox[2]
        inline = apart <= 0.25 * line.size and other.bbox[3] - other.bbox[1] <= 2 * (line.bbox[3] - line.bbox[1])
        if level and -1 <= apart <= reach * line.size and (abs(other.size - line.size) < 1.5 or inline):
            start = parse_caption_start(other)
            if start is not None and not start.label_only:
                break
            mates.append(other)
            edge = other
    return mates


def _ends_sentence(lines: list[TextLine]) -> bool:
    return bool(_SENTENCE_END.search(lines[-1].text))


def _follow(
    start: TextLine, candidates: list[TextLine], taken: set[int], body: BodyText | None = None, label: TextLine | None = None, ocr: bool = False
) -> list[TextLine]:
    """Lines below `start` that belong to the same caption paragraph: set in the caption's own
    style (a bold title line may be followed by its text in the text's style, set as tight as the
    running text), no further below than its line spacing, under its first row (with the `label`
    set apart before it: "Figure 2:" then "Grow-only Set:", the next line under the label) and not
    a new caption's label. Lines are measured by their text's band (`TextLine.band`); an `ocr`
    layer's sizes wander from word to word, so only a clearly other size is another style."""
    lines = [start] + _row_mates(start, candidates, taken)
    first_row = union(l.bbox for l in lines + ([label] if label else []))
    size = start.size
    last = start
    body_gap = body.line_gap + 0.3 * size + 0.5 if body is not None else 0.6 * size
    gap_limit = max(1.4 * size + 1, body_gap)  # a caption set as widely as a double-spaced text
    if body is not None and _style(start.tail_span) == (body.font, round(body.size)):
        gap_limit = body_gap
    for line in candidates:
        if id(line) in taken or line.band[0] < last.band[1] - 0.5 * size or line is start or line in lines:
            continue
        if line.blank or not _same_column(line.bbox, first_row) and not _same_column(line.bbox, last.bbox):
            continue
        gap = line.band[0] - last.band[1]
        title_then_text = last is start and _mostly_bold(start) and gap <= body_gap
        slack = max(0.6, OCR_SIZE_SLACK * last.text_size) if ocr else 0.6
        if gap > gap_limit or _restyled(line, last, slack) and not title_then_text:
            break
        if parse_caption_start(line) and _ends_sentence(lines):
            break  # "Fig. 5." inside a running sentence is a reference, not a new caption
        row = [line] + [m for m in _row_mates(line, candidates, taken) if m.bbox[0] < first_row[2]]  # not across a gutter into the next column
        lines += row
        if len(lines) - len(row) == 1 or last is start and title_then_text:
            gap_limit = min(gap_limit, max(gap, 0.0) * 1.5 + 0.25 * size + 1)
        size = line.size
        last = line
    return lines


def _flush_under(label: TextLine, lines: list[TextLine], taken: set[int]) -> TextLine | None:
    """The line right under a label set alone, as close as a paragraph's next line, flush left
    with it and of its size: the caption's title (a journal that sets "Figure 1" on a line of its
    own). A legend kept elsewhere leaves the label alone over the figure, or over the figure's own
    words, which are smaller, further off or not aligned with it."""
    for line in lines:
        if id(line) in taken or line.blank or line is label:
            continue
        gap = line.bbox[1] - label.bbox[3]
        if -1 <= gap <= 0.5 * label.size and abs(line.bbox[0] - label.bbox[0]) <= 0.5 * label.size and abs(line.text_size - label.text_size) <= 0.6:
            return None if parse_caption_start(line) else line
    return None


def _label_text(label: TextLine, lines: list[TextLine], ordered: list[TextLine], taken: set[int]) -> tuple[TextLine | None, TextLine]:
    """Where the text of a label set alone starts (None: nowhere near, the legend is elsewhere), and
    the line from whose top on the caption's lines are looked for: beside it on its row, else flush
    under it."""
    beside = _row_mates(label, lines, taken, LABEL_REACH)
    if beside and not parse_caption_start(beside[0]):
        return beside[0], label
    under = _flush_under(label, ordered, taken)
    return under, under or label


NODE_SIZE = 4.0  # times a line's width and height: a drawn box no bigger round it is a diagram's node


def _boxed_in(line: TextLine, page: PageLayout) -> bool:
    """The line stands inside a drawn box little bigger than itself: a node of a diagram."""
    x0, y0, x1, y1 = line.bbox
    return any(
        d[0] <= x0 + 1 and d[1] <= y0 + 1 and d[2] >= x1 - 1 and d[3] >= y1 - 1 and d[2] - d[0] <= NODE_SIZE * (x1 - x0) and d[3] - d[1] <= NODE_SIZE * (y1 - y0)
        for d in page.drawings
    )


def find_captions(page: PageLayout, body: BodyText | None = None) -> list[Caption]:
    """Every figure and table caption that starts on this page, with the lines it spans there.
    How the running text looks (`body`) tells where a caption set like it ends."""
    lines = [l for l in page.lines if l.horizontal and not l.furniture]
    ordered = _reading_order(lines)
    ocr = page_scan(page) is not None
    captions: list[Caption] = []
    taken: set[int] = set()
    for line in ordered:
        if id(line) in taken:
            continue
        start = parse_caption_start(line)
        if start is None or _continues_paragraph(line, lines) or start.weak and not _next_to_graphic(line, page):
            continue
        if start.label_only and _boxed_in(line, page):
            continue  # "Table 2.2" in a diagram's node names a table; it is no caption
        text, top = (None, line) if not start.label_only else _label_text(line, lines, ordered, taken)
        if text is not None:  # "Figure 2" with its text set on the same row, or "Figure 1" over its title and legend
            start = CaptionStart(start.kind, start.number, label_only=False)
            spanned = [line] + _follow(text, [l for l in ordered if l.band[0] >= top.band[0] - 1], taken | {id(line)}, body, line, ocr)
        elif start.label_only:
            spanned = [line]
        else:
            spanned = _follow(line, [l for l in ordered if l.band[0] >= line.band[0] - 1], taken, body, ocr=ocr)
        taken.update(id(l) for l in spanned)
        captions.append(Caption(start.kind, start.number, page.number, spanned, start.label_only))
    return captions


def continue_in_next_column(caption: Caption, page: PageLayout, figure: Box, body: BodyText) -> None:
    """Append the caption's tail when it is set in columns under a figure spanning them (a
    journal's full-width figure): its column ends, and the next column under the figure starts
    level with the caption's first line in the caption's own style."""
    last, first = caption.lines[-1], caption.lines[0]
    cap = caption.bbox
    if caption.label_only or caption.continuation or figure[2] - figure[0] < 1.3 * (cap[2] - cap[0]):
        return
    if any(not l.furniture and not l.blank and l.bbox[1] > last.bbox[3] + 1 and _same_column(l.bbox, last.bbox) for l in page.lines):
        return  # the caption's column goes on under it
    style = (last.tail_span.font, last.tail_span.size)
    if style[0] == body.font and _SENTENCE_END.search(last.text):
        return  # in the text font only a sentence cut short says that the caption runs on
    beside = [
        l for l in page.lines
        if l.horizontal and not l.furniture and not l.blank and cap[2] - 1 <= l.bbox[0] < figure[2] and l.bbox[1] >= first.bbox[1] - first.size
    ]
    top = min(beside, key=lambda l: (l.bbox[1], l.bbox[0]), default=None)
    if top is None or abs(top.bbox[1] - first.bbox[1]) > first.size or parse_caption_start(top) or (top.main_span.font, top.size) != style:
        return
    tail = _follow(top, _reading_order(beside), set(), body)
    caption.continuation = [l for l in tail if (l.main_span.font, l.size) == style]


def _ends_on_panel_label(line: TextLine) -> bool:
    """The line ends with a bold panel letter ("... types. d."): the next panel's description follows."""
    tail = line.tail_span
    return tail.bold and tail is not line.main_span and len(tail.text.strip()) <= 4 and panel_letter(tail.text) is not None


def continue_on_next_page(caption: Caption, page: PageLayout, next_page: PageLayout, body: BodyText, in_legend_list: bool = False) -> None:
    """Append the caption's tail when it runs on at the top of the next page in its own font."""
    last = caption.lines[-1]
    below = [l for l in page.lines if not l.furniture and not l.blank and l.bbox[1] > last.bbox[3] + 1 and _same_column(l.bbox, last.bbox)]
    if below or caption.label_only or caption.continuation:
        return  # the caption goes on in its column, is a bare label, or has gone on in the next column
    label_last = _ends_on_panel_label(last)
    before_label = last.spans[: max(i for i, s in enumerate(last.spans) if s is last.tail_span)] if label_last else ()
    text_span = next((s for s in reversed(before_label) if s.text.strip()), last.tail_span)
    style = (text_span.font, text_span.size)
    if style[0] == body.font and _SENTENCE_END.search(last.text) and not in_legend_list and not label_last:
        return  # in the body font, only a sentence cut short, a panel's letter or a list of legends tells that the caption runs on
    top = [l for l in _reading_order(next_page.lines) if l.horizontal and not l.furniture]
    first_row = [l for l in top if l.bbox[1] < top[0].bbox[3] - 0.5 * top[0].size]
    if not top or any(parse_caption_start(l) for l in first_row) or (top[0].main_span.font, top[0].size) != style:
        return  # the next page starts with a caption of its own (its label may share the row with other text)
    tail = _follow(top[0], top, set(), body)
    caption.continuation = [l for l in tail if (l.main_span.font, l.size) == style]
