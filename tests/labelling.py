"""Helpers for tests that need labelled panels: add annotations in one go, open the app in streamlit.testing."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

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


APP = str(Path(__file__).resolve().parents[1] / "app" / "main.py")


def open_app(monkeypatch: pytest.MonkeyPatch | None = None, **env: str) -> AppTest:
    if monkeypatch is not None:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
    st.cache_resource.clear()
    st.cache_data.clear()
    return AppTest.from_file(APP, default_timeout=30).run()


def signed_in(name: str = "ann") -> AppTest:
    at = open_app()
    at.text_input(key="name-input").input(name)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def labeler_args(at: AppTest) -> dict:
    """What the labeler component was sent in the last run (it draws in the browser, so the test reads its arguments)."""
    found = [e for e in at.main if type(e).__name__ == "UnknownElement" and "labeler" in getattr(e.proto, "component_name", "")]
    assert found, [type(e).__name__ for e in at.main]
    return json.loads(found[0].proto.json_args)


def send(at: AppTest, *presses: dict, instance: str = "tab1", have: tuple[int, ...] = ()) -> dict:
    """What the browser does on a key press: the component's value (all presses not yet acknowledged), then a rerun."""
    at.session_state["labeler"] = {"instance": instance, "presses": list(presses), "have": list(have)}
    at.run()
    assert not at.exception, at.exception
    return labeler_args(at)
