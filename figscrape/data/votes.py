"""What the annotations of a panel add up to. Each annotator's latest label counts once; a
reviewer's adjudication overrides the votes; ties and "unsure" decide nothing and say why.
The export, the filter's retraining and the app's review page all resolve labels here. A panel
whose box was corrected by hand (a new panel row replaces it) hands its labels on: where asked,
each annotator's label of the replaced panel counts for the replacing one unless they labelled (or
withdrew from) the replacing one themselves, along the whole chain of corrections."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from figscrape.data.models import Annotation, Panel

IS_CT = ("yes", "no", "unsure")
WITHDRAWN = "withdrawn"  # an undo: the annotator's earlier label of the panel no longer counts
DIAGNOSES = ("covid", "other", "normal", "unsure")
SEXES = ("F", "M")
COVID, NONCOVID = "CT_COVID", "CT_NonCOVID"


@dataclass(frozen=True)
class Vote:
    """One annotator's latest label of one panel."""

    annotator: str
    is_ct: str
    diagnosis: str = ""
    patient_key: str = ""
    age: int | None = None
    sex: str = ""
    note: str = ""
    adjudication: bool = False
    created_at: datetime | None = None


@dataclass
class Resolution:
    """The label a panel ends up with, or why it has none (`reason`)."""

    votes: list[Vote] = field(default_factory=list)
    is_ct: str = ""  # yes / no, or "" when undecided
    diagnosis: str = ""  # covid / other / normal, or "" when undecided (a NonCOVID class can still hold)
    cls: str = ""  # CT_COVID / CT_NonCOVID, or "" when not part of a dataset
    patient_key: str = ""
    age: int | None = None
    sex: str = ""
    agreement: float = 0.0  # the share of votes that agree with the class (1.0 for an adjudication)
    adjudicated: bool = False
    reason: str = ""
    notes: str = ""  # every annotator's note, `name: note`, joined by "; "


