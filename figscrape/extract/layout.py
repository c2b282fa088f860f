"""What is on a page, read once with PyMuPDF: text lines with their fonts, placed images and
visible vector drawings, with running headers, line numbers, logos and stamps marked as page furniture."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import compress
from typing import NamedTuple

import numpy as np
import pymupdf

from figscrape.geometry import Box, area, intersection, width

SCAN_SHARE = 0.8  # of the page one image covers on a scanned page
_WHITESPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")


class Span(NamedTuple):  # a tuple: made for every span of every page, twice as fast as a frozen dataclass
    text: str
    font: str
    size: float
    bold: bool
    italic: bool


@dataclass
class TextLine:
    bbox: Box
    text: str
    spans: tuple[Span, ...]
    horizontal: bool
    furniture: bool = False  # header, footer, line number, stamp: never part of a figure or caption
    core: tuple[float, float] | None = None  # top and bottom of its text where a glyph's box stands far out (None: the bbox's)

    @property
    def band(self) -> tuple[float, float]:
        """Top and bottom of the line's text: the spans in its main size, less a glyph whose font
        gives it a box far taller than its size (a symbol font's bogus descent, an OCR program's
        tall marks); a line's bbox may reach into the next line's."""
        return self.core or (self.bbox[1], self.bbox[3])

    @property
    def size(self) -> float:
        """Font size of the line's first visible span."""
        return self.main_span.size

    @cached_property
    def main_span(self) -> Span:
        """The first span that carries visible text."""
        return next((s for s in self.spans if s.text.strip()), self.spans[0])

    @cached_property
    def text_size(self) -> float:
        """The size most of the line's visible characters are set in: a caption's words, not the
        larger label before them ("Figure 4:" at 10 pt, its text at 9 pt)."""
        counts: Counter[float] = Counter()
        for s in self.spans:
            counts[round(s.size, 1)] += len(s.text.strip())
        size, chars = counts.most_common(1)[0]
        return size if chars else self.size

    @cached_property
    def tail_span(self) -> Span:
        """The last span that carries visible text (the caption text after a bold label)."""
        return next((s for s in reversed(self.spans) if s.text.strip()), self.spans[-1])

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass(frozen=True)
class PlacedImage:
    bbox: Box
    xref: int
    width: int
    height: int
    upright: bool  # placed unturned and unflipped: its pixel rows run down the page as stored
    placed: Box  # where the whole image is placed: `bbox` is its part on the page, less where it sticks out
    strips: int = 1  # stored images it is joined from: a scan stored in bands is one picture, no one xref holds its samples


@dataclass
class PageLayout:
    number: int  # 1-based
    rect: Box
    lines: list[TextLine]
    images: list[PlacedImage]
    drawings: list[Box]
    clips: list[Box] = field(default_factory=list)  # every clip path's own rectangle, as drawn


def page_scan(page: PageLayout) -> PlacedImage | None:
    """The page's scan: the one image covering most of the page (a deskewed scan is placed turned
    a little). The one test of a scanned page, for the furniture marks and the figure search alike."""
    big = [i for i in page.images if area(intersection(i.bbox, page.rect)) >= SCAN_SHARE * area(page.rect)]
    return big[0] if len(big) == 1 and (big[0].xref or big[0].strips > 1) else None


def symbol_font(font: str) -> bool:
    """Dingbat and symbol fonts draw markers with letter codes (a legend's circles are "G" in ZapfDingbats)."""
    lower = font.lower()
    return any(name in lower for name in ("dingbat", "symbol", "wingding", "webding"))


@lru_cache(maxsize=4096)
def _weight_and_slant(font: str, flags: int) -> tuple[bool, bool]:
    """(bold, italic) of a span's font: a document sets thousands of spans in a few fonts."""
    return _is_bold(font, flags), _is_italic(font, flags)


def _is_bold(font: str, flags: int) -> bool:
    return bool(flags & 16) or "bold" in font.lower() or font.endswith(("-B", "B", "-Bd", ",Bold"))


def _is_italic(font: str, flags: int) -> bool:
    lower = font.lower()
    return bool(flags & 2) or "italic" in lower or "oblique" in lower


def _read_lines(page: pymupdf.Page) -> list[TextLine]:
    lines: list[TextLine] = []
    data = page.get_text("dict", flags=pymupdf.TEXTFLAGS_TEXT & ~pymupdf.TEXT_PRESERVE_IMAGES)
    for block in data["blocks"]:
        for line in block.get("lines", []):
            spans = tuple(Span(s["text"], s["font"], round(s["size"], 1), *_weight_and_slant(s["font"], s["flags"])) for s in line["spans"])
            if not spans:
                continue
            text = _WHITESPACE.sub(" ", "".join(s.text for s in spans).replace("\u00a0", " "))
            dx, dy = line["dir"]
            lines.append(TextLine(tuple(line["bbox"]), text, spans, abs(dy) < 0.05 and dx > 0, core=_core(line["spans"]) if len(spans) > 1 else None))
    return lines


