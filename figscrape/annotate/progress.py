"""Done and to do, per annotator and overall, how the labels fall into the classes, and labelling
speed: labels per active hour (gaps longer than five minutes count as breaks, not work) and the
labels actually made in the last hour, counted, never extrapolated from a few minutes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select

from figscrape.data.current import current_panels
from figscrape.data.db import read_session
from figscrape.data.models import Annotation, Figure, Panel, Pdf, utcnow
from figscrape.data.votes import WITHDRAWN, load_votes, resolve

BREAK_SECONDS = 300
LEAST_ACTIVE_SECONDS = 600  # a pace is shown after ten minutes of labelling, not extrapolated from a few


@dataclass(frozen=True)
class AnnotatorProgress:
    annotator: str
    panels: int  # panels they labelled
    labels: int  # rows, undos not counted
    per_hour: float | None
    last: datetime | None
    last_hour: int = 0  # labels made in the 60 minutes before now


@dataclass(frozen=True)
class Progress:
    panels: int  # current panels
    labelled: int  # with at least one label
    enough: int  # with `per_panel` labels or more
    annotators: list[AnnotatorProgress]
    last_hour: int = 0  # labels made by everyone in the 60 minutes before now
    classes: dict[str, int] = field(default_factory=dict)  # each class's labels (every annotator's latest of each panel), every class present
    resolved: dict[str, int] = field(default_factory=dict)  # panels by what their labels resolve to: CT_COVID, CT_NonCOVID, or why not


# the classes a label can say, in the order the app's keys give them
CLASSES = (("yes", "covid", "COVID-19"), ("yes", "other", "Other pneumonia"), ("yes", "normal", "Normal"),
           ("yes", "unsure", "CT, unsure diagnosis"), ("yes", "", "CT, no diagnosis"), ("no", "", "Not CT"), ("unsure", "", "Unsure if CT"))


def class_name(is_ct: str, diagnosis: str) -> str:
    return next((name for ct, dx, name in CLASSES if ct == is_ct and dx == (diagnosis or "")), f"{is_ct}/{diagnosis}")


def per_hour(times: list[datetime], least: float = LEAST_ACTIVE_SECONDS) -> float | None:
    """Labels per active hour, or None before `least` seconds of labelling (30 s say nothing of an hour)."""
    times = sorted(times)
    if len(times) < 2:
        return None
    active = sum(min((b - a).total_seconds(), BREAK_SECONDS) for a, b in zip(times, times[1:]))
    return (len(times) - 1) / active * 3600 if active > 0 and active >= least else None


def collect_progress(engine: Engine, per_panel: int, now: datetime | None = None) -> Progress:
    now = now or utcnow()
    hour_ago = now - timedelta(hours=1)
    with read_session(engine) as s:
        panels = s.scalar(
            select(func.count(Panel.id)).join(Figure, Figure.id == Panel.figure_id).join(Pdf, Pdf.id == Figure.pdf_id).where(current_panels())
        ) or 0
        rows = s.execute(
            select(Annotation.annotator, Annotation.panel_id, Annotation.created_at)
            .where(Annotation.is_ct != WITHDRAWN, Annotation.adjudication.is_(False))
        ).all()
        votes = load_votes(s)
    classes = {name: 0 for _, _, name in CLASSES}
    resolved: dict[str, int] = defaultdict(int)
    for vs in votes.values():
        for v in vs:
            if not v.adjudication:
                classes[class_name(v.is_ct, v.diagnosis)] = classes.get(class_name(v.is_ct, v.diagnosis), 0) + 1
        r = resolve(vs)
        resolved[r.cls or r.reason or "undecided"] += 1
    raters: dict[int, set[str]] = defaultdict(set)
    times: dict[str, list[datetime]] = defaultdict(list)
    done: dict[str, set[int]] = defaultdict(set)
    for annotator, panel_id, created in rows:
        raters[panel_id].add(annotator)
        times[annotator].append(created)
        done[annotator].add(panel_id)
    recent = {a: sum(1 for t in ts if hour_ago <= t <= now) for a, ts in times.items()}
    people = [AnnotatorProgress(a, len(done[a]), len(times[a]), per_hour(times[a]), max(times[a]), recent[a]) for a in sorted(times)]
    return Progress(panels, len(raters), sum(1 for r in raters.values() if len(r) >= per_panel), people,
                    sum(recent.values()), classes, dict(resolved))
