"""The learned layout detector alone, on the real development set: figure precision, recall and F1
(same page, IoU >= 0.7) at several score thresholds, for the dev and holdout parts, and seconds
per page for rendering and running the model on this machine. Only annotated pages are scored.

    python benchmarks/detector_bench.py [--devset benchmarks/devsets/pdfs/files] [--cache detections.json]

`--cache` keeps every detection (all classes) so that later runs score without the model.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pymupdf

from figscrape.extract.detector import detect
from figscrape.geometry import iou
from figscrape.runtime.runs import progress

HERE = Path(__file__).resolve().parent
TRUTH = HERE / "devsets" / "pdfs" / "truth.json"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def run_detector(truth: dict, files: Path) -> tuple[dict[str, list], float, int]:
    """Detections per "file:page", the seconds spent and the pages run."""
    out: dict[str, list] = {}
    seconds, pages = 0.0, 0
    names = [n for n in truth if (files / n).is_file()]
    with progress() as bar:
        task = bar.add_task("detector", total=sum(len(truth[n]["annotated_pages"]) for n in names))
        for name in names:
            doc = pymupdf.open(files / name)
            for number in truth[name]["annotated_pages"]:
                page = doc[number - 1]
                page.set_rotation(0)
                start = time.perf_counter()
                found = detect(page)
                seconds += time.perf_counter() - start
                pages += 1
                out[f"{name}:{number}"] = [(d.label, d.score, list(d.bbox)) for d in found]
                bar.advance(task)
            doc.close()
    return out, seconds, pages


def score(truth: dict, detections: dict[str, list], names: list[str], threshold: float) -> dict:
    tp = fp = fn = 0
    for name in names:
        entry = truth[name]
        for number in entry["annotated_pages"]:
            preds = [d[2] for d in detections.get(f"{name}:{number}", []) if d[0] == "figure" and d[1] >= threshold]
            used: set[int] = set()
            for fig in (f for f in entry["figures"] if f["page"] == number):
                best = max(((iou(tuple(fig["bbox"]), tuple(p)), k) for k, p in enumerate(preds) if k not in used), default=(0.0, -1))
                if best[0] >= 0.7:
                    tp += 1
                    used.add(best[1])
                else:
                    fn += 1
            fp += len(preds) - len(used)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "truth": tp + fn}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devset", type=Path, default=HERE / "devsets" / "pdfs" / "files", help="folder with the development set's PDFs (its build_pdfs.py writes them there)")
    parser.add_argument("--cache", type=Path, help="JSON file of detections: read if present, else written")
    args = parser.parse_args()
    truth = json.loads(TRUTH.read_text())
    if not args.devset.is_dir():
        sys.exit(f"{args.devset}: no such folder (rebuild with benchmarks/devsets/pdfs/build_pdfs.py)")
    if args.cache and args.cache.is_file():
        cached = json.loads(args.cache.read_text())
        detections, seconds, pages = cached["detections"], cached["seconds"], cached["pages"]
    else:
        detections, seconds, pages = run_detector(truth, args.devset)
        if args.cache:
            args.cache.write_text(json.dumps({"detections": detections, "seconds": seconds, "pages": pages}))
    print(f"detector: {pages} pages, {seconds / max(1, pages):.3f} s per page (render + model + decode, one thread)")
    print(f"{'part':8} {'score>=':>7} {'P':>6} {'R':>6} {'F1':>6} {'figs':>5}")
    for part in ("dev", "holdout"):
        names = [n for n in truth if truth[n]["part"] == part and (args.devset / n).is_file()]
        for threshold in THRESHOLDS:
            s = score(truth, detections, names, threshold)
            print(f"{part:8} {threshold:7.1f} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f} {s['truth']:5d}")


if __name__ == "__main__":
    main()