CORE_HEIGHT = 1.5  # of its size: a span's box taller than this stands out of the line
CORE_SIZE = 0.6  # points: spans this near the line's main size set its text


def _core(spans: list[dict]) -> tuple[float, float] | None:
    """Top and bottom of the spans set in the size that carries most of the line's characters, with
    no glyph box far taller than its size; None where every span is such (most lines)."""
    chars: dict[float, int] = {}
    odd = False
    for s in spans:
        size = s["size"]
        box = s["bbox"]
        odd = odd or box[3] - box[1] > CORE_HEIGHT * size
        chars[round(size, 1)] = chars.get(round(size, 1), 0) + len(s["text"].strip())
    if not odd and max(chars) - min(chars) <= CORE_SIZE:
        return None
    main = max(chars, key=chars.__getitem__)
    sane = [s["bbox"] for s in spans if abs(s["size"] - main) <= CORE_SIZE and s["bbox"][3] - s["bbox"][1] <= CORE_HEIGHT * s["size"] and s["text"].strip()]
    return (min(b[1] for b in sane), max(b[3] for b in sane)) if sane else None


def _is_visible(path: dict) -> bool:
    """A path that paints something other than white (white fills are page backgrounds and masks)."""
    stroke = path.get("color")
    fill = path.get("fill")
    if path["type"] in ("s", "fs") and stroke is not None and (path.get("stroke_opacity") or 1) > 0:
        return True
    if fill is not None and (path.get("fill_opacity") or 1) > 0:
        return min(fill) < 0.97 if len(fill) != 4 else max(fill) > 0.03
    return False


def _read_drawings(page: pymupdf.Page, page_box: Box) -> tuple[list[Box], list[Box]]:
    """Boxes of the visible paths, each cut to the clip it is drawn in (a chart's lines that run
    past its axes are clipped there, and a reader sees only the part inside), and the rectangles
    of the clips themselves (read in the same pass: reading a page's drawings is costly). A chart
    may draw 100,000 paths: the loop keeps to local names and plain comparisons."""
    boxes: list[Box] = []
    scissors: list[Box] = []
    background = 0.85 * area(page_box)
    clips: list[Box] = [page_box]  # clips[k]: the visible area for items of level k
    visible = _is_visible
    for path in page.get_cdrawings(extended=True):
        level = path.get("level", 0)
        if len(clips) > level + 1:
            del clips[level + 1 :]
        while len(clips) <= level:
            clips.append(clips[-1])
        kind = path["type"]
        c = clips[level]
        if kind == "clip" or kind == "group":
            s = path.get("scissor")
            if kind == "clip":
                if s:
                    scissors.append(tuple(s))
                else:
                    s = c
                clips.append((max(s[0], c[0]), max(s[1], c[1]), min(s[2], c[2]), min(s[3], c[3])))
            else:
                clips.append(c)
            continue
        if not visible(path):
            continue
        r = path["rect"]
        x0, y0, x1, y1 = max(r[0], c[0]), max(r[1], c[1]), min(r[2], c[2]), min(r[3], c[3])
        if x1 < x0 or y1 < y0 or (x1 - x0) * (y1 - y0) > background:
            continue  # clipped away, or a page background
        boxes.append((x0, y0, x1, y1))
    return boxes, scissors


_INLINE_IMAGE = re.compile(rb"(?:^|\s)BI\s")


def _has_inline_image(contents: bytes) -> bool:
    """An inline image operator in a content stream; most streams have no "BI" at all, which a
    plain byte search rules out many times faster than the pattern."""
    return b"BI" in contents and _INLINE_IMAGE.search(contents) is not None


def _image_xrefs(page: pymupdf.Page, infos: list[dict], items: list[tuple]) -> list[int]:
    """The xref of each placed image. An image whose pixel size is unique on the page is matched
    by size; only where sizes repeat does MuPDF hash the pixels (slow: it decodes every image)."""
    by_size: dict[tuple[int, int], list[int]] = {}
    for item in items:
        by_size.setdefault((item[2], item[3]), []).append(item[0])
    xrefs = [by_size.get((i["width"], i["height"]), []) for i in infos]
    if all(len(set(x)) == 1 for x in xrefs):
        return [x[0] for x in xrefs]
    return [int(i.get("xref") or 0) for i in page.get_image_info(xrefs=True)]


