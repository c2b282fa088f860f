"""Finding figures on pages: graphics (images, drawings, the text inside them) are grouped into
blobs, and each figure caption claims the blobs next to it. A blob no caption claims is not a figure."""

from __future__ import annotations

import re
from dataclasses import dataclass

from figscrape import geometry as g
from figscrape.extract.blob import (
    Blob,
    is_heading_rule,
    split_at_caption_gutters,
    take_titles,
)
from figscrape.extract.captions import (
    Caption,
    continue_in_next_column,
    continue_on_next_page,
    find_captions,
)
from figscrape.extract.layout import (
    BodyText,
    PageLayout,
    PlacedImage,
    TextLine,
    describe_body,
    is_running_text,
)
from figscrape.extract.layout_marks import drop_frames, is_layout_rule, is_underline
from figscrape.geometry import Box

SUBCAPTION = re.compile(r"^\(([a-hA-H])\)\s+\S")  # "(c) Y-measure a. Results in ...": a panel's own legend
SUBCAPTION_REACH = 1.0  # body sizes between a panel and its own legend
BLOB_TOLERANCE = 6.0  # points between parts of one graphic
TEXT_TOLERANCE = 4.0  # points between a graphic and its labels
FIGURE_GAP = 24.0  # points between two blobs of one figure
PIECE_GAP = 48.0  # points between two blobs of one figure that lie within its caption's measure
MIN_FIGURE_SIDE = 18.0  # points; anything smaller is an icon


@dataclass
class FoundFigure:
    """A figure as found on the page, before its pixels are taken out."""

    page: int
    bbox: Box
    number: str
    caption: str
    kind: str  # raster, tiled, vector, mixed
    images: list[PlacedImage]
    drawings: list[Box]
    label_only: bool = False


def build_blobs(page: PageLayout, caption_lines: set[int], body_size: float, running: list[TextLine]) -> tuple[list[Blob], list[Blob]]:
    """Group a page's images, drawings and label text into candidate graphics (`running`: the
    page's lines of running text), and the strips too thin for one (a row of a legend or a
    sub-caption drawn as outlined text), which only join a figure they lie beside."""
    parts: list[tuple[Box, object]] = [(i.bbox, i) for i in page.images]
    parts += [(d, d) for d in page.drawings]
    if not parts:
        return [], []
    blobs: list[Blob] = []
    for group in g.group_near([p[0] for p in parts], BLOB_TOLERANCE):
        blob = Blob(g.union(parts[i][0] for i in group))
        for i in group:
            item = parts[i][1]
            (blob.images if isinstance(item, PlacedImage) else blob.drawings).append(item)  # type: ignore[arg-type]
        blobs.append(blob)
    running_boxes = [l.bbox for l in running]
    blobs = [b for b in blobs if not is_layout_rule([i.bbox for i in b.images] + b.drawings, b.bbox, running_boxes, body_size)]
    text_boxes = [l.bbox for l in page.lines if l.horizontal and not l.blank]
    blobs = [b for b in blobs if b.images or not all(is_underline(d, text_boxes) for d in b.drawings)]
    free = [
        l for l in page.lines if not l.furniture and not l.blank and id(l) not in caption_lines
    ]
    legends = _subcaption_lines(free, body_size)
    reach = max(TEXT_TOLERANCE, SUBCAPTION_REACH * body_size) if legends else TEXT_TOLERANCE
    for _ in range(3):  # labels pull in more labels, and labels may join two blobs
        grew = False
        for blob in blobs:
            held = {_line_key(t) for t in blob.texts}
            for line in free:
                apart = g.gap(line.bbox, blob.bbox)
                if apart > reach or _line_key(line) in held:
                    continue  # the cheap test first: most lines are far from most blobs
                legend = id(line) in legends
                if apart > TEXT_TOLERANCE and not legend:
                    continue  # only a panel's own legend joins from further away
                inside = g.overlap_fraction(line.bbox, blob.bbox) > 0.6
                near = legend or not is_running_text(line, body_size)
                if inside or near:
                    blob.texts.append(line)
                    held.add(_line_key(line))
                    blob.bbox = g.union([blob.bbox, line.bbox])
                    grew = True
        merged = _merge_overlapping(blobs)
        if not grew and len(merged) == len(blobs):
            break
        blobs = merged
    take_titles(blobs, [l for l in free if l.horizontal and not is_running_text(l, body_size)], body_size)
    blobs = [b for b in blobs if not is_heading_rule(b, body_size)]
    big = [g.width(b.bbox) >= MIN_FIGURE_SIDE and g.height(b.bbox) >= MIN_FIGURE_SIDE for b in blobs]
    return [b for b, ok in zip(blobs, big) if ok], [b for b, ok in zip(blobs, big) if not ok and b.drawings and not b.images]


