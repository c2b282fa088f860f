"""The labeling queue: current panels, highest ct_score first (unscored last), without the ones
this annotator has labelled or that already have enough labels, narrowed by the filters. One
indexed query that stops at `limit`, so opening the queue stays fast at 100,000 panels."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from figscrape.data.current import current_panels, with_paper
from figscrape.data.db import read_session
from figscrape.data.models import Annotation, Figure, Panel, Paper, Skip
from figscrape.data.votes import WITHDRAWN

DEFAULT_LABELS_PER_PANEL = 2


@dataclass(frozen=True)
class QueueFilter:
    paper: str = ""  # a DOI or part of one, or of the title
    since: str = ""  # YYYY-MM-DD
    until: str = ""
    server: str = ""
    min_score: float = 0.0
    max_score: float = 1.0
    include_unscored: bool = True
    search: str = ""  # words that must all be in the caption


@dataclass(frozen=True)
class PanelView:
    """Everything the labeling page shows about one panel."""

    panel_id: int
    figure_id: int
    bbox: tuple[int, int, int, int]
    label: str
    subcaption: str
    image_sha256: str
    ct_score: float | None
    figure_sha256: str
    figure_width: int
    figure_height: int
    caption: str
    figure_number: str
    page: int
    doi: str
    version: int
    title: str
    date: str
    server: str
    license: str


def labelled_by(annotator: str):  # noqa: ANN201 - an SQL condition
    """The panel has a label of this annotator that no later undo of theirs withdrew."""
    mine, undo = aliased(Annotation), aliased(Annotation)
    return exists(
        select(mine.id).where(
            mine.panel_id == Panel.id, mine.annotator == annotator, mine.is_ct != WITHDRAWN,
            ~exists(select(undo.id).where(undo.panel_id == mine.panel_id, undo.annotator == annotator, undo.is_ct == WITHDRAWN, undo.id > mine.id)),
        )
    )


def _label_count():  # noqa: ANN202
    other = aliased(Annotation)
    return (
        select(func.count(func.distinct(other.annotator)))
        .where(other.panel_id == Panel.id, other.is_ct != WITHDRAWN, other.adjudication.is_(False))
        .scalar_subquery()
    )


def _filtered(query, f: QueueFilter):  # noqa: ANN001, ANN202
    if f.paper:
        like = f"%{f.paper.strip()}%"
        query = query.where(or_(Paper.doi.ilike(like), Paper.title.ilike(like)))
    if f.since:
        query = query.where(Paper.date >= f.since)
    if f.until:
        query = query.where(Paper.date <= f.until)
    if f.server:
        query = query.where(Paper.server == f.server)
    if f.min_score > 0.0 or f.max_score < 1.0 or not f.include_unscored:  # no condition by default: the score index then gives the order
        score = and_(Panel.ct_score >= f.min_score, Panel.ct_score <= f.max_score)
        query = query.where(or_(score, Panel.ct_score.is_(None)) if f.include_unscored else score)
    for word in f.search.split():
        query = query.where(Figure.caption.ilike(f"%{word}%"))
    return query


def skipped_by(annotator: str):  # noqa: ANN201 - an SQL condition
    """The annotator put the panel aside (S) and has not undone it."""
    return exists(select(Skip.id).where(Skip.panel_id == Panel.id, Skip.annotator == annotator))


def _queue(columns, annotator: str, f: QueueFilter, per_panel: int) -> Select:  # noqa: ANN001
    """The panels this annotator's queue holds: current, not labelled or skipped by them, short of labels, filtered."""
    query = with_paper(select(columns)).where(current_panels(), ~labelled_by(annotator), ~skipped_by(annotator), _label_count() < per_panel)
    return _filtered(query, f)


def next_panels(engine: Engine, annotator: str, f: QueueFilter = QueueFilter(), limit: int = 50,
                per_panel: int = DEFAULT_LABELS_PER_PANEL, exclude: tuple[int, ...] = ()) -> list[int]:
    """Panel ids in queue order."""
    query = _queue(Panel.id, annotator, f, per_panel)
    if exclude:
        query = query.where(Panel.id.not_in(exclude))
    with read_session(engine) as s:
        if engine.dialect.name == "sqlite":  # NULL sorts last in DESC already; ct_score, id both descending is the score index read backwards
            return list(s.scalars(query.order_by(Panel.ct_score.desc(), Panel.id.desc()).limit(limit)))
        # PostgreSQL reads the ascending score index backwards only as DESC NULLS FIRST: "NULLS LAST" sorted all 100,000
        # panels (5 s a call); the scored ones first, in the index's order, then the unscored, stops at `limit` either way
        ids = list(s.scalars(query.where(Panel.ct_score.is_not(None)).order_by(Panel.ct_score.desc(), Panel.id.desc()).limit(limit)))
        if len(ids) < limit:
            ids += s.scalars(query.where(Panel.ct_score.is_(None)).order_by(Panel.id.desc()).limit(limit - len(ids)))
        return ids


def remaining(engine: Engine, annotator: str, f: QueueFilter = QueueFilter(), per_panel: int = DEFAULT_LABELS_PER_PANEL) -> int:
    with read_session(engine) as s:
        return int(s.scalar(_queue(func.count(Panel.id), annotator, f, per_panel)) or 0)


def load_views(engine: Engine, panel_ids: list[int]) -> dict[int, PanelView]:
    if not panel_ids:
        return {}
    with read_session(engine) as s:
        rows = s.execute(
            with_paper(select(Panel.id, Panel.figure_id, Panel.x0, Panel.y0, Panel.x1, Panel.y1, Panel.label, Panel.subcaption, Panel.image_sha256,
                   Panel.ct_score, Figure.image_sha256, Figure.width, Figure.height, Figure.caption, Figure.number, Figure.page,
                   Paper.doi, Paper.version, Paper.title, Paper.date, Paper.server, Paper.license))
            .where(Panel.id.in_(panel_ids))
        ).all()
    out = {}
    for r in rows:
        out[r[0]] = PanelView(r[0], r[1], (r[2], r[3], r[4], r[5]), r[6] or "", r[7] or "", r[8], r[9], r[10], r[11], r[12],
                              r[13] or "", r[14] or "", r[15], r[16], r[17], r[18] or "", r[19] or "", r[20], r[21] or "")
    return out
