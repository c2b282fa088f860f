"""How far annotators agree: percent agreement, Fleiss' kappa and Gwet's AC1 over all panels with two
or more labels (any number of raters per panel), Cohen's kappa and percent agreement for each pair
of annotators, and the panels they disagree on. Kappa collapses when one class dominates (18 of 19
panels agreed can read 0.0); percent agreement and AC1 say what kappa hides there."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from figscrape.data.votes import Vote, class_of

Rating = Callable[[Vote], str]


def is_ct_of(vote: Vote) -> str:
    return vote.is_ct


def class_rating(vote: Vote) -> str:
    """COVID / NonCOVID for CT votes with a diagnosis; "" (not rated) otherwise."""
    return class_of(vote.diagnosis) if vote.is_ct == "yes" else ""


def fleiss_kappa(panels: Sequence[Sequence[str]]) -> float | None:
    """Fleiss' kappa for items rated by varying numbers of raters (items with fewer than 2 skipped)."""
    items = [Counter(r for r in ratings if r) for ratings in panels]
    items = [c for c in items if sum(c.values()) >= 2]
    if not items:
        return None
    total = sum(sum(c.values()) for c in items)
    p_bar = sum((sum(n * n for n in c.values()) - sum(c.values())) / (sum(c.values()) * (sum(c.values()) - 1)) for c in items) / len(items)
    shares = Counter()
    for c in items:
        shares.update(c)
    p_e = sum((n / total) ** 2 for n in shares.values())
    if p_e >= 1.0:
        return 1.0 if p_bar >= 1.0 else None
    return (p_bar - p_e) / (1 - p_e)


def percent_agreement(panels: Sequence[Sequence[str]]) -> float | None:
    """The share of panels (with 2+ ratings) on which every rater gave the same rating."""
    items = [[r for r in ratings if r] for ratings in panels]
    items = [r for r in items if len(r) >= 2]
    return sum(len(set(r)) == 1 for r in items) / len(items) if items else None


def gwet_ac1(panels: Sequence[Sequence[str]]) -> float | None:
    """Gwet's AC1 for any number of raters per item (Gwet 2008): chance agreement from how evenly
    the classes are used, so it stays near the observed agreement when one class dominates."""
    items = [Counter(r for r in ratings if r) for ratings in panels]
    items = [c for c in items if sum(c.values()) >= 2]
    if not items:
        return None
    p_a = sum((sum(n * n for n in c.values()) - sum(c.values())) / (sum(c.values()) * (sum(c.values()) - 1)) for c in items) / len(items)
    classes = sorted({k for c in items for k in c})
    if len(classes) < 2:
        return 1.0
    pi = {k: sum(c[k] / sum(c.values()) for c in items) / len(items) for k in classes}
    p_e = sum(p * (1 - p) for p in pi.values()) / (len(classes) - 1)
    return (p_a - p_e) / (1 - p_e)


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    pairs = [(a, b) for a, b in pairs if a and b]
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    left, right = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(left[k] * right[k] for k in left) / (n * n)
    if expected >= 1.0:
        return 1.0 if observed >= 1.0 else None
    return (observed - expected) / (1 - expected)


@dataclass(frozen=True)
class Agreement:
    label: str
    fleiss: float | None
    panels: int
    pairs: dict[tuple[str, str], tuple[float | None, int]]  # (a, b) -> (Cohen's kappa, panels both rated)
    percent: float | None = None  # panels on which all raters agreed
    ac1: float | None = None
    pair_percent: dict[tuple[str, str], float] = field(default_factory=dict)
    confusion: dict[tuple[str, str], Counter] = field(default_factory=dict)  # (a, b) -> Counter of (a's rating, b's rating)


def agreement(votes: dict[int, list[Vote]], rating: Rating, label: str) -> Agreement:
    ratings = {pid: {v.annotator: rating(v) for v in vs if not v.adjudication} for pid, vs in votes.items()}
    fleiss = fleiss_kappa([list(r.values()) for r in ratings.values()])
    rated = sum(1 for r in ratings.values() if sum(1 for x in r.values() if x) >= 2)
    annotators = sorted({a for r in ratings.values() for a in r})
    pairs, pair_percent, confusion = {}, {}, {}
    for a, b in combinations(annotators, 2):
        both = [(r[a], r[b]) for r in ratings.values() if r.get(a) and r.get(b)]
        if both:
            pairs[(a, b)] = (cohen_kappa(both), len(both))
            pair_percent[(a, b)] = sum(x == y for x, y in both) / len(both)
            confusion[(a, b)] = Counter(both)
    lists = [list(r.values()) for r in ratings.values()]
    return Agreement(label, fleiss, rated, pairs, percent_agreement(lists), gwet_ac1(lists), pair_percent, confusion)


KINDS = ("CT or not", "COVID-19 or not")


def disagreement_kinds(votes: dict[int, list[Vote]]) -> dict[int, list[str]]:
    """Panels whose annotators differ, and that no reviewer has settled yet, with what they differ
    on: "CT or not", "COVID-19 or not" (among those who said CT), or both."""
    out = {}
    for pid, vs in sorted(votes.items()):
        if any(v.adjudication for v in vs):
            continue
        raters = [v for v in vs if not v.adjudication]
        if len(raters) < 2:
            continue
        kinds = [kind for kind, differ in zip(KINDS, (len({v.is_ct for v in raters}) > 1,
                                                     len({class_rating(v) for v in raters if v.is_ct == "yes"}) > 1)) if differ]
        if kinds:
            out[pid] = kinds
    return out


def disagreements(votes: dict[int, list[Vote]]) -> list[int]:
    """Panels whose annotators differ on CT or on the class, and that no reviewer has settled yet."""
    return list(disagreement_kinds(votes))
