"""CT filter benchmark: the shipped filter beside an image-statistics baseline (logistic regression on
grey histograms) and a caption-keyword baseline, in one run, on

- the real compound dev set (benchmarks/devsets/compound), its TRUE panel boxes cut out so that the
  filter is measured apart from the splitter, dev and holdout parts side by side, by panel and by
  figure (a figure is CT when any panel is; its score is its best panel's). The holdout part's
  repositories are never trained on. A second row gives every panel the caption "Chest CT": words must
  not lift maps, charts and photos over the threshold.
- the shared corpus: the figures of the real preprints (through extraction and the splitter, with
  their captions) and the labelled images (which the shipped filter is trained on; `--cv` retrains
  the network with this recipe once per fold, each time holding out a fold of the sources).

Prints ROC AUC, CT recall and precision at the shipped threshold T, the share of non-CT panels (and of
each non-CT type: maps, charts, photos, micrographs, MR, X-ray...) at or above T, calibration (Brier
score, expected calibration error over 10 bins, reliability bins) and panels per second on 2 threads.

    python benchmarks/filter_bench.py [--compound benchmarks/devsets/compound] [--files benchmarks/devsets/compound/files] [--model DIR] [--cv]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

from figscrape.classify.active import SHIPPED
from figscrape.classify.features import caption_evidence
from figscrape.classify.model import filter_from_folder, load_filter, sigmoid
from figscrape.classify.train import cross_validate, folder_examples, group_folds, honest_threshold_check, roc_auc
from figscrape.classify.truth_panels import TruthPanel, truth_panels
from figscrape.extract.document import extract_figures
from figscrape.runtime.imaging import decode, to_gray8
from figscrape.split.panels import cut_panels

HERE = Path(__file__).resolve().parent
CORPUS = Path(os.environ.get("FIGSCRAPE_TEST_CORPUS") or HERE.parent.parent / "shared" / "corpus")
NON_MEDICAL = {"chart", "diagram", "map", "photo", "micrograph", "mixed"}
CT_CAPTION = "Chest CT: axial CT slices of the abdomen and lungs showing ground-glass opacities"


def histogram_features(image: np.ndarray) -> np.ndarray:
    g = to_gray8(image)
    hist = np.bincount((g // 8).ravel(), minlength=32).astype(np.float32)
    hist /= hist.sum()
    return np.concatenate([hist, [g.mean() / 255, g.std() / 255, (g < 10).mean(), (g > 245).mean(), g.shape[1] / g.shape[0]]]).astype(np.float32)


def fit_histogram_lr(features: np.ndarray, labels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """An L2 logistic regression on grey histograms: the image-statistics baseline."""
    x, y = torch.tensor(features), torch.tensor(labels, dtype=torch.float32)
    w = torch.zeros(features.shape[1], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=300)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(x @ w + b, y) + 1e-3 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach(), b.detach()


def histogram_lr_scores(model: tuple[torch.Tensor, torch.Tensor], features: np.ndarray) -> np.ndarray:
    w, b = model
    return torch.sigmoid(torch.tensor(features) @ w + b).numpy()


def calibration(scores: np.ndarray, labels: np.ndarray, bins: int = 10) -> tuple[float, float, list[tuple[int, float, float]]]:
    """Brier score, expected calibration error, and (count, mean score, CT share) per equal-width bin."""
    edges = np.minimum((scores * bins).astype(int), bins - 1)
    table, ece = [], 0.0
    for k in range(bins):
        inside = edges == k
        if inside.any():
            table.append((int(inside.sum()), float(scores[inside].mean()), float(labels[inside].mean())))
            ece += inside.mean() * abs(scores[inside].mean() - labels[inside].mean())
    return float(np.mean((scores - labels) ** 2)), float(ece), table


def header(title: str) -> None:
    print(f"\n## {title}")
    print(f"{'method':<44} {'n':>5} {'CT':>4} {'AUC':>6} {'rec@T':>6} {'prec@T':>6} {'nonCT>=T':>8} {'nonmed>=T':>9} {'Brier':>6} {'ECE':>6}")


def row(name: str, scores: np.ndarray, labels: np.ndarray, types: list[str], threshold: float) -> None:
    chosen = scores >= threshold
    pos, neg = labels == 1, labels == 0
    nonmed = np.array([t in NON_MEDICAL for t in types]) & neg
    tp = int((chosen & pos).sum())
    brier, ece, _ = calibration(scores, labels)
    share = lambda mask: f"{(chosen & mask).sum() / mask.sum():.3f}" if mask.any() else "-"  # noqa: E731
    print(
        f"{name:<44} {len(labels):>5} {int(pos.sum()):>4} {roc_auc(scores, labels):6.3f} {tp / max(1, int(pos.sum())):6.3f} "
        f"{tp / max(1, int(chosen.sum())):6.3f} {share(neg):>8} {share(nonmed):>9} {brier:6.3f} {ece:6.3f}"
    )


def by_type(scores: np.ndarray, types: list[str], threshold: float) -> str:
    """'type above/total' for every non-CT type, the worst first."""
    count: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for s, t in zip(scores, types):
        if t != "ct":
            count[t][0] += int(s >= threshold)
            count[t][1] += 1
    return ", ".join(f"{t} {a}/{n}" for t, (a, n) in sorted(count.items(), key=lambda kv: (-kv[1][0] / kv[1][1], kv[0])))


def reliability(scores: np.ndarray, labels: np.ndarray) -> str:
    return " ".join(f"[{m:.2f}->{f:.2f} n={n}]" for n, m, f in calibration(scores, labels)[2])


def figure_level(panels: list[TruthPanel], scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per figure: its best panel's score, whether any panel is CT, and its kind."""
    best: dict[str, float] = defaultdict(float)
    ct: dict[str, bool] = defaultdict(bool)
    kind: dict[str, str] = {}
    for p, s in zip(panels, scores):
        best[p.figure] = max(best[p.figure], float(s))
        ct[p.figure] |= p.is_ct
        kind[p.figure] = p.kind
    names = sorted(best)
    return np.array([best[n] for n in names]), np.array([int(ct[n]) for n in names]), [("ct" if ct[n] else kind[n]) for n in names]


