"""One annotator's own labels: the recent ones the app's Back and Undo reach after a reload, and the
whole list the "My labels" page filters (by class, by date) to revise one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, select

from figscrape.data.db import read_session
from figscrape.data.models import Annotation, Skip
from figscrape.data.votes import WITHDRAWN, latest_votes

# what the page's class filter offers: a name, and the (is_ct, diagnosis) it keeps
CLASSES = {
    "COVID-19": ("yes", "covid"), "Other pneumonia": ("yes", "other"), "Normal": ("yes", "normal"),
    "CT, unsure diagnosis": ("yes", "unsure"), "Not CT": ("no", ""), "Unsure if CT": ("unsure", ""),
}


@dataclass(frozen=True)
class MyLabel:
    panel_id: int
    is_ct: str
    diagnosis: str
    patient_key: str
    age: int | None
    sex: str
    note: str
    created_at: datetime | None


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


def my_labels(engine: Engine, annotator: str, cls: str = "", since: date | None = None, until: date | None = None,
              limit: int = 500) -> list[MyLabel]:
    """The annotator's current label of every panel they labelled, newest first, narrowed to one
    class of CLASSES and to the days from `since` to `until` (both included)."""
    with read_session(engine) as s:
        votes = latest_votes(s.scalars(select(Annotation).where(Annotation.annotator == annotator, Annotation.adjudication.is_(False))))
    want = CLASSES.get(cls)
    out = []
    for pid, vs in votes.items():
        v = vs[0]
        if want and (v.is_ct, v.diagnosis if v.is_ct == "yes" else "") != want:
            continue
        if since and v.created_at and v.created_at < datetime.combine(since, datetime.min.time()):
            continue
        if until and v.created_at and v.created_at >= datetime.combine(until, datetime.min.time()) + timedelta(days=1):
            continue
        out.append(MyLabel(pid, v.is_ct, v.diagnosis, v.patient_key, v.age, v.sex, v.note, v.created_at))
    out.sort(key=lambda m: (m.created_at or datetime.min, m.panel_id), reverse=True)
    return out[:limit]
