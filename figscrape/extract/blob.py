"""A blob: the images, drawings and label text of one candidate graphic; the title a plotting
library centres over it; and where captions set side by side say that one blob holds the graphics
of several figures."""

from __future__ import annotations

from dataclasses import dataclass, field

from figscrape import geometry as g
from figscrape.extract.layout import PlacedImage, TextLine
from figscrape.geometry import Box

ROW_REACH = 72.0  # points between a row of captions and the graphics over or under it
TITLE_REACH = 2.0  # line heights between a figure's title and the graphic it is centred over
TITLE_CENTRE = 0.05  # of the graphic's width: how far a title's centre may stand off the graphic's
CROSSING = 0.25  # of a piece's width on each side of a cut: a piece that wide on both is one graphic across it


@dataclass
class Blob:
    bbox: Box
    images: list[PlacedImage] = field(default_factory=list)
    drawings: list[Box] = field(default_factory=list)
    texts: list[TextLine] = field(default_factory=list)


def _gutters(captions: list[Box]) -> list[tuple[float, Box]]:
    """Where two captions stand side by side, nothing between them, on one row or starting within
    two lines of each other (each column sets its own caption under its own picture): the middle of
    the blank between them (x), and the rows they take."""
    out: list[tuple[float, Box]] = []
    for a in captions:
        right = [
            b for b in captions
            if b[0] >= a[2] and (g.y_overlap(a, b) > 0.5 * min(g.height(a), g.height(b)) or abs(a[1] - b[1]) <= 2 * max(g.height(a), g.height(b)))
        ]
        if right:
            b = min(right, key=lambda b: b[0])
            out.append(((a[2] + b[0]) / 2, g.union([a, b])))
    return out


def _faces(blob: Box, row: Box) -> bool:
    """The blob stands over the row or under it, close by (it may run into the row, by a picture's
    margin that a caption is set over, up to the row's height past it)."""
    slack = g.height(row)
    above = blob[1] < row[1] and blob[3] <= row[3] + slack and row[1] - blob[3] <= ROW_REACH
    below = blob[3] > row[3] and blob[1] >= row[1] - slack and blob[1] - row[3] <= ROW_REACH
    return above or below


def _cut(blob: Blob, x: float) -> list[Blob] | None:
    """The blob as two, left and right of x, or None when a piece of it reaches well across."""
    boxes = [i.bbox for i in blob.images] + blob.drawings
    if any(min(x - b[0], b[2] - x) > CROSSING * g.width(b) for b in boxes):
        return None
    sides: list[Blob] = []
    for left in (True, False):
        def on_side(b: Box) -> bool:
            return ((b[0] + b[2]) / 2 < x) == left

        images = [i for i in blob.images if on_side(i.bbox)]
        drawings = [d for d in blob.drawings if on_side(d)]
        if not images and not drawings:
            return None
        texts = [t for t in blob.texts if on_side(t.bbox)]
        sides.append(Blob(g.union([i.bbox for i in images] + drawings + [t.bbox for t in texts]), images, drawings, texts))
    return sides


def split_at_caption_gutters(blobs: list[Blob], captions: list[Box]) -> list[Blob]:
    """Captions set side by side, each under (or over) its own picture, one blob across both
    (pictures closer than the blob tolerance): the blob is cut in the blank between the captions
    where no piece of it crosses, so each caption can claim the pieces of its own column."""
    gutters = _gutters(captions)
    if not gutters:
        return blobs
    out: list[Blob] = []
    todo = list(blobs)
    while todo:
        blob = todo.pop()
        for x, row in gutters:
            if blob.bbox[0] < x < blob.bbox[2] and _faces(blob.bbox, row):
                halves = _cut(blob, x)
                if halves:
                    todo += halves
                    break
        else:
            out.append(blob)
    return out


def take_titles(blobs: list[Blob], lines: list[TextLine], body_size: float) -> None:
    """Give each graphic the title a plotting library centres over it (matplotlib's suptitle, R's
    panel title): a line smaller than the running text, no wider than the graphic, centred over it
    or over its drawn part (R centres a title over the plot, not over the axis labels beside it),
    further off than its labels but within two of its own heights, with no other line between."""
    for blob in blobs:
        if not blob.images and not blob.drawings:
            continue
        b = blob.bbox
        above = [l for l in lines if l.bbox[3] <= b[1] and g.x_overlap(l.bbox, b) > 0]
        if not above:
            continue
        line = max(above, key=lambda l: l.bbox[3])
        t = line.bbox
        gap = b[1] - t[3]
        drawn = g.union([i.bbox for i in blob.images] + blob.drawings)
        centred = any(abs((t[0] + t[2]) / 2 - (c[0] + c[2]) / 2) <= TITLE_CENTRE * g.width(b) for c in (b, drawn))
        if centred and g.width(t) <= g.width(b) and line.size <= body_size - 1 and gap <= TITLE_REACH * g.height(t):
            blob.texts.append(line)
            blob.bbox = g.union([b, t])


def is_heading_rule(blob: Blob, body_size: float) -> bool:
    """A section heading with the rule drawn under or over it (a browser's print of a manubot
    manuscript rules every second-level heading): hairlines across and only heading text, larger
    than the running text or bold, no picture."""
    if blob.images or not blob.drawings or not blob.texts:
        return False
    rules = all(g.height(d) <= 1.5 and g.width(d) >= 4 * g.height(blob.bbox) for d in blob.drawings)
    return rules and all(t.size >= body_size + 1 or t.main_span.bold for t in blob.texts)
