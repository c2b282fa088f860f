"""Helpers for tests that need labelled panels: add annotations in one go."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine

from figscrape.db import write_session
from figscrape.models import Annotation

T0 = datetime(2024, 1, 1)


def label(engine: Engine, panel_id: int, annotator: str, is_ct: str = "yes", diagnosis: str = "covid", patient: str = "",
          age: int | None = None, sex: str = "", adjudication: bool = False, minutes: int = 0) -> None:
    with write_session(engine) as s:
        s.add(Annotation(panel_id=panel_id, annotator=annotator, is_ct=is_ct, diagnosis=diagnosis if is_ct == "yes" else "",
                         patient_key=patient, age=age, sex=sex, adjudication=adjudication, created_at=T0 + timedelta(minutes=minutes)))
