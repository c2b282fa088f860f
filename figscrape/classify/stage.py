"""`figscrape classify`: every current panel not yet scored by the active model gets its ct_score
and the model's version, written one batch per transaction."""

from __future__ import annotations

from sqlalchemy import Engine, or_, select

from figscrape.classify.model import Filter
from figscrape.db import read_session, write_session
from figscrape.imaging import decode
from figscrape.models import Figure, Panel, Pdf
from figscrape.runs import RunLog, progress
from figscrape.store import ObjectStore

BATCH = 64


def pending_panels(engine: Engine, version: str) -> list[int]:
    with read_session(engine) as s:
        return list(
            s.scalars(
                select(Panel.id)
                .join(Figure, Figure.id == Panel.figure_id)
                .join(Pdf, Pdf.id == Figure.pdf_id)
                .where(Figure.extractor_version == Pdf.extracted_version, Panel.splitter_version == Figure.split_version)
                .where(or_(Panel.model_version.is_(None), Panel.model_version != version))
                .order_by(Panel.id)
            )
        )


def score_batch(engine: Engine, store: ObjectStore, flt: Filter, ids: list[int], run: RunLog) -> None:
    with read_session(engine) as s:
        rows = s.execute(select(Panel.id, Panel.image_sha256, Panel.subcaption, Figure.caption).join(Figure, Figure.id == Panel.figure_id).where(Panel.id.in_(ids))).all()
    images, texts, kept = [], [], []
    for panel_id, sha, sub, caption in rows:
        try:
            images.append(decode(store.read(sha)))
        except (OSError, ValueError) as exc:
            run.fail(f"panel {panel_id}", f"image {sha[:12]} unreadable: {exc}")
            continue
        texts.append(f"{caption} {sub}".strip())
        kept.append(panel_id)
    if not kept:
        return
    scores = flt.scores(images, texts)
    with write_session(engine) as s:
        for panel_id, score in zip(kept, scores):
            panel = s.get(Panel, panel_id)
            assert panel is not None
            panel.ct_score, panel.model_version = float(score), flt.version
    run.counts["panels"] += len(kept)
    run.counts["likely_ct"] += int((scores >= flt.card.threshold).sum())


def run_classify(engine: Engine, store: ObjectStore, flt: Filter, run: RunLog) -> None:
    ids = pending_panels(engine, flt.version)
    with progress() as bar:
        task = bar.add_task(f"classify ({flt.version})", total=len(ids))
        for i in range(0, len(ids), BATCH):
            batch = ids[i : i + BATCH]
            score_batch(engine, store, flt, batch, run)
            bar.advance(task, len(batch))