def _line_key(line: TextLine) -> tuple:
    """What makes two lines equal (a line printed twice over, as fake bold is, counts once), hashable."""
    return (line.bbox, line.text, line.spans, line.horizontal, line.furniture)


def _merge_overlapping(blobs: list[Blob]) -> list[Blob]:
    merged: list[Blob] = []
    for group in g.group_near([b.bbox for b in blobs], BLOB_TOLERANCE):
        if len(group) == 1:
            merged.append(blobs[group[0]])
            continue
        out = Blob(g.union(blobs[i].bbox for i in group))
        for i in group:
            out.images += blobs[i].images
            out.drawings += blobs[i].drawings
            held = {_line_key(t) for t in out.texts}
            out.texts += [t for t in blobs[i].texts if _line_key(t) not in held]
        merged.append(out)
    return merged


def _barriers(captions: list[Caption], blobs: list[Blob], running: list[TextLine]) -> list[Box]:
    """Running text and other captions: a figure never reaches across them."""
    in_blob = {id(t) for b in blobs for t in b.texts}
    return [c.bbox for c in captions] + [l.bbox for l in running if id(l) not in in_blob]


def _subcaption_lines(lines: list[TextLine], body_size: float) -> set[int]:
    """Lines of the short paragraphs that open with "(a)" under or beside a panel: a panel's own
    legend set in the body's type is part of its figure, not running text to stop at."""
    out: set[int] = set()
    ordered = sorted((l for l in lines if l.horizontal and not l.furniture), key=lambda l: (l.bbox[1], l.bbox[0]))
    for k, line in enumerate(ordered):
        if not SUBCAPTION.match(line.text):
            continue
        out.add(id(line))
        last = line
        for nxt in ordered[k + 1 :]:
            if nxt.bbox[1] - last.bbox[3] > 0.6 * body_size:
                break
            if abs(nxt.bbox[0] - line.bbox[0]) <= 3 and g.width(nxt.bbox) <= 1.5 * g.width(line.bbox):
                out.add(id(nxt))
                last = nxt
    return out


def _chain(caption: Caption, blobs: list[Blob], barriers: list[Box], direction: int) -> list[tuple[Blob, float]]:
    """Blobs stacked next to the caption on one side (-1 above, +1 below), nearest first, with
    each blob's distance from the caption. The chain stops at running text or a wide gap."""
    cap = caption.bbox

    def ahead(b: Box) -> float:
        return cap[1] - b[3] if direction < 0 else b[1] - cap[3]

    def side_ok(b: Box) -> bool:
        overlap = g.x_overlap(b, cap)
        return overlap > 0.25 * min(g.width(b), g.width(cap)) or (overlap > 0 and g.width(b) > g.width(cap))

    candidates = [b for b in blobs if side_ok(b.bbox) and ahead(b.bbox) > -0.5 * g.height(b.bbox)]
    candidates.sort(key=lambda b: ahead(b.bbox))
    chain: list[tuple[Blob, float]] = []
    edge = cap
    for blob in candidates:
        dist = ahead(blob.bbox) if not chain else (edge[1] - blob.bbox[3] if direction < 0 else blob.bbox[1] - edge[3])
        within = g.x_overlap(blob.bbox, cap) >= 0.9 * g.width(blob.bbox)  # a piece inside the caption's measure
        if dist > (3 * FIGURE_GAP if not chain else PIECE_GAP if within else FIGURE_GAP):
            break
        lo, hi = (blob.bbox[3], edge[1]) if direction < 0 else (edge[3], blob.bbox[1])
        if any(b != cap and b[1] >= lo - 1 and b[3] <= hi + 1 and g.x_overlap(b, blob.bbox) > 0 and g.x_overlap(b, cap) > 0 for b in barriers):
            break
        chain.append((blob, max(0.0, ahead(blob.bbox))))
        edge = (edge[0], min(edge[1], blob.bbox[1]), edge[2], max(edge[3], blob.bbox[3]))
    return _with_side_neighbours(chain, blobs, barriers)


