"""Splitting benchmark: figscrape's panel splitter beside a naive baseline (connected components of
the non-background mask), in the same run.

Sets, each printed as its own table:
- the 20 real compound figures of the shared corpus (`--corpus`/images/compound, panel boxes in
  benchmarks/split_truth.json);
- the real compound development set (benchmarks/devsets/compound/truth.json, images in `--devset`):
  its `dev` part (the only part the splitter is tuned on), the same split by figure kind
  (MANIFEST.tsv) and by the session that added the figures (truth.json's `added`: figures first
  looked at after the splitter was tuned), and its `holdout` part (whole repositories nobody tuned on), also by kind;
- generated composites (figscrape.synthetic.composites, made from the corpus's CT and not-CT images).

For each: panel precision and recall, the share of figures whose panel count is exactly right,
label accuracy (of the truth panels that carry a printed label, the share matched by a panel with
that label; the generated set gives its letters as text spans, as the PDF's text layer would, the
real sets are bare images with no text layer or caption, so their letters are read from the
pixels), wrong labels (matched panels given a label that is not their printed one, or any label
where none is printed: a wrong letter is worse than none) and figures per second (one process,
OpenCV on 2 threads): by the wall clock and by the process's CPU time, which a busy machine does not
distort (OpenCV's second thread counts in it).

Last, throughput on the machine's 2 cores as the split stage runs: every dev set figure read from
its file and cut, once in this process and once on 2 local worker processes in batches of the
stage's size (`figscrape split --workers 2`: figscrape.runtime.parallel, pool start included).

Matching rule: a truth panel is found when an unused predicted box has IoU >= 0.6 with it (greedy,
truth in order). The dev set's panels are tight around the content and include the panel's letter,
insets, colour bar and axis labels, but leave out titles over image panels and shared headers,
which is what the splitter means by a panel; 0.6 allows the few pixels a title or tick label moves
an edge by, and no box covering two panels of a pair (IoU <= 0.5) counts.

    python benchmarks/split_bench.py [--generated 200] [--devset DIR] [--corpus DIR] [--overlays DIR]

`--overlays DIR` writes, for every figure of the shared corpus and the dev part that the splitter
gets wrong (never of the holdout part), a PNG of truth (green) and
prediction (red) for looking at.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from figscrape.geometry import PixelBox, iou
from figscrape.runtime.imaging import to_gray8
from figscrape.runtime.parallel import Workers, map_batches
from figscrape.split.panels import cut_panels
from figscrape.split.stage import BATCH
from figscrape.synthetic.composites import load_pictures, make_composite

HERE = Path(__file__).resolve().parent
DEVSET = HERE / "devsets" / "compound"
MATCH_IOU = 0.6
Prediction = list[tuple[PixelBox, str]]


@dataclass
class Case:
    name: str
    image: np.ndarray
    truth: list[PixelBox]
    labels: list[str]  # printed label per truth panel, "" where none
    letters: list  # text spans given to the splitter (generated set only)


def naive_panels(image: np.ndarray) -> Prediction:
    """Connected components of everything that is not the border colour, 1% of the figure or more."""
    gray = to_gray8(image)
    bg = int(np.median(np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])))
    mask = (np.abs(gray.astype(np.int16) - bg) > 28).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    h, w = gray.shape
    return [((int(x), int(y), int(x + bw), int(y + bh)), "") for x, y, bw, bh, _ in stats[1:] if bw * bh >= 0.01 * w * h]


def figscrape_panels(image: np.ndarray, letters: list) -> Prediction:
    return [(c.bbox, c.label) for c in cut_panels(image, "", letters=letters)]


def unread_panels(image: np.ndarray, letters: list) -> Prediction:
    """The splitter without its reader of printed letters: what the reader costs in time."""
    return [(c.bbox, c.label) for c in cut_panels(image, "", letters=letters, read_pixels=False)]


def match(truth: list[PixelBox], pred: Prediction) -> list[int]:
    """For each truth panel the index of its predicted panel, -1 where none (see the matching rule)."""
    used: set[int] = set()
    found = []
    for t in truth:
        best = max(((iou(t, p[0]), i) for i, p in enumerate(pred) if i not in used), default=(0.0, -1))
        if best[0] >= MATCH_IOU:
            used.add(best[1])
            found.append(best[1])
        else:
            found.append(-1)
    return found


def evaluate(cases: list[Case], method: Callable[[np.ndarray, list], Prediction]) -> tuple[dict, list[Prediction]]:
    start, cpu_start = time.perf_counter(), time.process_time()
    predictions = [method(c.image, c.letters) for c in cases]
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    tp = fp = fn = exact = labelled = labels_right = labels_wrong = 0
    for case, pred in zip(cases, predictions):
        found = match(case.truth, pred)
        hits = sum(i >= 0 for i in found)
        tp, fn, fp = tp + hits, fn + len(found) - hits, fp + len(pred) - hits
        exact += len(pred) == len(case.truth)
        for label, i in zip(case.labels, found):
            if label:
                labelled += 1
                labels_right += i >= 0 and pred[i][1] == label
            labels_wrong += i >= 0 and pred[i][1] not in ("", label)
    return {
        "figures": len(cases), "panels": tp + fn,
        "precision": tp / max(1, tp + fp), "recall": tp / max(1, tp + fn), "exact": exact / max(1, len(cases)),
        "labels": labels_right / labelled if labelled else None, "wrong": labels_wrong if labelled else None, "fps": len(cases) / seconds if seconds else 0.0,
        "cpu_fps": len(cases) / cpu if cpu else 0.0,
    }, predictions


def shared_cases(images: Path) -> list[Case]:
    truth = json.loads((HERE / "split_truth.json").read_text())["figures"]
    cases = []
    for name, entry in truth.items():
        image = cv2.imread(str(images / "compound" / name), cv2.IMREAD_UNCHANGED)
        boxes = [tuple(b) for b in entry["panels"]]
        cases.append(Case(name, image, boxes, [""] * len(boxes), []))
    return cases


def devset_cases(files: Path) -> dict[str, list[Case]]:
    """The dev set's figures by part ("dev", "holdout"); a missing or unreadable image stops the run."""
    truth = json.loads((DEVSET / "truth.json").read_text())["figures"]
    parts: dict[str, list[Case]] = {"dev": [], "holdout": []}
    for name, entry in sorted(truth.items()):
        image = cv2.imread(str(files / name), cv2.IMREAD_UNCHANGED)
        if image is None:
            raise SystemExit(f"{files / name}: missing or not a readable image")
        panels = entry["panels"]
        parts[entry["part"]].append(Case(name, image, [tuple(p["bbox"]) for p in panels], [p["label"] or "" for p in panels], []))
    return parts