def _blank_masks(page: pymupdf.Page, items: list[tuple]) -> set[int]:
    """The page's stencil masks whose every sample is the same: each paints one plain box (a word
    processor's background of a text box, laid under a caption), not a picture."""
    blank: set[int] = set()
    for item in items:
        if item[4] != 1 or item[5] or page.parent.xref_get_key(item[0], "ImageMask")[1] != "true":
            continue  # only a 1-bit image without colour space can be a stencil; most images stop at the first test
        try:
            samples = pymupdf.Pixmap(page.parent, item[0]).samples
        except RuntimeError:
            continue  # undecodable: leave it to the image checks of the figure's pixels
        if samples and samples.count(samples[:1]) == len(samples):
            blank.add(item[0])
    return blank


def _read_images(page: pymupdf.Page, page_box: Box) -> list[PlacedImage]:
    items = page.get_images(full=True)
    if not items and not _has_inline_image(page.read_contents()):
        return []  # no image resource and no inline image: spare the page a second text read
    images: list[PlacedImage] = []
    infos = page.get_image_info()
    blank = _blank_masks(page, items)
    for info, xref in zip(infos, _image_xrefs(page, infos, items) if infos else []):
        if xref in blank:
            continue
        r = info["bbox"]
        box = (max(r[0], page_box[0]), max(r[1], page_box[1]), min(r[2], page_box[2]), min(r[3], page_box[3]))
        if box[2] - box[0] < 2 or box[3] - box[1] < 2:
            continue
        a, b, c, d = info["transform"][:4]
        upright = a > 0 and d > 0 and b == 0 and c == 0
        images.append(PlacedImage(box, xref, int(info["width"]), int(info["height"]), upright, (r[0], r[1], r[2], r[3])))
    return _joined_strips(images, page_box)


def _joined_strips(images: list[PlacedImage], page_box: Box) -> list[PlacedImage]:
    """Images that are bands of one scan (placed unturned, one width, each starting where the one
    above ends, together covering most of the page) as the one picture they show."""
    if len(images) < 2:
        return images
    columns: dict[tuple[int, int], list[PlacedImage]] = {}
    for i in images:
        if i.upright:
            columns.setdefault((round(i.bbox[0]), round(i.bbox[2])), []).append(i)
    for column in columns.values():
        column.sort(key=lambda i: i.bbox[1])
        stack = column[:1]
        for band in column[1:]:
            if abs(band.bbox[1] - stack[-1].bbox[3]) >= 1:
                if area((stack[0].bbox[0], stack[0].bbox[1], stack[0].bbox[2], stack[-1].bbox[3])) >= SCAN_SHARE * area(page_box):
                    break
                stack = []
            stack.append(band)
        box = (stack[0].bbox[0], stack[0].bbox[1], stack[0].bbox[2], stack[-1].bbox[3])
        if len(stack) > 1 and area(box) >= SCAN_SHARE * area(page_box):
            joined = PlacedImage(box, 0, max(i.width for i in stack), sum(i.height for i in stack), True, box, len(stack))
            return [i for i in images if not any(i is s for s in stack)] + [joined]
    return images


def read_page(page: pymupdf.Page) -> PageLayout:
    """Lines, images and drawings of one page, unfiltered."""
    r = page.rect
    page_box: Box = (r.x0, r.y0, r.x1, r.y1)
    return PageLayout(page.number + 1, page_box, _read_lines(page), _read_images(page, page_box), *_read_drawings(page, page_box))


def _rounded(b: Box) -> tuple[int, int, int, int]:
    return (round(b[0] / 3), round(b[1] / 3), round(b[2] / 3), round(b[3] / 3))


def _drawing_page_counts(pages: list[PageLayout]) -> list[np.ndarray]:
    """For each page, on how many pages each of its drawings is drawn at the same place (its box
    `_rounded`, halves to even as round() does). In NumPy over all drawings at once: a chart may
    have 100,000 of them, and a Python tuple per drawing cost more than the counting."""
    keys = []
    for p in pages:
        rounded = np.rint(np.asarray(p.drawings, dtype=np.float64).reshape(-1, 4) / 3).astype(np.int64)
        keys.append(np.ascontiguousarray(rounded).view(np.dtype((np.void, 32))).ravel())  # one sortable key per box
    unique = [np.unique(k, return_inverse=True) for k in keys]
    _, where = np.unique(np.concatenate([u for u, _ in unique]), return_inverse=True)
    pages_with = np.bincount(where)
    counts, start = [], 0
    for u, inverse in unique:
        counts.append(pages_with[where[start : start + len(u)]][inverse.ravel()])
        start += len(u)
    return counts


def body_font_size(pages: list[PageLayout]) -> float:
    """The font size that carries most characters: the body text's."""
    sizes: Counter[float] = Counter()
    for p in pages:
        for line in p.lines:
            if line.horizontal and not line.furniture:
                sizes[line.size] += len(line.text.strip())
    return sizes.most_common(1)[0][0] if sizes else 10.0


