"""Where extraction fails on the development set, to look at: each annotated page with a missed
figure, a false one or a wrong caption is drawn with the truth in green and figscrape's figures in
red (`figscrape inspect --overlay`'s drawing), and one line per failure is printed.

    python benchmarks/extract_failures.py OUT [--part dev] [--devset benchmarks/devsets/pdfs/files] [--only NAME]

Tune on `dev` only; `holdout` is for reporting.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pymupdf

from figscrape.extract.document import extract_figures
from figscrape.geometry import iou
from figscrape.pipeline.overlay import figure_marks, figure_text, render_page
from figscrape.runtime.drawing import TRUTH_COLOUR, Mark, draw_marks

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from extract_bench import DEFAULT_DEVSET, DEVSET_TRUTH, similarity  # noqa: E402


def page_failures(truth: list[dict], found: list[dict]) -> list[str]:
    """Missed figures, false ones and wrong captions of one page, as the benchmark scores them."""
    out, used = [], set()
    for t in truth:
        best, k = max(((iou(tuple(t["bbox"]), tuple(f["bbox"])), i) for i, f in enumerate(found) if i not in used), default=(0.0, None))
        if k is None or best < 0.7:
            near = f" (best IoU {best:.2f})" if k is not None and best > 0 else ""
            out.append(f"missed Fig {t['number']} [{t['kind']}]{near}")
            continue
        used.add(k)
        if similarity(t["caption"], found[k]["caption"]) < 0.9:
            out.append(f"caption Fig {t['number']}: got {found[k]['caption'][:110]!r} want {t['caption'][:110]!r} (lengths {len(found[k]['caption'])}/{len(t['caption'])})")
    out += [f"false Fig {f['number']} at {[round(v) for v in f['bbox']]}" for i, f in enumerate(found) if i not in used]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--part", default="dev", choices=["dev", "holdout"])
    parser.add_argument("--devset", type=Path, default=DEFAULT_DEVSET)
    parser.add_argument("--only", default="", help="only PDFs whose name contains this")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    entries = json.loads(DEVSET_TRUTH.read_text())
    total = 0
    for name, entry in sorted(entries.items()):
        path = args.devset / name
        if entry["part"] != args.part or args.only not in name or not path.exists():
            continue
        found = [{"page": f.page, "bbox": list(f.bbox), "number": f.number, "caption": f.caption} for f in extract_figures(path).figures]
        with pymupdf.open(path) as doc:
            for number in entry["annotated_pages"]:
                truth = [t for t in entry["figures"] if t["page"] == number]
                here = [f for f in found if f["page"] == number]
                failures = page_failures(truth, here)
                if not failures:
                    continue
                total += len(failures)
                for line in failures:
                    print(f"{name} p{number} [{entry['kind_of_document']}]: {line}")
                page = doc[number - 1]
                truth_marks = [Mark(m.box, "truth " + figure_text(t["number"], t["caption"]), TRUTH_COLOUR, width=5) for m, t in zip(figure_marks(page, truth), truth)]
                draw_marks(render_page(page), truth_marks + figure_marks(page, here)).save(args.out / f"{Path(name).stem}-p{number:03d}.png")
    print(f"{total} failures on {args.part}")


if __name__ == "__main__":
    main()
