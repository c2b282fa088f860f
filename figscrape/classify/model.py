"""The CT filter: a small convolutional network on the view of a panel, calibrated (Platt) and combined
with the caption's evidence into one score in [0, 1]. The picture comes first: CT words in a caption
lift a panel only when the picture alone is plausibly CT (at least `caption_floor`), so a map, chart
or photo in a figure whose caption says CT stays where its pixels put it. Shipped trained; a model
trained from labels people made becomes active only when it is not worse on held-out data."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import torch
from torch import nn

from figscrape.classify.active import SHIPPED, active_version, models_dir
from figscrape.classify.features import CHANNELS, SIDE, caption_evidence, image_statistics, image_view, small_panel


class CTNet(nn.Module):
    """Four strided convolutions, global pooling, one logit: about 80k parameters. With `stats`, a small
    perceptron on the panel's image statistics (standardised with the training set's mean and spread)
    adds its logit: general evidence of what kind of picture it is that sources never seen still share."""

    def __init__(self, in_channels: int = CHANNELS, stats: int = 0) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = [in_channels, 16, 32, 64, 96]
        for a, b in zip(channels, channels[1:]):
            layers += [nn.Conv2d(a, b, 3, stride=2, padding=1), nn.BatchNorm2d(b), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(channels[-1], 1)
        self.stats = stats
        if stats:
            self.register_buffer("stats_mean", torch.zeros(stats))
            self.register_buffer("stats_scale", torch.ones(stats))
            self.stats_head = nn.Sequential(nn.Linear(stats, 32), nn.ReLU(inplace=True), nn.Dropout(0.2), nn.Linear(32, 1))

    def forward(self, x: torch.Tensor, stats: torch.Tensor | None = None) -> torch.Tensor:
        logit = self.head(self.features(x).mean(dim=(2, 3))).squeeze(1)
        if self.stats:
            assert stats is not None
            logit = logit + self.stats_head((stats - self.stats_mean) / self.stats_scale).squeeze(1)
        return logit


@dataclass
class Card:
    """The model card: what the model is, how it was trained, how well it did, how to read its scores."""

    version: str
    platt_a: float = 1.0
    platt_b: float = 0.0
    caption_weight: float = 2.5  # logit added (or taken) for CT (or other-modality) words in the caption
    threshold: float = 0.5  # the review queue's cut: chosen for CT recall on held-out sources
    caption_floor: float = 0.0  # CT words lift a panel only when its picture alone scores at least this
    side: int = SIDE
    channels: int = 1  # the view's planes (features.image_view); cards older than colour say nothing, so 1
    stats: int = 0  # image statistics beside the view (features.image_statistics); older cards have none
    trained_on: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    seed: int = 0


@dataclass
class Filter:
    net: CTNet
    card: Card

    @property
    def version(self) -> str:
        return self.card.version

    def image_logits(self, images: list[np.ndarray], batch: int = 64) -> np.ndarray:
        out = []
        self.net.eval()
        with torch.inference_mode():
            for i in range(0, len(images), batch):
                small = [small_panel(im, 2 * self.card.side) for im in images[i : i + batch]]
                x = torch.from_numpy(np.stack([image_view(im, self.card.side, self.card.channels) for im in small]))
                s = torch.from_numpy(np.stack([image_statistics(im)[: self.card.stats] for im in small])) if self.card.stats else None
                both = self.net(torch.cat([x, torch.flip(x, dims=[3])]), None if s is None else torch.cat([s, s]))  # the picture and its mirror
                out.append(((both[: len(x)] + both[len(x) :]) / 2).numpy())
        return np.concatenate(out) if out else np.zeros(0, np.float32)

    def scores(self, images: list[np.ndarray], captions: list[str] | None = None) -> np.ndarray:
        """Calibrated CT-likeness in [0, 1] for each image, with its caption's evidence when given: words
        of another modality or a chart always lower a score, CT words raise only a plausible picture."""
        logits = self.card.platt_a * self.image_logits(images) + self.card.platt_b
        if captions is not None:
            evidence = np.array([caption_evidence(c) for c in captions], np.float32)
            evidence[(evidence > 0) & (sigmoid(logits) < self.card.caption_floor)] = 0
            logits = logits + self.card.caption_weight * evidence
        return sigmoid(logits)


def save_filter(flt: Filter, folder: Path) -> Path:
    """Write weights and card under the folder, atomically; returns the weights path."""
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / f"{flt.version}.pt"
    for path, write in ((weights, lambda f: torch.save(flt.net.state_dict(), f)), (folder / f"{flt.version}.json", lambda f: f.write(json.dumps(asdict(flt.card), indent=1).encode()))):
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    return weights


def filter_from_folder(folder: Path, version: str) -> Filter:
    """The filter whose weights and card `save_filter` wrote under the folder: a candidate is measured
    (benchmarks/filter_bench.py --model) before it replaces the shipped one."""
    return _load(folder / f"{version}.pt", folder / f"{version}.json")


def _load(weights: Path, card_path: Path) -> Filter:
    card = Card(**json.loads(card_path.read_text()))
    net = CTNet(card.channels, card.stats)
    net.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    net.eval()
    return Filter(net, card)


def load_filter(data_home: Path | None = None, version: str | None = None) -> Filter:
    """The active filter: a model trained here when one was activated, else the shipped one."""
    version = version or (active_version(data_home) if data_home else SHIPPED)
    if version == SHIPPED:
        shipped = resources.files("figscrape.classify") / "weights"
        return _load(Path(str(shipped / f"{SHIPPED}.pt")), Path(str(shipped / f"{SHIPPED}.json")))
    assert data_home is not None
    return filter_from_folder(models_dir(data_home), version)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, safe for large logits."""
    return 1 / (1 + np.exp(-np.clip(x, -60, 60)))
