"""Extraction on the shared real preprints (skipped where ../shared is not beside the checkout)."""

from __future__ import annotations

import json

from conftest import shared_corpus

from figscrape.extract.document import extract_figures
from figscrape.geometry import iou


def test_real_preprints_figures_found_with_f1_over_the_bar() -> None:
    folder = shared_corpus("pdfs")
    truth = json.loads((folder / "truth.json").read_text())
    tp = fp = fn = 0
    for name, entry in truth.items():
        found = extract_figures(folder / name).figures
        used: set[int] = set()
        for t in entry["figures"]:
            scores = [(iou(tuple(t["bbox"]), f.bbox), k) for k, f in enumerate(found) if f.page == t["page"] and k not in used]
            best = max(scores, default=(0.0, -1))
            if best[0] >= 0.7:
                tp += 1
                used.add(best[1])
            else:
                fn += 1
        fp += len(found) - len(used)
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= 0.95, (tp, fp, fn)


def test_author_manuscript_keeps_whole_double_spaced_caption() -> None:
    path = shared_corpus("pdfs", "other_geralda_manuscript.pdf")
    fig = next(f for f in extract_figures(path).figures if f.number == "1")
    assert fig.caption.startswith("Figure 1. Framework")
    assert fig.caption.endswith("DATASUS dataframe.")


def test_caption_continued_on_next_page_is_joined() -> None:
    path = shared_corpus("pdfs", "biorxiv_2024.12.11.628077.pdf")
    fig = next(f for f in extract_figures(path).figures if f.number == "1")
    assert fig.kind == "tiled" and fig.caption.endswith("(fivefold cross-validation).")
    assert "Realistic biological application" not in fig.caption
