"""Splitting benchmark: figscrape's panel splitter beside a naive baseline (connected components of
the non-background mask), in the same run.

Prints, for the real compound figures of ../shared/corpus/images/compound (panel boxes annotated by
hand in benchmarks/split_truth.json) and for generated composites (figscrape.synthetic.composites,
made from ../shared/corpus/images when present): panel precision and recall (a match is IoU >= 0.6),
the share of figures whose panel count is exactly right, label accuracy (generated set: letters
given as text spans, as the PDF's text layer gives them) and figures per second.

    python benchmarks/split_bench.py [--generated 200]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from figscrape.geometry import PixelBox, iou
from figscrape.runtime.imaging import to_gray8
from figscrape.split.panels import cut_panels
from figscrape.synthetic.composites import load_pictures, make_composite

HERE = Path(__file__).resolve().parent
IMAGES = HERE.parent.parent / "shared" / "corpus" / "images"



def naive_panels(image: np.ndarray) -> list[tuple[PixelBox, str]]:
    """Connected components of everything that is not the border colour, 1% of the figure or more."""
    gray = to_gray8(image)
    bg = int(np.median(np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])))
    mask = (np.abs(gray.astype(np.int16) - bg) > 28).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    h, w = gray.shape
    return [((int(x), int(y), int(x + bw), int(y + bh)), "") for x, y, bw, bh, _ in stats[1:] if bw * bh >= 0.01 * w * h]


def figscrape_panels(image: np.ndarray, letters: list) -> list[tuple[PixelBox, str]]:
    return [(c.bbox, c.label) for c in cut_panels(image, "", letters=letters)]


def evaluate(cases: list[tuple[np.ndarray, list[PixelBox], list[str], list]], method: Callable) -> dict:
    tp = fp = fn = exact = labelled = labels_right = 0
    start = time.perf_counter()
    predictions = [method(image, letters) for image, _, _, letters in cases]
    seconds = time.perf_counter() - start
    for (image, truth, labels, _), pred in zip(cases, predictions):
        used: set[int] = set()
        for k, t in enumerate(truth):
            scores = [(iou(t, p[0]), i) for i, p in enumerate(pred) if i not in used]
            best = max(scores, default=(0.0, -1))
            if best[0] >= 0.6:
                tp += 1
                used.add(best[1])
                if labels:
                    labelled += 1
                    labels_right += pred[best[1]][1] == labels[k]
            else:
                fn += 1
                labelled += bool(labels)
        fp += len(pred) - len(used)
        exact += len(pred) == len(truth)
    return {
        "precision": tp / max(1, tp + fp), "recall": tp / max(1, tp + fn), "exact": exact / max(1, len(cases)),
        "labels": labels_right / labelled if labelled else None, "fps": len(cases) / seconds if seconds else 0.0,
    }


def real_cases() -> list:
    truth = json.loads((HERE / "split_truth.json").read_text())["figures"]
    cases = []
    for name, entry in truth.items():
        image = cv2.imread(str(IMAGES / "compound" / name), cv2.IMREAD_UNCHANGED)
        cases.append((image, [tuple(b) for b in entry["panels"]], [], []))
    return cases


def generated_cases(count: int) -> list:
    pool = load_pictures(IMAGES / "ct") + load_pictures(IMAGES / "not_ct")
    out = []
    for seed in range(count):
        c = make_composite(10_000 + seed, pool)
        out.append((c.image, c.panels, c.labels, c.letters))
    return out


def show(title: str, rows: dict[str, dict]) -> None:
    print(f"\n## {title}")
    print(f"{'method':<16} {'precision':>9} {'recall':>7} {'exact n':>8} {'labels':>7} {'fig/s':>7}")
    for name, r in rows.items():
        labels = f"{r['labels']:.3f}" if r["labels"] is not None else "-"
        print(f"{name:<16} {r['precision']:9.3f} {r['recall']:7.3f} {r['exact']:8.3f} {labels:>7} {r['fps']:7.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generated", type=int, default=200)
    args = parser.parse_args()
    cv2.setNumThreads(2)
    print("figscrape split benchmark — bar: precision and recall >= 0.90, exact count >= 0.85, >= 20 figures/s")
    methods = {"figscrape": figscrape_panels, "naive baseline": lambda image, letters: naive_panels(image)}
    if (IMAGES / "compound").exists():
        cases = real_cases()
        show(f"real compound figures: {len(cases)} figures, {sum(len(c[1]) for c in cases)} panels", {m: evaluate(cases, f) for m, f in methods.items()})
    else:
        print(f"\n(no real images at {IMAGES}: real set skipped; generated panels are drawn)")
    cases = generated_cases(args.generated)
    show(f"generated composites: {len(cases)} figures, {sum(len(c[1]) for c in cases)} panels", {m: evaluate(cases, f) for m, f in methods.items()})


if __name__ == "__main__":
    main()
