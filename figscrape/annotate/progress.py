"""Done and to do, per annotator and overall, and labelling speed (labels per active hour: gaps
longer than five minutes count as breaks, not work)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from figscrape.data.current import current_panels
from figscrape.data.db import read_session
from figscrape.data.models import Annotation, Figure, Panel, Pdf
from figscrape.data.votes import WITHDRAWN

BREAK_SECONDS = 300


@dataclass(frozen=True)
class AnnotatorProgress:
    annotator: str
    panels: int  # panels they labelled
    labels: int  # rows, undos not counted
    per_hour: float | None
    last: datetime | None


@dataclass(frozen=True)
class Progress:
    panels: int  # current panels
    labelled: int  # with at least one label
    enough: int  # with `per_panel` labels or more
    annotators: list[AnnotatorProgress]


def per_hour(times: list[datetime]) -> float | None:
    times = sorted(times)
    if len(times) < 2:
        return None
    active = sum(min((b - a).total_seconds(), BREAK_SECONDS) for a, b in zip(times, times[1:]))
    return (len(times) - 1) / active * 3600 if active > 0 else None


def collect_progress(engine: Engine, per_panel: int) -> Progress:
    with read_session(engine) as s:
        panels = s.scalar(
            select(func.count(Panel.id)).join(Figure, Figure.id == Panel.figure_id).join(Pdf, Pdf.id == Figure.pdf_id).where(current_panels())
        ) or 0
        rows = s.execute(
            select(Annotation.annotator, Annotation.panel_id, Annotation.created_at)
            .where(Annotation.is_ct != WITHDRAWN, Annotation.adjudication.is_(False))
        ).all()
    raters: dict[int, set[str]] = defaultdict(set)
    times: dict[str, list[datetime]] = defaultdict(list)
    done: dict[str, set[int]] = defaultdict(set)
    for annotator, panel_id, created in rows:
        raters[panel_id].add(annotator)
        times[annotator].append(created)
        done[annotator].add(panel_id)
    people = [AnnotatorProgress(a, len(done[a]), len(times[a]), per_hour(times[a]), max(times[a])) for a in sorted(times)]
    return Progress(panels, len(raters), sum(1 for r in raters.values() if len(r) >= per_panel), people)
