"""How a figure is cut into panels. Until the OpenCV splitter lands, a figure is one panel."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SPLITTER_VERSION = "whole-1"


@dataclass(frozen=True)
class PanelCut:
    bbox: tuple[int, int, int, int]  # pixels of the figure image
    label: str = ""
    subcaption: str = ""


def cut_panels(image: np.ndarray, caption: str) -> list[PanelCut]:
    """The panels of a figure image: for now the whole image as one panel."""
    h, w = image.shape[:2]
    return [PanelCut((0, 0, w, h))]
