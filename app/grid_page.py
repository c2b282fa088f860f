"""The Grid page: a page of panels at once, the ticked ones rejected as not CT in bulk."""

from __future__ import annotations

import streamlit as st
from figscrape.app.pagekeys import page_keys
from figscrape.app.shared import image_bytes, queue_filter, resources, saving

from figscrape.annotate import (
    actions,  # its functions looked up when called, as on the Label page
)
from figscrape.annotate.queue import load_views, next_panels
from figscrape.config import Config
from figscrape.store import Store

GRID = 30
COLS = 6


@saving
def on_reject(ids: list[int]) -> None:
    chosen = [p for p in ids if st.session_state.get(f"rej-{p}")]
    engine, _, _ = resources()
    if chosen:
        actions.reject(engine, chosen, st.session_state["user"])
        for p in chosen:
            st.session_state.pop(f"rej-{p}", None)
    st.session_state["flash"] = f"rejected {len(chosen)} panels as not CT"
    st.session_state["grid-seen"] = [p for p in st.session_state.get("grid-seen", []) if p not in chosen]


def grid_page(engine, store: Store, config: Config, user: str) -> None:  # noqa: ANN001
    f = queue_filter()
    if flash := st.session_state.pop("flash", None):
        st.toast(flash)
    skip = tuple(st.session_state.get("grid-skipped", []))
    ids = next_panels(engine, user, f, GRID, config.labels_per_panel, exclude=skip)
    st.markdown("**Grid**: tick the panels that are not CT, then reject them. Keys: arrows or H J K L move the blue cursor, "
                "Space ticks, Enter (or X) rejects the ticked; PageDown (Next page) keeps the rest for labeling one "
                "at a time; Esc goes to the Label page.")
    top = st.columns(2)
    top[0].button("Reject ticked as not CT (Enter)", key="reject", shortcut="X", on_click=on_reject, args=(ids,), type="primary")
    top[1].button("Next page (PageDown)", key="grid-next", shortcut="PageDown",
                  on_click=lambda: st.session_state.update({"grid-skipped": list(skip) + ids}))
    page_keys(grid=ids, cols=COLS)
    views = load_views(engine, ids)
    rows = [ids[k:k + COLS] for k in range(0, len(ids), COLS)]
    for row in rows:  # row by row, so the keys' reading order is the order on screen
        cols = st.columns(COLS)
        for col, pid in zip(cols, row):
            with col.container(key=f"cell-{pid}"):
                data, why = image_bytes(store.path(views[pid].image_sha256))
                if data is not None:
                    st.image(data, width="stretch")
                else:
                    st.caption("image missing" if why == "missing" else "image not shown: too large or damaged")
                ticked = st.checkbox("not CT", key=f"rej-{pid}")
                score = views[pid].ct_score
                st.caption(f"panel {pid}" + ("" if score is None else f" · CT score {score:.2f}") + (" · ticked" if ticked else ""))
