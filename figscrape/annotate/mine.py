"""One annotator's own labels: the recent ones the app's Back and Undo reach after a reload, and
the whole list the "My labels" page filters (by decision, diagnosis, date, paper) to change one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, func, or_, select

from figscrape.data.current import with_paper
from figscrape.data.db import read_session
from figscrape.data.models import Annotation, Panel, Paper, Skip
from figscrape.data.votes import WITHDRAWN


@dataclass(frozen=True)
class MineFilter:
    is_ct: str = ""  # yes, no, unsure; "" any
    diagnosis: str = ""  # covid, other, normal, unsure; "" any
    since: date | None = None  # labelled on or after this day (UTC)
    until: date | None = None  # labelled on or before this day
    paper: str = ""  # part of the DOI or the title


@dataclass(frozen=True)
class MyLabel:
    panel_id: int
    is_ct: str
    diagnosis: str
    patient_key: str
    age: int | None
    sex: str
    note: str
    created_at: datetime
    doi: str
    title: str


def my_labels(engine: Engine, annotator: str, f: MineFilter = MineFilter(), limit: int = 500) -> tuple[list[MyLabel], int]:
    """The annotator's current labels (the latest of each panel, undone ones left out), newest first,
    narrowed by `f`; at most `limit`, with how many match in all."""
    latest = (select(func.max(Annotation.id)).where(Annotation.annotator == annotator, Annotation.adjudication.is_(False))
              .group_by(Annotation.panel_id))
    query = with_paper(select(Annotation.panel_id, Annotation.is_ct, Annotation.diagnosis, Annotation.patient_key, Annotation.age,
                              Annotation.sex, Annotation.note, Annotation.created_at, Paper.doi, Paper.title)
                       .select_from(Annotation).join(Panel, Panel.id == Annotation.panel_id))
    query = query.where(Annotation.id.in_(latest), Annotation.is_ct != WITHDRAWN)
    if f.is_ct:
        query = query.where(Annotation.is_ct == f.is_ct)
    if f.diagnosis:
        query = query.where(Annotation.diagnosis == f.diagnosis)
    if f.since:
        query = query.where(Annotation.created_at >= datetime.combine(f.since, datetime.min.time()))
    if f.until:
        query = query.where(Annotation.created_at < datetime.combine(f.until + timedelta(days=1), datetime.min.time()))
    if f.paper.strip():
        like = f"%{f.paper.strip()}%"
        query = query.where(or_(Paper.doi.ilike(like), Paper.title.ilike(like)))
    with read_session(engine) as s:
        total = int(s.scalar(select(func.count()).select_from(query.subquery())) or 0)
        rows = s.execute(query.order_by(Annotation.id.desc()).limit(limit)).all()
    return [MyLabel(r[0], r[1], r[2] or "", r[3] or "", r[4], r[5] or "", r[6] or "", r[7], r[8], r[9] or "") for r in rows], total


def recent_labels(engine: Engine, annotator: str, limit: int = 30) -> list[dict]:
    """The annotator's latest `limit` labels and skips, oldest first, as the app's page holds them."""
    with read_session(engine) as s:
        rows = s.execute(select(Annotation.panel_id, Annotation.is_ct, Annotation.diagnosis, Annotation.patient_key, Annotation.age,
                                Annotation.sex, Annotation.note, Annotation.created_at, Annotation.id)
                         .where(Annotation.annotator == annotator, Annotation.adjudication.is_(False))
                         .order_by(Annotation.id.desc()).limit(limit * 3)).all()
        skips = s.execute(select(Skip.panel_id, Skip.created_at).where(Skip.annotator == annotator)
                          .order_by(Skip.id.desc()).limit(limit)).all()
    newest: dict[int, tuple] = {}
    for r in rows:  # newest first: the first row seen of a panel is its latest
        newest.setdefault(r[0], r)
    items = [(r[7], {"panel": r[0], "kind": "label", "is_ct": r[1], "diagnosis": r[2] or "", "patient": r[3] or "",
                     "age": "" if r[4] is None else r[4], "sex": r[5] or "", "note": r[6] or ""})
             for r in newest.values() if r[1] != WITHDRAWN]
    labelled = {item["panel"] for _, item in items}
    items += [(created, {"panel": pid, "kind": "skip"}) for pid, created in skips if pid not in labelled]
    items.sort(key=lambda kv: kv[0])
    return [item for _, item in items[-limit:]]
