"""The Progress page: how many panels are labelled, and each annotator's pace."""

from __future__ import annotations

import streamlit as st

from figscrape.annotate.progress import collect_progress
from figscrape.config import Config
from figscrape.store import Store


def progress_page(engine, store: Store, config: Config, user: str) -> None:  # noqa: ANN001
    per_panel = config.labels_per_panel
    p = collect_progress(engine, per_panel)
    st.header("Progress")
    cols = st.columns(4)
    cols[0].metric("Panels", p.panels)
    cols[1].metric("Labelled at least once", p.labelled)
    cols[2].metric(f"With {per_panel}+ labels (done)", p.enough)
    cols[3].metric("To do", max(0, p.panels - p.enough))
    st.table([
        {"annotator": a.annotator, "panels": a.panels, "labels": a.labels,
         "labels per hour": "" if a.per_hour is None else f"{a.per_hour:.0f}", "last label": str(a.last or "")[:19]}
        for a in p.annotators
    ])
