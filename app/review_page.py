"""The Review page: agreement between annotators, then every panel they disagree on (filtered by
kind), each with the whole figure, the caption, the paper's link and every annotator's note, and a
reviewer's decision on it by key: J and K move between panels, 1 2 3 4 N U decide the one marked."""

from __future__ import annotations

import streamlit as st
from figscrape.app.shared import (
    LABEL_KEYS,
    caption_markdown,
    doi_url,
    escape,
    figure_with_box,
    plain_table,
    saving,
    show_image,
)

from figscrape.annotate import (
    actions,  # its functions looked up when called, as on the Label page
)
from figscrape.annotate.actions import Label
from figscrape.annotate.agreement import (
    KINDS,
    agreement,
    class_rating,
    disagreement_kinds,
    is_ct_of,
)
from figscrape.annotate.progress import class_name
from figscrape.annotate.queue import PanelView, load_views
from figscrape.config import Config
from figscrape.data.db import read_session
from figscrape.data.votes import Vote, load_votes, resolve
from figscrape.export.dataset import ExportOptions
from figscrape.export.duplicates import label_conflicts
from figscrape.export.items import load_items
from figscrape.export.metainfo import votes_text
from figscrape.store import Store

PER_PAGE = 10


def duplicate_conflicts(engine) -> list:  # noqa: ANN001
    """Near-duplicate copies of one picture whose labels resolve to different classes, as the export sees them."""
    items, _ = load_items(engine)
    return label_conflicts(items, ExportOptions().duplicate_distance)


def agreement_section(votes: dict[int, list[Vote]]) -> None:
    for result in (agreement(votes, is_ct_of, "CT or not"), agreement(votes, class_rating, "COVID-19 or not")):
        shown = {name: "n/a" if v is None else f"{v:.3f}" for name, v in (("fleiss", result.fleiss), ("ac1", result.ac1))}
        percent = "n/a" if result.percent is None else f"{100 * result.percent:.1f}%"
        st.markdown(f"**{escape(result.label)}**: agreed on {percent} of {result.panels} panels with 2+ labels · "
                    f"Fleiss' kappa {shown['fleiss']} · Gwet's AC1 {shown['ac1']}")
        if result.pairs:
            plain_table([{"annotators": f"{a} / {b}", "agreed": f"{100 * result.pair_percent[(a, b)]:.1f}%",
                       "Cohen's kappa": "n/a" if k is None else f"{k:.3f}", "panels": n}
                      for (a, b), (k, n) in result.pairs.items()])
            for (a, b), counts in result.confusion.items():
                kinds = sorted({x for pair in counts for x in pair})
                with st.expander(f"{escape(result.label)}: {escape(a)} (rows) against {escape(b)} (columns)"):
                    plain_table({b_kind: {a_kind: counts.get((a_kind, b_kind), 0) for a_kind in kinds} for b_kind in kinds})


@saving
def decide(engine, pid: int, user: str, is_ct: str, diagnosis: str, patient: str) -> None:  # noqa: ANN001
    actions.save_label(engine, pid, user, Label(is_ct, diagnosis, patient), adjudication=True)
    st.session_state["flash"] = f"panel {pid} decided: {class_name(is_ct, diagnosis if is_ct == 'yes' else '')}"


def move(by: int, count: int) -> None:
    st.session_state["review-at"] = max(0, min(count - 1, st.session_state.get("review-at", 0) + by))


def review_page(engine, store: Store, config: Config, user: str) -> None:  # noqa: ANN001
    st.header("Review")
    if flash := st.session_state.pop("flash", None):
        st.toast(flash)
    with read_session(engine) as s:
        votes = load_votes(s)
    agreement_section(votes)
    conflicts = duplicate_conflicts(engine)
    if conflicts:
        st.markdown(f"**{len(conflicts)} pictures labelled differently on their near-duplicate copies**")
        plain_table([{"picture": n, "file": i.name, "label": i.resolution.cls, "votes": votes_text(i)}
                  for n, group in enumerate(conflicts, start=1) for i in group])
    pending = disagreement_kinds(votes)
    kind = st.radio("Disagreements on", ("all",) + KINDS, horizontal=True, key="review-kind")
    listed = [pid for pid, kinds in pending.items() if kind == "all" or kind in kinds]
    st.subheader(f"{len(listed)} panels where annotators disagree" + ("" if kind == "all" else f" on {kind}"))
    if not listed:
        return
    reviewer = bool(st.session_state.get("reviewer", False))
    if not reviewer:
        st.info("Only reviewers can decide (the users file's role, or FIGSCRAPE_REVIEWERS); the list is shown to everyone.")
    pages = (len(listed) + PER_PAGE - 1) // PER_PAGE
    page = st.number_input("Page", 1, pages, 1, key="review-page") if pages > 1 else 1
    shown = listed[(page - 1) * PER_PAGE:page * PER_PAGE]
    at = min(st.session_state.get("review-at", 0), len(shown) - 1)
    st.session_state["review-at"] = at
    if reviewer:
        nav = st.columns([1, 1, 4])
        nav[0].button("Previous (K)", key="review-prev", shortcut="K", on_click=move, args=(-1, len(shown)), width="stretch")
        nav[1].button("Next (J)", key="review-next", shortcut="J", on_click=move, args=(1, len(shown)), width="stretch")
        nav[2].caption("The marked panel takes the keys: 1 2 3 4 N U decide it (the reviewer's decision overrides the votes).")
    views = load_views(engine, shown)
    for k, pid in enumerate(shown):
        if pid in views:
            disagreement(engine, store, user, views[pid], votes[pid], pending[pid], marked=reviewer and k == at)


def disagreement(engine, store: Store, user: str, view: PanelView, votes: list[Vote], kinds: list[str], marked: bool) -> None:  # noqa: ANN001
    pid = view.panel_id
    with st.container(border=True, key=f"dis-{pid}"):
        head = f"Panel {pid}" + (f" ({escape(view.label)})" if view.label else "") + f" · disagree on {escape(' and '.join(kinds))}"
        st.markdown(("▶ **" + head + "** (marked: the keys decide this one)") if marked else head)
        cols = st.columns([2, 3, 4])
        with cols[0]:
            show_image(store, view.image_sha256, width="stretch")
        with cols[1]:
            figure = figure_with_box(store, view)
            if figure is not None:
                st.image(figure, width="stretch", caption=f"figure {view.figure_number or '?'}, page {view.page}: the panel boxed")
            else:
                st.caption("the whole figure cannot be shown (missing or refused)")
        with cols[2]:
            st.markdown(f"[{escape(view.title or view.doi)}]({doi_url(view.doi)}) · {escape(view.date or 'no date')}")
            st.markdown(caption_markdown(view))
            plain_table([{"annotator": v.annotator, "label": class_name(v.is_ct, v.diagnosis), "patient": v.patient_key,
                       "note": v.note} for v in votes if not v.adjudication])
            now = resolve(votes)
            st.caption(f"majority now: {escape(now.cls or now.reason)}")
        if st.session_state.get("reviewer", False):
            patient = next((v.patient_key for v in votes if v.patient_key), "")
            buttons = st.columns(3) + st.columns(3)  # two rows: every label whole (Streamlit shows the marked panel's keys on them)
            for col, (key, text, is_ct, diagnosis) in zip(buttons, LABEL_KEYS):
                col.button(text if marked else f"{text} ({key} when marked)", key=f"adj-{pid}-{key}", shortcut=key if marked else None,
                           width="stretch", on_click=decide, args=(engine, pid, user, is_ct, diagnosis, patient))
