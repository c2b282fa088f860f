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

from figscrape.classify.features import SIDE, image_view
from figscrape.classify.model import Card, CTNet, Filter, sigmoid
from figscrape.runtime.imaging import to_gray8

TARGET_RECALL = 0.98


@dataclass
class Example:
    image: np.ndarray  # grey, 8 bit
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
            out.append(Example(to_gray8(image), label, group))
    return out


# -- augmentation -----------------------------------------------------------------------------


def lung_masked(image: np.ndarray) -> np.ndarray:
    """A CT slice as papers often show it: the lungs alone, the rest blacked out."""
    dark = (image < 90).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=4)
    h, w = image.shape
    keep = np.zeros(n, bool)
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        touches = x == 0 or y == 0 or x + bw >= w or y + bh >= h
        keep[i] = not touches and area > 0.01 * h * w
    if not keep.any():
        return image
    return np.where(keep[labels], image, 0).astype(np.uint8)


def augment(image: np.ndarray, rng: np.random.Generator, label: int = 0) -> np.ndarray:
    """What figures do to a picture: crops, other windows and contrast, JPEG, text and arrows on top."""
    if label == 1 and rng.random() < 0.15:
        image = lung_masked(image)
    h, w = image.shape
    scale = rng.uniform(0.75, 1.0)
    ch, cw = max(8, int(h * scale * rng.uniform(0.9, 1.1))), max(8, int(w * scale * rng.uniform(0.9, 1.1)))
    ch, cw = min(ch, h), min(cw, w)
    y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    out = image[y : y + ch, x : x + cw].astype(np.float32)
    if rng.random() < 0.5:
        out = out[:, ::-1]
    gain, bias = rng.uniform(0.7, 1.4), rng.uniform(-30, 30)
    out = np.clip(out * gain + bias, 0, 255)
    if rng.random() < 0.3:
        out = 255 * (out / 255) ** rng.uniform(0.6, 1.6)
    out = out.astype(np.uint8)
    if rng.random() < 0.4:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 95))])
        out = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE) if ok else out
    if rng.random() < 0.3:
        out = np.ascontiguousarray(out)
        shade = int(rng.choice([0, 255]))
        cv2.putText(out, str(rng.choice(["A", "B", "R", "L", "5 cm", "Day 7"])), (int(rng.integers(0, max(1, cw // 2))), int(rng.integers(10, max(11, ch)))),
                    cv2.FONT_HERSHEY_SIMPLEX, rng.uniform(0.4, 1.2), shade, 2)
    if rng.random() < 0.2:
        out = np.ascontiguousarray(out)
        p = (int(rng.integers(0, cw)), int(rng.integers(0, ch)))
        cv2.arrowedLine(out, p, (p[0] + int(rng.integers(-30, 30)), p[1] + int(rng.integers(-30, 30))), int(rng.choice([0, 255])), 2)
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
    return [Example(to_gray8(makers[i % len(makers)]()), 0, "synthetic") for i in range(count)]


def train_net(examples: list[Example], seed: int, epochs: int = 40, on_epoch: Callable[[int], None] | None = None) -> CTNet:
    """A network trained on the examples (and drawn hard negatives) with augmentation; the same seed gives the same weights."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    examples = examples + synthetic_negatives(max(20, len(examples) // 5), seed)
    net = CTNet()
    optimiser = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    steps = epochs * max(1, (len(examples) + 31) // 32)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=3e-3, total_steps=steps)
    counts = Counter(e.label for e in examples)
    pos_weight = torch.tensor(counts[0] / max(1, counts[1]))
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    labels = np.array([e.label for e in examples], np.float32)
    for epoch in range(epochs):
        net.train()
        order = rng.permutation(len(examples))
        for i in range(0, len(order), 32):
            idx = order[i : i + 32]
            x = torch.from_numpy(np.stack([image_view(augment(examples[j].image, rng, examples[j].label), SIDE) for j in idx]))[:, None]
            y = torch.from_numpy(labels[idx])
            optimiser.zero_grad()
            loss_fn(net(x), y).backward()
            optimiser.step()
            schedule.step()
        if on_epoch:
            on_epoch(epoch)
    net.eval()
    return net


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


def cross_validate(examples: list[Example], seed: int, k: int = 5, epochs: int = 40, on_fold: Callable[[int], None] | None = None) -> HeldOut:
    folds = group_folds([e.group for e in examples], k)
    logits = np.zeros(len(examples), np.float32)
    for n, test in enumerate(folds):
        held = set(test)
        net = train_net([e for i, e in enumerate(examples) if i not in held], seed + n, epochs)
        logits[test] = Filter(net, Card(version="fold")).image_logits([examples[i].image for i in test])
        if on_fold:
            on_fold(n)
    return HeldOut(logits, np.array([e.label for e in examples]), folds)


def honest_threshold_check(scores: np.ndarray, labels: np.ndarray, folds: list[list[int]]) -> dict:
    """Recall and precision when each fold's threshold is chosen on the other folds only."""
    chosen = np.zeros(len(scores), bool)
    for test in folds:
        rest = np.setdiff1d(np.arange(len(scores)), test)
        t = recall_threshold(scores[rest], labels[rest])
        chosen[test] = scores[test] >= t
    tp = int((chosen & (labels == 1)).sum())
    return {"recall": tp / max(1, int((labels == 1).sum())), "precision": tp / max(1, int(chosen.sum()))}


def fit_filter(
    examples: list[Example], version: str, seed: int = 0, k: int = 5, epochs: int = 40, progress: Callable[[str, float], None] | None = None
) -> tuple[Filter, HeldOut]:
    """Cross-validate by group, calibrate and choose the threshold on the held-out scores, then train
    the shipped network on everything."""
    say = progress or (lambda _msg, _done: None)  # (what is happening, share of the work done)
    held = cross_validate(examples, seed, k, epochs, on_fold=lambda n: say(f"held-out fold {n + 1} of {k} done", (n + 1) / (k + 1)))
    a, b = platt(held.logits, held.labels)
    scores = sigmoid(a * held.logits + b)
    threshold = recall_threshold(scores, held.labels)
    metrics = {
        "held_out": "by group (source or paper), %d folds" % len(held.folds),
        "roc_auc": roc_auc(scores, held.labels),
        "at_threshold": at_threshold(scores, held.labels, threshold),
        "threshold_chosen_on_other_folds": honest_threshold_check(scores, held.labels, held.folds),
    }
    net = train_net(examples, seed, epochs, on_epoch=lambda e: say(f"final model, epoch {e + 1} of {epochs}", (k + (e + 1) / epochs) / (k + 1)))
    groups = Counter(e.group for e in examples)
    card = Card(
        version=version, platt_a=a, platt_b=b, threshold=threshold, seed=seed, metrics=metrics,
        trained_on={"examples": len(examples), "ct": sum(e.label for e in examples), "groups": dict(sorted(groups.items())), "epochs": epochs, "side": SIDE},
    )
    return Filter(net, card), held
