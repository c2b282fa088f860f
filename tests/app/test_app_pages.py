"""The app's other pages through streamlit.testing: My labels, Instructions, Progress, Review and
the Grid's keys (the keys themselves are pressed in test_app_browser.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from labelling import label, open_app, signed_in
from sqlalchemy import select

from figscrape.config import load_config
from figscrape.data.db import read_session
from figscrape.data.models import Annotation, Paper
from figscrape.synthetic.labelled import seed_panels


@pytest.fixture
def seeded(engine, store):  # noqa: ANN001, ANN201
    return seed_panels(engine, store, papers=6, figures=2, panels=3)


def go(at, page: str):  # noqa: ANN001, ANN201
    at.button(key=f"page-{page}").click().run()
    assert not at.exception, at.exception
    return at


def latest(engine, annotator: str, panel_id: int) -> tuple:  # noqa: ANN001
    with read_session(engine) as s:
        return tuple(s.execute(select(Annotation.is_ct, Annotation.diagnosis, Annotation.patient_key, Annotation.note)
                               .where(Annotation.annotator == annotator, Annotation.panel_id == panel_id)
                               .order_by(Annotation.id.desc())).first())


def test_my_labels_lists_filters_and_changes_ones_own_labels(engine, seeded) -> None:  # noqa: ANN001
    ids = seeded.panel_ids
    label(engine, ids[0], "ann", "yes", "covid", patient="patient 1", note="clear")
    label(engine, ids[1], "ann", "no")
    label(engine, ids[2], "ann", "yes", "normal", minutes=60 * 24 * 3)  # three days later
    label(engine, ids[3], "bob", "yes", "covid")  # not ann's
    with read_session(engine) as s:
        doi_of_first = s.scalar(select(Paper.doi).order_by(Paper.id))
    at = go(signed_in("ann"), "My labels")
    table = at.dataframe[0].value
    assert sorted(table["panel"]) == sorted(ids[:3]) and "bob" not in json.dumps(table.to_dict(), default=str)
    at.selectbox(key="mine-ct").select("not CT").run()
    assert list(at.dataframe[0].value["panel"]) == [ids[1]]
    at.selectbox(key="mine-ct").select("any")
    at.selectbox(key="mine-dx").select("COVID-19").run()
    assert list(at.dataframe[0].value["panel"]) == [ids[0]]
    at.selectbox(key="mine-dx").select("any")
    at.date_input(key="mine-since").set_value(date(2024, 1, 2)).run()
    assert list(at.dataframe[0].value["panel"]) == [ids[2]]  # labelled on 4 January; the others on 1 January
    at.date_input(key="mine-since").set_value(None)
    at.text_input(key="mine-paper").input(doi_of_first).run()
    assert set(at.dataframe[0].value["panel"]) <= set(ids[:6]) and ids[0] in list(at.dataframe[0].value["panel"])
    at.text_input(key="mine-paper").input("").run()
    at.selectbox(key="mine-panel").select(ids[0]).run()
    shortcuts = {b.key: b.proto.shortcut for b in at.button if b.key and b.key.startswith("mine-set-")}
    assert {k[-1]: v.lower() for k, v in shortcuts.items()} == {"1": "1", "2": "2", "3": "3", "4": "4", "N": "n", "U": "u"}
    chosen = [b.key for b in at.button if b.key and b.key.startswith("mine-set-") and b.proto.type == "primary"]
    assert chosen == ["mine-set-1"]  # only the label given looks chosen
    at.text_input(key=f"mine-note-{ids[0]}").input("on second look: other")
    at.button(key="mine-set-2").click().run()
    assert not at.exception, at.exception
    assert latest(engine, "ann", ids[0]) == ("yes", "other", "patient 1", "on second look: other")  # the patient kept
    assert any(f"panel {ids[0]} is now Other pneumonia" in s.value for s in at.success)
    at.text_input(key=f"mine-age-{ids[0]}").input("fifty")
    at.button(key="mine-set-3").click().run()
    assert any("not a whole number" in e.value for e in at.error) and latest(engine, "ann", ids[0])[1] == "other"


def test_instructions_come_from_the_owners_markdown_file(engine, seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    at = go(signed_in(), "Instructions")
    assert any("How to label" in m.value for m in at.markdown)  # the built-in text when FIGSCRAPE_INSTRUCTIONS is unset
    owner = tmp_path / "rules.md"
    owner.write_text("# Our rules\n\nLabel **only** axial chest CT; <b>see</b> [the guide](https://example.org/guide).\n", encoding="utf-8")
    monkeypatch.setenv("FIGSCRAPE_INSTRUCTIONS", str(owner))
    assert load_config().instructions == owner
    at = open_app()
    at.text_input(key="name-input").input("ann")
    at.button[0].click().run()
    at = go(at, "Instructions")
    assert [m.value for m in at.markdown if "Our rules" in m.value] == [owner.read_text(encoding="utf-8").strip()]  # as written, not escaped
    owner.write_text("# Changed\n", encoding="utf-8")
    at.run()
    assert any(m.value.strip() == "# Changed" for m in at.markdown)  # read on every visit
    owner.unlink()
    at.run()
    assert any("cannot be read" in w.value and "rules" in w.value for w in at.warning) and any("How to label" in m.value for m in at.markdown)


def test_progress_counts_per_class_with_a_chart_and_the_last_hour(engine, seeded) -> None:  # noqa: ANN001
    from figscrape.annotate.actions import Label, save_label

    ids = seeded.panel_ids
    label(engine, ids[0], "ann", "yes", "covid")  # 2024: long before the last hour
    save_label(engine, ids[1], "ann", Label("yes", "normal"))  # now
    save_label(engine, ids[2], "bob", Label("no"))
    at = go(signed_in(), "Progress")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Labels in the last hour"] == "2"
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")  # st.bar_chart
    classes = {r["class"]: r["labels"] for r in at.table[0].value.to_dict("records")}
    assert (classes["COVID-19"], classes["Normal"], classes["Not CT"], classes["Other pneumonia"]) == (1, 1, 1, 0)
    people = at.table[1].value.to_dict("records")
    assert [(r["annotator"], r["in the last hour"], r["labels per active hour"]) for r in people] == [("ann", 1, ""), ("bob", 1, "")]


def test_review_lists_every_disagreement_with_figure_link_notes_and_decides_by_key(engine, seeded) -> None:  # noqa: ANN001
    ids = seeded.panel_ids
    label(engine, ids[0], "ann", "yes", "covid", note="GGO **both** lungs")
    label(engine, ids[0], "bob", "yes", "normal", note="looks clear")
    label(engine, ids[1], "ann", "yes", "covid")
    label(engine, ids[1], "bob", "no", note="an X-ray")
    label(engine, ids[2], "ann", "yes", "covid")
    label(engine, ids[2], "bob", "yes", "covid")  # agreed: not listed
    at = go(signed_in("rev"), "Review")
    assert any("2 panels where annotators disagree" in h.value for h in at.subheader)
    boxes = [e for e in at.main if getattr(e, "key", None) and str(e.key).startswith("dis-")]
    assert len(boxes) == 2
    links = [m.value for m in at.markdown if "https://doi.org/10.1101/" in m.value]
    assert len(links) == 2 and all(m.startswith("[") for m in links)
    notes = [r["note"] for t in at.table for r in t.value.to_dict("records") if "note" in r]
    assert "GGO \\*\\*both\\*\\* lungs" in notes and "an X\\-ray" in notes  # a note is text: its stars are not bold
    figures = [i for i in at.get("image") if any("the panel boxed" in c for c in i.captions)]
    assert len(at.get("image")) >= 4 and len(figures) == 2  # each with the panel and its whole figure, boxed
    at.radio(key="review-kind").set_value("CT or not").run()
    assert any("1 panels where annotators disagree on CT or not" in h.value for h in at.subheader)
    at.radio(key="review-kind").set_value("all").run()
    keyed = {b.key: b.proto.shortcut for b in at.button if b.key and b.key.startswith("adj-")}
    assert keyed[f"adj-{ids[0]}-3"] == "3" and keyed[f"adj-{ids[1]}-3"] == ""  # only the marked panel takes the keys
    at.button(key="review-next").click().run()  # J
    keyed = {b.key: b.proto.shortcut for b in at.button if b.key and b.key.startswith("adj-")}
    assert keyed[f"adj-{ids[1]}-N"].lower() == "n" and keyed[f"adj-{ids[0]}-N"] == ""
    assert {b.key: b.proto.shortcut.lower() for b in at.button if b.key in ("review-next", "review-prev")} == {"review-next": "j", "review-prev": "k"}
    at.button(key=f"adj-{ids[1]}-N").click().run()
    assert latest(engine, "rev", ids[1])[:2] == ("no", "")
    assert any("1 panels where annotators disagree" in h.value for h in at.subheader)


def test_review_without_the_reviewer_role_lists_but_does_not_decide(engine, seeded, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    ids = seeded.panel_ids
    label(engine, ids[0], "ann", "yes", "covid")
    label(engine, ids[0], "bob", "no")
    monkeypatch.setenv("FIGSCRAPE_REVIEWERS", "rev")
    at = open_app()
    at.text_input(key="name-input").input("ann")
    at.button[0].click().run()
    at = go(at, "Review")
    assert any("1 panels where annotators disagree" in h.value for h in at.subheader)
    assert not [b for b in at.button if b.key and b.key.startswith("adj-")] and any("Only reviewers" in i.value for i in at.info)


def test_the_grid_gives_its_cells_to_the_keys_in_reading_order(engine, seeded) -> None:  # noqa: ANN001
    at = go(signed_in(), "Grid")
    keys = [e for e in at.main if type(e).__name__ == "UnknownElement" and "pagekeys" in getattr(e.proto, "component_name", "")]
    grid = json.loads(keys[0].proto.json_args)["grid"]
    boxes = [c.key for c in at.checkbox if c.key and c.key.startswith("rej-")]
    assert grid["cols"] == 6 and [f"rej-{p}" for p in grid["cells"]] == boxes
    assert all(c.label == "not CT" for c in at.checkbox if c.key and c.key.startswith("rej-"))
    at = go(at, "Progress")
    keys = [e for e in at.main if type(e).__name__ == "UnknownElement" and "pagekeys" in getattr(e.proto, "component_name", "")]
    assert json.loads(keys[0].proto.json_args)["grid"] is None  # on every page: it keeps R and C from labelers