def compound_section(flt, compound: Path, files: Path, baseline) -> None:  # noqa: ANN001
    t = flt.card.threshold
    for part in ("dev", "holdout"):
        panels = truth_panels(compound / "truth.json", files, {part})
        if not panels:
            print(f"\ncompound dev set, part {part}: no figures, skipped")
            continue
        labels = np.array([int(p.is_ct) for p in panels])
        types = [p.figure_type for p in panels]
        image = flt.scores([p.image for p in panels])
        worded = flt.scores([p.image for p in panels], [CT_CAPTION] * len(panels))
        hist = histogram_lr_scores(baseline, np.stack([histogram_features(p.image) for p in panels]))
        sources = len({p.source for p in panels})
        header(f"compound dev set, part {part}: true panel boxes, {len({p.figure for p in panels})} figures from {sources} repositories")
        row("by panel: CNN image only (shipped)", image, labels, types, t)
        row("by panel: CNN + 'Chest CT' caption on all", worded, labels, types, t)
        row("by panel: histogram LR at 0.5 (corpus + dev)", hist, labels, types, 0.5)
        for name, s, cut in (("CNN image only", image, t), ("CNN + 'Chest CT' caption on all", worded, t), ("histogram LR at 0.5", hist, 0.5)):
            fs, fl, ft = figure_level(panels, s)
            row(f"by figure: {name}", fs, fl, ft, cut)
        print(f"non-CT panels >= T by type (image only): {by_type(image, types, t)}")
        print(f"non-CT panels >= T by type ('Chest CT' caption): {by_type(worded, types, t)}")
        fs, fl, ft = figure_level(panels, image)
        print(f"non-CT figures >= T by kind (image only): {by_type(fs, ft, t)}")
        print(f"reliability, panels, image only [mean score -> CT share]: {reliability(image, labels)}")


def preprint_section(flt, corpus: Path) -> None:  # noqa: ANN001
    truth = json.loads((corpus / "pdfs" / "truth.json").read_text())
    image_only, combined, keywords, fig_labels = [], [], [], []
    for name, entry in truth.items():
        found = extract_figures(corpus / "pdfs" / name).figures
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
    kinds = ["ct" if v else "figure" for v in y]
    header(f"shared corpus, figures of the real preprints: {len(y)} figures, {y.sum()} CT (split by the splitter, best panel, with captions)")
    row("caption keywords (CT words = 1)", (np.array(keywords, np.float32) > 0).astype(np.float32), y, kinds, 0.5)
    row("CNN image only (shipped)", np.array(image_only), y, kinds, flt.card.threshold)
    row("CNN + caption (shipped)", np.array(combined), y, kinds, flt.card.threshold)


