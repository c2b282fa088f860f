"""figscrape's labeling app, the script `figscrape app` runs: page config, sign-in, and the switch between the pages."""

from __future__ import annotations

import streamlit as st

# absolute imports: Streamlit runs this file as a script, not as part of the figscrape.app package
from figscrape.app.grid_page import grid_page
from figscrape.app.instructions_page import instructions_page
from figscrape.app.label_page import label_page
from figscrape.app.labeler import take_presses
from figscrape.app.mine_page import mine_page
from figscrape.app.pagekeys import page_keys
from figscrape.app.progress_page import progress_page
from figscrape.app.review_page import review_page
from figscrape.app.shared import escape, resources
from figscrape.app.signin import sign_in
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from figscrape.data.db import DatabaseError, read_session
from figscrape.data.models import Panel

st.set_page_config(page_title="figscrape labeling", layout="wide")

# each page: its key, and the function that draws it
PAGES = {"Label": ("L", label_page), "Grid": ("G", grid_page), "My labels": ("M", mine_page), "Progress": ("O", progress_page),
         "Review": ("V", review_page), "Instructions": ("I", instructions_page)}


def main() -> None:
    try:
        engine, store, config = resources()
    except (DatabaseError, ValueError) as exc:  # an old schema, an unusable setting: said in words
        st.error(str(exc))
        return
    user = sign_in(config)
    if user is None:
        return
    try:
        take_presses(engine, user)  # first: presses sent just before a page switch are saved too
    except OperationalError as exc:
        st.session_state["labeler-notice"] = f"Not saved yet: {str(exc.orig).splitlines()[0]}"
    page = st.session_state.setdefault("page", "Label")
    with st.sidebar:
        st.markdown(f"Signed in as **{escape(user)}**")
        for name, (key, _) in PAGES.items():
            st.button(name, key=f"page-{name}", shortcut=key, on_click=lambda n=name: st.session_state.update(page=n),
                      type="primary" if name == page else "secondary", width="stretch")
        if st.button("Sign out"):
            st.session_state.clear()
            st.rerun()
        st.caption("Keys: 1 COVID-19 · 2 other pneumonia · 3 normal · 4 CT, unsure · N not CT · U unsure · "
                   "S skip · B back · Z undo · P same patient · Tab patient, age, sex (Enter saves, Esc leaves). "
                   "Grid: arrows or H J K L move, Space ticks, Enter rejects the ticked. Each page's key is on its button.")
    notices = st.container()  # always drawn: the page below keeps its place, so the labeler is never remounted
    if message := st.session_state.pop("db-error", None):
        notices.error(message)
    try:
        with read_session(engine) as s:
            empty = s.scalar(select(Panel.id).limit(1)) is None
        if empty:
            st.info(f"No panels in the database yet ({config.db_shown}). Run `figscrape run` (or `figscrape demo`) to fill it.")
            return
        if page not in ("Label", "Grid"):  # the labeler and the grid keep Streamlit's R and C from labelers themselves
            page_keys()
        PAGES[page][1](engine, store, config, user)
    except OperationalError as exc:
        st.error(f"Lost the database connection ({str(exc.orig).splitlines()[0]}). Your labels so far are saved. "
                 "Check the database, then retry.")
        st.button("Retry", key="retry")


if __name__ == "__main__":  # Streamlit runs the script as __main__; a process that re-imports it (multiprocessing's spawn) does not
    main()
