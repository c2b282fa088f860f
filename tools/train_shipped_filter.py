"""Train the CT filter that ships in the package (figscrape/classify/weights/<SHIPPED>.*), reproducibly:
seed 0, folds held out by source, from

- a labelled folder (ct/, not_ct/, MANIFEST.tsv naming each file's source: ../shared/corpus/images),
- the dev part of the compound dev set, cut at its true panel boxes (never its holdout part),
- images that Python packages ship (scikit-image, pydicom, matplotlib, nibabel, nilearn; install
  them for training only: `pip install -e .[train]`),
- files of public repositories (MR and CT volumes, micrographs, histology, X-rays, viewer
  screenshots; slices that segmentation repositories keep as PNG or JPEG: CT of the abdomen, head,
  neck, chest and heart, MR of the brain, prostate, abdomen, pancreas, heart and nasopharynx,
  ultrasound, angiograms, mammograms, histology, blood smears, electron micrographs, OCT angiograms),
  read from their git mirrors as tools/mirror_sources.tsv lists them, sha256 checked; only with
  `--mirror DIR` (`--mirror-groups` picks groups by prefix),
- hard negatives rendered with matplotlib (trained on in every fold, never scored).

The threshold is chosen for CT recall on the sources held out from training, and the card records
held-out AUC, recall and precision, calibration and the counts of every source.

    python tools/train_shipped_filter.py [--images DIR] [--compound DIR --compound-files DIR] [--mirror /work/.mirror] [--generated 240]

The data are research data under their own licences: they are read where they lie, and only the
weights and the card ship."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from filter_sources import compound_examples, package_examples  # noqa: E402
from generated_negatives import generated_negatives  # noqa: E402
from mirror_sources import mirror_examples  # noqa: E402

from figscrape.classify.active import SHIPPED  # noqa: E402
from figscrape.classify.model import save_filter  # noqa: E402
from figscrape.classify.train import fit_filter, folder_examples  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("FIGSCRAPE_TEST_CORPUS") or ROOT.parent / "shared" / "corpus")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=Path, default=CORPUS / "images", help="labelled folder: ct/, not_ct/, MANIFEST.tsv")
    parser.add_argument("--compound", type=Path, default=ROOT / "benchmarks" / "devsets" / "compound", help="compound dev set folder (truth.json)")
    parser.add_argument("--compound-files", type=Path, default=ROOT / "benchmarks" / "devsets" / "compound" / "files", help="its figure images (build_compound.py writes them there)")
    parser.add_argument("--no-packages", action="store_true", help="leave out the images that packages ship")
    parser.add_argument("--mirror", type=Path, default=None, help="also train on the files tools/mirror_sources.tsv lists, read from these git mirrors (off by default: ct-filter-3, the shipped model, was trained without them, and retrains with them, the segmentation repositories' slices too, scored worse on the compound holdout)")
    parser.add_argument("--mirror-groups", default="", help="with --mirror, only the manifest's groups starting with one of these comma-separated prefixes")
    parser.add_argument("--generated", type=int, default=240, help="rendered hard negatives")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "figscrape" / "classify" / "weights")
    args = parser.parse_args()
    torch.set_num_threads(1)  # one thread trains faster than two on a shared machine
    for path in (args.images, args.compound / "truth.json", args.compound_files):
        if not path.exists():
            raise SystemExit(f"{path}: not found")
    examples = folder_examples(args.images) + compound_examples(args.compound / "truth.json", args.compound_files)
    if not args.no_packages:
        examples += package_examples()
    if args.mirror is not None:
        examples += mirror_examples(mirror=args.mirror, seed=args.seed, groups=tuple(g for g in args.mirror_groups.split(",") if g))
    extra = generated_negatives(args.generated, args.seed)
    counts = Counter((e.group, e.label) for e in examples + extra)
    print(f"{len(examples)} examples ({sum(e.label for e in examples)} CT) in {len({e.group for e in examples})} sources, {len(extra)} generated", flush=True)
    for (group, label), n in sorted(counts.items()):
        print(f"  {group:<48} {'CT' if label else 'not CT':<7} {n:>5}")
    flt, _ = fit_filter(examples, SHIPPED, seed=args.seed, k=args.folds, epochs=args.epochs, extra=extra, real="compound:",
                        progress=lambda what, done: print(f"{done:4.0%} {what}", flush=True))
    save_filter(flt, args.out)
    print(json.dumps({k: v for k, v in flt.card.metrics.items() if k != "by_group"}, indent=1))
    print(f"threshold {flt.card.threshold:.4f}, caption floor {flt.card.caption_floor:.4f}, Platt a={flt.card.platt_a:.3f} b={flt.card.platt_b:.3f}")


if __name__ == "__main__":
    main()
