"""figscrape's labeling app: sign in, then label panels one at a time by keyboard, reject non-CT
panels in bulk in the grid, watch progress, and settle disagreements on the review page.
Everything it stores goes through figscrape.annotate; this file only draws."""

from __future__ import annotations

import functools
import io
import re
import time
from collections.abc import Callable
from dataclasses import replace

import streamlit as st
from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError

from figscrape.annotate.actions import Label, correct_box, reject, save_label, withdraw
from figscrape.annotate.agreement import agreement, class_rating, disagreements, is_ct_of
from figscrape.annotate.facts import suggest
from figscrape.annotate.progress import collect_progress
from figscrape.annotate.queue import PanelView, QueueFilter, load_views, next_panels, remaining
from figscrape.config import Config, load_config
from figscrape.db import DatabaseError, open_database, read_session
from figscrape.labels import load_votes, resolve
from figscrape.models import Panel
from figscrape.store import Store

st.set_page_config(page_title="figscrape labeling", layout="wide")

GRID = 30
BATCH = 50

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
    return open_database(config.db_url, migrate=False), config.open_store(), config


# --- sign in --------------------------------------------------------------------------------------

def _oidc_configured() -> bool:
    """Streamlit's OIDC login is set up ([auth] in .streamlit/secrets.toml)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises its own error type for that
        return False


def sign_in(shared_password: str) -> str | None:
    """The signed-in annotator's name, or None while the sign-in form is shown ("" for
    `shared_password` asks no password)."""
    if st.session_state.get("user"):
        return st.session_state["user"]
    st.title("figscrape labeling")
    if _oidc_configured():  # the identity provider names the annotator
        if not st.user.get("is_logged_in"):
            st.button("Log in", type="primary", on_click=st.login)
            return None
        st.session_state["user"] = str(st.user.get("email") or st.user.get("name"))
        return st.session_state["user"]
    with st.form("sign-in"):
        name = st.text_input("Your name", key="name-input")
        password = st.text_input("Password", type="password") if shared_password else ""
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        if not name.strip():
            st.error("Enter your name: every label is stored with it.")
        elif shared_password and password != shared_password:
            st.error("Wrong password.")
        else:
            st.session_state["user"] = name.strip()
            st.rerun()
    return None


# --- the queue ------------------------------------------------------------------------------------

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


def current_id(engine, user: str, f: QueueFilter, per_panel: int) -> int | None:  # noqa: ANN001
    queue, pos = st.session_state.setdefault("queue", []), st.session_state.setdefault("pos", 0)
    if pos >= len(queue):
        seen = tuple(queue) + tuple(st.session_state.setdefault("skipped", set()))
        queue.extend(next_panels(engine, user, f, BATCH, per_panel, exclude=seen))
    return queue[pos] if pos < len(queue) else None


def panels_left(engine, user: str, f: QueueFilter, per_panel: int, every: float = 30.0) -> int:  # noqa: ANN001
    """The queue's length, counted at most every `every` seconds (a count over the whole table), less
    the labels made since."""
    done = len(st.session_state.get("history", []))
    cached = st.session_state.get("left")
    if cached is None or cached[0] != f or time.time() - cached[2] > every:
        cached = st.session_state["left"] = (f, remaining(engine, user, f, per_panel), time.time(), done)
    return max(0, cached[1] - (done - cached[3]))


def move(step: int) -> None:
    st.session_state["pos"] = max(0, st.session_state.get("pos", 0) + step)


# --- labeling -------------------------------------------------------------------------------------

def _fields(pid: int) -> Label:
    age = st.session_state.get(f"age-{pid}", "").strip()
    return Label(
        "", "", st.session_state.get(f"patient-{pid}", ""), int(age) if age.isdigit() else None,
        st.session_state.get(f"sex-{pid}", "") or "", st.session_state.get(f"note-{pid}", ""),
    )


def _stale(pid: int) -> bool:
    """A key pressed again before the next panel was drawn belongs to a panel already labelled: ignored."""
    queue, pos = st.session_state.get("queue", []), st.session_state.get("pos", 0)
    if pos < len(queue) and queue[pos] == pid:
        return False
    st.session_state["flash"] = "key ignored: the next panel was not on screen yet"
    return True


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


@saving
def on_label(pid: int, is_ct: str, diagnosis: str) -> None:
    if _stale(pid):
        return
    engine, _, _ = resources()
    fields = _fields(pid)
    label = replace(fields, is_ct=is_ct, diagnosis=diagnosis)
    save_label(engine, pid, st.session_state["user"], label)
    st.session_state.setdefault("history", []).append(pid)
    st.session_state["last-patient"] = label.patient_key
    st.session_state["flash"] = f"saved panel {pid}: {is_ct}{'/' + diagnosis if diagnosis else ''}"
    move(1)


@saving
def on_undo() -> None:
    history = st.session_state.get("history", [])
    if not history:
        st.session_state["flash"] = "nothing to undo"
        return
    pid = history.pop()
    engine, _, _ = resources()
    withdraw(engine, pid, st.session_state["user"])
    queue = st.session_state["queue"]
    st.session_state["pos"] = queue.index(pid) if pid in queue else st.session_state["pos"]
    st.session_state["flash"] = f"undone: panel {pid} is unlabelled again"


def on_skip(pid: int) -> None:
    if _stale(pid):
        return
    st.session_state.setdefault("skipped", set()).add(pid)
    move(1)


def on_same_patient(pid: int) -> None:
    st.session_state[f"patient-{pid}"] = st.session_state.get("last-patient", "")


def _escape(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|$<>~:])", r"\\\1", text)


def caption_markdown(view: PanelView) -> str:
    caption, sub = view.caption, view.subcaption
    if sub and sub in caption:
        start = caption.index(sub)
        return _escape(caption[:start]) + ":orange-background[" + _escape(sub) + "]" + _escape(caption[start + len(sub):])
    return _escape(caption) + (f"\n\n:orange-background[{_escape(sub)}]" if sub else "")


@st.cache_data(max_entries=64, show_spinner=False)
def figure_with_box(path: str, box: tuple[int, int, int, int], width: int = 900) -> bytes:
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
    st.image(str(path), **kwargs)
    return True


def label_page(engine, store: Store, config: Config, user: str) -> None:  # noqa: ANN001
    f = queue_filter()
    pid = current_id(engine, user, f, config.labels_per_panel)
    if flash := st.session_state.pop("flash", None):
        st.toast(flash)
    if pid is None:
        st.success("Nothing left to label with these filters. Thank you!")
        st.button("Undo last label", on_click=on_undo, shortcut="Z", key="undo-empty")
        return
    view = load_views(engine, [pid])[pid]
    tip = suggest(view.caption, view.subcaption)
    st.session_state.setdefault(f"patient-{pid}", tip.patient)
    st.session_state.setdefault(f"age-{pid}", "" if tip.age is None else str(tip.age))
    st.session_state.setdefault(f"sex-{pid}", tip.sex)
    left, right = st.columns([3, 2])
    with left:
        score = "unscored" if view.ct_score is None else f"CT score {view.ct_score:.2f}"
        st.markdown(f"**Panel {view.label or view.panel_id}** · figure {view.figure_number or '?'} · page {view.page} · {score}")
        show_image(store, view.image_sha256, width="stretch")
    with right:
        fig_path = store.path(view.figure_sha256)
        if fig_path.is_file():
            st.image(figure_with_box(str(fig_path), view.bbox), caption="the whole figure, the panel boxed", width="stretch")
        st.markdown(caption_markdown(view))
        st.markdown(f"[{_escape(view.title or view.doi)}](https://doi.org/{view.doi}) · {view.server} · v{view.version} · "
                    f"{view.date or 'no date'} · licence {view.license or 'unknown'}")
    keys = st.columns(len(LABEL_KEYS))
    for col, (key, text, is_ct, diagnosis) in zip(keys, LABEL_KEYS):
        col.button(text, key=f"lab-{key}", shortcut=key, on_click=on_label, args=(pid, is_ct, diagnosis),
                   type="primary" if key == "1" else "secondary", width="stretch")
    nav = st.columns(4)
    nav[0].button("Back", key="back", shortcut="B", on_click=move, args=(-1,), width="stretch")
    nav[1].button("Skip", key="skip", shortcut="S", on_click=on_skip, args=(pid,), width="stretch")
    nav[2].button("Undo", key="undo", shortcut="Z", on_click=on_undo, width="stretch")
    nav[3].button("Same patient as previous", key="same", shortcut="P", on_click=on_same_patient, args=(pid,), width="stretch")
    fields = st.columns([2, 1, 1, 3])
    fields[0].text_input("Patient", key=f"patient-{pid}", help="Suggested from the caption; P copies the previous panel's.")
    fields[1].text_input("Age", key=f"age-{pid}")
    fields[2].selectbox("Sex", ["", "F", "M"], key=f"sex-{pid}")
    fields[3].text_input("Note", key=f"note-{pid}")
    with st.expander("Fix the crop"):
        x0, y0, x1, y1 = view.bbox
        cols = st.columns(4)
        box = tuple(int(c.number_input(n, 0, max(view.figure_width, view.figure_height), v, key=f"box-{n}-{pid}"))
                    for c, n, v in zip(cols, ("x0", "y0", "x1", "y1"), (x0, y0, x1, y1)))
        if st.button("Save corrected box", key=f"save-box-{pid}"):
            try:
                new = correct_box(engine, store, pid, box, user)  # type: ignore[arg-type]
            except (ValueError, OSError) as exc:
                st.error(f"Box not saved: {exc}")
            else:
                st.session_state["queue"][st.session_state["pos"]] = new
                st.session_state["flash"] = f"panel {pid} re-cut as panel {new}"
                st.rerun()
    st.caption(f"about {panels_left(engine, user, f, config.labels_per_panel)} panels left for you · signed in as {user}")


# --- grid -----------------------------------------------------------------------------------------

@saving
def on_reject(ids: list[int]) -> None:
    chosen = [p for p in ids if st.session_state.get(f"rej-{p}")]
    engine, _, _ = resources()
    if chosen:
        reject(engine, chosen, st.session_state["user"])
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
    st.markdown("**Grid**: tick the panels that are not CT, then reject them (X). Next page (Right arrow) keeps the rest for "
                "labeling one at a time (L).")
    top = st.columns(2)
    top[0].button("Reject ticked as not CT", key="reject", shortcut="X", on_click=on_reject, args=(ids,), type="primary")
    top[1].button("Next page", key="grid-next", shortcut="Right",
                  on_click=lambda: st.session_state.update({"grid-skipped": list(skip) + ids}))
    views = load_views(engine, ids)
    cols = st.columns(6)
    for k, pid in enumerate(ids):
        with cols[k % 6]:
            path = store.path(views[pid].image_sha256)
            if path.is_file():
                st.image(str(path), width="stretch")
            else:
                st.caption("image missing")
            score = views[pid].ct_score
            st.checkbox(f"not CT · {pid}" + ("" if score is None else f" · {score:.2f}"), key=f"rej-{pid}")


# --- progress and review --------------------------------------------------------------------------

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


def review_page(engine, store: Store, config: Config, user: str) -> None:  # noqa: ANN001
    st.header("Review")
    with read_session(engine) as s:
        votes = load_votes(s)
    for result in (agreement(votes, is_ct_of, "CT or not"), agreement(votes, class_rating, "COVID-19 or not")):
        fleiss = "n/a" if result.fleiss is None else f"{result.fleiss:.3f}"
        st.markdown(f"**{result.label}**: Fleiss' kappa {fleiss} over {result.panels} panels with 2+ labels")
        if result.pairs:
            st.table([{"annotators": f"{a} / {b}", "Cohen's kappa": "n/a" if k is None else f"{k:.3f}", "panels": n}
                      for (a, b), (k, n) in result.pairs.items()])
    pending = disagreements(votes)
    st.subheader(f"{len(pending)} panels where annotators disagree")
    if not pending:
        return
    if config.reviewers and user not in config.reviewers:
        st.info("Only reviewers can adjudicate (FIGSCRAPE_REVIEWERS).")
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
        st.caption(f"majority now: {now.cls or now.reason}")
    cols = st.columns(len(LABEL_KEYS))
    for col, (key, text, is_ct, diagnosis) in zip(cols, LABEL_KEYS):
        if col.button(f"Decide: {text}", key=f"adj-{key}", shortcut=f"Alt+{key}", width="stretch"):
            patient = next((v.patient_key for v in votes[pid] if v.patient_key), "")
            save_label(engine, pid, user, Label(is_ct, diagnosis, patient), adjudication=True)
            st.rerun()


# --- the app --------------------------------------------------------------------------------------

PAGES = {"Label": "L", "Grid": "G", "Progress": "O", "Review": "V"}


def main() -> None:
    try:
        engine, store, config = resources()
    except (DatabaseError, ValueError) as exc:  # an old schema, an unusable setting: said in words
        st.error(str(exc))
        st.stop()
    user = sign_in(config.app_password)
    if user is None:
        return
    page = st.session_state.setdefault("page", "Label")
    with st.sidebar:
        st.markdown(f"Signed in as **{user}**")
        for name, key in PAGES.items():
            st.button(name, key=f"page-{name}", shortcut=key, on_click=lambda n=name: st.session_state.update(page=n),
                      type="primary" if name == page else "secondary", width="stretch")
        if st.button("Sign out"):
            st.session_state.clear()
            st.rerun()
        st.caption("Keys: 1 COVID-19 · 2 other pneumonia · 3 normal · 4 CT, unsure · N not CT · U unsure · "
                   "S skip · B back · Z undo · P same patient · G grid · X reject ticked")
    if message := st.session_state.pop("db-error", None):
        st.error(message)
    try:
        with read_session(engine) as s:
            empty = s.scalar(select(Panel.id).limit(1)) is None
        if empty:
            st.info(f"No panels in the database yet ({config.db_url}). Run `figscrape run` (or `figscrape demo`) to fill it.")
            return
        {"Label": label_page, "Grid": grid_page, "Progress": progress_page, "Review": review_page}[page](engine, store, config, user)
    except OperationalError as exc:
        st.error(f"Lost the database connection ({str(exc.orig).splitlines()[0]}). Your labels so far are saved. "
                 "Check the database, then retry.")
        st.button("Retry", key="retry")


main()
