"""The labeler component's server side: what it is sent (the next panels with their pictures as data
URLs, the annotator's recent labels, what the server has saved) and what it sends back (key presses,
handed to figscrape.annotate.presses, which stores each once and in order)."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components
from figscrape.app import save_endpoint
from figscrape.app.shared import LABEL_KEYS, doi_url
from sqlalchemy.exc import DBAPIError

from figscrape.annotate import presses as presses_mod
from figscrape.annotate.facts import suggest
from figscrape.annotate.mine import recent_labels
from figscrape.annotate.queue import (
    PanelView,
    QueueFilter,
    load_views,
    next_panels,
    remaining,
)
from figscrape.store import Store

KEY = "labeler"
AHEAD = 40  # panels held in the browser beyond the one on screen: 20 s of fast labelling while the server is busy
DEBOUNCE_MS = 200  # a second press sooner than this after the last is a bounce, not a decision
PANEL_PIXELS = 1024  # pictures larger than this (either side) are sent scaled down, as JPEG
FIGURE_PIXELS = 720

_component = components.declare_component("figscrape_labeler", path=str(Path(__file__).parent / "labeler"))


@st.cache_data(max_entries=4000, show_spinner=False)
def picture(path: str, longest: int) -> str | None:
    """A stored picture as a data URL (None when the file is missing from the store), for a server
    without the picture route."""
    try:
        data, kind = save_endpoint.picture_bytes(Path(path).read_bytes(), longest)
    except (OSError, ValueError):
        return None
    return f"data:{kind};base64," + base64.b64encode(data).decode()


def _src(sha256: str, store: Store, longest: int, user: str) -> str | None:
    """Where the page loads a stored picture: the picture route (the browser fetches and decodes it
    beside the page's work, and the Streamlit message stays small) or, without one, a data URL."""
    base = save_endpoint.picture_url(sha256, longest, user)
    if not base:
        return picture(str(store.path(sha256)), longest)
    return base if store.path(sha256).is_file() else None


def view_args(view: PanelView, store: Store, user: str) -> dict:
    tip = suggest(view.caption, view.subcaption)
    score = "unscored" if view.ct_score is None else f"CT score {view.ct_score:.2f}"
    out = {
        "head": f"Panel {view.panel_id}{' (' + view.label + ')' if view.label else ''} · figure {view.figure_number or '?'} · page {view.page} · {score}",
        "caption": view.caption, "sub": view.subcaption, "title": view.title or view.doi, "url": doi_url(view.doi),
        "meta": f"{view.server} · v{view.version} · {view.date or 'no date'} · licence {view.license or 'unknown'}",
        "fig": view.figure_sha256, "box": list(view.bbox), "fw": view.figure_width, "fh": view.figure_height,
        "tip": {"patient": tip.patient, "age": "" if tip.age is None else tip.age, "sex": tip.sex},
        "img": _src(view.image_sha256, store, PANEL_PIXELS, user) or _missing(view),
    }
    return out


def _missing(view: PanelView) -> str:
    """A grey picture saying the file cannot be shown (missing, damaged or over the size limit): the
    panel can still be labelled (e.g. Not CT) or skipped."""
    svg = ("<svg xmlns='http://www.w3.org/2000/svg' width='480' height='120'><rect width='100%' height='100%' fill='#444'/>"
           f"<text x='12' y='64' fill='#fff' font-size='16'>Image not shown: missing, damaged or too large ({view.image_sha256[:12]}…)</text></svg>")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def take_presses(engine, user: str) -> None:  # noqa: ANN001
    """Stores the presses the component sent since the last run (before any page draws: a press
    sent just before a page switch is saved too). A database failure keeps them in the browser."""
    value = st.session_state.get(KEY)
    if not isinstance(value, dict) or not value.get("presses"):
        return
    instance = str(value.get("instance", ""))
    acked = st.session_state.setdefault("acked", {})
    after = acked.get(instance, 0)
    try:
        result = presses_mod.apply_sent(engine, user, instance, value["presses"], after=after)
    except DBAPIError as exc:
        st.session_state["labeler-notice"] = (f"Not saved yet: the database failed ({str(exc.orig).splitlines()[0]}). "
                                              "Your labels are kept in the page and sent again.")
        return
    acked[instance] = result.acked
    st.session_state["labeler-notice"] = "; ".join(result.problems)
    if result.saved:
        st.session_state["labels-made"] = st.session_state.get("labels-made", 0) + result.saved


@st.fragment
def labeler(engine, store: Store, user: str, f: QueueFilter, per_panel: int) -> None:  # noqa: ANN001
    """Draws the component: the next panels of the queue, those the page does not hold yet with
    their pictures, the figures once each. A fragment: a press reruns only this, not the page, so
    the browser has little to redraw while the labeler shows the next panel. A press's rerun does
    only what a press needs: store it; read the window ahead and the views the page lacks only when
    the page holds AHEAD / 2 panels ahead or fewer; the annotator's recent labels go until the page
    says it has them; the queue's length is counted by the page
    (label_page), never here, as counting 100,000 panels takes a second that 20 annotators' presses
    would queue behind."""
    take_presses(engine, user)  # a fragment's rerun does not run main.py: the presses are stored here
    save_endpoint.serve_with(engine, store)
    value = st.session_state.get(KEY) if isinstance(st.session_state.get(KEY), dict) else {}
    instance = str(value.get("instance", ""))
    if str(value.get("direct", "")).isdigit():  # labels the page saved by the endpoint: the queue is that much shorter
        st.session_state.setdefault("direct-made", {})[instance] = int(value["direct"])
    sent = st.session_state.setdefault("sent", {}).setdefault(instance, set())
    have = {int(p) for p in value.get("have", []) if str(p).isdigit()} | sent
    have_figures = set(value.get("figures", [])) | st.session_state.setdefault("sent-figures", {}).setdefault(instance, set())
    need = {int(p) for p in value.get("need", []) if str(p).isdigit()}
    asked = value.get("refill") is True or int(value.get("ahead", 0) or 0) <= AHEAD // 2
    if not need and not asked and st.session_state.get("window-for") == (instance, f):
        _draw(user, instance, None, {}, {}, None)  # the page holds enough ahead, of this queue: the press is only stored
        return
    window = next_panels(engine, user, f, AHEAD + 1, per_panel)
    st.session_state["window-for"] = (instance, f)
    recent = None if value.get("seeded") else recent_labels(engine, user, 30)  # seeds Back and Undo, until the page has them
    wanted = [p for p in dict.fromkeys(window + sorted(need)[:40]) if p not in have or p in need]  # the page keeps the views it has
    views = load_views(engine, wanted)
    figures = {}
    out_views = {}
    for pid in wanted:
        if pid not in views:
            continue
        view = views[pid]
        out_views[str(pid)] = view_args(view, store, user)
        sent.add(pid)
        if view.figure_sha256 not in have_figures or pid in need:
            src = _src(view.figure_sha256, store, FIGURE_PIXELS, user)
            if src:
                figures[view.figure_sha256] = src
                have_figures.add(view.figure_sha256)
                st.session_state["sent-figures"][instance].add(view.figure_sha256)
    _draw(user, instance, window, out_views, figures, recent)


def _draw(user: str, instance: str, window: list[int] | None, views: dict, figures: dict, recent: list[dict] | None) -> None:
    """The component with what the page lacks; `window` None: the page keeps its own queue ahead.
    With a save endpoint the page sends its presses there and asks for a rerun only when it holds
    `refill_below` panels ahead or fewer."""
    _component(
        key=KEY, default=None, window=window, views=views, figures=figures, recent=recent,
        save=save_endpoint.save_url(), user=user, token=save_endpoint.token_for(user), refill_below=AHEAD // 2,
        acked_for=instance, acked=st.session_state.get("acked", {}).get(instance, 0),
        keys=[[k, text, is_ct, dx] for k, text, is_ct, dx in LABEL_KEYS], debounce_ms=DEBOUNCE_MS,
        left=panels_left(), notice=st.session_state.get("labeler-notice", ""),
    )


def count_left(engine, user: str, f: QueueFilter, per_panel: int, every: float = 600.0) -> None:  # noqa: ANN001
    """Counts the annotator's queue (a count over the whole table: a second at 100,000 panels) when
    the filter changed or the last count is older than `every` seconds; the page's full runs call
    this, a press's rerun never does."""
    cached = st.session_state.get("left")
    if cached is None or cached[0] != f or time.time() - cached[2] > every:
        made = st.session_state.get("labels-made", 0) + sum(st.session_state.get("direct-made", {}).values())
        st.session_state["left"] = (f, remaining(engine, user, f, per_panel), time.time(), made)


def panels_left() -> int | None:
    """The queue's length at the last count, less the labels made since (None before any count)."""
    cached = st.session_state.get("left")
    if cached is None:
        return None
    direct = sum(st.session_state.get("direct-made", {}).values())
    return max(0, cached[1] - (st.session_state.get("labels-made", 0) + direct - cached[3]))
