"""`figscrape train-filter`: learn a new CT filter from labelled images and the labels people made,
and make it active only when it is not worse than the active one on the held-out data."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, select

from figscrape.classify.active import activate, models_dir
from figscrape.classify.features import to_view8
from figscrape.classify.model import load_filter, save_filter
from figscrape.classify.train import Example, fit_filter, folder_examples, roc_auc
from figscrape.data.db import read_session
from figscrape.data.models import Figure, Panel, Paper, Pdf
from figscrape.data.votes import load_votes, resolve
from figscrape.runtime.imaging import decode
from figscrape.store import ObjectStore

TOLERANCE = 0.005  # a new model may be this much worse in held-out AUC and still count as not worse


class NotEnoughLabels(ValueError):
    """Too few labelled examples, or only one class, to train and evaluate a model."""


@dataclass
class Outcome:
    summary: str
    counts: dict = field(default_factory=dict)


def annotation_examples(engine: Engine, store: ObjectStore) -> list[Example]:
    """Panels people labelled CT or not CT (as figscrape.data.votes resolves them), grouped by paper."""
    with read_session(engine) as s:
        resolved = {panel_id: resolve(votes) for panel_id, votes in load_votes(s).items()}
        decided = {p: int(r.is_ct == "yes") for p, r in resolved.items() if r.is_ct in ("yes", "no")}
        if not decided:
            return []
        panels = s.execute(
            select(Panel.id, Panel.image_sha256, Paper.doi)
            .join(Figure, Figure.id == Panel.figure_id).join(Pdf, Pdf.id == Figure.pdf_id).join(Paper, Paper.id == Pdf.paper_id)
            .where(Panel.id.in_(list(decided)))
        ).all()
    out = []
    for panel_id, sha, doi in panels:
        try:
            out.append(Example(to_view8(decode(store.read(sha))), decided[panel_id], f"paper:{doi}"))
        except (OSError, ValueError):
            continue
    return out


def _version(examples: list[Example], seed: int, epochs: int) -> str:
    digest = hashlib.sha256(f"{seed}:{epochs}".encode())
    for e in examples:
        digest.update(hashlib.sha256(e.image.tobytes()).digest() + bytes([e.label]) + e.group.encode())
    return f"ct-filter-{digest.hexdigest()[:10]}"


def is_not_worse(new_auc: float, active_auc: float) -> bool:
    """Whether a new model may replace the active one: its held-out AUC is at most TOLERANCE below the
    active model's on the same examples (or the active model could not be measured on them)."""
    return not np.isfinite(active_auc) or new_auc >= active_auc - TOLERANCE


def retrain(
    engine: Engine, store: ObjectStore, data_home: Path, images: Path | None, use_labels: bool, seed: int, epochs: int, folds: int,
    progress: Callable[[str, float], None],
) -> Outcome:
    examples = folder_examples(images) if images else []
    from_labels = annotation_examples(engine, store) if use_labels else []
    examples += from_labels
    classes = Counter(e.label for e in examples)
    groups = {e.group for e in examples}
    if len(examples) < 20 or min(classes[0], classes[1]) < 5 or len(groups) < folds:
        raise NotEnoughLabels(
            f"need at least 20 examples, 5 of each class, in {folds}+ sources or papers; have {len(examples)} "
            f"({classes[1]} CT, {classes[0]} not CT) in {len(groups)}"
        )
    progress(f"{len(examples)} examples ({classes[1]} CT, {classes[0]} not CT; {len(from_labels)} from labels), {len(groups)} groups", 0.0)
    version = _version(examples, seed, epochs)
    flt, held = fit_filter(examples, version, seed, folds, epochs, progress)
    new_auc = flt.card.metrics["roc_auc"]
    current = load_filter(data_home)
    current_scores = current.scores([e.image for e in examples])
    current_auc = roc_auc(current_scores, np.array([e.label for e in examples]))
    flt.card.metrics["active_model_auc_on_same_data"] = current_auc
    save_filter(flt, models_dir(data_home))
    better = is_not_worse(new_auc, current_auc)
    if better:
        activate(data_home, version)
    verdict = "now active" if better else f"kept inactive: held-out AUC {new_auc:.3f} is below the active {current.version}'s {current_auc:.3f}"
    recall = flt.card.metrics["at_threshold"]["recall"]
    summary = f"{version}: held-out AUC {new_auc:.3f}, CT recall {recall:.3f} at threshold {flt.card.threshold:.3f}; {verdict}"
    return Outcome(summary, {"examples": len(examples), "activated": int(better)})
