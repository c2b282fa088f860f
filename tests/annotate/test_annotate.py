from __future__ import annotations

import pytest
from labelling import label, label_at_once
from sqlalchemy import func, select

from figscrape.annotate.actions import Label, correct_box, reject, save_label, withdraw
from figscrape.annotate.agreement import cohen_kappa, disagreements, fleiss_kappa
from figscrape.annotate.facts import suggest
from figscrape.annotate.progress import collect_progress, per_hour
from figscrape.annotate.queue import QueueFilter, next_panels, remaining
from figscrape.data.db import read_session, write_session
from figscrape.data.models import Annotation, Panel
from figscrape.data.votes import load_votes
from figscrape.synthetic.labelled import seed_panels


@pytest.mark.parametrize(("caption", "sub", "expected"), [
    ("Chest CT of patient 3, a 45-year-old man, on admission.", "", ("patient 3", 45, "M")),
    ("Figure 2. Case 2 (62-year-old female): bilateral GGO.", "", ("case 2", 62, "F")),
    ("CT images of two patients. (A) Patient 1 (M, 56). (B) Patient 2 (F, 40).", "Patient 2 (F, 40)", ("patient 2", 40, "F")),
    ("CT images of two patients. (A) Patient 1 (M, 56). (B) Patient 2 (F, 40).", "", ("", None, "")),
    ("A 71 y/o woman with fever.", "", ("", 71, "F")),
    ("Representative CT scans.", "", ("", None, "")),
])
def test_patient_age_and_sex_are_suggested_from_the_caption(caption: str, sub: str, expected: tuple) -> None:
    s = suggest(caption, sub)
    assert (s.patient, s.age, s.sex) == expected


def test_the_queue_is_by_score_skips_my_labels_and_full_panels_and_filters(engine, store) -> None:  # noqa: ANN001
    seeded = seed_panels(engine, store, papers=4, figures=1, panels=3)
    with write_session(engine) as s:
        for k, pid in enumerate(seeded.panel_ids):
            s.get(Panel, pid).ct_score = None if k == 0 else k / 20
    queue = next_panels(engine, "ann")
    assert queue[0] == seeded.panel_ids[-1] and queue[-1] == seeded.panel_ids[0]  # unscored last
    label(engine, queue[0], "ann")
    label(engine, queue[1], "bob")
    label(engine, queue[1], "carl")  # two labels: enough
    again = next_panels(engine, "ann")
    assert queue[0] not in again and queue[1] not in again and len(again) == 10
    assert queue[0] in next_panels(engine, "bob")
    assert remaining(engine, "ann") == 10
    withdraw(engine, queue[0], "ann")  # undo puts it back
    assert queue[0] in next_panels(engine, "ann")
    assert len(next_panels(engine, "ann", QueueFilter(min_score=0.3, include_unscored=False))) == len([k for k in range(1, 12) if k / 20 >= 0.3]) - 1
    assert len(next_panels(engine, "ann", QueueFilter(paper=seeded.paper_dois[2]))) == 3
    assert next_panels(engine, "ann", QueueFilter(search="follow-up bilateral")) == []
    assert len(next_panels(engine, "ann", QueueFilter(search="ground-glass"))) > 0


def test_undo_keeps_the_history_and_the_vote_goes(engine, store) -> None:  # noqa: ANN001
    pid = seed_panels(engine, store, papers=1, figures=1, panels=1).panel_ids[0]
    save_label(engine, pid, "ann", Label("yes", "covid", "patient 1", 50, "F"))
    withdraw(engine, pid, "ann")
    with read_session(engine) as s:
        assert s.scalar(select(func.count(Annotation.id))) == 2
        assert load_votes(s).get(pid) is None
    with pytest.raises(ValueError, match="is_ct"):
        save_label(engine, pid, "ann", Label("maybe"))


def test_a_corrected_box_is_a_new_panel_version(engine, store) -> None:  # noqa: ANN001
    seeded = seed_panels(engine, store, papers=1, figures=1, panels=2, size=64)
    old = seeded.panel_ids[0]
    label(engine, old, "ann")
    new = correct_box(engine, store, old, (4, 4, 60, 60), "ann")
    with read_session(engine) as s:
        panel = s.get(Panel, new)
        assert (panel.x0, panel.y1, panel.replaces_id, panel.made_by) == (4, 60, old, "ann")
        assert store.exists(panel.image_sha256)
    queue = next_panels(engine, "bob")
    assert new in queue and old not in queue
    with pytest.raises(ValueError, match="already corrected"):
        correct_box(engine, store, old, (0, 0, 30, 30), "ann")
    with pytest.raises(ValueError, match="empty"):
        correct_box(engine, store, new, (10, 10, 12, 12), "ann")


def test_kappa_and_disagreements() -> None:
    assert fleiss_kappa([["a", "a"], ["b", "b"], ["a", "a"]]) == pytest.approx(1.0)
    assert fleiss_kappa([["a", "b"], ["b", "a"]]) == pytest.approx(-1.0)
    # Fleiss' worked example (Wikipedia) reduced: 3 raters, 4 items
    assert fleiss_kappa([["a", "a", "a"], ["a", "a", "b"], ["b", "b", "b"], ["a", "b", "b"]]) == pytest.approx(1 / 3, abs=1e-9)
    assert cohen_kappa([("y", "y"), ("y", "n"), ("n", "n"), ("n", "n")]) == pytest.approx(0.5)
    from figscrape.data.votes import Vote

    votes = {1: [Vote("a", "yes", "covid"), Vote("b", "yes", "normal")], 2: [Vote("a", "no"), Vote("b", "no")],
             3: [Vote("a", "yes", "covid"), Vote("b", "no"), Vote("r", "no", adjudication=True)], 4: [Vote("a", "yes", "covid")]}
    assert disagreements(votes) == [1]


