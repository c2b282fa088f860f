"""The Label page: one panel at a time from the annotator's queue, each label saved by one key press."""

from __future__ import annotations

import time
from dataclasses import replace

import streamlit as st
from figscrape.app.shared import (
    LABEL_KEYS,
    caption_markdown,
    doi_url,
    escape,
    figure_with_box,
    queue_filter,
    resources,
    saving,
    show_image,
)

from figscrape.annotate import (
    actions,  # its functions looked up when called (the tests replace actions.save_label)
)
from figscrape.annotate.actions import Label
from figscrape.annotate.facts import suggest
from figscrape.annotate.queue import QueueFilter, load_views, next_panels, remaining
from figscrape.config import Config
from figscrape.store import Store

BATCH = 50


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


@saving
def on_label(pid: int, is_ct: str, diagnosis: str) -> None:
    if _stale(pid):
        return
    engine, _, _ = resources()
    fields = _fields(pid)
    label = replace(fields, is_ct=is_ct, diagnosis=diagnosis)
    actions.save_label(engine, pid, st.session_state["user"], label)
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
    actions.withdraw(engine, pid, st.session_state["user"])
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
        st.markdown(f"**Panel {escape(view.label or view.panel_id)}** · figure {escape(view.figure_number or '?')} · page {escape(view.page)} · {score}")
        show_image(store, view.image_sha256, width="stretch")
    with right:
        fig_path = store.path(view.figure_sha256)
        if fig_path.is_file():
            st.image(figure_with_box(str(fig_path), view.bbox), caption="the whole figure, the panel boxed", width="stretch")
        st.markdown(caption_markdown(view))
        st.markdown(f"[{escape(view.title or view.doi)}]({doi_url(view.doi)}) · {escape(view.server)} · v{escape(view.version)} · "
                    f"{escape(view.date or 'no date')} · licence {escape(view.license or 'unknown')}")
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
                new = actions.correct_box(engine, store, pid, box, user)  # type: ignore[arg-type]
            except (ValueError, OSError) as exc:
                st.error(f"Box not saved: {exc}")
            else:
                st.session_state["queue"][st.session_state["pos"]] = new
                st.session_state["flash"] = f"panel {pid} re-cut as panel {new}"
                st.rerun()
    st.caption(f"about {panels_left(engine, user, f, config.labels_per_panel)} panels left for you · signed in as {escape(user)}")
