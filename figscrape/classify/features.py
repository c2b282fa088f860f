"""What the CT filter looks at: a grey, letterboxed, fixed-size view of a panel, and the words of
its caption and sub-caption."""

from __future__ import annotations

import re

import cv2
import numpy as np

from figscrape.runtime.imaging import to_gray8

SIDE = 128  # the network's input: SIDE x SIDE grey pixels

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


def image_view(image: np.ndarray, side: int = SIDE) -> np.ndarray:
    """The panel as float32 grey in [0, 1], letterboxed (aspect kept) onto a side x side black square."""
    gray = to_gray8(image)
    h, w = gray.shape
    scale = side / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = cv2.resize(gray, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    out = np.zeros((side, side), np.float32)
    y, x = (side - nh) // 2, (side - nw) // 2
    out[y : y + nh, x : x + nw] = small / 255.0
    return out


def caption_evidence(text: str) -> int:
    """+1 when the text names CT or its findings, -1 when it names only another modality or a chart, else 0."""
    if not text:
        return 0
    if CT_TERMS.search(text):
        return 1
    return -1 if OTHER_TERMS.search(text) else 0