def test_progress_counts_and_labels_per_hour(engine, store) -> None:  # noqa: ANN001
    from datetime import datetime, timedelta

    t = datetime(2024, 1, 1)
    assert per_hour([t, t + timedelta(seconds=10), t + timedelta(seconds=20), t + timedelta(hours=3)], least=0) == pytest.approx(3 / 320 * 3600)
    assert per_hour([t, t + timedelta(seconds=10), t + timedelta(seconds=30)]) is None  # 30 s of labelling: no "labels per hour"
    seeded = seed_panels(engine, store, papers=2, figures=1, panels=2)
    for k, pid in enumerate(seeded.panel_ids[:3]):
        label(engine, pid, "ann", minutes=10 * k)
    label(engine, seeded.panel_ids[0], "bob", is_ct="yes", diagnosis="normal", minutes=60 * 24)
    reject(engine, [seeded.panel_ids[3]], "bob")  # now
    p = collect_progress(engine, 2, now=datetime(2024, 1, 2, 0, 30))
    assert (p.panels, p.labelled, p.enough) == (4, 4, 1)
    assert [(a.annotator, a.panels) for a in p.annotators] == [("ann", 3), ("bob", 2)]
    assert p.annotators[0].per_hour == pytest.approx(12)  # 10-minute gaps count 5 (the rest is a break): 2 labels in 10 active minutes
    assert p.last_hour == 1 and [a.last_hour for a in p.annotators] == [0, 1]  # bob's label of 00:00, not the rejection of today
    assert p.classes["COVID-19"] == 3 and p.classes["Normal"] == 1 and p.classes["Not CT"] == 1 and p.classes["Other pneumonia"] == 0
    assert p.resolved == {"annotators tie on COVID-19 or not": 1, "CT_COVID": 2, "not CT": 1}


def test_eight_threads_labelling_at_once_on_sqlite_lose_nothing(engine, store, config) -> None:  # noqa: ANN001
    ids = seed_panels(engine, store, papers=4, figures=1, panels=5).panel_ids
    assert label_at_once(config.db_url, 8, limit=20) == []
    with read_session(engine) as s:
        assert s.scalar(select(func.count(Annotation.id))) == 8 * len(ids)


def test_presses_are_stored_once_in_order_and_skips_stay_per_annotator(engine, store) -> None:  # noqa: ANN001
    from figscrape.annotate.presses import apply_presses, parse

    ids = seed_panels(engine, store, papers=1, figures=1, panels=4).panel_ids
    raw = [{"seq": 1, "panel": ids[0], "kind": "label", "is_ct": "yes", "diagnosis": "covid", "patient": " case 2 ", "age": "45", "sex": "M"},
           {"seq": 2, "panel": ids[1], "kind": "skip"},
           {"seq": 3, "panel": ids[2], "kind": "label", "is_ct": "no"},
           {"seq": 4, "panel": ids[2], "kind": "withdraw"}]
    presses = [parse(r) for r in raw]
    first = apply_presses(engine, "ann", "tab1", presses[:3])
    assert (first.acked, first.saved, first.again) == (3, 3, 0)
    again = apply_presses(engine, "ann", "tab1", presses)  # sent again with one more: only the new one is stored
    assert (again.acked, again.saved, again.again) == (4, 1, 3)
    assert apply_presses(engine, "ann", "tab1", presses, after=4).saved == 0
    with read_session(engine) as s:
        stored = s.execute(select(Annotation.panel_id, Annotation.is_ct, Annotation.patient_key, Annotation.age).order_by(Annotation.id)).all()
        assert [tuple(r) for r in stored] == [(ids[0], "yes", "case 2", 45), (ids[2], "no", "", None), (ids[2], "withdrawn", "", None)]
    queue = next_panels(engine, "ann")
    assert ids[0] not in queue and ids[1] not in queue and ids[2] in queue  # labelled and skipped out; undone back
    assert ids[1] in next_panels(engine, "bob")  # a skip is one annotator's
    apply_presses(engine, "ann", "tab2", [parse({"seq": 1, "panel": ids[1], "kind": "unskip"})])
    assert ids[1] in next_panels(engine, "ann")
    wrong = apply_presses(engine, "ann", "tab1", [parse({"seq": 3, "panel": ids[3], "kind": "label", "is_ct": "no"})])
    assert wrong.saved == 0 and "stored for panel" in wrong.problems[0]
    with pytest.raises(ValueError, match="kind"):
        parse({"seq": 9, "panel": 1, "kind": "explode"})
    with pytest.raises(ValueError, match="diagnosis"):
        parse({"seq": 9, "panel": 1, "kind": "label", "is_ct": "yes", "diagnosis": "flu"})


def test_percent_agreement_and_ac1_say_what_kappa_hides_when_one_class_dominates() -> None:
    from figscrape.annotate.agreement import gwet_ac1, percent_agreement

    panels = [["no", "no"]] * 18 + [["no", "yes"]]  # 18 of 19 agreed, nearly all "no"
    assert fleiss_kappa(panels) == pytest.approx(-0.027, abs=1e-3)
    assert percent_agreement(panels) == pytest.approx(18 / 19)
    assert gwet_ac1(panels) == pytest.approx(0.944, abs=1e-3)
    assert gwet_ac1([["a", "a"], ["b", "b"]]) == pytest.approx(1.0) and percent_agreement([["a"]]) is None
