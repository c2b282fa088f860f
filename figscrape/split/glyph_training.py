"""The glyph classifier's training side: the network in torch, and how its trained weights are
written for the package's NumPy reader (figscrape.split.glyphnet). Only training imports this
module (tools/train_glyph_reader.py); reading glyphs never loads torch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from figscrape.split.glyphnet import CLASSES, GlyphCard
from figscrape.split.glyphs import SIDE


class GlyphNet(nn.Module):
    """Three 3x3 conv blocks (24 -> 12 -> 6 -> 3) and a small head: about 60k parameters. Its layer
    names are what figscrape.split.glyphnet.reader_from_state reads."""

    def __init__(self, classes: int = len(CLASSES)) -> None:
        super().__init__()

        def block(i: int, o: int) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(), nn.MaxPool2d(2))

        self.features = nn.Sequential(block(1, 16), block(16, 32), block(32, 48))
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(48 * (SIDE // 8) ** 2, 96), nn.ReLU(), nn.Linear(96, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def save_reader(net: GlyphNet, card: GlyphCard, folder: Path) -> Path:
    """Weights in half precision as NumPy arrays (the package reads them without torch), the card beside them."""
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / f"{card.version}.npz"
    np.savez(weights, **{k: v.half().numpy() for k, v in net.state_dict().items() if v.is_floating_point()})
    (folder / f"{card.version}.json").write_text(json.dumps(card.__dict__, indent=1) + "\n")
    return weights