def corpus_images_section(flt, examples, cv: bool, folds: int, epochs: int) -> None:  # noqa: ANN001
    labels = np.array([e.label for e in examples])
    types = [e.group for e in examples]
    header(f"shared corpus, labelled images: {len(examples)} images, {labels.sum()} CT, {len(set(types))} sources")
    shipped = flt.scores([e.image for e in examples])
    row("CNN (shipped; these images are in its training)", shipped, labels, types, flt.card.threshold)
    print(f"non-CT images >= T by source (shipped): {by_type(shipped, ['ct' if e.label else e.group for e in examples], flt.card.threshold)}")
    if cv:
        held = cross_validate(examples, 0, folds, epochs)
        cnn = sigmoid(flt.card.platt_a * held.logits + flt.card.platt_b)
        row("CNN recipe, held out by source (--cv)", cnn, labels, types, flt.card.threshold)
        honest = honest_threshold_check(cnn, labels, held.folds)
        print(f"  threshold chosen on the other folds only: recall {honest['recall']:.3f}, precision {honest['precision']:.3f}")
    folds_ = group_folds(types, folds)
    features = np.stack([histogram_features(e.image) for e in examples])
    oof = np.zeros(len(labels), np.float32)
    for test in folds_:
        train = np.setdiff1d(np.arange(len(labels)), test)
        oof[test] = histogram_lr_scores(fit_histogram_lr(features[train], labels[train]), features[test])
    row("histogram LR, held out by source", oof, labels, types, 0.5)


def card_section(flt) -> None:  # noqa: ANN001
    """What training measured on sources held out from it (the model card), by family of source."""
    m = flt.card.metrics
    if "by_group" not in m:
        return
    print(f"\n## held out by source while training ({m['held_out']}; the card): AUC {m['roc_auc']:.3f}, "
          f"recall {m['at_threshold']['recall']:.3f}, precision {m['at_threshold']['precision']:.3f} at T; "
          f"threshold chosen on the other folds: recall {m['threshold_chosen_on_other_folds']['recall']:.3f}, "
          f"precision {m['threshold_chosen_on_other_folds']['precision']:.3f}; Brier {m['calibration']['brier']:.3f}, ECE {m['calibration']['ece']:.3f}")
    family: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for group, g in m["by_group"].items():
        f = family[group.split(":")[0] if ":" in group else "corpus images"]
        f[0] += g["ct"]
        f[1] += g["ct_kept"]
        f[2] += g["n"] - g["ct"]
        f[3] += g["not_ct_kept"]
    for name, (ct, kept, other, wrong) in sorted(family.items()):
        print(f"  {name:<16} CT kept {kept}/{ct}   non-CT at or above T {wrong}/{other}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compound", type=Path, default=HERE / "devsets" / "compound", help="the dev set's folder (truth.json)")
    parser.add_argument("--files", type=Path, default=HERE / "devsets" / "compound" / "files", help="the dev set's figure images (its build_compound.py writes them there)")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the shared corpus (images/, pdfs/)")
    parser.add_argument("--cv", action="store_true", help="also retrain the network once per fold on the corpus images, held out by source")
    parser.add_argument("--model", type=Path, default=None, help="measure the candidate that tools/train_shipped_filter.py --out DIR wrote there, not the shipped model")
    parser.add_argument("--epochs", type=int, default=16)
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(2)
    flt = filter_from_folder(args.model, SHIPPED) if args.model else load_filter()
    print(f"figscrape CT filter benchmark: model {flt.version}, threshold T = {flt.card.threshold:.3f}")
    print("bar on real figures: AUC >= 0.97, CT recall >= 0.95 at T, <= 5% of non-CT panels/figures at or above T, >= 100 panels/s")
    print("nonCT>=T: share of non-CT panels (figures) at or above T; nonmed>=T: the same for charts, diagrams, maps, photos, micrographs, mixed")
    examples = folder_examples(args.corpus / "images")
    if not examples:
        raise SystemExit(f"{args.corpus / 'images'}: no labelled images (ct/, not_ct/)")
    dev = truth_panels(args.compound / "truth.json", args.files, {"dev"})
    baseline = fit_histogram_lr(
        np.stack([histogram_features(x) for x in [e.image for e in examples] + [p.image for p in dev]]),
        np.array([e.label for e in examples] + [int(p.is_ct) for p in dev]),
    )
    card_section(flt)
    compound_section(flt, args.compound, args.files, baseline)
    preprint_section(flt, args.corpus)
    corpus_images_section(flt, examples, args.cv, args.folds, args.epochs)

    views = [p.image for p in dev]
    start = time.perf_counter()
    flt.scores(views)
    seconds = time.perf_counter() - start
    print(f"\nspeed: {len(views) / seconds:.0f} panels/s on {torch.get_num_threads()} threads (batch 64, from decoded full-resolution panels); "
          f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
