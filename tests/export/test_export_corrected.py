"""One annotator's crop fix (a new panel row replaces the old) keeps every other annotator's labels
of that panel: they count for the panel that replaced it, along the chain of corrections, unless
the annotator labelled (or withdrew from) the new panel themselves."""

from __future__ import annotations

from pathlib import Path

from labelling import label

from figscrape.annotate.actions import correct_box, withdraw
from figscrape.export.dataset import ExportOptions, export_dataset
from figscrape.export.items import load_items
from figscrape.synthetic.labelled import seed_panels


def test_labels_of_a_corrected_panel_count_for_the_panel_that_replaced_it(engine, store, tmp_path: Path) -> None:  # noqa: ANN001
    seeded = seed_panels(engine, store, papers=1, figures=1, panels=3)
    p, other, third = seeded.panel_ids
    for annotator in ("ann", "bob", "dan"):
        label(engine, p, annotator, "yes", "covid", "patient 1", age=50, minutes=1)
    label(engine, other, "ann", "yes", "normal", minutes=1)
    label(engine, third, "ann", "yes", "normal", minutes=1)
    q = correct_box(engine, store, p, (2, 2, 90, 90), "carl")
    label(engine, q, "carl", "yes", "covid", minutes=5)
    label(engine, q, "bob", "yes", "normal", minutes=6)  # bob's own label of the new panel wins over his old one
    withdraw(engine, q, "dan")  # dan's undo on the new panel: his old label does not come back
    r = correct_box(engine, store, q, (4, 4, 88, 88), "eve")  # a second correction: the chain is followed
    items, excluded = load_items(engine)
    by_id = {i.panel_id: i for i in items}
    assert r in by_id and p not in by_id and q not in by_id
    votes = {v.annotator: v.diagnosis for v in by_id[r].resolution.votes}
    assert votes == {"ann": "covid", "bob": "normal", "carl": "covid"}
    assert (by_id[r].resolution.cls, by_id[r].resolution.patient_key, by_id[r].resolution.age) == ("CT_COVID", "patient 1", 50)
    reasons = {e.panel_id: e.reason for e in excluded}
    assert reasons[p].startswith("box corrected by hand") and reasons[q].startswith("box corrected by hand")
    result = export_dataset(engine, store, tmp_path / "out", ExportOptions())
    assert result.counts["images"] == 3
