"""Patient-level splits: every panel of one patient lands in one split (or fold), never two.
A patient is a paper (all its versions) plus the patient key people gave; a paper where some
labelled panel has no key is one patient as a whole, since its unkeyed panels could be anyone.
Groups are dealt out in a seeded order, each to the split that most lacks its class, so the
classes keep the ratios where the numbers allow."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence

from figscrape.data.naming import doi_suffix
from figscrape.export.items import Item

SPLITS = ("train", "val", "test")


def assign_patients(items: Sequence[Item]) -> None:
    """Set each item's `patient` group id and its `patient_id`: the same person, named for people
    (`2020.03.22.20040782/patient 1`, or the DOI suffix alone), unique across the dataset."""
    by_paper: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_paper[item.doi].append(item)
    for doi, members in by_paper.items():
        keyed = all(m.resolution.patient_key for m in members)
        for m in members:
            m.patient = f"{doi}#{m.resolution.patient_key}" if keyed else doi
            m.patient_id = f"{doi_suffix(doi)}/{m.resolution.patient_key}" if keyed else doi_suffix(doi)


def deal(groups: dict[str, list[Item]], ratios: Sequence[float], seed: int) -> dict[str, int]:
    """Each group's bin (an index into `ratios`), dealt so every class fills the bins in proportion."""
    order = sorted(groups)
    random.Random(seed).shuffle(order)
    order.sort(key=lambda g: -len(groups[g]))  # big groups first, so small ones can even out the ratios (stable: seeded within a size)
    class_total = Counter(i.resolution.cls for g in groups.values() for i in g)
    filled: dict[str, list[int]] = defaultdict(lambda: [0] * len(ratios))
    total = sum(ratios)
    out: dict[str, int] = {}
    for g in order:
        cls = Counter(i.resolution.cls for i in groups[g]).most_common(1)[0][0]
        counts = filled[cls]
        lack = [ratios[b] / total * class_total[cls] - counts[b] for b in range(len(ratios))]
        best = max(range(len(ratios)), key=lambda b: (lack[b], ratios[b], -b))
        out[g] = best
        for i in groups[g]:
            filled[i.resolution.cls][best] += 1
    return out


def group_items(items: Sequence[Item]) -> dict[str, list[Item]]:
    groups: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        groups[item.patient].append(item)
    return groups


def split_items(items: Sequence[Item], ratios: tuple[float, float, float], seed: int) -> None:
    """Set each item's `split` (train / val / test) by patient."""
    groups = group_items(items)
    bins = deal(groups, ratios, seed)
    for g, members in groups.items():
        for m in members:
            m.split = SPLITS[bins[g]]


def fold_items(items: Sequence[Item], folds: int, seed: int) -> dict[int, int]:
    """Each item's fold (0 .. folds-1) by patient: panel id -> fold."""
    groups = group_items(items)
    bins = deal(groups, [1.0] * folds, seed)
    return {m.panel_id: bins[g] for g, members in groups.items() for m in members}
