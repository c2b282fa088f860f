"""The glyph classifier: a small CNN that reads a normalised glyph view (figscrape.split.glyphs) as
one of the 52 Latin letters or "other" (digits, symbols, fragments of pictures). It ships in the
package (figscrape/split/weights/<SHIPPED>.npz, half precision, with its card), trained by
tools/train_glyph_reader.py from letters rendered in the fonts matplotlib ships.

It runs in NumPy: the network is three 3x3 conv blocks and a small head, and a figure's few dozen
glyphs take a millisecond, so a split worker need not import torch (seconds of start-up and a few
hundred megabytes per process) for them. Training, in torch, writes the same layer names."""

from __future__ import annotations

import json
import string
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from figscrape.split.glyphs import SIDE

SHIPPED = "glyphs-1"
CLASSES = list(string.ascii_lowercase + string.ascii_uppercase) + ["other"]
BLOCKS = 3  # conv, batch norm, ReLU, 2x2 max pool: features.0 ... features.2
EPS = 1e-5  # torch's BatchNorm2d default


@dataclass
class GlyphCard:
    version: str
    side: int
    classes: list[str]
    trained_on: dict = field(default_factory=dict)
    held_out: dict = field(default_factory=dict)


@dataclass(frozen=True)
class GlyphReader:
    """The trained layers, batch norm folded into each convolution (inference only)."""

    convs: tuple[tuple[np.ndarray, np.ndarray], ...]  # (weights as a (9 * in, out) matrix, bias) per block
    hidden: tuple[np.ndarray, np.ndarray]
    out: tuple[np.ndarray, np.ndarray]


def reader_from_state(state: dict[str, np.ndarray]) -> GlyphReader:
    """The reader of a trained network's state (its torch names: features.k.0 conv, .1 batch norm; head.2, head.4)."""
    convs = []
    for k in range(BLOCKS):
        w, b = state[f"features.{k}.0.weight"], state[f"features.{k}.0.bias"]
        gamma, beta = state[f"features.{k}.1.weight"], state[f"features.{k}.1.bias"]
        scale = gamma / np.sqrt(state[f"features.{k}.1.running_var"] + EPS)
        folded = w * scale[:, None, None, None]  # (out, in, 3, 3)
        matrix = folded.transpose(2, 3, 1, 0).reshape(-1, w.shape[0])  # rows: (dy, dx, in), as _patches lays them out
        convs.append((matrix, (b - state[f"features.{k}.1.running_mean"]) * scale + beta))
    return GlyphReader(tuple(convs), (state["head.2.weight"].T, state["head.2.bias"]), (state["head.4.weight"].T, state["head.4.bias"]))


def _patches(x: np.ndarray) -> np.ndarray:
    """(n, h, w, c) -> (n, h, w, 9 c): each pixel's 3x3 neighbourhood, zero padded."""
    n, h, w, c = x.shape
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    return np.concatenate([padded[:, dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3)], axis=3)


def logits(reader: GlyphReader, views: np.ndarray) -> np.ndarray:
    """The network's outputs for views (n, SIDE, SIDE)."""
    x = views[:, :, :, None].astype(np.float32)
    for matrix, bias in reader.convs:
        x = np.maximum(_patches(x) @ matrix + bias, 0)
        n, h, w, c = x.shape
        x = x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))
    flat = x.transpose(0, 3, 1, 2).reshape(len(x), -1)  # channel-major, as torch flattens
    hidden = np.maximum(flat @ reader.hidden[0] + reader.hidden[1], 0)
    return hidden @ reader.out[0] + reader.out[1]


@lru_cache(maxsize=1)
def load_reader() -> GlyphReader:
    """The shipped classifier, loaded once per process."""
    shipped = resources.files("figscrape.split") / "weights"
    card = GlyphCard(**json.loads(Path(str(shipped / f"{SHIPPED}.json")).read_text()))
    assert card.classes == CLASSES and card.side == SIDE, "the glyph card does not match this code"
    with np.load(Path(str(shipped / f"{SHIPPED}.npz"))) as weights:
        return reader_from_state({k: weights[k].astype(np.float32) for k in weights.files})


def classify(views: list[np.ndarray]) -> np.ndarray:
    """Class probabilities (rows in CLASSES order) for a batch of glyph views."""
    if not views:
        return np.zeros((0, len(CLASSES)), np.float32)
    out = logits(load_reader(), np.stack(views))
    e = np.exp(out - out.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)
