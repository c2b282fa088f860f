"""`figscrape classify`: every current panel not yet scored by the active model gets its ct_score
and the model's version, written one batch per transaction."""

from __future__ import annotations

from sqlalchemy import Engine, or_, select

from figscrape.classify.model import Filter
from figscrape.data.current import current_panels
from figscrape.data.db import read_session, write_session
from figscrape.data.models import Figure, Panel, Pdf
from figscrape.runtime.imaging import decode
from figscrape.runtime.parallel import Workers, map_batches
from figscrape.runtime.runs import RunLog, progress
from figscrape.store import Store, StoreSpec, open_store

BATCH = 64


def pending_panels(engine: Engine, version: str) -> list[int]:
    with read_session(engine) as s:
        return list(
            s.scalars(
                select(Panel.id)
                .join(Figure, Figure.id == Panel.figure_id)
                .join(Pdf, Pdf.id == Figure.pdf_id)
                .where(current_panels())
                .where(or_(Panel.model_version.is_(None), Panel.model_version != version))
                .order_by(Panel.id)
            )
        )


def score_batch(items: list[tuple[int, str, str]], spec: StoreSpec, flt: Filter) -> list[tuple[int, float | None, str]]:
    """Runs on a worker: (panel id, score or None, why not) for (panel id, image hash, caption text) items."""
    store = open_store(spec)
    images, texts, kept, out = [], [], [], []
    for panel_id, sha, text in items:
        try:
            images.append(decode(store.read(sha)))
        except (OSError, ValueError) as exc:
            out.append((panel_id, None, f"image {sha[:12]} unreadable: {exc}"))
            continue
        texts.append(text)
        kept.append(panel_id)
    if kept:
        out += [(panel_id, float(score), "") for panel_id, score in zip(kept, flt.scores(images, texts))]
    return out


def commit_scores(engine: Engine, version: str, scores: list[tuple[int, float | None, str]]) -> None:
    with write_session(engine) as s:
        for panel_id, score, _ in scores:
            panel = s.get(Panel, panel_id)
            if panel is not None and score is not None:
                panel.ct_score, panel.model_version = score, version


def run_classify(engine: Engine, store: Store, flt: Filter, run: RunLog, workers: Workers = Workers()) -> None:
    ids = pending_panels(engine, flt.version)
    with read_session(engine) as s:
        rows = s.execute(
            select(Panel.id, Panel.image_sha256, Panel.subcaption, Figure.caption).join(Figure, Figure.id == Panel.figure_id)
            .where(Panel.id.in_(ids)).order_by(Panel.id)
        ).all()
    items = [(panel_id, sha, f"{caption} {sub}".strip()) for panel_id, sha, sub, caption in rows]
    with progress() as bar:
        task = bar.add_task(f"classify ({flt.version})", total=len(items))
        for scores in map_batches(score_batch, items, BATCH, (store.spec, flt), workers, lambda item, why: (item[0], None, why)):
            commit_scores(engine, flt.version, scores)
            for panel_id, score, error in scores:
                if score is None:
                    run.fail(f"panel {panel_id}", error)
                else:
                    run.counts["panels"] += 1
                    run.counts["likely_ct"] += int(score >= flt.card.threshold)
            bar.advance(task, len(scores))