def _with_side_neighbours(chain: list[tuple[Blob, float]], blobs: list[Blob], barriers: list[Box]) -> list[tuple[Blob, float]]:
    """Add blobs beside the chosen ones (panels in a row that reach past the caption's width)."""
    grew = True
    while grew:
        grew = False
        for blob in blobs:
            if any(blob is b for b, _ in chain):
                continue
            for other, dist in chain:
                a, b = blob.bbox, other.bbox
                beside = g.y_overlap(a, b) > 0.5 * min(g.height(a), g.height(b))
                near = max(a[0], b[0]) - min(a[2], b[2]) <= FIGURE_GAP
                if beside and near and not any(g.overlap_fraction(t, g.union([a, b])) > 0.5 for t in barriers):
                    chain.append((blob, dist + FIGURE_GAP))  # a caption right under it has the better claim
                    grew = True
                    break
    return chain


def _is_border(d: Box, images: list[PlacedImage]) -> bool:
    """A rectangle stroked around an image, or a hairline along its edge."""
    return any(all(abs(a - b) < 2.5 for a, b in zip(d, i.bbox)) for i in images) or any(
        (g.width(d) < 1.5 or g.height(d) < 1.5) and g.overlap_fraction(d, g.expand(i.bbox, 2)) > 0.95
        and not g.overlap_fraction(d, g.expand(i.bbox, -3)) > 0 for i in images
    )


def _kind(images: list[PlacedImage], drawings: list[Box]) -> str:
    """raster: one image; tiled: several; vector: drawings only; mixed: images with drawn marks or charts."""
    if not images:
        return "vector"
    if any(not _is_border(d, images) for d in drawings):
        return "mixed"
    return "raster" if len(images) == 1 else "tiled"


def _figure_box(blobs: list[Blob], caption: Caption, kind: str) -> Box:
    if kind == "raster":
        box = blobs[0].images[0].bbox if len(blobs) == 1 and len(blobs[0].images) == 1 else g.union(i.bbox for b in blobs for i in b.images)
    else:
        box = g.union(b.bbox for b in blobs)
    cap = caption.bbox
    in_corner = len(blobs) > 1 and any(g.y_overlap(b.bbox, cap) > 0 and not g.x_overlap(b.bbox, cap) for b in blobs)
    if box[3] > cap[1] and box[1] < cap[1] and g.x_overlap(box, cap) > 0 and not in_corner:
        box = (box[0], box[1], box[2], cap[1])  # an image that runs under its caption (not a grid's empty cell that holds it)
    return box


@dataclass
class _PageWork:
    page: PageLayout
    captions: list[Caption]
    chains: dict[int, tuple[list[tuple[Blob, float]], list[tuple[Blob, float]]]]
    blobs: list[Blob]
    body_lines: int  # lines of running text: a figure page of an author manuscript has next to none
    barriers: list[Box]
    thin: list[Blob]  # strips too thin to be graphics of their own


def _analyse(page: PageLayout, body: BodyText) -> _PageWork:
    body_size = body.size
    captions = sorted(find_captions(page, body), key=lambda c: (c.bbox[1], c.bbox[0]))
    page.drawings = drop_frames(page.drawings, [c.bbox for c in captions])
    running = [l for l in page.lines if l.horizontal and not l.furniture and is_running_text(l, body_size)]
    blobs, thin = build_blobs(page, {id(l) for c in captions for l in c.lines}, body_size, running)
    blobs = split_at_caption_gutters(blobs, [c.bbox for c in captions if c.kind == "figure"])
    barriers = _barriers(captions, blobs, running)
    chains = {id(c): (_chain(c, blobs, barriers, -1), _chain(c, blobs, barriers, +1)) for c in captions}
    return _PageWork(page, captions, chains, blobs, len(running), barriers, thin)


def _assign(work: _PageWork, prefer_above: bool) -> dict[int, list[Blob]]:
    """Give each blob to the caption nearest to it, the document's usual side winning near-ties.
    A caption takes the blobs of one side only; what it won on the other side goes to the next
    claimant (a stack of charts whose top rows are nearer the caption of the figure above)."""
    released: set[tuple[int, int]] = set()  # (caption, side) that no longer claim
    while True:
        out, picked_sides = _assign_once(work, prefer_above, released)
        dropped = {(cid, 1 - side) for cid, side in picked_sides.items()} - released
        if not dropped:
            return out
        released |= dropped


