"""Extraction benchmark: figscrape's extractor beside the naive baseline, in the same run.

Prints one table per data set (real preprints from ../shared/corpus/pdfs with truth.json, and
generated preprints from figscrape.synthetic): figure precision, recall and F1 (a match is the same
page with IoU >= 0.7), caption accuracy (share of true figures matched with caption text
similarity >= 0.9), pages per second and peak memory. Each (method, data set) runs in a fresh
process so that its peak RSS is its own.

    python benchmarks/extract_bench.py [--generated 60] [--corpus ../shared/corpus/pdfs]

The naive baseline: every embedded image of 50 px or more is a figure; its caption is the nearest
text block starting with "Fig". Known errors of the shared truth are corrected by
benchmarks/truth_corrections.json; scores against the truth as given are printed too.
"""

from __future__ import annotations

import argparse
import difflib
import json
import multiprocessing as mp
import re
import resource
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pymupdf

from figscrape.extract.document import extract_figures
from figscrape.geometry import iou

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus" / "pdfs"


@dataclass
class Predicted:
    page: int
    bbox: tuple[float, float, float, float]
    caption: str


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().lower()


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalise(a), normalise(b), autojunk=False).ratio()


def figscrape_method(path: Path) -> tuple[int, list[Predicted]]:
    doc = extract_figures(path)
    return doc.pages, [Predicted(f.page, f.bbox, f.caption) for f in doc.figures]


def naive_method(path: Path) -> tuple[int, list[Predicted]]:
    """Every embedded image >= 50 px is a figure; its caption is the nearest block starting with "Fig"."""
    doc = pymupdf.open(path)
    found: list[Predicted] = []
    for page in doc:
        blocks = [b for b in page.get_text("blocks") if b[4].strip().lower().startswith("fig")]
        for info in page.get_image_info(xrefs=True):
            if info["width"] < 50 or info["height"] < 50:
                continue
            if info.get("xref"):
                doc.extract_image(info["xref"])  # take the pixels out, as the real extractor does
            box = tuple(info["bbox"])
            nearest = min(blocks, key=lambda b: abs((b[1] + b[3]) / 2 - (box[1] + box[3]) / 2), default=None)
            found.append(Predicted(page.number + 1, box, re.sub(r"\s+", " ", nearest[4]).strip() if nearest else ""))
    pages = doc.page_count
    doc.close()
    return pages, found


METHODS = {"figscrape": figscrape_method, "naive baseline": naive_method}


def _run_set(method: str, pdfs: list[str], queue: mp.Queue) -> None:
    fn = METHODS[method]
    results, pages, failures = {}, 0, 0
    start = time.perf_counter()
    for pdf in pdfs:
        try:
            n, preds = fn(Path(pdf))
        except Exception as exc:  # a crash counts as no figures found, and is reported
            print(f"  {method}: {pdf}: {exc}", file=sys.stderr)
            failures += 1
            continue
        pages += n
        results[pdf] = [(p.page, list(p.bbox), p.caption) for p in preds]
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"results": results, "pages": pages, "seconds": elapsed, "peak_mb": peak_mb, "failures": failures})


def run_method(method: str, pdfs: list[Path]) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_run_set, args=(method, [str(p) for p in pdfs], queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def score(truth: dict[str, list[dict]], predicted: dict[str, list]) -> dict:
    tp = fp = fn = captions_ok = 0
    for pdf, figures in truth.items():
        preds = list(predicted.get(pdf, []))
        used: set[int] = set()
        for t in figures:
            best, best_k = 0.0, None
            for k, (page, bbox, _) in enumerate(preds):
                if k in used or page != t["page"]:
                    continue
                v = iou(tuple(t["bbox"]), tuple(bbox))
                if v > best:
                    best, best_k = v, k
            if best_k is not None and best >= 0.7:
                tp += 1
                used.add(best_k)
                captions_ok += similarity(t["caption"], preds[best_k][2]) >= 0.9
            else:
                fn += 1
        fp += len(preds) - len(used)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "caption_accuracy": captions_ok / max(1, tp + fn), "truth": tp + fn}


def region_text(pdf: Path, regions: list) -> str:
    doc = pymupdf.open(pdf)
    parts = []
    for page_no, clip in regions:
        for block in doc[page_no - 1].get_text("dict", clip=pymupdf.Rect(clip))["blocks"]:
            for line in block.get("lines", []):
                text = "".join(s["text"] for s in line["spans"]).strip()
                if text:
                    parts.append(text)
    return re.sub(r"\s+", " ", " ".join(parts).replace("\u00a0", " ")).strip()


def real_set(corpus: Path, corrected: bool) -> dict[str, list[dict]]:
    truth = json.loads((corpus / "truth.json").read_text())
    out = {str(corpus / name): [dict(f) for f in entry["figures"]] for name, entry in truth.items()}
    if corrected:
        for fix in json.loads((HERE / "truth_corrections.json").read_text())["captions"]:
            for fig in out.get(str(corpus / fix["file"]), []):
                if fig["number"] == fix["number"]:
                    fig["caption"] = region_text(corpus / fix["file"], fix["regions"])
    return out


def generated_set(count: int, folder: Path) -> dict[str, list[dict]]:
    from figscrape.synthetic.papers import make_corpus

    out = {}
    for paper in make_corpus(count, seed=1000):
        path = folder / f"{paper.name}.pdf"
        path.write_bytes(paper.pdf)
        out[str(path)] = [{"page": f.page, "bbox": f.bbox, "caption": f.caption} for f in paper.figures]
    return out


def print_table(title: str, rows: list[tuple[str, dict, dict]]) -> None:
    print(f"\n## {title}")
    print(f"{'method':<34} {'prec':>6} {'recall':>6} {'F1':>6} {'caption':>8} {'pages/s':>8} {'peak MB':>8}")
    for name, s, run in rows:
        pps = run["pages"] / run["seconds"] if run["seconds"] else 0.0
        print(f"{name:<34} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f} {s['caption_accuracy']:8.3f} {pps:8.1f} {run['peak_mb']:8.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder with real PDFs and truth.json")
    parser.add_argument("--generated", type=int, default=60, help="how many generated preprints (0 to skip)")
    args = parser.parse_args()
    print("figscrape extraction benchmark — bar: F1 >= 0.95, caption accuracy >= 0.95, >= 0.5x baseline pages/s")
    if (args.corpus / "truth.json").exists():
        corrected = real_set(args.corpus, corrected=True)
        as_given = real_set(args.corpus, corrected=False)
        pdfs = [Path(p) for p in corrected]
        runs = {m: run_method(m, pdfs) for m in METHODS}
        rows = []
        for m, run in runs.items():
            rows.append((m, score(corrected, run["results"]), run))
            rows.append((f"{m} (truth as given)", score(as_given, run["results"]), run))
        print_table(f"real preprints: {len(pdfs)} PDFs, {sum(len(v) for v in corrected.values())} figures ({args.corpus})", rows)
    else:
        print(f"\n(no real corpus at {args.corpus}: skipped)")
    if args.generated:
        with tempfile.TemporaryDirectory() as tmp:
            truth = generated_set(args.generated, Path(tmp))
            pdfs = [Path(p) for p in truth]
            rows = [(m, score(truth, run["results"]), run) for m, run in ((m, run_method(m, pdfs)) for m in METHODS)]
            print_table(f"generated preprints: {len(pdfs)} PDFs, {sum(len(v) for v in truth.values())} figures", rows)


if __name__ == "__main__":
    main()
