"""Panels of real compound figures cut at their true boxes, from a panel-truth file (the format of
benchmarks/devsets/compound/truth.json): to train and measure the CT filter apart from the splitter."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np


@dataclass
class TruthPanel:
    image: np.ndarray  # the panel's pixels as stored (grey or BGR, 8 bit)
    is_ct: bool
    modality: str  # ct, mr, xray, us, pet, other-medical, none
    kind: str  # the figure's kind: chart, medical, micrograph, mixed, diagram, photo, map
    figure: str  # the figure's file name
    source: str  # the repository it comes from: held out together
    part: str  # dev or holdout

    @property
    def figure_type(self) -> str:
        """What a non-CT panel is, for the share of each type above the threshold: its modality when
        medical (CT that is not a slice of a body says so), else its figure's kind."""
        if self.is_ct:
            return "ct"
        if self.modality == "ct":
            return "ct-not-slice"
        return self.modality if self.modality != "none" else self.kind


def truth_panels(truth: Path, files: Path, parts: set[str]) -> list[TruthPanel]:
    """Every true panel of the figures of the given parts, cut from the figure image at full resolution."""
    figures = json.loads(truth.read_text())["figures"]
    out = []
    for name, figure in sorted(figures.items()):
        if figure["part"] not in parts:
            continue
        image = cv2.imread(str(files / name), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f"{files / name}: missing or not an image")
        for panel in figure["panels"]:
            x0, y0, x1, y1 = panel["bbox"]
            crop = image[y0:y1, x0:x1]
            if crop.size == 0:
                raise ValueError(f"{truth}: {name} has an empty panel box {panel['bbox']}")
            out.append(TruthPanel(np.ascontiguousarray(crop), bool(panel["is_ct"]), panel["modality"], figure["kind"], name, figure["source"]["repo"], figure["part"]))
    return out
