"""The dataset card (README.md) and its two pictures, a preview montage and a histogram of
resolution and classes. Everything in them comes from the exported rows, so they are as
deterministic as the rest of the export."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from figscrape import __version__
from figscrape.data.votes import COVID, NONCOVID
from figscrape.export.items import Item
from figscrape.export.metainfo import votes_text

THUMB = 128


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def card_text(items: Sequence[Item], excluded: Counter[str], parameters: dict, split_names: Sequence[str],
              conflicts: Sequence[Sequence[Item]] = ()) -> str:
    classes = (COVID, NONCOVID)
    per = Counter((i.resolution.cls, i.split) for i in items)
    rows = [[c] + [per[(c, s)] for s in split_names] + [sum(per[(c, s)] for s in split_names)] for c in classes]
    rows.append(["all"] + [sum(per[(c, s)] for c in classes) for s in split_names] + [len(items)])
    total = len(items) or 1
    pixels = sorted(i.width * i.height for i in items)
    by_size = sorted(items, key=lambda i: (i.width * i.height, i.panel_id))
    dates = sorted(i.date for i in items if i.date)
    annotators = Counter(v.annotator for i in items for v in i.resolution.votes)
    multi = [i for i in items if sum(1 for v in i.resolution.votes if not v.adjudication) > 1]
    agreement = statistics.fmean(i.resolution.agreement for i in multi) if multi else None
    models = sorted({i.model_version for i in items if i.model_version})
    lines = [
        "# figscrape dataset: CT images from preprint figures",
        "",
        f"{len(items)} CT images ({per_class(items, COVID)} {COVID}, {per_class(items, NONCOVID)} {NONCOVID}) "
        f"from {len({i.patient for i in items})} patients in {len({i.doi for i in items})} papers.",
        "",
        "## Counts per class and split",
        _table(["class", *split_names, "total"], rows),
        "",
        "Class balance: " + ", ".join(f"{c} {per_class(items, c) / total:.1%}" for c in classes) + ".",
        "",
        "## Sources",
        f"- Dates: {dates[0]} to {dates[-1]}" if dates else "- Dates: unknown",
        "- Servers: " + ", ".join(f"{k} ({v})" for k, v in sorted(Counter(i.server for i in items).items())),
        "- Licences: " + ", ".join(f"{k or 'unknown'} ({v})" for k, v in sorted(Counter(i.license for i in items).items())),
        "",
        "## Images",
        f"- Resolution (pixels, width x height): min {_wh(by_size[0])}, median {_wh(by_size[len(by_size) // 2])}, "
        f"max {_wh(by_size[-1])}; median {statistics.median(pixels):.0f} pixels" if items else "- no images",
        "- Files are the panels' own bytes from the figures in the PDFs: no resampling, no recompression.",
        "",
        "## CT scores",
        score_histogram(items),
        "",
        "## Labels",
        "- Annotators: " + ", ".join(f"{k} ({v})" for k, v in sorted(annotators.items())),
        f"- Images labelled by more than one annotator: {len(multi)}"
        + (f"; mean agreement with the final label {agreement:.3f}" if agreement is not None else ""),
        f"- Adjudicated by a reviewer: {sum(1 for i in items if i.resolution.adjudicated)}",
        "- Each annotator's latest label counts once; a reviewer's adjudication overrides; the majority decides;"
        " ties and \"unsure\" are left out (see exclusions.csv).",
        "",
        "## Near-duplicates labelled differently",
        conflicts_text(conflicts),
        "",
        "## Left out",
        _table(["reason", "panels"], sorted(excluded.items())) if excluded else "Nothing.",
        "",
        "## How it was made",
        f"- figscrape {__version__}; CT filter model {', '.join(models) or 'none'}",
        "- Splits are by patient, never by image: a patient is a paper (all versions) and the patient key"
        " annotators gave; a paper where some image has no key counts as one patient.",
        "- Parameters: " + ", ".join(f"{k}={v}" for k, v in sorted(parameters.items())),
        "",
        "![preview](preview.png)",
        "",
        "![resolution and classes](histogram.png)",
        "",
    ]
    return "\n".join(lines)


def score_histogram(items: Sequence[Item], bins: int = 10, width: int = 40) -> str:
    """The CT filter's score of the exported images in `bins` bins from 0 to 1, as a text histogram."""
    scored = [i.ct_score for i in items if i.ct_score is not None]
    counts = [0] * bins
    for score in scored:
        counts[min(bins - 1, max(0, int(score * bins)))] += 1
    top = max(counts + [1])
    lines = ["```", "ct_score    images"]
    for k, n in enumerate(counts):
        lines.append(f"{k / bins:.1f}-{(k + 1) / bins:.1f}  {n:6d}  {'#' * round(width * n / top)}")
    unscored = len(items) - len(scored)
    return "\n".join(lines + ["```", f"{len(scored)} scored" + (f", {unscored} never scored" if unscored else "") + "."])