def _assign_once(work: _PageWork, prefer_above: bool, released: set[tuple[int, int]]) -> tuple[dict[int, list[Blob]], dict[int, int]]:
    best: dict[int, tuple[float, int, int]] = {}
    for c in work.captions:
        for side, chain in enumerate(work.chains[id(c)]):
            if (id(c), side) in released:
                continue
            usual = (side == 0) == prefer_above
            for blob, dist in chain:
                score = dist if usual else 2 * dist + 10
                if id(blob) not in best or score < best[id(blob)][0]:
                    best[id(blob)] = (score, id(c), side)
    out: dict[int, list[Blob]] = {}
    picked_sides: dict[int, int] = {}
    for c in work.captions:
        sides = [[b for b, _ in chain if best.get(id(b), (0, -1, -1))[1:] == (id(c), s)] for s, chain in enumerate(work.chains[id(c)])]
        order = (0, 1) if prefer_above else (1, 0)
        side = next((s for s in order if sides[s]), None)
        if side is None:
            out[id(c)] = []
            continue
        picked_sides[id(c)] = side
        # a chain is contiguous: keep blobs up to the first one given to another caption
        contiguous: list[Blob] = []
        for blob, _ in work.chains[id(c)][side]:
            if blob not in sides[side]:
                break
            contiguous.append(blob)
        out[id(c)] = contiguous
    return out, picked_sides


def find_figures(pages: list[PageLayout]) -> list[FoundFigure]:
    """Every captioned figure of a document (pages already marked with `mark_furniture`)."""
    return find_figures_and_tables(pages)[0]


def find_figures_and_tables(pages: list[PageLayout]) -> tuple[list[FoundFigure], list[tuple[int, Box]]]:
    """The captioned figures, and where the graphics a table caption claims are (page, box):
    rules and shading of a table, which no figure proposal should take for a figure."""
    body = describe_body(pages)
    works = [_analyse(page, body) for page in pages]
    above = sum(1 for w in works for c in w.captions if w.chains[id(c)][0])
    below = sum(1 for w in works for c in w.captions if w.chains[id(c)][1] and not w.chains[id(c)][0])
    prefer_above = above >= below
    figures: list[FoundFigure] = []
    tables: list[tuple[int, Box]] = []
    legends: dict[str, Caption] = {}
    for index, work in enumerate(works):
        assigned = _assign(work, prefer_above)
        taken = {id(b) for blobs in assigned.values() for b in blobs}
        legend_list = False  # captions with no graphic, one after another: a "Figure legends" section
        for caption in work.captions:
            claimed = _within_column(assigned[id(caption)], caption, work.page.rect) or (
                _beside(caption, work.blobs, taken, work.barriers) if caption.kind == "figure" and not caption.label_only else []
            )
            if caption.kind == "figure" and claimed:
                claimed += _between(work.thin, claimed, caption.bbox)
            taken.update(id(b) for b in claimed)
            if caption.kind == "figure" and claimed:
                continue_in_next_column(caption, work.page, g.union(b.bbox for b in claimed), body)
            if caption.kind == "figure" and index + 1 < len(works) and not caption.label_only:
                continue_on_next_page(caption, work.page, works[index + 1].page, body, legend_list and not claimed)
            legend_list = caption.kind == "figure" and not claimed and not caption.label_only
            if caption.kind != "figure":
                tables += [(work.page.number, b.bbox) for b in claimed]
                continue
            if not claimed:
                if not caption.label_only:
                    legends.setdefault(caption.number, caption)
                continue
            images = [i for b in claimed for i in b.images]
            drawings = [d for b in claimed for d in b.drawings]
            kind = _kind(images, drawings)
            figures.append(
                FoundFigure(work.page.number, _figure_box(claimed, caption, kind), caption.number, caption.text, kind, images, drawings, caption.label_only)
            )
    for fig in figures:
        if fig.label_only and fig.number in legends:
            fig.caption = legends[fig.number].text
    figures += _unlabelled_figure_pages(works, figures, legends)
    return figures, tables


def _between(thin: list[Blob], claimed: list[Blob], cap: Box) -> list[Blob]:
    """The thin strips that lie between a figure and its caption over or under it, within the
    figure's width: its legend rows and sub-captions drawn as outlined text belong to it."""
    box = g.union(b.bbox for b in claimed)
    if cap[1] >= box[3]:
        gap = (box[0], box[3], box[2], cap[1])
    elif cap[3] <= box[1]:
        gap = (box[0], cap[3], box[2], box[1])
    else:
        return []
    return [b for b in thin if g.overlap_fraction(b.bbox, g.expand(gap, 1)) > 0.9]


