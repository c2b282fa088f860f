"""What an annotator's key presses store: a label, an undo, a bulk rejection, a corrected box, an
adjudication. Each is one short write transaction (BEGIN IMMEDIATE on SQLite), append-only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from figscrape.data.db import write_session
from figscrape.data.models import Annotation, Figure, Panel
from figscrape.data.votes import DIAGNOSES, IS_CT, SEXES, WITHDRAWN
from figscrape.runtime.imaging import decode, store_panel
from figscrape.store import ObjectStore


@dataclass(frozen=True)
class Label:
    is_ct: str  # yes, no, unsure
    diagnosis: str = ""  # covid, other, normal, unsure (CT only)
    patient_key: str = ""
    age: int | None = None
    sex: str = ""
    note: str = ""


def checked(label: Label) -> Label:
    """The label, or ValueError naming the field that is not one of its values."""
    if label.is_ct not in IS_CT:
        raise ValueError(f"is_ct must be one of {IS_CT}, not {label.is_ct!r}")
    if label.diagnosis and label.diagnosis not in DIAGNOSES:
        raise ValueError(f"diagnosis must be one of {DIAGNOSES}, not {label.diagnosis!r}")
    if label.sex and label.sex not in SEXES:
        raise ValueError(f"sex must be one of {SEXES} or empty, not {label.sex!r}")
    if label.age is not None and not 0 <= label.age < 130:
        raise ValueError(f"age {label.age} is not an age in years")
    return label


def save_label(engine: Engine, panel_id: int, annotator: str, label: Label, adjudication: bool = False) -> int:
    """Stores the label; returns its row id."""
    checked(label)
    row = Annotation(
        panel_id=panel_id, annotator=annotator, is_ct=label.is_ct, diagnosis=label.diagnosis if label.is_ct == "yes" else "",
        patient_key=label.patient_key.strip(), age=label.age, sex=label.sex, note=label.note.strip(), adjudication=adjudication,
    )
    with write_session(engine) as s:
        s.add(row)
        s.flush()
        return row.id


def withdraw(engine: Engine, panel_id: int, annotator: str) -> int:
    """An undo: the annotator's label of the panel stops counting; the history keeps both rows."""
    with write_session(engine) as s:
        row = Annotation(panel_id=panel_id, annotator=annotator, is_ct=WITHDRAWN)
        s.add(row)
        s.flush()
        return row.id


def reject(engine: Engine, panel_ids: list[int], annotator: str) -> int:
    """Grid mode: these panels are not CT, in one transaction."""
    with write_session(engine) as s:
        s.add_all(Annotation(panel_id=p, annotator=annotator, is_ct="no") for p in panel_ids)
    return len(panel_ids)


def correct_box(engine: Engine, store: ObjectStore, panel_id: int, box: tuple[int, int, int, int], annotator: str) -> int:
    """A new version of the panel cut from its figure at `box` (figure pixels); the old one stays,
    marked replaced, with its labels. Returns the new panel's id."""
    with write_session(engine) as s:
        old = s.get(Panel, panel_id)
        if old is None:
            raise ValueError(f"no panel {panel_id}")
        figure = s.get(Figure, old.figure_id)
        assert figure is not None
        x0, y0, x1, y1 = (int(v) for v in box)
        x0, y0 = max(0, x0), max(0, y0)
        x1, y1 = min(figure.width, x1), min(figure.height, y1)
        if x1 - x0 < 8 or y1 - y0 < 8:
            raise ValueError(f"box {box} is empty or smaller than 8 pixels inside a {figure.width}x{figure.height} figure")
        if s.scalar(select(Panel.id).where(Panel.replaces_id == panel_id)) is not None:
            raise ValueError(f"panel {panel_id} was already corrected")
        sha, phash = store_panel(store, decode(store.read(figure.image_sha256)), figure.image_sha256, (x0, y0, x1, y1))
        new = Panel(
            figure_id=figure.id, splitter_version=f"manual-{panel_id}", index=old.index, x0=x0, y0=y0, x1=x1, y1=y1, label=old.label,
            subcaption=old.subcaption, image_sha256=sha, phash=phash, ct_score=old.ct_score,
            model_version=old.model_version, replaces_id=panel_id, made_by=annotator,
        )
        s.add(new)
        s.flush()
        return new.id
