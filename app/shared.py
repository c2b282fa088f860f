"""What the app's pages share: the database and store, the label keys, the queue's filters, drawing panels, saving and escaping."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import streamlit as st
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


def image_bytes(path: Path) -> tuple[bytes | None, str]:
    """A stored image's bytes when it can be shown, else None and why not ("missing", or an image
    bomb or a damaged file, refused by its header and never decoded)."""
    if not path.is_file():
        return None, "missing"
    data = path.read_bytes()
    try:
        check_size(*header_size(data))
    except ValueError as exc:
        return None, str(exc)
    return data, ""


def show_image(store: Store, sha: str, **kwargs) -> bool:  # noqa: ANN003
    path = store.path(sha)
    data, why = image_bytes(path)
    if data is None and why == "missing":
        st.warning(f"Image file missing from the store: {path}. You can still label the panel (e.g. Not CT) or skip it.")
        return False
    if data is None:
        st.warning(f"Image {path.name} not shown: {why}")
        return False
    st.image(data, **kwargs)
    return True


def figure_with_box(store: Store, view: PanelView, longest: int = 900) -> bytes | None:
    """The panel's whole figure, scaled to `longest` pixels, the panel boxed in red (None when the
    figure's file is missing or refused by its header)."""
    import io

    from PIL import Image, ImageDraw

    data, _ = image_bytes(store.path(view.figure_sha256))
    if data is None:
        return None
    try:
        image = Image.open(io.BytesIO(data)).convert("RGB")
    except (OSError, ValueError):
        return None
    scale = min(1.0, longest / max(image.size))
    image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))))
    sx, sy = image.width / max(1, view.figure_width), image.height / max(1, view.figure_height)
    x0, y0, x1, y1 = view.bbox
    ImageDraw.Draw(image).rectangle((x0 * sx, y0 * sy, x1 * sx - 1, y1 * sy - 1), outline=(255, 40, 40), width=max(2, round(3 * scale)))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def plain_table(data: list[dict] | dict) -> None:
    """st.table with every text cell and header escaped: st.table renders Markdown in cells, and
    these hold record fields (names, notes, patient keys, file names)."""
    def plain(value: object) -> object:
        return escape(value) if isinstance(value, str) else value

    if isinstance(data, dict):  # {column: {row: value}}
        st.table({plain(c): {plain(r): plain(v) for r, v in rows.items()} for c, rows in data.items()})
    else:
        st.table([{plain(k): plain(v) for k, v in row.items()} for row in data])
