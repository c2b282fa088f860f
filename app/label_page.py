"""The Label page: the labeler component (figscrape.app.labeler) holds the next panels in the
browser and shows each at once on a key press; the presses come back and are saved in order. Below
it, fixing a panel's crop."""

from __future__ import annotations

import streamlit as st
from figscrape.app.labeler import count_left, labeler
from figscrape.app.shared import queue_filter

from figscrape.annotate import (
    actions,  # its functions looked up when called (the tests replace them)
)
from figscrape.annotate.queue import load_views, next_panels
from figscrape.config import Config
from figscrape.store import Store


def label_page(engine, store: Store, config: Config, user: str) -> None:  # noqa: ANN001
    f = queue_filter()
    count_left(engine, user, f, config.labels_per_panel)
    labeler(engine, store, user, f, config.labels_per_panel)
    with st.expander("Fix a panel's crop"):
        first = next_panels(engine, user, f, 1, config.labels_per_panel)
        pid = int(st.number_input("Panel (its number is above the picture)", min_value=1, value=first[0] if first else 1, key="crop-panel"))
        view = load_views(engine, [pid]).get(pid)
        if view is None:
            st.caption("No such panel.")
            return
        x0, y0, x1, y1 = view.bbox
        cols = st.columns(4)
        box = tuple(int(c.number_input(n, 0, max(view.figure_width, view.figure_height), v, key=f"box-{n}-{pid}"))
                    for c, n, v in zip(cols, ("x0", "y0", "x1", "y1"), (x0, y0, x1, y1)))
        if st.button("Save corrected box", key=f"save-box-{pid}"):
            try:
                new = actions.correct_box(engine, store, pid, box, user)  # type: ignore[arg-type]
            except (ValueError, OSError) as exc:
                st.error(f"Box not saved: {exc}")
            else:
                st.success(f"panel {pid} re-cut as panel {new}: it takes the old one's place in the queue")
