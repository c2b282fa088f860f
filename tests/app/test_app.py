"""The labeling app's pages through streamlit.testing (it cannot press keys: it checks which
shortcut each button carries, and clicks them)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from labelling import APP, label, labeler_args, open_app, send, signed_in
from sqlalchemy import select

from figscrape.data.db import read_session
from figscrape.data.models import Annotation, Panel
from figscrape.synthetic.labelled import seed_panels


def rows(engine) -> list[tuple]:  # noqa: ANN001
    with read_session(engine) as s:
        return [tuple(r) for r in s.execute(select(Annotation.panel_id, Annotation.annotator, Annotation.is_ct, Annotation.diagnosis,
                                                   Annotation.patient_key, Annotation.age, Annotation.sex).order_by(Annotation.id))]


@pytest.fixture
def seeded(engine, store):  # noqa: ANN001, ANN201
    return seed_panels(engine, store, papers=6, figures=2, panels=3)


def test_every_label_and_move_has_a_key_shown_on_screen(seeded) -> None:  # noqa: ANN001
    at = signed_in()
    keys = {text: key for key, text, _, _ in labeler_args(at)["keys"]}  # the component draws each key on its button
    assert keys == {"COVID-19": "1", "Other pneumonia": "2", "Normal": "3", "CT, unsure diagnosis": "4", "Not CT": "N", "Unsure if CT": "U"}
    shortcuts = {b.proto.label: b.proto.shortcut for b in at.button if b.proto.shortcut}
    assert {k: v.lower() for k, v in shortcuts.items()}.items() >= {"Label": "l", "Grid": "g", "Progress": "o", "Review": "v"}.items()
    page_keys = [v.lower() for v in shortcuts.values()]
    moves = {"s", "b", "z", "p"}  # the component's own: skip, back, undo, same patient
    assert len(page_keys) == len(set(page_keys)) and not set(page_keys) & ({"c", "r"} | moves | {k.lower() for k in keys.values()})


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


def test_a_key_press_saves_the_label_once_with_caption_suggestions_and_moves_on(engine, seeded) -> None:  # noqa: ANN001
    at = signed_in()
    args = labeler_args(at)
    first, second = args["window"][:2]
    tip = args["views"][str(first)]["tip"]
    assert tip["patient"].startswith(("patient", "case")) and str(tip["age"]).isdigit()  # suggested from the caption
    assert all(v["img"].startswith("data:image/") for v in args["views"].values())  # the next panels' pictures are in the page
    one = {"seq": 1, "panel": first, "kind": "label", "is_ct": "yes", "diagnosis": "covid", "patient": tip["patient"], "age": tip["age"]}
    held = args["window"]
    args = send(at, one, have=tuple(held))
    assert (args["acked_for"], args["acked"]) == ("tab1", 1) and first not in args["window"]
    assert not set(map(int, args["views"])) & set(held)  # the page holds them already: not sent again
    two = {"seq": 2, "panel": second, "kind": "label", "is_ct": "no", "patient": tip["patient"], "note": "motion artefact"}
    send(at, one, two)  # the first press sent again (its acknowledgement was lost): stored once
    saved = rows(engine)
    assert len(saved) == 2 and saved[0][:4] == (first, "ann", "yes", "covid") and saved[0][5] is not None
    assert saved[1][:5] == (second, "ann", "no", "", saved[0][4])
    args = send(at, {"seq": 3, "panel": second, "kind": "withdraw"})  # Z
    assert rows(engine)[-1][2] == "withdrawn" and second in args["window"]
    assert [(r["panel"], r["is_ct"]) for r in args["recent"]] == [(first, "yes")]  # what B shows after a reload: the label given
    args = send(at, {"seq": 4, "panel": second, "kind": "skip"})
    assert second not in args["window"] and args["recent"][-1] == {"panel": second, "kind": "skip"}
    at = signed_in()  # a new session: the skip is kept in the database
    assert second not in labeler_args(at)["window"]
    view = labeler_args(at)["views"][str(labeler_args(at)["window"][0])]
    assert view["url"].startswith("https://doi.org/10.1101/") and "licence" in view["meta"]


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
    assert dict((b.proto.label, b.proto.shortcut) for b in at.button)["Reject ticked as not CT (Enter)"].lower() == "x"
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
    at.button(key=f"adj-{ids[0]}-3").click().run()
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
    assert sorted(table["label"]) == ["CT\\_COVID", "CT\\_NonCOVID"]  # escaped: st.table renders Markdown in its cells
    assert any("rev \\(adjudication\\)\\: yes/other" in v for v in table["votes"])


def test_bad_states_get_a_message_not_a_traceback(engine, store, config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    at = signed_in()
    assert any("No panels in the database yet" in i.value for i in at.info)
    seeded = seed_panels(engine, store, papers=1, figures=1, panels=1)
    with read_session(engine) as s:
        sha = s.get(Panel, seeded.panel_ids[0]).image_sha256
    store.path(sha).unlink()
    at = signed_in()
    assert not at.exception
    view = labeler_args(at)["views"][str(seeded.panel_ids[0])]
    assert view["img"].startswith("data:image/svg+xml") and sha[:12] in base64.b64decode(view["img"].split(",", 1)[1]).decode()
    send(at, {"seq": 1, "panel": seeded.panel_ids[0], "kind": "label", "is_ct": "no"})  # still labelable
    assert rows(engine)[-1][2] == "no"
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0003'")
    at = open_app()
    assert any("figscrape db upgrade" in e.value for e in at.error)


def test_a_database_that_fails_on_save_leaves_a_message_and_the_presses_are_sent_again(engine, seeded, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from sqlalchemy.exc import OperationalError

    import figscrape.annotate.presses as presses

    at = signed_in()
    pid = labeler_args(at)["window"][0]

    def locked(*args, **kwargs) -> None:  # noqa: ANN002, ANN003 - the fault a busy or lost database raises
        raise OperationalError("INSERT INTO annotations", {}, Exception("database is locked"))

    monkeypatch.setattr(presses, "apply_presses", locked)
    one = {"seq": 1, "panel": pid, "kind": "label", "is_ct": "yes", "diagnosis": "covid"}
    args = send(at, one)
    assert "Not saved yet: the database failed (database is locked)" in args["notice"]
    assert args["acked"] == 0 and rows(engine) == [] and pid in args["window"]  # nothing stored, nothing acknowledged
    monkeypatch.undo()
    args = send(at, one)  # the page sends what is not acknowledged again
    assert len(rows(engine)) == 1 and args["acked"] == 1 and args["notice"] == ""


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
    view = next(iter(labeler_args(at)["views"].values()))
    assert evil in view["meta"] and "**bold**" in view["meta"]  # sent as text: the component sets textContent, never HTML
    assert view["url"].startswith("https://doi.org/10.1/x%29%20") and " " not in view["url"]
    js = (Path(APP).parent / "labeler" / "labeler.js").read_text()
    assert "innerHTML = `<kbd>${key" in js and js.count("innerHTML") == 3  # only the key map's own letters and fixed text


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


def test_an_image_bomb_in_the_store_is_not_sent_to_the_browser(engine, store) -> None:  # noqa: ANN001
    """A stored panel whose JPEG header says 32000 x 32000: the page sends the placeholder, not the
    bomb, and the panel can still be labelled."""
    import cv2
    import numpy as np

    seeded = seed_panels(engine, store, papers=1, figures=1, panels=1)
    data = bytearray(cv2.imencode(".jpg", np.full((64, 64, 3), 90, np.uint8))[1].tobytes())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = (32000).to_bytes(2, "big") * 2
    with read_session(engine) as s:
        sha = s.get(Panel, seeded.panel_ids[0]).image_sha256
    store.path(sha).chmod(0o644)
    store.path(sha).write_bytes(bytes(data))
    at = signed_in()
    assert not at.exception
    views = labeler_args(at)["views"]
    image = views[str(seeded.panel_ids[0])]["img"] if str(seeded.panel_ids[0]) in views else next(iter(views.values()))["img"]
    assert image.startswith("data:image/svg+xml") and "too large" in base64.b64decode(image.split(",", 1)[1]).decode()


def test_a_press_while_the_page_holds_enough_ahead_is_only_stored(engine, seeded) -> None:  # noqa: ANN001
    """The rerun of a press stores it and reads no queue while the page holds more than AHEAD / 2
    panels ahead (20 annotators' presses queued behind those reads); at AHEAD / 2 or fewer the window comes again."""
    from figscrape.app.labeler import AHEAD

    at = signed_in()
    window = send(at, have=tuple(labeler_args(at)["window"]))["window"]  # the page's first value: its window is sent
    at.session_state["labeler"] = {"instance": "tab1", "presses": [{"seq": 1, "panel": window[0], "kind": "label", "is_ct": "no"}],
                                   "have": window, "seeded": True, "ahead": AHEAD // 2 + 1}
    at.run()
    args = labeler_args(at)
    assert args["window"] is None and args["views"] == {} and args["recent"] is None and args["acked"] == 1
    assert rows(engine)[-1][:3] == (window[0], "ann", "no")
    at.session_state["labeler"] = {"instance": "tab1", "presses": [], "have": window, "seeded": True, "ahead": AHEAD // 2}
    at.run()
    assert window[0] not in labeler_args(at)["window"]
    at.text_input(key="f-search").input("consolidation")  # a new filter: a new queue, however much the page holds
    at.session_state["labeler"] = {"instance": "tab1", "presses": [], "have": window, "seeded": True, "ahead": AHEAD}
    at.run()
    assert labeler_args(at)["window"] is not None
