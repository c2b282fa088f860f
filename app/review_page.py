"""The Review page: agreement between annotators, and a reviewer's decision on each panel they disagree on."""

from __future__ import annotations

import streamlit as st
from figscrape.app.shared import LABEL_KEYS, caption_markdown, escape, show_image

from figscrape.annotate import (
    actions,  # its functions looked up when called, as on the Label page
)
from figscrape.annotate.actions import Label
from figscrape.annotate.agreement import (
    agreement,
    class_rating,
    disagreements,
    is_ct_of,
)
from figscrape.annotate.queue import load_views
from figscrape.config import Config
from figscrape.export.dataset import ExportOptions
from figscrape.export.duplicates import label_conflicts
from figscrape.export.items import load_items
from figscrape.export.metainfo import votes_text
from figscrape.data.db import read_session
from figscrape.data.votes import load_votes, resolve
from figscrape.store import Store


def duplicate_conflicts(engine) -> list:  # noqa: ANN001
    """Near-duplicate copies of one picture whose labels resolve to different classes, as the export sees them."""
    items, _ = load_items(engine)
    return label_conflicts(items, ExportOptions().duplicate_distance)


def review_page(engine, store: Store, config: Config, user: str) -> None:  # noqa: ANN001
    st.header("Review")
    with read_session(engine) as s:
        votes = load_votes(s)
    for result in (agreement(votes, is_ct_of, "CT or not"), agreement(votes, class_rating, "COVID-19 or not")):
        shown = {name: "n/a" if v is None else f"{v:.3f}" for name, v in (("fleiss", result.fleiss), ("ac1", result.ac1))}
        percent = "n/a" if result.percent is None else f"{100 * result.percent:.1f}%"
        st.markdown(f"**{escape(result.label)}**: agreed on {percent} of {result.panels} panels with 2+ labels · "
                    f"Fleiss' kappa {shown['fleiss']} · Gwet's AC1 {shown['ac1']}")
        if result.pairs:
            st.table([{"annotators": f"{a} / {b}", "agreed": f"{100 * result.pair_percent[(a, b)]:.1f}%",
                       "Cohen's kappa": "n/a" if k is None else f"{k:.3f}", "panels": n}
                      for (a, b), (k, n) in result.pairs.items()])
            for (a, b), counts in result.confusion.items():
                kinds = sorted({x for pair in counts for x in pair})
                with st.expander(f"{result.label}: {a} (rows) against {b} (columns)"):
                    st.table({b_kind: {a_kind: counts.get((a_kind, b_kind), 0) for a_kind in kinds} for b_kind in kinds})
    pending = disagreements(votes)
    st.subheader(f"{len(pending)} panels where annotators disagree")
    conflicts = duplicate_conflicts(engine)
    if conflicts:
        st.markdown(f"**{len(conflicts)} pictures labelled differently on their near-duplicate copies**")
        st.table([{"picture": n, "file": i.name, "label": i.resolution.cls, "votes": votes_text(i)}
                  for n, group in enumerate(conflicts, start=1) for i in group])
    if not pending:
        return
    if not st.session_state.get("reviewer", False):
        st.info("Only reviewers can adjudicate (the users file's role, or FIGSCRAPE_REVIEWERS).")
        return
    pid = pending[0]
    view = load_views(engine, [pid])[pid]
    left, right = st.columns([2, 3])
    with left:
        show_image(store, view.image_sha256, width="stretch")
    with right:
        st.markdown(caption_markdown(view))
        st.table([{"annotator": v.annotator, "CT": v.is_ct, "diagnosis": v.diagnosis, "patient": v.patient_key} for v in votes[pid]])
        now = resolve(votes[pid])
        st.caption(f"majority now: {escape(now.cls or now.reason)}")
    cols = st.columns(len(LABEL_KEYS))
    for col, (key, text, is_ct, diagnosis) in zip(cols, LABEL_KEYS):
        if col.button(f"Decide: {text}", key=f"adj-{key}", shortcut=f"Alt+{key}", width="stretch"):
            patient = next((v.patient_key for v in votes[pid] if v.patient_key), "")
            actions.save_label(engine, pid, user, Label(is_ct, diagnosis, patient), adjudication=True)
            st.rerun()