@dataclass(frozen=True)
class BodyText:
    """How the running text of a document looks: a caption set the same way ends where a
    paragraph would, at a gap wider than the text's own line gap."""

    font: str
    size: float
    line_gap: float  # points between consecutive lines of a paragraph (negative where boxes overlap)


BODY_SLACK = 0.6  # points: text this near the running text's size is set in it
RUNNING_CHARS = 30  # characters: a line this long at the body's size is a sentence, not a label


def at_body_size(size: float, body_size: float) -> bool:
    """Set in the running text's size."""
    return abs(size - body_size) < BODY_SLACK


def is_running_text(line: TextLine, body_size: float) -> bool:
    """A line of the running text: set at the body's size and long enough to be a sentence, not a
    label; what a figure's graphic never holds and a caption is told from."""
    return at_body_size(line.size, body_size) and len(line.text.strip()) >= RUNNING_CHARS


def describe_body(pages: list[PageLayout]) -> BodyText:
    """The running text's font, size and line gap, from the lines that carry most characters."""
    size = body_font_size(pages)
    fonts: Counter[str] = Counter()
    gaps: list[float] = []
    for p in pages:
        body = [l for l in p.lines if l.horizontal and not l.furniture and at_body_size(l.size, size) and len(l.text) > 20]
        for line in body:
            fonts[line.main_span.font] += len(line.text)
        body.sort(key=lambda l: (round(l.bbox[0] / 4), l.bbox[1]))
        for a, b in zip(body, body[1:]):
            gap = b.bbox[1] - a.bbox[3]
            if abs(a.bbox[0] - b.bbox[0]) < 2 and -size < gap < 2 * size:
                gaps.append(gap)
    gaps.sort()
    line_gap = gaps[len(gaps) // 2] if gaps else 0.3 * size
    return BodyText(fonts.most_common(1)[0][0] if fonts else "", size, line_gap)


def text_column_extent(pages: list[PageLayout], body_size: float) -> Box | None:
    """Left and right edges of the running text (x0, _, x1, _), from long body-size lines."""
    xs0: list[float] = []
    xs1: list[float] = []
    for p in pages:
        for line in p.lines:
            if line.horizontal and not line.furniture and at_body_size(line.size, body_size) and len(line.text) > 40:
                xs0.append(line.bbox[0])
                xs1.append(line.bbox[2])
    if len(xs0) < 10:
        return None
    xs0.sort()
    xs1.sort()
    return (xs0[len(xs0) // 50], 0.0, xs1[-1 - len(xs1) // 50], 0.0)


def mark_furniture(pages: list[PageLayout]) -> None:
    """Mark what repeats across pages or sits outside the text column: running headers and
    footers, preprint stamps, logos, line numbers. Decided over the whole document."""
    n = len(pages)
    if n == 0:
        return
    repeat_at = max(2, (n + 1) // 2) if n > 2 else 2
    text_seen: Counter[tuple] = Counter()
    image_seen: Counter[tuple] = Counter()
    xref_pages: Counter[int] = Counter()
    for p in pages:
        text_seen.update({(_DIGITS.sub("#", line.text.strip()), _rounded(line.bbox)[1]) for line in p.lines})
        image_seen.update({_rounded(i.bbox) for i in p.images})
        xref_pages.update({i.xref for i in p.images if i.xref})
    for p, drawn_on in zip(pages, _drawing_page_counts(pages)):
        height = p.rect[3] - p.rect[1]
        for line in p.lines:
            if not (line.bbox[3] < p.rect[1] + 0.085 * height or line.bbox[1] > p.rect[3] - 0.085 * height):
                continue  # furniture of this kind sits in the top or bottom margin
            if n > 1 and text_seen[(_DIGITS.sub("#", line.text.strip()), _rounded(line.bbox)[1])] >= repeat_at:
                line.furniture = True
            elif len(line.text.strip()) < 6 and _DIGITS.fullmatch(line.text.strip() or "x"):
                line.furniture = True  # a page number
        if n > 1:
            scan = page_scan(p)
            p.images = [
                img for img in p.images
                if image_seen[_rounded(img.bbox)] < repeat_at and xref_pages[img.xref] < max(2, repeat_at)
                or img is scan and (xref_pages[img.xref] == 1 or img.strips > 1)  # each page's own scan, placed alike on every page
            ]
            p.drawings = list(compress(p.drawings, (drawn_on < repeat_at).tolist()))
    body = body_font_size(pages)
    column = text_column_extent(pages, body)
    if column is None:
        return
    left, right = column[0], column[2]
    for p in pages:
        for line in p.lines:
            t = line.text.strip()
            outside = line.bbox[2] < left - 1 or line.bbox[0] > right + 1
            if outside and (_DIGITS.fullmatch(t or "x") or not line.horizontal and width(line.bbox) < 20 and len(t) > 30):
                line.furniture = True  # line numbers, or a rotated side stamp (arXiv)
