"""Patient facts from captions against hand-written truth: per-field accuracy and coverage of age,
sex and diagnosis hint, and pairwise precision / recall / F1 of "same patient" between the panels
of a caption, on the dev and holdout parts, beside a baseline (the first age and first sex anywhere
in the caption for every panel; every panel one patient when an age or sex is found).

    python benchmarks/facts_bench.py [--truth PATH]

The truth is read from --truth (default benchmarks/devsets/captions/truth.json, hand-made: see its README); without it the bench
says so and exits 0. Each panel is given its truth label and sub-caption, as the split stage would."""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from pathlib import Path

from figscrape.text.facts import PanelFacts, panel_facts

DEFAULT = Path(__file__).resolve().parent / "devsets" / "captions" / "truth.json"


def baseline(caption: str, panels: list[tuple[str | None, str | None]]) -> list[PanelFacts]:
    """The first age and the first sex of the caption for every panel, all one patient when any is found."""
    age = re.search(r"(\d{1,3})[- ]?(?:years?|y)(?:[- ]old)?\b|aged?\s+(\d{1,3})", caption, re.I)
    sex = re.search(r"\b(man|woman|male|female|boy|girl)\b", caption, re.I)
    value = int(age.group(1) or age.group(2)) if age else None
    letter = None if not sex else ("F" if sex.group(1).lower() in ("woman", "female", "girl") else "M")
    key = "p1" if age or sex else None
    return [PanelFacts(key, value, letter, None) for _ in panels]


def score(captions: list[dict], method) -> dict[str, float]:  # noqa: ANN001
    stats = {f: [0, 0, 0] for f in ("age", "sex", "diagnosis")}  # stated, filled, right
    tp = fp = fn = 0
    for c in captions:
        panels = [(p["label"], p["subcaption"]) for p in c["panels"]]
        got = method(c["caption"], panels)
        for truth, guess in zip(c["panels"], got):
            for name, value in (("age", guess.age), ("sex", guess.sex), ("diagnosis", guess.diagnosis)):
                if truth[name] is not None:
                    stats[name][0] += 1
                    stats[name][1] += value is not None
                    stats[name][2] += value == truth[name]
        for (t1, g1), (t2, g2) in itertools.combinations(list(zip(c["panels"], got)), 2):
            same_t = t1["patient"] is not None and t1["patient"] == t2["patient"]
            same_g = g1.patient is not None and g1.patient == g2.patient
            tp += same_t and same_g
            fp += same_g and not same_t
            fn += same_t and not same_g
    out = {}
    for name, (stated, filled, right) in stats.items():
        out[f"{name}_acc"] = right / filled if filled else float("nan")
        out[f"{name}_cov"] = filled / stated if stated else float("nan")
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    out.update(pair_p=p, pair_r=r, pair_f1=2 * p * r / (p + r) if p + r else 0.0, pairs=tp + fn)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truth", type=Path, default=DEFAULT)
    args = ap.parse_args(argv)
    if not args.truth.is_file():
        print(f"facts_bench: skipped, no truth file at {args.truth} (give one with --truth)")
        return 0
    import json

    captions = json.loads(args.truth.read_text())["captions"]
    cols = ["age_acc", "age_cov", "sex_acc", "sex_cov", "diagnosis_acc", "diagnosis_cov", "pair_p", "pair_r", "pair_f1"]
    print(f"{'part':8} {'method':9} {'capt':>4} " + " ".join(f"{c:>13}" for c in cols))
    for part in ("dev", "holdout"):
        chosen = [c for c in captions if c["part"] == part]
        for name, method in (("baseline", baseline), ("facts", panel_facts)):
            r = score(chosen, method)
            print(f"{part:8} {name:9} {len(chosen):>4} " + " ".join(f"{r[c]:>13.3f}" for c in cols) + f"   ({r['pairs']} true pairs)")
    print("acc: share right of the panels filled, where the truth states the field; cov: share of those filled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
