"""The labelled panels an export is made of: one query for the rows, one for the votes, each panel's
label resolved, and the reason every panel left out was left out."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import aliased

from figscrape.data.current import with_paper
from figscrape.data.db import read_session
from figscrape.data.models import Annotation, Figure, Panel, Paper
from figscrape.data.naming import distinct_name, export_name, panel_ext
from figscrape.data.votes import Resolution, load_replacements, load_votes, resolve


@dataclass
class Item:
    """One labelled panel with everything the dataset says about it."""

    panel_id: int
    server: str
    doi: str
    version: int
    date: str
    license: str
    title: str
    page: int
    figure_number: str
    figure_index: int
    panel_index: int
    label: str
    caption: str
    subcaption: str
    bbox: tuple[int, int, int, int]
    ct_score: float | None
    model_version: str
    sha256: str
    ext: str
    phash: str
    resolution: Resolution
    name: str = ""
    patient: str = ""  # the split group: paper DOI (all versions) and patient key
    patient_id: str = ""  # the patient, unique across the dataset (MetaInfo's Patient ID)
    split: str = ""

    @property
    def width(self) -> int:
        return self.bbox[2] - self.bbox[0]

    @property
    def height(self) -> int:
        return self.bbox[3] - self.bbox[1]


@dataclass(frozen=True)
class Exclusion:
    panel_id: int
    name: str
    reason: str


def load_items(engine: Engine, licenses: set[str] | None = None) -> tuple[list[Item], list[Exclusion]]:
    """Every panel with at least one label, in panel order; those without a dataset class, those of
    an unwanted licence and those whose box someone corrected go to the exclusions. A corrected
    panel's labels count for the panel that replaced it (votes.latest_votes: `inherit`)."""
    replacement = aliased(Panel)
    with read_session(engine) as s:
        votes = load_votes(s, inherit=True)
        inheriting = sorted(set(load_replacements(s)) & set(votes))
        labelled = select(Annotation.panel_id).distinct()
        rows = s.execute(
            with_paper(select(
                Panel.id, Paper.server, Paper.doi, Paper.version, Paper.date, Paper.license, Paper.title,
                Figure.page, Figure.number, Figure.index, Panel.index, Panel.label, Figure.caption, Panel.subcaption,
                Panel.x0, Panel.y0, Panel.x1, Panel.y1, Panel.ct_score, Panel.model_version, Panel.image_sha256,
                Figure.image_sha256, Figure.image_ext, Panel.phash,
                select(replacement.id).where(replacement.replaces_id == Panel.id).limit(1).scalar_subquery(),
            ))
            .where(or_(Panel.id.in_(labelled), Panel.id.in_(inheriting)))
            .order_by(Panel.id)
        ).all()
    items, excluded, names = [], [], set()
    for row in rows:
        (panel_id, server, doi, version, date, license_, title, page, number, fig_index, panel_index, label, caption,
         subcaption, x0, y0, x1, y1, score, model, sha, fig_sha, fig_ext, phash, replaced_by) = row
        ext = panel_ext(sha, fig_sha, fig_ext)
        name = distinct_name(export_name(doi, version, page, number, fig_index, panel_index, ext), panel_id, names)
        resolution = resolve(votes.get(panel_id, []))
        reason = resolution.reason
        if replaced_by is not None:
            reason = f"box corrected by hand: panel {replaced_by} replaces it"
        elif licenses is not None and (license_ or "unknown") not in licenses:
            reason = f"licence {license_ or 'unknown'} not selected"
        if reason:
            excluded.append(Exclusion(panel_id, name, reason))
            continue
        items.append(
            Item(panel_id, server, doi, version, date or "", license_ or "", title or "", page, number or "", fig_index,
                 panel_index, label or "", caption or "", subcaption or "", (x0, y0, x1, y1), score, model or "", sha, ext,
                 phash or "", resolution, name)
        )
    return items, excluded
