"""CT filter benchmark: the shipped network beside an image-statistics baseline (logistic regression
on grey histograms) on a split held out by source, and beside a caption-keyword baseline on the
figures of the real preprints (they have captions), all in one run.

Prints ROC AUC, CT recall and precision at the shipped threshold and at thresholds chosen on the
other folds only, panels per second on 2 CPU threads (batch inference), model size and peak memory.

    python benchmarks/filter_bench.py [--epochs 30] [--folds 5]
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np
import torch

from figscrape.classify.active import SHIPPED
from figscrape.classify.features import caption_evidence
from figscrape.classify.model import load_filter, sigmoid
from figscrape.classify.train import (
    at_threshold,
    cross_validate,
    folder_examples,
    group_folds,
    honest_threshold_check,
    roc_auc,
)
from figscrape.extract.document import extract_figures
from figscrape.runtime.imaging import decode, to_gray8
from figscrape.split.panels import cut_panels

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus"


def histogram_features(image: np.ndarray) -> np.ndarray:
    g = to_gray8(image)
    hist = np.bincount((g // 8).ravel(), minlength=32).astype(np.float32)
    hist /= hist.sum()
    return np.concatenate([hist, [g.mean() / 255, g.std() / 255, (g < 10).mean(), (g > 245).mean(), g.shape[1] / g.shape[0]]]).astype(np.float32)


def histogram_baseline(features: np.ndarray, labels: np.ndarray, folds: list[list[int]]) -> np.ndarray:
    """Out-of-fold scores of an L2 logistic regression on grey histograms."""
    scores = np.zeros(len(labels), np.float32)
    for test in folds:
        train = np.setdiff1d(np.arange(len(labels)), test)
        x, y = torch.tensor(features[train]), torch.tensor(labels[train], dtype=torch.float32)
        w = torch.zeros(features.shape[1], requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        opt = torch.optim.LBFGS([w, b], max_iter=300)

        def closure() -> torch.Tensor:
            opt.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(x @ w + b, y) + 1e-3 * (w * w).sum()
            loss.backward()
            return loss

        opt.step(closure)
        with torch.no_grad():
            scores[test] = torch.sigmoid(torch.tensor(features[test]) @ w + b).numpy()
    return scores


def row(name: str, scores: np.ndarray, labels: np.ndarray, threshold: float | None, folds: list[list[int]]) -> None:
    shipped = at_threshold(scores, labels, threshold) if threshold is not None else None
    honest = honest_threshold_check(scores, labels, folds)
    cells = f"{roc_auc(scores, labels):7.3f}"
    cells += f" {shipped['recall']:8.3f} {shipped['precision']:9.3f}" if shipped else f" {'-':>8} {'-':>9}"
    cells += f" {honest['recall']:8.3f} {honest['precision']:9.3f}"
    print(f"{name:<34} {cells}")


def header(title: str) -> None:
    print(f"\n## {title}")
    print(f"{'method':<34} {'AUC':>7} {'recall@T':>8} {'precis.@T':>9} {'recall*':>8} {'precis.*':>9}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(2)
    flt = load_filter()
    weights = Path(__file__).resolve().parent.parent / "figscrape" / "classify" / "weights" / f"{SHIPPED}.pt"
    print(f"figscrape CT filter benchmark — model {flt.version} ({weights.stat().st_size / 1024:.0f} KB), threshold {flt.card.threshold:.3f}")
    print("bar: AUC >= 0.98 and recall >= 0.98 at the shipped threshold on held-out sources, >= 100 panels/s")
    print("T = the shipped threshold; * = threshold chosen on the other folds only (the honest estimate)")
    examples = folder_examples(CORPUS / "images")
    labels = np.array([e.label for e in examples])
    folds = group_folds([e.group for e in examples], args.folds)
    held = cross_validate(examples, 0, args.folds, args.epochs)
    cnn = sigmoid(flt.card.platt_a * held.logits + flt.card.platt_b)
    header(f"corpus images held out by source: {len(examples)} images, {labels.sum()} CT, {len({e.group for e in examples})} sources, {len(folds)} folds")
    row("CNN (this run's folds, shipped calibration)", cnn, labels, flt.card.threshold, held.folds)
    features = np.stack([histogram_features(e.image) for e in examples])
    row("image statistics (histogram LR)", histogram_baseline(features, labels, folds), labels, None, folds)

    truth = json.loads((CORPUS / "pdfs" / "truth.json").read_text())
    image_only, combined, keywords, fig_labels = [], [], [], []
    for name, entry in truth.items():
        found = extract_figures(CORPUS / "pdfs" / name).figures
        for t in entry["figures"]:
            f = next((f for f in found if f.page == t["page"] and f.number == t["number"]), None)
            if f is None:
                continue
            image = decode(f.image.data)
            cuts = cut_panels(image, f.caption, f.tiles, f.letters)
            crops = [image[c.bbox[1] : c.bbox[3], c.bbox[0] : c.bbox[2]] for c in cuts]
            image_only.append(float(flt.scores(crops).max()))
            combined.append(float(flt.scores(crops, [f"{f.caption} {c.subcaption}" for c in cuts]).max()))
            keywords.append(caption_evidence(f.caption))
            fig_labels.append(int(t["is_ct"]))
    y = np.array(fig_labels)
    one = [list(range(len(y)))]
    header(f"figures of the real preprints: {len(y)} figures, {y.sum()} CT (best panel of each figure, with captions)")
    row("caption keywords", np.array(keywords, np.float32), y, 0.5, one)
    row("CNN image only (shipped)", np.array(image_only), y, flt.card.threshold, one)
    row("CNN + caption (shipped)", np.array(combined), y, flt.card.threshold, one)

    views = [e.image for e in examples]
    start = time.perf_counter()
    flt.scores(views)
    seconds = time.perf_counter() - start
    print(f"\nspeed: {len(views) / seconds:.0f} panels/s on {torch.get_num_threads()} threads (batch 64, from decoded images); "
          f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
