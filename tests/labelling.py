"""Helpers for tests that need labelled panels: add annotations in one go."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine

from figscrape.annotate.actions import Label, save_label
from figscrape.annotate.queue import next_panels
from figscrape.data.db import make_engine, write_session
from figscrape.data.models import Annotation

T0 = datetime(2024, 1, 1)


def label(engine: Engine, panel_id: int, annotator: str, is_ct: str = "yes", diagnosis: str = "covid", patient: str = "",
          age: int | None = None, sex: str = "", adjudication: bool = False, minutes: int = 0, note: str = "") -> None:
    with write_session(engine) as s:
        s.add(Annotation(panel_id=panel_id, annotator=annotator, is_ct=is_ct, diagnosis=diagnosis if is_ct == "yes" else "",
                         patient_key=patient, age=age, sex=sex, note=note, adjudication=adjudication, created_at=T0 + timedelta(minutes=minutes)))


def label_at_once(url: str, people: int, limit: int, then: Callable[[Engine, str], None] | None = None) -> list[Exception]:
    """`people` threads, each with its own engine, labelling the first `limit` panels of their queue
    (then doing `then`); returns the errors any of them met."""
    errors: list[Exception] = []

    def work(n: int) -> None:
        local = make_engine(url)
        for pid in next_panels(local, f"w{n}", limit=limit, per_panel=99):
            try:
                save_label(local, pid, f"w{n}", Label("yes", "covid"))
            except Exception as exc:  # collected: the tests assert there are none
                errors.append(exc)
        if then is not None:
            then(local, f"w{n}")
        local.dispose()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