def added_in() -> dict[str, str]:
    """The session each dev set figure was added in ("" for the first set)."""
    truth = json.loads((DEVSET / "truth.json").read_text())["figures"]
    return {name: entry.get("added", "") for name, entry in truth.items()}


def kinds() -> dict[str, str]:
    with open(DEVSET / "MANIFEST.tsv", newline="") as f:
        return {row["file"]: row["kind"] for row in csv.DictReader(f, delimiter="\t")}


def generated_cases(images: Path, count: int) -> list[Case]:
    pool = load_pictures(images / "ct") + load_pictures(images / "not_ct")
    out = []
    for seed in range(count):
        c = make_composite(10_000 + seed, pool)
        out.append(Case(f"generated-{seed}", c.image, c.panels, c.labels, c.letters))
    return out


def show(title: str, rows: dict[str, dict]) -> None:
    print(f"\n## {title}")
    print(f"{'method':<16} {'figures':>7} {'panels':>6} {'precision':>9} {'recall':>7} {'exact n':>8} {'labels':>7} {'wrong':>5} {'fig/s':>7} {'cpu fig/s':>9}")
    for name, r in rows.items():
        labels = f"{r['labels']:.3f}" if r["labels"] is not None else "-"
        wrong = str(r["wrong"]) if r["wrong"] is not None else "-"  # a set whose truth records no letters cannot tell
        print(f"{name:<16} {r['figures']:7d} {r['panels']:6d} {r['precision']:9.3f} {r['recall']:7.3f} {r['exact']:8.3f} {labels:>7} {wrong:>5} {r['fps']:7.1f} {r['cpu_fps']:9.1f}")


def overlay(case: Case, pred: Prediction, out: Path) -> None:
    """Truth in green, prediction in red (with its index), scaled to at most 1400 pixels."""
    image = case.image
    if image.dtype == np.uint16:
        image = (image / 257).astype(np.uint8)
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    scale = min(1.0, 1400 / max(image.shape[:2]))
    view = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image.copy()
    for box in case.truth:
        x0, y0, x1, y1 = (int(v * scale) for v in box)
        cv2.rectangle(view, (x0, y0), (x1 - 1, y1 - 1), (0, 200, 0), 3)
    for i, (box, _) in enumerate(pred):
        x0, y0, x1, y1 = (int(v * scale) for v in box)
        cv2.rectangle(view, (x0 + 2, y0 + 2), (x1 - 3, y1 - 3), (0, 0, 255), 2)
        cv2.putText(view, str(i), (x0 + 6, y0 + 22), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 0, 255), 2)
    cv2.imwrite(str(out / (Path(case.name).stem + ".png")), view)


