"""Training the CT filter: from a folder of labelled images (ct/ and not_ct/, as ../shared/corpus/images)
and/or from the labels people made in the app. Evaluation holds out whole sources (or papers), never
random images: a random split would measure each source's style, not CT. Deterministic for a seed."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from figscrape.classify.augment import augment, shrink
from figscrape.classify.features import CHANNELS, SIDE, STATS, image_statistics, image_view, to_view8
from figscrape.classify.model import Card, CTNet, Filter, sigmoid

TARGET_RECALL = 0.985  # on held-out sources: choosing on other folds kept only 0.954 at 0.97, and sources never seen shift further
VIEWS = 12  # augmented views drawn per example for training
RECALL_TARGETS = (0.9, 0.95, 0.96, 0.97, 0.98, TARGET_RECALL)  # recorded in the card beside the one chosen
CAPTION_FLOOR = 0.5  # CT words lift a panel only when its picture scores at least this share of the threshold


@dataclass
class Example:
    image: np.ndarray  # 8 bit, grey (H, W) or BGR (H, W, 3)
    label: int  # 1 CT, 0 not CT
    group: str  # the source or paper it comes from: held out together


def folder_examples(root: Path) -> list[Example]:
    """Images under root/ct and root/not_ct; their group is the source named in MANIFEST.tsv, or the
    part of the file name before "__"."""
    sources: dict[str, str] = {}
    manifest = root / "MANIFEST.tsv"
    if manifest.exists():
        with manifest.open() as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                sources[row["file"]] = row["source"]
    out = []
    for label, folder in ((1, "ct"), (0, "not_ct")):
        for path in sorted((root / folder).glob("*")):
            if path.suffix.lower() not in (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"):
                continue
            image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
            if image is None:
                continue
            group = sources.get(f"{folder}/{path.name}") or path.name.split("__")[0]
            out.append(Example(to_view8(image), label, group))
    return out


# -- training ---------------------------------------------------------------------------------


def synthetic_negatives(count: int, seed: int) -> list[Example]:
    """Drawn chest radiographs, brain MRI-like slices, micrographs and charts: hard negatives every
    training run sees, so a model meets them even when the real sources of their kind are held out."""
    from figscrape.synthetic import images as pics

    rng = np.random.default_rng(seed)
    makers = (
        lambda: pics.radiograph(rng, int(rng.integers(220, 360)), int(rng.integers(260, 400))),
        lambda: pics.brain_slice(rng, int(rng.integers(180, 320))),
        lambda: pics.micrograph(rng),
        lambda: pics.raster_chart(rng),
    )
    return [Example(to_view8(makers[i % len(makers)]()), 0, "synthetic") for i in range(count)]


@dataclass
class ViewBank:
    """Augmented views of every example, drawn once (8 bit), so that every fold trains on the same
    draws and augmenting is paid once, not once per fold and epoch."""

    views: np.ndarray  # (examples, VIEWS, CHANNELS, SIDE, SIDE) uint8
    stats: np.ndarray  # (examples, VIEWS, STATS) float32: the image statistics of the same views
    labels: np.ndarray


def training_bank(examples: list[Example], seed: int, extra: list[Example] | None = None) -> ViewBank:
    """Views of the examples first, then of `extra` (generated) and drawn hard negatives."""
    rng = np.random.default_rng(seed)
    everything = examples + list(extra or []) + synthetic_negatives(max(20, len(examples) // 5), seed)
    views = np.zeros((len(everything), VIEWS, CHANNELS, SIDE, SIDE), np.uint8)
    stats = np.zeros((len(everything), VIEWS, STATS), np.float32)
    for i, e in enumerate(everything):
        small = shrink(e.image, 2 * SIDE)
        for v in range(VIEWS):
            seen = augment(small, rng, e.label)
            views[i, v] = np.round(255 * image_view(seen, SIDE, CHANNELS))
            stats[i, v] = image_statistics(seen)
    return ViewBank(views, stats, np.array([e.label for e in everything], np.float32))


def train_on_bank(bank: ViewBank, rows: np.ndarray, seed: int, epochs: int, on_epoch: Callable[[int], None] | None = None) -> CTNet:
    """A network trained on these rows of the bank, one random view of each per epoch; the same seed gives the same weights."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = CTNet(CHANNELS, STATS)
    seen = bank.stats[rows].reshape(-1, STATS)
    net.stats_mean.copy_(torch.from_numpy(seen.mean(axis=0)))
    net.stats_scale.copy_(torch.from_numpy(np.maximum(seen.std(axis=0), 1e-3)))
    optimiser = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    steps = epochs * max(1, (len(rows) + 31) // 32)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=3e-3, total_steps=steps)
    labels = bank.labels[rows]
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor((labels == 0).sum() / max(1, (labels == 1).sum())))
    for epoch in range(epochs):
        net.train()
        order = rng.permutation(len(rows))
        for i in range(0, len(order), 32):
            idx = rows[order[i : i + 32]]
            which = rng.integers(0, VIEWS, len(idx))
            x = torch.from_numpy(bank.views[idx, which].astype(np.float32) / 255)
            optimiser.zero_grad()
            loss_fn(net(x, torch.from_numpy(bank.stats[idx, which])), torch.from_numpy(bank.labels[idx])).backward()
            optimiser.step()
            schedule.step()
        if on_epoch:
            on_epoch(epoch)
    net.eval()
    return net