def latest_votes(rows: Iterable[Annotation], replaces: dict[int, int] | None = None) -> dict[int, list[Vote]]:
    """Each panel's votes: the newest annotation of every annotator (and of every adjudicator), by
    annotator name, so the result does not depend on the order rows came in. A newest row that
    withdraws (an undo) leaves that annotator without a vote. `replaces` (new panel -> the panel it
    replaced): a replacing panel also gets the newest rows of the panels before it in its chain,
    nearest first, of every annotator who has no row of their own on it."""
    newest: dict[tuple[int, str, bool], Annotation] = {}
    for row in rows:
        key = (row.panel_id, row.annotator, bool(row.adjudication))
        kept = newest.get(key)
        if kept is None or (row.created_at, row.id) > (kept.created_at, kept.id):
            newest[key] = row
    if replaces:
        own: dict[int, list[tuple[tuple[str, bool], Annotation]]] = defaultdict(list)
        for (panel_id, who, adjudication), row in newest.items():
            own[panel_id].append(((who, adjudication), row))
        for new in replaces:
            seen, old = {new}, replaces.get(new)
            while old is not None and old not in seen:  # a cycle cannot be made, but is not followed
                seen.add(old)
                for (who, adjudication), row in own.get(old, []):
                    newest.setdefault((new, who, adjudication), row)
                old = replaces.get(old)
    out: dict[int, list[Vote]] = defaultdict(list)
    for (panel_id, _, _), row in sorted(newest.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
        if row.is_ct == WITHDRAWN:
            continue
        out[panel_id].append(
            Vote(row.annotator, row.is_ct, row.diagnosis or "", row.patient_key or "", row.age, row.sex or "", row.note or "",
                 bool(row.adjudication), row.created_at)
        )
    return dict(out)


def load_replacements(session: Session) -> dict[int, int]:
    """Every panel made by a box correction -> the panel it replaced."""
    return dict(session.execute(select(Panel.id, Panel.replaces_id).where(Panel.replaces_id.is_not(None))).all())  # type: ignore[arg-type]


def load_votes(session: Session, panel_ids: Iterable[int] | None = None, inherit: bool = False) -> dict[int, list[Vote]]:
    """Each panel's votes; `inherit`: a replacing panel's also count its replaced panels' (see latest_votes)."""
    replaces = load_replacements(session) if inherit else None
    query = select(Annotation)
    if panel_ids is not None:
        wanted = set(panel_ids)
        if replaces:
            for new in list(wanted):
                old = replaces.get(new)
                while old is not None and old not in wanted:
                    wanted.add(old)
                    old = replaces.get(old)
        query = query.where(Annotation.panel_id.in_(list(wanted)))
    return latest_votes(session.scalars(query), replaces)


def class_of(diagnosis: str) -> str:
    return {"covid": COVID, "other": NONCOVID, "normal": NONCOVID}.get(diagnosis, "")


def _majority(values: list[str]) -> tuple[str, float]:
    """The most common value and its share; "" when the top two tie."""
    counts = Counter(values).most_common()
    if not counts:
        return "", 0.0
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        return "", 0.0
    return counts[0][0], counts[0][1] / len(values)


def _most_common(values: list) -> object:  # noqa: ANN401 - str or int
    """The most common non-empty value, ties broken by the smallest (so the answer is stable)."""
    values = [v for v in values if v not in ("", None)]
    if not values:
        return None
    counts = Counter(values)
    top = max(counts.values())
    return min(v for v, n in counts.items() if n == top)


def resolve(votes: list[Vote]) -> Resolution:
    adjudications = [v for v in votes if v.adjudication]
    if adjudications:
        final = max(adjudications, key=lambda v: (v.created_at or datetime.min, v.annotator))
        out = _decide([final])
        out.votes, out.adjudicated, out.notes = votes, True, _notes(votes)
        if out.cls:
            out.agreement = 1.0
            # the reviewer decides the class; who the patient is, and their age and sex, still come
            # from the annotators (those who saw that class first), unless the reviewer gave them
            ct = [v for v in votes if not v.adjudication and v.is_ct == "yes"]
            agreeing = [v for v in ct if class_of(v.diagnosis) == out.cls] or ct
            out.patient_key = out.patient_key or str(_most_common([v.patient_key.strip() for v in agreeing]) or "")
            if out.age is None:
                age = _most_common([v.age for v in agreeing])
                out.age = int(age) if age is not None else None
            out.sex = out.sex or str(_most_common([v.sex for v in agreeing]) or "")
        return out
    out = _decide(votes)
    out.votes, out.notes = votes, _notes(votes)
    return out


def _notes(votes: list[Vote]) -> str:
    return "; ".join(f"{v.annotator}: {v.note.strip()}" for v in votes if v.note.strip())


def _decide(votes: list[Vote]) -> Resolution:
    out = Resolution()
    decided = [v.is_ct for v in votes if v.is_ct in ("yes", "no")]
    if not decided:
        out.reason = "unsure whether CT" if votes else "no labels"
        return out
    out.is_ct, _ = _majority(decided)
    if not out.is_ct:
        out.reason = "annotators tie on CT or not"
        return out
    if out.is_ct == "no":
        out.reason = "not CT"
        return out
    ct_votes = [v for v in votes if v.is_ct == "yes"]
    classes = [class_of(v.diagnosis) for v in ct_votes if class_of(v.diagnosis)]
    if not classes:
        out.reason = "diagnosis unsure"
        return out
    out.cls, out.agreement = _majority(classes)
    if not out.cls:
        out.reason = "annotators tie on COVID-19 or not"
        return out
    agreeing = [v for v in ct_votes if class_of(v.diagnosis) == out.cls]
    out.diagnosis, _ = _majority([v.diagnosis for v in agreeing])
    out.patient_key = str(_most_common([v.patient_key.strip() for v in agreeing]) or "")
    age = _most_common([v.age for v in agreeing])
    out.age = int(age) if age is not None else None
    out.sex = str(_most_common([v.sex for v in agreeing]) or "")
    out.agreement = len(agreeing) / len(votes)
    return out