SIDE_GAP = 40.0  # points between a figure and a caption set beside it
COLUMN_SLACK = 0.15  # of a caption's width: how far a figure's parts may stand out of the caption's column


def _within_column(blobs: list[Blob], caption: Caption, page_box: Box) -> list[Blob]:
    """A caption set to one column's measure (several lines, under 60% of the page's width) owns
    only the parts of its graphics that stand in that column: a box or text of the next column
    that came close enough to join a blob is not part of the figure."""
    cap = caption.bbox
    if len(caption.lines) < 2 or g.width(cap) >= 0.6 * g.width(page_box):
        return blobs
    slack = COLUMN_SLACK * g.width(cap) + 6
    left, right = cap[0] - slack, cap[2] + slack

    def inside(b: Box) -> bool:
        return left <= (b[0] + b[2]) / 2 <= right

    out: list[Blob] = []
    for blob in blobs:
        images = [i for i in blob.images if inside(i.bbox)]
        drawings = [d for d in blob.drawings if inside(d)]
        texts = [t for t in blob.texts if inside(t.bbox)]
        if len(images) + len(drawings) + len(texts) == len(blob.images) + len(blob.drawings) + len(blob.texts):
            out.append(blob)
        elif images or drawings:
            out.append(Blob(g.union([i.bbox for i in images] + drawings + [t.bbox for t in texts]), images, drawings, texts))
    return out


def _beside(caption: Caption, blobs: list[Blob], taken: set[int], barriers: list[Box]) -> list[Blob]:
    """A caption set beside its figure (a side column, a landscape page, the empty cell of a grid
    of charts): the largest free graphic level with it on either side, close by, and the free
    graphics around that one with no text between (the rest of the grid)."""
    cap = caption.bbox
    level = [
        b for b in blobs
        if id(b) not in taken
        and g.y_overlap(b.bbox, cap) >= 0.5 * min(g.height(cap), g.height(b.bbox))
        and (0 <= cap[0] - b.bbox[2] <= SIDE_GAP or 0 <= b.bbox[0] - cap[2] <= SIDE_GAP)
    ]
    if not level:
        return []
    claimed = [max(level, key=lambda b: g.area(b.bbox))]
    grew = True
    while grew:
        grew = False
        for blob in blobs:
            if id(blob) in taken or any(blob is c for c in claimed):
                continue
            for c in claimed:
                both = g.union([blob.bbox, c.bbox])
                if g.gap(blob.bbox, c.bbox) <= FIGURE_GAP and not any(g.overlap_fraction(t, both) > 0.5 for t in barriers):
                    claimed.append(blob)
                    grew = True
                    break
    return claimed


ORPHAN_AREA = 0.12  # share of the page a graphic covers to be a figure page's figure


def _unlabelled_figure_pages(works: list[_PageWork], figures: list[FoundFigure], legends: dict[str, Caption]) -> list[FoundFigure]:
    """Figures at the end of an author manuscript, one per page with no label at all, take the
    legends no figure has used, in order, each on a page after its legend's or just before it (a
    supplement's figure, its legend on the next page); a cover page's pictures are no figure of a
    legend printed pages later."""
    used = {f.number for f in figures}
    waiting = [n for n in legends if n not in used]
    pages_with_figures = {f.page for f in figures}
    out: list[FoundFigure] = []
    for work in works:
        if not waiting or work.page.number in pages_with_figures or work.captions or work.body_lines > 2:
            continue
        legend_page = legends[waiting[0]].page
        if not (legend_page < work.page.number or legend_page == work.page.number + 1):
            continue
        if not work.blobs or g.area(g.union(b.bbox for b in work.blobs)) < ORPHAN_AREA * g.area(work.page.rect):
            continue
        big = work.blobs  # on a page of its own, every graphic belongs to the figure
        number = waiting.pop(0)
        images = [i for b in big for i in b.images]
        drawings = [d for b in big for d in b.drawings]
        kind = _kind(images, drawings)
        box = images[0].bbox if kind == "raster" else g.union(b.bbox for b in big)
        out.append(FoundFigure(work.page.number, box, number, legends[number].text, kind, images, drawings))
    return out