def train_net(
    examples: list[Example], seed: int, epochs: int = 40, on_epoch: Callable[[int], None] | None = None, extra: list[Example] | None = None
) -> CTNet:
    """A network trained on the examples, `extra` ones (generated, never scored) and drawn hard
    negatives, with augmentation; the same seed gives the same weights."""
    bank = training_bank(examples, seed, extra)
    return train_on_bank(bank, np.arange(len(bank.labels)), seed, epochs, on_epoch)


def group_folds(groups: list[str], k: int) -> list[list[int]]:
    """Indices split into k folds with every group wholly in one fold, folds of similar size."""
    by_group: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        by_group[g].append(i)
    folds: list[list[int]] = [[] for _ in range(k)]
    for g in sorted(by_group, key=lambda g: (-len(by_group[g]), g)):
        min(folds, key=len).extend(by_group[g])
    return [sorted(f) for f in folds if f]


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half)."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    ranks = np.argsort(np.argsort(np.concatenate([pos, neg]), kind="stable"), kind="stable").astype(np.float64) + 1
    allv = np.concatenate([pos, neg])
    for v in np.unique(allv):  # average ranks of ties
        tie = allv == v
        if tie.sum() > 1:
            ranks[tie] = ranks[tie].mean()
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def platt(logits: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """a, b so that sigmoid(a * logit + b) is calibrated on these held-out logits."""
    x = torch.tensor(logits, dtype=torch.float64)
    y = torch.tensor(labels, dtype=torch.float64)
    a = torch.ones(1, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([a, b], max_iter=200)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(a * x + b, y)
        loss.backward()
        return loss

    opt.step(closure)
    return float(a.item()), float(b.item())


def recall_threshold(scores: np.ndarray, labels: np.ndarray, target: float = TARGET_RECALL) -> float:
    """The highest threshold that keeps at least `target` of the CTs at or above it."""
    pos = np.sort(scores[labels == 1])
    if len(pos) == 0:
        return 0.5
    keep = int(np.ceil(target * len(pos)))
    return float(pos[len(pos) - keep])


def at_threshold(scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict:
    chosen = scores >= threshold
    tp = int((chosen & (labels == 1)).sum())
    return {"recall": tp / max(1, int((labels == 1).sum())), "precision": tp / max(1, int(chosen.sum())), "kept": float(chosen.mean())}


@dataclass
class HeldOut:
    """Out-of-fold results: every example scored by a network that never saw its group."""

    logits: np.ndarray
    labels: np.ndarray
    folds: list[list[int]]


def cross_validate(
    examples: list[Example], seed: int, k: int = 5, epochs: int = 40, on_fold: Callable[[int], None] | None = None,
    extra: list[Example] | None = None, bank: ViewBank | None = None,
) -> HeldOut:
    """Every example scored by a network trained without its group's fold (extra ones are in every training)."""
    bank = bank or training_bank(examples, seed, extra)
    folds = group_folds([e.group for e in examples], k)
    logits = np.zeros(len(examples), np.float32)
    always = np.arange(len(examples), len(bank.labels))
    for n, test in enumerate(folds):
        net = train_on_bank(bank, np.concatenate([np.setdiff1d(np.arange(len(examples)), test), always]), seed + n, epochs)
        logits[test] = Filter(net, Card(version="fold", channels=CHANNELS, stats=STATS)).image_logits([examples[i].image for i in test])
        if on_fold:
            on_fold(n)
    return HeldOut(logits, np.array([e.label for e in examples]), folds)


def honest_threshold_check(scores: np.ndarray, labels: np.ndarray, folds: list[list[int]], target: float = TARGET_RECALL) -> dict:
    """Recall and precision when each fold's threshold is chosen on the other folds only."""
    chosen = np.zeros(len(scores), bool)
    for test in folds:
        rest = np.setdiff1d(np.arange(len(scores)), test)
        t = recall_threshold(scores[rest], labels[rest], target)
        chosen[test] = scores[test] >= t
    tp = int((chosen & (labels == 1)).sum())
    return {"recall": tp / max(1, int((labels == 1).sum())), "precision": tp / max(1, int(chosen.sum())),
            "not_ct_kept": int((chosen & (labels == 0)).sum()) / max(1, int((labels == 0).sum()))}


def recall_targets(scores: np.ndarray, labels: np.ndarray, folds: list[list[int]]) -> dict:
    """What other recall targets would give, each threshold chosen on the other folds: the price in
    non-CT panels to review of each point of CT recall, for choosing TARGET_RECALL."""
    return {f"{t:g}": {"threshold": recall_threshold(scores, labels, t), **honest_threshold_check(scores, labels, folds, t)} for t in RECALL_TARGETS}


def calibration(scores: np.ndarray, labels: np.ndarray, bins: int = 10) -> dict:
    """Brier score and expected calibration error (equal-width bins) of scores against labels."""
    which = np.minimum((scores * bins).astype(int), bins - 1)
    ece = sum(float((which == k).mean() * abs(scores[which == k].mean() - labels[which == k].mean())) for k in range(bins) if (which == k).any())
    return {"brier": float(np.mean((scores - labels) ** 2)), "ece": ece}


def by_group(scores: np.ndarray, examples: list[Example], threshold: float) -> dict:
    """Per source: examples, CTs, and how many of each class are at or above the threshold."""
    out: dict[str, dict] = defaultdict(lambda: {"n": 0, "ct": 0, "ct_kept": 0, "not_ct_kept": 0})
    for s, e in zip(scores, examples):
        g = out[e.group]
        g["n"] += 1
        g["ct"] += e.label
        g["ct_kept" if e.label else "not_ct_kept"] += int(s >= threshold)
    return dict(sorted(out.items()))


def fit_filter(
    examples: list[Example], version: str, seed: int = 0, k: int = 5, epochs: int = 40, progress: Callable[[str, float], None] | None = None,
    extra: list[Example] | None = None, real: str | None = None,
) -> tuple[Filter, HeldOut]:
    """Cross-validate by group, calibrate and choose the threshold on the held-out scores, then train
    the shipped network on everything. `extra` examples (generated) are trained on, never scored.
    Groups starting with `real` (panels of real figures) are also measured on their own: the pooled
    folds, mostly corpus and package images, did not predict new repositories' figures."""
    say = progress or (lambda _msg, _done: None)  # (what is happening, share of the work done)
    bank = training_bank(examples, seed, extra)
    say(f"{len(bank.labels)} x {VIEWS} augmented views drawn", 0.0)
    held = cross_validate(examples, seed, k, epochs, on_fold=lambda n: say(f"held-out fold {n + 1} of {k} done", (n + 1) / (k + 1)), bank=bank)
    a, b = platt(held.logits, held.labels)
    scores = sigmoid(a * held.logits + b)
    threshold = recall_threshold(scores, held.labels)
    metrics = {
        "held_out": "by group (source or paper), %d folds" % len(held.folds),
        "roc_auc": roc_auc(scores, held.labels),
        "at_threshold": at_threshold(scores, held.labels, threshold),
        "threshold_chosen_on_other_folds": honest_threshold_check(scores, held.labels, held.folds),
        "recall_targets": recall_targets(scores, held.labels, held.folds),
        "calibration": calibration(scores, held.labels),
        "by_group": by_group(scores, examples, threshold),
    }
    if real and (chosen := np.array([e.group.startswith(real) for e in examples])).any():
        rs, rl = scores[chosen], held.labels[chosen]
        metrics["real_figure_panels"] = {"groups": real, "n": int(chosen.sum()), "roc_auc": roc_auc(rs, rl), **at_threshold(rs, rl, threshold),
                                         "not_ct_at_or_above": float((rs[rl == 0] >= threshold).mean()) if (rl == 0).any() else 0.0}
    net = train_on_bank(bank, np.arange(len(bank.labels)), seed, epochs, on_epoch=lambda e: say(f"final model, epoch {e + 1} of {epochs}", (k + (e + 1) / epochs) / (k + 1)))
    groups = Counter(e.group for e in examples + list(extra or []))
    card = Card(
        version=version, platt_a=a, platt_b=b, threshold=threshold, caption_floor=CAPTION_FLOOR * threshold, seed=seed, metrics=metrics, channels=CHANNELS, stats=STATS,
        trained_on={"examples": len(examples), "generated": len(extra or []), "ct": sum(e.label for e in examples), "groups": dict(sorted(groups.items())), "epochs": epochs, "side": SIDE},
    )
    return Filter(net, card), held
