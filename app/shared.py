"""What the app's pages share: the database and store, the label keys, the queue's filters, drawing panels, saving and escaping."""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import streamlit as st
from PIL import Image, ImageDraw
from sqlalchemy.exc import DBAPIError

from figscrape.annotate.queue import PanelView, QueueFilter
from figscrape.config import load_config
from figscrape.data.db import open_database
from figscrape.runtime.imaging import check_size, header_size
from figscrape.store import Store

# key, label, is_ct, diagnosis: the labels, each saved with one key press that also moves on
LABEL_KEYS = [
    ("1", "COVID-19", "yes", "covid"),
    ("2", "Other pneumonia", "yes", "other"),
    ("3", "Normal", "yes", "normal"),
    ("4", "CT, unsure diagnosis", "yes", "unsure"),
    ("N", "Not CT", "no", ""),
    ("U", "Unsure if CT", "unsure", ""),
]


@st.cache_resource
def resources():  # noqa: ANN201
    """The database, the file store and the configuration (figscrape.config.load_config), opened once."""
    config = load_config()
    return open_database(config.db_url, create=False), config.open_store(), config


def queue_filter() -> QueueFilter:
    with st.sidebar.expander("Filters", expanded=False):
        f = QueueFilter(
            paper=st.text_input("Paper (DOI or title)", key="f-paper"),
            since=st.text_input("Posted since (YYYY-MM-DD)", key="f-since"),
            until=st.text_input("Posted until (YYYY-MM-DD)", key="f-until"),
            server=st.selectbox("Server", ["", "medrxiv", "biorxiv", "local"], key="f-server"),
            search=st.text_input("Caption contains", key="f-search"),
        )
        low, high = st.slider("CT score", 0.0, 1.0, (0.0, 1.0), 0.05, key="f-score")
        unscored = st.checkbox("Include unscored panels", True, key="f-unscored")
    f = replace(f, min_score=low, max_score=high, include_unscored=unscored)
    if st.session_state.get("queue-filter") != f:  # a new filter starts a new queue
        st.session_state["queue-filter"] = f
        st.session_state["queue"], st.session_state["pos"] = [], 0
    return f


def saving(callback: Callable[..., None]) -> Callable[..., None]:
    """A button's callback that writes: a database that fails (locked past its timeout, gone, a lost
    connection) leaves a message on the page instead of a traceback, and nothing half-saved."""

    @functools.wraps(callback)
    def guarded(*args) -> None:  # noqa: ANN002
        try:
            callback(*args)
        except DBAPIError as exc:
            st.session_state["db-error"] = (f"Not saved: the database failed ({str(exc.orig).splitlines()[0]}). "
                                            "Nothing was half-written; press the key again when it is back.")

    return guarded


def escape(text: object) -> str:
    """Any value from a record, made plain text for st.markdown (and every widget label that reads markdown)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|$<>~:&=\"'])", r"\\\1", "" if text is None else str(text))


def doi_url(doi: str) -> str:
    """A record's DOI as a link target that cannot leave the link: every character but / percent-encoded."""
    return "https://doi.org/" + quote(doi, safe="/")


def caption_markdown(view: PanelView) -> str:
    caption, sub = view.caption, view.subcaption
    if sub and sub in caption:
        start = caption.index(sub)
        return escape(caption[:start]) + ":orange-background[" + escape(sub) + "]" + escape(caption[start + len(sub):])
    return escape(caption) + (f"\n\n:orange-background[{escape(sub)}]" if sub else "")


@st.cache_data(max_entries=64, show_spinner=False)
def figure_with_box(path: str, box: tuple[int, int, int, int], width: int = 900) -> bytes:
    check_size(*header_size(Path(path).read_bytes()))
    image = Image.open(path).convert("RGB")
    scale = min(1.0, width / image.width)
    if scale < 1.0:
        image = image.resize((int(image.width * scale), int(image.height * scale)))
    draw = ImageDraw.Draw(image)
    x0, y0, x1, y1 = (int(v * scale) for v in box)
    draw.rectangle([x0, y0, x1 - 1, y1 - 1], outline=(255, 40, 40), width=max(2, int(4 * scale)))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def show_image(store: Store, sha: str, **kwargs) -> bool:  # noqa: ANN003
    path = store.path(sha)
    if not path.is_file():
        st.warning(f"Image file missing from the store: {path}. You can still label the panel (e.g. Not CT) or skip it.")
        return False
    try:
        check_size(*header_size(path.read_bytes()))
    except ValueError as exc:  # an image bomb or a damaged file: said, never decoded
        st.warning(f"Image {path.name} not shown: {exc}")
        return False
    st.image(str(path), **kwargs)
    return True
