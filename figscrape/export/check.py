"""`figscrape export --check OUT`: an export is whole: every listed file exists, each once, no
stray images, no patient in two splits, and the counts match what the export recorded. An
imagefolder export is also loaded as `datasets` loads it, where `datasets` is installed."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from figscrape.data.votes import COVID, NONCOVID
from figscrape.export.dataset import FOLDER_OF, MARKER
from figscrape.export.imagefolder import CLASS_NAMES, METADATA, SPLIT_FOLDERS, read_metadata
from figscrape.export.splits import SPLITS
from figscrape.runtime.tables import read_csv


def check_export(out: Path) -> list[str]:
    """The problems found; an empty list means the export is sound."""
    marker_path = out / MARKER
    if not marker_path.is_file():
        return [f"{out}: not a figscrape export (no {MARKER})"]
    try:
        marker = json.loads(marker_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        return [f"{marker_path}: unreadable ({exc})"]
    if marker.get("format") == "imagefolder":
        listed, problems = _imagefolder_lists(out)
        if not problems:
            problems += loads_with_datasets(out)
    else:
        listed, problems = _covid_ct_lists(out)
    seen: Counter[str] = Counter(name for name, _, _, _ in listed)
    problems += [f"{name}: listed {n} times" for name, n in sorted(seen.items()) if n > 1]
    splits_of: dict[str, set[str]] = defaultdict(set)
    for name, _, split, patient in listed:
        splits_of[patient].add(split)
    problems += [f"patient {p} is in several splits: {', '.join(sorted(s))}" for p, s in sorted(splits_of.items()) if len(s) > 1]
    counts = Counter(f"{split}/{cls}" for _, cls, split, _ in listed)
    expected = {k: v for k, v in marker.get("counts", {}).items() if "/" in k}
    if dict(counts) != expected:
        problems.append(f"counts differ from the export's record: found {dict(sorted(counts.items()))}, recorded {expected}")
    return problems


def _patients(rows: list[dict[str, str]], name_col: str, patient_col: str) -> dict[str, str]:
    return {r[name_col]: r.get(patient_col, "") for r in rows}


def _covid_ct_lists(out: Path) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    problems: list[str] = []
    meta_path = out / "COVID-CT-MetaInfo.csv"
    if not meta_path.is_file():
        return [], [f"{meta_path}: missing"]
    patient_of = _patients(read_csv(meta_path), "File name", "Patient group")
    listed = []
    for cls in (COVID, NONCOVID):
        images = out / "Images-processed" / cls
        on_disk = {p.name for p in images.iterdir()} if images.is_dir() else set()
        in_lists = set()
        for split in SPLITS:
            path = out / "Data-split" / FOLDER_OF[cls] / f"{split}{cls}.txt"
            if not path.is_file():
                problems.append(f"{path}: missing")
                continue
            for name in path.read_text(encoding="utf-8").splitlines():
                if not name:
                    continue
                in_lists.add(name)
                if name not in on_disk:
                    problems.append(f"{path.name} lists {name}, which is not in {images}")
                if name not in patient_of:
                    problems.append(f"{name}: not in {meta_path.name}")
                listed.append((name, cls, split, patient_of.get(name, name)))
        problems += [f"{images / n}: in no split list" for n in sorted(on_disk - in_lists)]
    return listed, problems


def _imagefolder_lists(out: Path) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    problems: list[str] = []
    listed = []
    for split, folder in SPLIT_FOLDERS.items():
        meta_path = out / folder / METADATA
        if not (out / folder).exists():  # a split with no image is not written (the counts below say if one is missing)
            continue
        if not meta_path.is_file():
            problems.append(f"{meta_path}: missing")
            continue
        try:
            rows = read_metadata(meta_path)
        except Exception as exc:  # pyarrow raises many kinds for a damaged file
            problems.append(f"{meta_path}: unreadable ({exc})")
            continue
        names = set()
        for row in rows:
            names.add(row["file_name"])
            if not (out / folder / row["file_name"]).is_file():
                problems.append(f"{meta_path} lists {row['file_name']}, which is not in {out / folder}")
            listed.append((row["file_name"], row["label"], split, row.get("patient_group") or ""))
        stray = {p.name for p in (out / folder).iterdir()} - names - {METADATA}
        problems += [f"{out / folder / n}: not in {METADATA}" for n in sorted(stray)]
    return listed, problems


def loads_with_datasets(out: Path) -> list[str]:
    """What stops `datasets.load_dataset("imagefolder", data_dir=out)`: nothing when it loads with
    the splits written (a split with no image is not) and `label` as a ClassLabel of the two classes; nothing either without `datasets`."""
    try:
        import datasets
    except ImportError:
        return []
    import tempfile

    with tempfile.TemporaryDirectory(prefix="figscrape-check-") as cache:
        try:
            ds = datasets.load_dataset("imagefolder", data_dir=str(out), cache_dir=cache)
        except Exception as exc:  # whatever `datasets` raises is the message people would see
            return [f"datasets cannot load {out}: {type(exc).__name__}: {str(exc)[:500]}"]
        problems = []
        written = sorted(folder for folder in SPLIT_FOLDERS.values() if (out / folder).is_dir())
        if sorted(ds) != written:
            problems.append(f"datasets finds the splits {sorted(ds)}, not {written}")
        for name, split in ds.items():
            label = split.features.get("label")
            if not isinstance(label, datasets.ClassLabel) or label.names != CLASS_NAMES:
                problems.append(f"datasets reads {name}'s label as {label}, not a ClassLabel of {', '.join(CLASS_NAMES)}")
        del ds
    return problems
