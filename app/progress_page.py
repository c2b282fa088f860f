"""The Progress page: how many panels are labelled, how the labels fall into the classes (a chart),
each annotator's pace, and what was labelled in the last hour (counted, not extrapolated)."""

from __future__ import annotations

import streamlit as st
from figscrape.app.shared import escape, plain_table

from figscrape.annotate.progress import collect_progress
from figscrape.config import Config
from figscrape.store import Store


def progress_page(engine, store: Store, config: Config, user: str) -> None:  # noqa: ANN001
    per_panel = config.labels_per_panel
    p = collect_progress(engine, per_panel)
    st.header("Progress")
    cols = st.columns(5)
    cols[0].metric("Panels", p.panels)
    cols[1].metric("Labelled at least once", p.labelled)
    cols[2].metric(f"With {per_panel}+ labels (done)", p.enough)
    cols[3].metric("To do", max(0, p.panels - p.enough))
    cols[4].metric("Labels in the last hour", p.last_hour)
    st.subheader("Labels per class")
    st.caption("Every annotator's current label of each panel (undone labels and adjudications not counted).")
    st.bar_chart({"labels": p.classes}, horizontal=True, x_label="labels", y_label="")
    st.table([{"class": name, "labels": n} for name, n in p.classes.items()])  # the classes' own names, no record field
    if p.resolved:
        st.caption("Panels by what their labels resolve to (as `figscrape export` resolves them): " +
                   " · ".join(f"{escape(k)} {v}" for k, v in sorted(p.resolved.items())))
    st.subheader("Annotators")
    plain_table([
        {"annotator": a.annotator, "panels": a.panels, "labels": a.labels, "in the last hour": a.last_hour,
         "labels per active hour": "" if a.per_hour is None else f"{a.per_hour:.0f}", "last label (UTC)": str(a.last or "")[:19]}
        for a in p.annotators
    ])
    st.caption("Labels per active hour: over each annotator's labelling time, pauses over five minutes left out; "
               "shown from 20 labels on, as fewer say little.")
