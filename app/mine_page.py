"""The My labels page: the signed-in annotator's own labels, filtered by decision, diagnosis, date
and paper, and any one of them changed (a new row: the latest label counts, the history keeps both)."""

from __future__ import annotations

import streamlit as st
from figscrape.app.shared import (
    LABEL_KEYS,
    caption_markdown,
    doi_url,
    escape,
    saving,
    show_image,
)

from figscrape.annotate import (
    actions,  # its functions looked up when called, as on the other pages
)
from figscrape.annotate.actions import Label
from figscrape.annotate.mine import MineFilter, MyLabel, my_labels
from figscrape.annotate.progress import class_name
from figscrape.annotate.queue import load_views
from figscrape.config import Config
from figscrape.store import Store

DECISIONS = {"any": "", "CT": "yes", "not CT": "no", "unsure if CT": "unsure"}
DIAGNOSES = {"any": "", "COVID-19": "covid", "other pneumonia": "other", "normal": "normal", "unsure": "unsure"}
SHOWN = 500


def mine_filter() -> MineFilter:
    cols = st.columns([1, 1, 1, 1, 2])
    decision = cols[0].selectbox("Decision", list(DECISIONS), key="mine-ct")
    diagnosis = cols[1].selectbox("Diagnosis", list(DIAGNOSES), key="mine-dx")
    since = cols[2].date_input("Labelled since", value=None, key="mine-since")
    until = cols[3].date_input("Labelled until", value=None, key="mine-until")
    paper = cols[4].text_input("Paper (DOI or title)", key="mine-paper")
    return MineFilter(DECISIONS[decision], DIAGNOSES[diagnosis], since, until, paper)


@saving
def change(engine, pid: int, user: str, is_ct: str, diagnosis: str) -> None:  # noqa: ANN001
    age = st.session_state.get(f"mine-age-{pid}", "").strip()
    if age and not age.isdigit():
        st.session_state["flash"] = ("error", f"Not saved: age {age!r} is not a whole number of years")
        return
    label = Label(is_ct, diagnosis if is_ct == "yes" else "", st.session_state.get(f"mine-patient-{pid}", ""),
                  int(age) if age else None, st.session_state.get(f"mine-sex-{pid}", ""), st.session_state.get(f"mine-note-{pid}", ""))
    try:
        actions.save_label(engine, pid, user, label)
    except ValueError as exc:  # an age that is not one: said, nothing stored
        st.session_state["flash"] = ("error", f"Not saved: {exc}")
        return
    st.session_state["flash"] = ("success", f"panel {pid} is now {class_name(is_ct, label.diagnosis)}")


def mine_page(engine, store: Store, config: Config, user: str) -> None:  # noqa: ANN001
    st.header("My labels")
    if flash := st.session_state.pop("flash", None):
        getattr(st, flash[0])(flash[1])
    rows, total = my_labels(engine, user, mine_filter(), SHOWN)
    st.caption(f"{total} of your labels match" + (f"; the newest {SHOWN} are listed" if total > SHOWN else ""))
    if not rows:
        return
    st.dataframe([{"panel": r.panel_id, "label": class_name(r.is_ct, r.diagnosis), "patient": r.patient_key,
                   "age": "" if r.age is None else r.age, "sex": r.sex, "note": r.note, "when (UTC)": str(r.created_at)[:19],
                   "paper": r.doi} for r in rows], hide_index=True, width="stretch")
    by_id = {r.panel_id: r for r in rows}
    pid = st.selectbox("Change the label of panel", list(by_id), key="mine-panel",
                       format_func=lambda p: f"{p} · {class_name(by_id[p].is_ct, by_id[p].diagnosis)} · {by_id[p].doi}")
    if pid is not None:
        changer(engine, store, user, by_id[pid])


def changer(engine, store: Store, user: str, mine: MyLabel) -> None:  # noqa: ANN001
    pid = mine.panel_id
    view = load_views(engine, [pid]).get(pid)
    left, right = st.columns([2, 3])
    with left:
        if view is not None:
            show_image(store, view.image_sha256, width="stretch")
    with right:
        if view is not None:
            st.markdown(f"[{escape(view.title or view.doi)}]({doi_url(view.doi)}) · figure {escape(view.figure_number or '?')}, page {view.page}")
            st.markdown(caption_markdown(view))
        st.markdown(f"Your label now: **{escape(class_name(mine.is_ct, mine.diagnosis))}**")
        cols = st.columns(4)
        for col, (name, value) in zip(cols, (("patient", mine.patient_key), ("age", "" if mine.age is None else str(mine.age)),
                                             ("sex", mine.sex), ("note", mine.note))):
            st.session_state.setdefault(f"mine-{name}-{pid}", value)
            if name == "sex":
                col.selectbox("Sex", ["", "F", "M"], key=f"mine-sex-{pid}")
            else:
                col.text_input(name.capitalize(), key=f"mine-{name}-{pid}")
    cols = st.columns(3) + st.columns(3)  # two rows: every label whole, its key shown on it by Streamlit
    for col, (key, text, is_ct, diagnosis) in zip(cols, LABEL_KEYS):
        chosen = mine.is_ct == is_ct and (mine.diagnosis or "") == (diagnosis if is_ct == "yes" else "")
        col.button(text, key=f"mine-set-{key}", shortcut=key, width="stretch", on_click=change,
                   args=(engine, pid, user, is_ct, diagnosis), type="primary" if chosen else "secondary")
