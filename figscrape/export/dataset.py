"""Writes an export: labelled panels → near-duplicates settled → patient-level splits → files in
the chosen layout, the MetaInfo table, the exclusions, the card. Everything goes to a temporary
folder beside OUT that is swapped into place at the end (swap.py), so a failed or killed export
leaves nothing half-made and OUT whole, old or new."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from PIL import Image
from sqlalchemy import Engine

from figscrape.data.db import write_session
from figscrape.data.models import Export
from figscrape.data.votes import COVID, NONCOVID
from figscrape.export.card import card_text, histogram, preview
from figscrape.export.duplicates import UnionFind, duplicate_groups, label_conflicts
from figscrape.export.imagefolder import METADATA, SPLIT_FOLDERS, card_header, write_metadata
from figscrape.export.items import Exclusion, Item, load_items
from figscrape.export.metainfo import COLUMNS, meta_row
from figscrape.export.splits import SPLITS, assign_patients, fold_items, split_items
from figscrape.export.swap import swap_into_place, sweep, temporary
from figscrape.runtime.tables import write_csv, write_xlsx
from figscrape.store import ObjectStore

MARKER = ".figscrape-export.json"
FOLDER_OF = {COVID: "COVID", NONCOVID: "NonCOVID"}


class ExportError(RuntimeError):
    """The export cannot be made; the message says why. Nothing was written."""


@dataclass
class ExportOptions:
    format: str = "covid-ct"  # covid-ct or imagefolder
    ratios: tuple[float, float, float] = (0.6, 0.15, 0.25)
    seed: int = 0
    folds: int = 0
    licenses: list[str] | None = None
    duplicate_distance: int = 4  # pHash bits
    duplicates: str = "drop"  # drop: keep one copy; together: keep all, in one split


@dataclass
class ExportResult:
    out: Path
    counts: dict[str, int] = field(default_factory=dict)
    excluded: Counter[str] = field(default_factory=Counter)


def settle_duplicates(items: list[Item], options: ExportOptions) -> tuple[list[Item], list[Exclusion]]:
    """Near-duplicates never straddle splits: dropped to one copy (the largest, newest), or their
    patients merged so they land together."""
    groups = duplicate_groups([i.phash for i in items], options.duplicate_distance)
    if options.duplicates == "together":
        patients = sorted({i.patient for i in items})
        index = {p: k for k, p in enumerate(patients)}
        uf = UnionFind(len(patients))
        for group in groups:
            for member in group[1:]:
                uf.union(index[items[group[0]].patient], index[items[member].patient])
        for item in items:
            item.patient = patients[uf.find(index[item.patient])]
        return items, []
    drop: dict[int, Exclusion] = {}
    for group in groups:
        keep = max(group, key=lambda k: (items[k].width * items[k].height, items[k].version, -items[k].panel_id))
        for k in group:
            if k != keep:
                drop[k] = Exclusion(items[k].panel_id, items[k].name, f"near-duplicate of {items[keep].name}")
    return [i for k, i in enumerate(items) if k not in drop], list(drop.values())


def export_dataset(engine: Engine, store: ObjectStore, out: Path, options: ExportOptions,
                   advance: Callable[[int], None] = lambda n: None) -> ExportResult:
    if options.format not in ("covid-ct", "imagefolder"):
        raise ExportError(f"unknown format {options.format!r}: use covid-ct or imagefolder")
    if options.duplicates not in ("drop", "together"):
        raise ExportError(f"unknown duplicates policy {options.duplicates!r}: use drop or together")
    sweep(out)
    _check_target(out)
    items, excluded = load_items(engine, set(options.licenses) if options.licenses else None)
    if not items:
        raise ExportError("no labelled CT panels to export" + (f" ({len(excluded)} labelled panels left out: "
                          + ", ".join(f"{k} {v}" for k, v in Counter(e.reason for e in excluded).most_common(3)) + ")" if excluded else
                          ": label panels with `figscrape app` or `figscrape labels import`"))
    assign_patients(items)
    conflicts = label_conflicts(items, options.duplicate_distance)
    items, dropped = settle_duplicates(items, options)
    excluded += dropped
    split_items(items, options.ratios, options.seed)
    folds = fold_items(items, options.folds, options.seed) if options.folds else {}

    tmp = temporary(out, "tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        write = _write_covid_ct if options.format == "covid-ct" else _write_imagefolder
        write(tmp, items, store, advance)
        if folds:
            _write_folds(tmp, items, folds, options.folds)
        write_csv(tmp / "exclusions.csv", ["panel_id", "file", "reason"], [(e.panel_id, e.name, e.reason) for e in sorted(excluded, key=lambda e: e.panel_id)])
        reasons = Counter(_reason_kind(e.reason) for e in excluded)
        parameters = _parameters(options)
        card = card_header(items, options.format == "imagefolder") + card_text(items, reasons, parameters, SPLITS, conflicts)
        (tmp / "README.md").write_text(card, encoding="utf-8")
        preview(items, lambda i: Image.open(io.BytesIO(store.read(i.sha256))), tmp / "preview.png")
        histogram(items, tmp / "histogram.png")
        counts = _counts(items)
        marker = {"format": options.format, "parameters": parameters, "counts": counts}
        (tmp / MARKER).write_text(json.dumps(marker, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        swap_into_place(tmp, out)
    except OSError as exc:  # a full or read-only disk: said of OUT, not of a file inside the temporary
        shutil.rmtree(tmp, ignore_errors=True)
        raise OSError(exc.errno, exc.strerror, str(out)) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    with write_session(engine) as s:
        s.add(Export(parameters=parameters, counts=counts, location=str(out.absolute())))
    return ExportResult(out, counts, reasons)


def _reason_kind(reason: str) -> str:
    """Reasons grouped for the card ("near-duplicate of X" → "near-duplicate")."""
    for prefix in ("near-duplicate", "box corrected by hand", "licence"):
        if reason.startswith(prefix):
            return prefix
    return reason


def _parameters(options: ExportOptions) -> dict:
    params = asdict(options)
    params["ratios"] = list(options.ratios)
    params["licenses"] = sorted(options.licenses) if options.licenses else None
    return params


def _counts(items: list[Item]) -> dict[str, int]:
    counts = Counter(f"{i.split}/{i.resolution.cls}" for i in items)
    counts["images"] = len(items)
    counts["patients"] = len({i.patient for i in items})
    counts["papers"] = len({i.doi for i in items})
    return dict(sorted(counts.items()))


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise ExportError(f"{out} exists, is not empty and is not a figscrape export: choose another folder")


def copy_verified(store: ObjectStore, item: Item, target: Path) -> None:
    """Copy a panel's bytes, checking them against their hash: a damaged store file stops the export."""
    try:
        data = store.read(item.sha256)
    except OSError as exc:
        raise ExportError(f"panel {item.panel_id} ({item.name}): image {store.path(item.sha256)} unreadable: {exc.strerror or exc}") from exc
    if hashlib.sha256(data).hexdigest() != item.sha256:
        raise ExportError(f"panel {item.panel_id} ({item.name}): image {store.path(item.sha256)} is damaged (its hash does not match)")
    target.write_bytes(data)


