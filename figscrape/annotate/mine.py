"""One annotator's own labels: the recent ones the app's Back and Undo reach after a reload."""

from __future__ import annotations

from sqlalchemy import Engine, select

from figscrape.data.db import read_session
from figscrape.data.models import Annotation, Skip
from figscrape.data.votes import WITHDRAWN


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