def conflicts_text(conflicts: Sequence[Sequence[Item]]) -> str:
    """Each group of copies of one picture that got different classes: its files, their labels and votes."""
    if not conflicts:
        return "None: near-duplicate copies all have the same class."
    lines = [f"{len(conflicts)} pictures appear more than once with different classes; only one copy is exported"
             " (or all, in one split, with --duplicates together). Check them:", ""]
    rows = []
    for n, group in enumerate(conflicts, start=1):
        rows += [[n, f"`{i.name}`", i.resolution.cls, votes_text(i)] for i in group]
    return "\n".join(lines) + _table(["group", "file", "label", "votes"], rows)


def per_class(items: Sequence[Item], cls: str) -> int:
    return sum(1 for i in items if i.resolution.cls == cls)


def _wh(item: Item) -> str:
    return f"{item.width}x{item.height}"


def preview(items: Sequence[Item], load: Callable[[Item], Image.Image], path: Path, per_row: int = 8, count: int = 24) -> None:
    """Up to `count` thumbnails, COVID first, in file-name order."""
    chosen = sorted(items, key=lambda i: (i.resolution.cls, i.name))
    chosen = [i for i in chosen if i.resolution.cls == COVID][: count // 2] + [i for i in chosen if i.resolution.cls == NONCOVID][: count // 2]
    rows = max(1, -(-len(chosen) // per_row))
    sheet = Image.new("RGB", (per_row * THUMB, rows * (THUMB + 14)), "white")
    draw = ImageDraw.Draw(sheet)
    for k, item in enumerate(chosen):
        image = load(item).convert("RGB")
        image.thumbnail((THUMB, THUMB))
        x, y = (k % per_row) * THUMB, (k // per_row) * (THUMB + 14)
        sheet.paste(image, (x + (THUMB - image.width) // 2, y + (THUMB - image.height) // 2))
        draw.text((x + 2, y + THUMB), "COVID" if item.resolution.cls == COVID else "NonCOVID", fill="black")
    sheet.save(path, optimize=False)


def histogram(items: Sequence[Item], path: Path, bins: int = 12) -> None:
    """Left: images per class; right: image width histogram (log2 bins from 64 px)."""
    width, height, pad = 640, 240, 30
    sheet = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)
    counts = [per_class(items, COVID), per_class(items, NONCOVID)]
    top = max(counts + [1])
    for k, (name, n) in enumerate(zip(("COVID", "NonCOVID"), counts)):
        x = pad + k * 80
        h = int((height - 2 * pad) * n / top)
        draw.rectangle([x, height - pad - h, x + 50, height - pad], fill=(200, 60, 60) if k == 0 else (60, 100, 200))
        draw.text((x, height - pad + 4), f"{name} {n}", fill="black")
    edges = [64 * 2 ** (k / 2) for k in range(bins + 1)]
    hist = [0] * bins
    for item in items:
        b = next((k for k in range(bins) if item.width < edges[k + 1]), bins - 1)
        hist[b] += 1
    top = max(hist + [1])
    bar = (width - 220 - pad) // bins
    for k, n in enumerate(hist):
        x = 220 + k * bar
        h = int((height - 2 * pad) * n / top)
        draw.rectangle([x, height - pad - h, x + bar - 3, height - pad], fill=(90, 90, 90))
        if k % 2 == 0:
            draw.text((x, height - pad + 4), f"{edges[k]:.0f}", fill="black")
    draw.text((220, 6), "image width (px)", fill="black")
    draw.text((pad, 6), "images per class", fill="black")
    sheet.save(path, optimize=False)