def _write_covid_ct(root: Path, items: list[Item], store: ObjectStore, advance: Callable[[int], None]) -> None:
    for cls in (COVID, NONCOVID):
        (root / "Images-processed" / cls).mkdir(parents=True)
        (root / "Data-split" / FOLDER_OF[cls]).mkdir(parents=True)
    for item in items:
        copy_verified(store, item, root / "Images-processed" / item.resolution.cls / item.name)
        advance(1)
    for cls in (COVID, NONCOVID):
        for split in SPLITS:
            names = sorted(i.name for i in items if i.resolution.cls == cls and i.split == split)
            (root / "Data-split" / FOLDER_OF[cls] / f"{split}{cls}.txt").write_text("".join(n + "\n" for n in names), encoding="utf-8")
    rows = [meta_row(i) for i in sorted(items, key=lambda i: i.name)]
    write_csv(root / "COVID-CT-MetaInfo.csv", COLUMNS, rows)
    write_xlsx(root / "COVID-CT-MetaInfo.xlsx", "MetaInfo", COLUMNS, rows)


def _write_imagefolder(root: Path, items: list[Item], store: ObjectStore, advance: Callable[[int], None]) -> None:
    for split, folder in SPLIT_FOLDERS.items():
        chosen = sorted((i for i in items if i.split == split), key=lambda i: i.name)
        if not chosen:  # `datasets` cannot load a split without rows: a split with no image is left out
            continue
        (root / folder).mkdir()
        for item in chosen:
            copy_verified(store, item, root / folder / item.name)
            advance(1)
        write_metadata(root / folder / METADATA, chosen)
    write_csv(root / "MetaInfo.csv", COLUMNS, [meta_row(i) for i in sorted(items, key=lambda i: i.name)])


def _write_folds(root: Path, items: list[Item], folds: dict[int, int], k: int) -> None:
    """COVID-CTset's folds: for fold n, test is fold n, validation the next fold, train the rest."""
    (root / "CSV").mkdir()
    ordered = sorted(items, key=lambda i: i.name)
    for n in range(k):
        role = {n: "test", (n + 1) % k: "validation"}
        for part in ("train", "validation", "test"):
            rows = [(i.name, i.resolution.cls) for i in ordered if role.get(folds[i.panel_id], "train") == part]
            write_csv(root / "CSV" / f"{part}{n + 1}.csv", ["filename", "class"], rows)