def report(title: str, cases: list[Case], methods: dict[str, Callable], overlays: Path | None = None) -> list[Prediction]:
    results = {m: evaluate(cases, f) for m, f in methods.items()}
    show(title, {m: r[0] for m, r in results.items()})
    predictions = results["figscrape"][1]
    if overlays is not None:
        for case, pred in zip(cases, predictions):
            found = match(case.truth, pred)
            if len(pred) != len(case.truth) or -1 in found:
                overlay(case, pred, overlays)
    return predictions


def cut_files(paths: list[str]) -> list[tuple[str, int]]:
    """Each figure file with its panel count, read and cut as a split worker does."""
    return [(path, len(cut_panels(cv2.imread(path, cv2.IMREAD_UNCHANGED), ""))) for path in paths]


def throughput(paths: list[str]) -> None:
    """Figures per second by the wall clock, read from files and cut: in this process, then on the
    stage's 2 local worker processes, which must give the same panel counts."""
    print(f"\n## throughput on 2 cores: {len(paths)} dev set figures (both parts), read from files and cut")
    print(f"{'how':<34} {'fig/s':>7}")
    start = time.perf_counter()
    alone = dict(cut_files(paths))
    print(f"{'one process':<34} {len(paths) / (time.perf_counter() - start):7.1f}")
    start = time.perf_counter()
    parallel = {path: n for done in map_batches(cut_files, paths, BATCH, (), Workers(count=2), lambda path, why: (path, -1)) for path, n in done}
    seconds = time.perf_counter() - start
    if parallel != alone:
        raise SystemExit("the worker processes cut the figures otherwise than this process")
    print(f"{'2 worker processes (--workers 2)':<34} {len(paths) / seconds:7.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generated", type=int, default=200)
    parser.add_argument("--devset", type=Path, default=DEVSET / "files", help="the dev set's image files")
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("FIGSCRAPE_TEST_CORPUS", HERE.parent.parent / "shared" / "corpus")))
    parser.add_argument("--overlays", type=Path, help="write truth/prediction overlays of the dev figures got wrong here")
    args = parser.parse_args()
    cv2.setNumThreads(2)
    if args.overlays:
        args.overlays.mkdir(parents=True, exist_ok=True)
    images = args.corpus / "images"
    print(f"figscrape split benchmark — bar: precision and recall >= 0.92, exact count >= 0.85, >= 20 figures/s; match IoU >= {MATCH_IOU}")
    methods = {"figscrape": figscrape_panels, "naive baseline": lambda image, letters: naive_panels(image)}
    if (images / "compound").exists():
        cases = shared_cases(images)
        report(f"shared corpus compound figures ({images / 'compound'})", cases, methods, args.overlays)
    else:
        print(f"\n(no shared corpus at {images}: its compound figures are skipped and generated panels are drawn)")
    if args.devset.exists():
        parts = devset_cases(args.devset)
        timed = {"figscrape": figscrape_panels, "no pixel letters": unread_panels, "naive baseline": methods["naive baseline"]}
        report("dev set, dev part (tuned on)", parts["dev"], timed, args.overlays)
        kind_of = kinds()
        for kind in sorted({kind_of[c.name] for c in parts["dev"]}):
            report(f"dev set, dev part, kind {kind}", [c for c in parts["dev"] if kind_of[c.name] == kind], {"figscrape": figscrape_panels})
        added = added_in()
        for batch in sorted({added[c.name] for c in parts["dev"]}):
            report(f"dev set, dev part, added {batch or 'first'}", [c for c in parts["dev"] if added[c.name] == batch], {"figscrape": figscrape_panels})
        if parts["holdout"]:
            report("dev set, holdout part (never tuned on)", parts["holdout"], timed)  # no overlays: nobody looks at it to tune
            for kind in sorted({kind_of[c.name] for c in parts["holdout"]}):
                report(f"dev set, holdout part, kind {kind}", [c for c in parts["holdout"] if kind_of[c.name] == kind], {"figscrape": figscrape_panels})
        throughput([str(args.devset / c.name) for c in parts["dev"] + parts["holdout"]])
    else:
        print(f"\n(no dev set images at {args.devset}: the real dev set is skipped; build_compound.py in {DEVSET} makes them)")
    cases = generated_cases(images, args.generated)
    report("generated composites", cases, methods)


if __name__ == "__main__":
    main()
