"""The labeling app's pages through streamlit.testing (it cannot press keys: it checks which
shortcut each button carries, and clicks them)."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from labelling import label
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from figscrape.data.db import read_session
from figscrape.data.models import Annotation, Panel
from figscrape.synthetic.labelled import seed_panels

APP = str(Path(__file__).resolve().parents[2] / "app" / "main.py")


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


def rows(engine) -> list[tuple]:  # noqa: ANN001
    with read_session(engine) as s:
        return [tuple(r) for r in s.execute(select(Annotation.panel_id, Annotation.annotator, Annotation.is_ct, Annotation.diagnosis,
                                                   Annotation.patient_key, Annotation.age, Annotation.sex).order_by(Annotation.id))]


@pytest.fixture
def seeded(engine, store):  # noqa: ANN001, ANN201
    return seed_panels(engine, store, papers=6, figures=2, panels=3)


def test_every_label_and_move_has_a_key_shown_on_screen(seeded) -> None:  # noqa: ANN001
    at = signed_in()
    shortcuts = {b.proto.label: b.proto.shortcut for b in at.button}  # Streamlit draws each shortcut on its button
    for label_text, key in [("COVID-19", "1"), ("Other pneumonia", "2"), ("Normal", "3"), ("CT, unsure diagnosis", "4"), ("Not CT", "n"),
                            ("Unsure if CT", "u"), ("Back", "b"), ("Skip", "s"), ("Undo", "z"), ("Same patient as previous", "p"),
                            ("Label", "l"), ("Grid", "g"), ("Progress", "o"), ("Review", "v")]:
        assert shortcuts[label_text].lower() == key, label_text
    keys = [(b.proto.shortcut or "").lower() for b in at.button if b.proto.shortcut]
    assert len(keys) == len(set(keys)) and not set(keys) & {"c", "r"}  # one action per key; C and R are Streamlit's


def test_sign_in_is_needed_and_a_password_when_configured(seeded, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    at = open_app(monkeypatch, FIGSCRAPE_APP_PASSWORD="s3cret")
    assert at.title[0].value == "figscrape labeling" and len(at.button) == 1
    at.text_input(key="name-input").input("ann")
    at.text_input[1].input("wrong")
    at.button[0].click().run()
    assert "Wrong password." in [e.value for e in at.error]
    at.text_input[1].input("s3cret")
    at.button[0].click().run()
    assert at.session_state["user"] == "ann"


def test_a_key_press_saves_the_label_with_caption_suggestions_and_moves_on(engine, seeded) -> None:  # noqa: ANN001
    at = signed_in()
    first = at.session_state["queue"][0]
    assert at.text_input(key=f"patient-{first}").value.startswith(("patient", "case"))  # suggested from the caption
    assert at.text_input(key=f"age-{first}").value.isdigit()
    at.button(key="lab-1").click().run()
    second = at.session_state["queue"][1]
    assert at.session_state["pos"] == 1
    at.button(key="same").click().run()  # same patient as the previous panel
    at.text_input(key=f"note-{second}").input("motion artefact")
    at.button(key="lab-N").click().run()
    saved = rows(engine)
    assert saved[0][:4] == (first, "ann", "yes", "covid") and saved[0][5] is not None
    assert saved[1][:5] == (second, "ann", "no", "", saved[0][4])
    at.button(key="undo").click().run()
    assert at.session_state["pos"] == 1 and rows(engine)[-1][2] == "withdrawn"
    at.button(key="back").click().run()
    assert at.session_state["pos"] == 0
    md = " ".join(m.value for m in at.markdown)
    assert "doi.org/10.1101/" in md and "licence" in md


def test_grid_mode_rejects_ticked_panels_in_bulk(engine, seeded) -> None:  # noqa: ANN001
    at = signed_in()
    at.button(key="page-Grid").click().run()
    boxes = [c for c in at.checkbox if c.key and c.key.startswith("rej-")]
    assert len(boxes) == 30 or len(boxes) == len(seeded.panel_ids)
    for box in boxes[:3]:
        box.check()
    at.button(key="reject").click().run()
    rejected = [r for r in rows(engine) if r[2] == "no"]
    assert len(rejected) == 3 and {r[0] for r in rejected} == {int(b.key[4:]) for b in boxes[:3]}
    assert dict((b.proto.label, b.proto.shortcut) for b in at.button)["Reject ticked as not CT"].lower() == "x"
    remaining = [c.key for c in at.checkbox if c.key and c.key.startswith("rej-")]
    assert not set(remaining) & {b.key for b in boxes[:3]}


def test_progress_and_review_pages(engine, seeded) -> None:  # noqa: ANN001
    ids = seeded.panel_ids
    label(engine, ids[0], "ann", "yes", "covid")
    label(engine, ids[0], "bob", "yes", "normal")
    label(engine, ids[1], "ann", "yes", "covid")
    label(engine, ids[1], "bob", "yes", "covid")
    at = signed_in("rev")
    at.button(key="page-Progress").click().run()
    assert [m.value for m in at.metric][:3] == ["36", "2", "2"]
    at.button(key="page-Review").click().run()
    assert any("1 panels where annotators disagree" in h.value for h in at.subheader)
    assert any("Fleiss' kappa" in m.value for m in at.markdown)
    at.button(key="adj-3").click().run()
    last = rows(engine)[-1]
    assert last[:4] == (ids[0], "rev", "yes", "normal")
    with read_session(engine) as s:
        assert s.scalars(select(Annotation.adjudication).order_by(Annotation.id.desc())).first() is True
    assert any("0 panels where annotators disagree" in h.value for h in at.subheader)


def test_the_review_page_lists_near_duplicates_labelled_differently(engine, store, seeded) -> None:  # noqa: ANN001
    from figscrape.data.db import write_session

    ids = seeded.panel_ids
    with write_session(engine) as s:
        first, copy = s.get(Panel, ids[0]), s.get(Panel, ids[7])
        copy.phash = first.phash
    for annotator in ("ann", "bob"):
        label(engine, ids[0], annotator, "yes", "covid")
        label(engine, ids[7], annotator, "yes", "covid")
    label(engine, ids[7], "rev", "yes", "other", adjudication=True, minutes=5)
    at = signed_in("rev")
    at.button(key="page-Review").click().run()
    assert not at.exception, at.exception
    assert any("1 pictures labelled differently on their near-duplicate copies" in m.value for m in at.markdown), [m.value for m in at.markdown]
    table = at.table[-1].value
    assert sorted(table["label"]) == ["CT_COVID", "CT_NonCOVID"] and any("rev (adjudication): yes/other" in v for v in table["votes"])


def test_bad_states_get_a_message_not_a_traceback(engine, store, config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    at = signed_in()
    assert any("No panels in the database yet" in i.value for i in at.info)
    seeded = seed_panels(engine, store, papers=1, figures=1, panels=1)
    with read_session(engine) as s:
        sha = s.get(Panel, seeded.panel_ids[0]).image_sha256
    store.path(sha).unlink()
    at = signed_in()
    assert not at.exception
    assert any("Image file missing from the store" in w.value and sha in w.value for w in at.warning)
    at.button(key="lab-N").click().run()  # still labelable
    assert rows(engine)[-1][2] == "no"
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0003'")
    at = open_app()
    assert any("figscrape db upgrade" in e.value for e in at.error)


def test_a_database_that_fails_on_save_leaves_a_message_not_a_traceback(engine, seeded, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from sqlalchemy.exc import OperationalError

    import figscrape.annotate.actions as actions

    at = signed_in()

    def locked(*args, **kwargs) -> None:  # noqa: ANN002, ANN003 - the fault a busy or lost database raises
        raise OperationalError("INSERT INTO annotations", {}, Exception("database is locked"))

    monkeypatch.setattr(actions, "save_label", locked)
    at.run()  # the buttons' callbacks are bound when the page is drawn
    at.button(key="lab-1").click().run()
    assert not at.exception
    assert any("Not saved: the database failed (database is locked)" in e.value for e in at.error)
    assert at.session_state["pos"] == 0 and rows(engine) == []  # still on the same panel, nothing stored
    monkeypatch.undo()
    at.run()
    at.button(key="lab-1").click().run()
    assert len(rows(engine)) == 1 and at.session_state["pos"] == 1


def test_the_page_never_shows_the_database_password(engine, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    import figscrape.app.shared as shared

    opened = shared.open_database
    monkeypatch.setattr(shared, "open_database", lambda url, **kw: opened(str(engine.url), **kw))
    monkeypatch.setenv("FIGSCRAPE_DB", "postgresql+psycopg://ann:s3cret@db.example/figscrape")
    at = signed_in()
    shown = " ".join(str(e.value) for kind in (at.info, at.error, at.markdown, at.warning) for e in kind)
    assert "ann:***@db.example" in shown and "s3cret" not in shown


def test_record_fields_are_plain_text_on_the_page(engine, store) -> None:  # noqa: ANN001
    from sqlalchemy import update

    from figscrape.data.db import write_session
    from figscrape.data.models import Paper

    seed_panels(engine, store, papers=1, figures=1, panels=1)
    evil = "![x](http://evil.example/a.png)"
    with write_session(engine) as s:
        s.execute(update(Paper).values(license=evil, server="**bold**", title="", doi="10.1/x) " + evil + " (y"))
    at = signed_in()
    shown = [m.value for m in at.markdown]
    assert any("licence" in m for m in shown)
    assert not [m for m in shown if "](http://evil" in m or "**bold**" in m], shown
    assert any(r"\!\[x\]\(http\:" in m and "https://doi.org/10.1/x%29%20" in m for m in shown), shown


def test_with_a_users_file_everyone_signs_in_with_their_own_password_and_role(seeded, config, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from figscrape.annotate.users import add_user

    add_user(config.users_file, "ann", "ann's password")
    add_user(config.users_file, "rev", "rev's password", "reviewer")
    at = open_app(monkeypatch)
    at.text_input(key="name-input").input("rev")
    at.text_input[1].input("ann's password")
    at.button[0].click().run()
    assert "Wrong name or password." in [e.value for e in at.error]  # rev with ann's password
    at.text_input[1].input("rev's password")
    at.button[0].click().run()
    assert at.session_state["user"] == "rev" and at.session_state["reviewer"] is True
    at = open_app(monkeypatch)
    at.text_input(key="name-input").input("ann")
    at.text_input[1].input("ann's password")
    at.button[0].click().run()
    assert at.session_state["user"] == "ann" and at.session_state["reviewer"] is False
