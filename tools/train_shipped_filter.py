"""Train the CT filter that ships in the package (figscrape/classify/weights/ct-filter-1.*) from the
shared image corpus, the way the shipped one was made: seed 0, 5 folds held out by source, 40 epochs.

    python tools/train_shipped_filter.py [--images ../shared/corpus/images]

The images are research data under their own licences: only the weights and the card ship."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from figscrape.classify.active import SHIPPED
from figscrape.classify.model import save_filter
from figscrape.classify.train import fit_filter, folder_examples

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=Path, default=ROOT.parent / "shared" / "corpus" / "images")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=40)
    args = parser.parse_args()
    torch.set_num_threads(2)
    examples = folder_examples(args.images)
    flt, _ = fit_filter(examples, SHIPPED, seed=args.seed, k=5, epochs=args.epochs, progress=lambda what, done: print(f"{done:4.0%} {what}", flush=True))
    save_filter(flt, ROOT / "figscrape" / "classify" / "weights")
    print(json.dumps(flt.card.metrics, indent=1))


if __name__ == "__main__":
    main()
