"""What the CT filter looks at: a letterboxed, fixed-size view of a panel (its grey and how coloured
each pixel is: a CT with a coloured overlay is grey under a few coloured pixels, a map or a pie chart
is colour everywhere), and the words of its caption and sub-caption."""

from __future__ import annotations

import re

import cv2
import numpy as np

SIDE = 64  # the network's input: SIDE x SIDE pixels
CHANNELS = 2  # grey, and chroma (the spread of B, G, R); a model of one channel sees grey only

CT_TERMS = re.compile(
    r"\b(computed tomograph\w*|CT|HRCT|CTA|MDCT|chest CT|thin[- ]section|axial|coronal|lung window|mediastinal window|"
    r"ground[- ]glass|GGOs?|consolidations?|crazy[- ]paving|reticulation|subpleural|bilateral (?:lung|pulmonary) (?:lesions|opacities))\b",
    re.IGNORECASE,
)
OTHER_TERMS = re.compile(
    r"\b(x-?rays?|radiographs?|radiography|CXR|MRI|magnetic resonance|ultrasound|sonograph\w*|echocardiograph\w*|"
    r"histolog\w*|H&E|hematoxylin|immunohisto\w*|microscop\w*|western blots?|gels?|electrophoresis|flow cytometry|"
    r"ROC|AUC|Kaplan|survival curves?|bar (?:chart|graph|plot)|box ?plots?|flow ?chart|diagram|architecture|network|pipeline|map)\b",
    re.IGNORECASE,
)


def to_view8(image: np.ndarray) -> np.ndarray:
    """8-bit grey (H, W) or BGR (H, W, 3): 16 bits scaled down, alpha composited on white, colour kept."""
    if image.dtype == np.uint16:
        image = (image / 257).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 3 and image.shape[2] == 4:
        alpha = image[:, :, 3:4].astype(np.float32) / 255
        image = (image[:, :, :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    return image


def image_view(image: np.ndarray, side: int = SIDE, channels: int = CHANNELS) -> np.ndarray:
    """The panel as float32 (channels, side, side) in [0, 1], letterboxed (aspect kept) on black:
    grey, then (with 2 channels) chroma, max minus min of B, G, R."""
    image = to_view8(image)
    step = max(1, max(image.shape[:2]) // (4 * side))
    image = image[::step, ::step]  # a big panel sampled down to about 4 x side first: area averaging stays cheap
    h, w = image.shape[:2]
    scale = side / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    if small.ndim == 3:
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        planes = [grey, small.max(axis=2) - small.min(axis=2)]
    else:
        planes = [small, np.zeros_like(small)]
    out = np.zeros((channels, side, side), np.float32)
    y, x = (side - nh) // 2, (side - nw) // 2
    out[:, y : y + nh, x : x + nw] = np.stack(planes[:channels]) / 255.0
    return out


def caption_evidence(text: str) -> int:
    """+1 when the text names CT or its findings, -1 when it names only another modality or a chart, else 0."""
    if not text:
        return 0
    if CT_TERMS.search(text):
        return 1
    return -1 if OTHER_TERMS.search(text) else 0
