"""The glyph classifier: a small CNN that reads a normalised glyph view (figscrape.split.glyphs) as
one of the 52 Latin letters or "other" (digits, symbols, fragments of pictures). It ships in the
package (figscrape/split/weights/<SHIPPED>.pt, half precision, with its card), trained by
tools/train_glyph_reader.py from letters rendered in the fonts matplotlib ships."""

from __future__ import annotations

import json
import string
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import torch
from torch import nn

from figscrape.split.glyphs import SIDE

SHIPPED = "glyphs-1"
CLASSES = list(string.ascii_lowercase + string.ascii_uppercase) + ["other"]


@dataclass
class GlyphCard:
    version: str
    side: int
    classes: list[str]
    trained_on: dict = field(default_factory=dict)
    held_out: dict = field(default_factory=dict)


class GlyphNet(nn.Module):
    """Three 3x3 conv blocks (24 -> 12 -> 6 -> 3) and a small head: about 60k parameters."""

    def __init__(self, classes: int = len(CLASSES)) -> None:
        super().__init__()
        def block(i: int, o: int) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(), nn.MaxPool2d(2))
        self.features = nn.Sequential(block(1, 16), block(16, 32), block(32, 48))
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(48 * (SIDE // 8) ** 2, 96), nn.ReLU(), nn.Linear(96, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def save_reader(net: GlyphNet, card: GlyphCard, folder: Path) -> Path:
    """Weights in half precision (a third of a megabyte becomes a sixth) and the card beside them."""
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / f"{card.version}.pt"
    torch.save({k: v.half() if v.is_floating_point() else v for k, v in net.state_dict().items()}, weights)
    (folder / f"{card.version}.json").write_text(json.dumps(card.__dict__, indent=1) + "\n")
    return weights


@lru_cache(maxsize=1)
def load_reader() -> GlyphNet:
    """The shipped classifier, loaded once per process."""
    shipped = resources.files("figscrape.split") / "weights"
    card = GlyphCard(**json.loads(Path(str(shipped / f"{SHIPPED}.json")).read_text()))
    assert card.classes == CLASSES and card.side == SIDE, "the glyph card does not match this code"
    net = GlyphNet()
    state = torch.load(Path(str(shipped / f"{SHIPPED}.pt")), map_location="cpu", weights_only=True)
    net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    net.eval()
    return net


def classify(views: list[np.ndarray]) -> np.ndarray:
    """Class probabilities (rows in CLASSES order) for a batch of glyph views, in one forward pass
    on one thread: a batch this small is done sooner than threads on a busy machine wake (on two
    shared cores, two threads cost twenty times the CPU time)."""
    if not views:
        return np.zeros((0, len(CLASSES)), np.float32)
    net, threads = load_reader(), torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.inference_mode():
            logits = net(torch.from_numpy(np.stack(views)[:, None])).numpy()
    finally:
        torch.set_num_threads(threads)
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)
