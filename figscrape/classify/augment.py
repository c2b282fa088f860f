"""What figures do to a picture, drawn at random while the CT filter trains: crops, other windows and
contrast, JPEG, letters and arrows on top, and for CT the coloured masks, contours and heat maps that
papers lay over their slices (so colour over a grey slice never argues against CT; colour everywhere
still may). Works on 8-bit grey or BGR images."""

from __future__ import annotations

import cv2
import numpy as np

PALETTE = [(0, 0, 255), (0, 255, 0), (255, 0, 0), (0, 255, 255), (255, 0, 255), (255, 255, 0), (0, 128, 255), (128, 0, 255)]


def shrink(image: np.ndarray, longest: int) -> np.ndarray:
    """The image with its long side at most `longest` pixels (training views are small anyway)."""
    h, w = image.shape[:2]
    scale = longest / max(h, w)
    if scale >= 1:
        return image
    return cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def lung_masked(image: np.ndarray) -> np.ndarray:
    """A CT slice as papers often show it: the lungs alone, the rest blacked out."""
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    dark = (grey < 90).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=4)
    h, w = grey.shape
    keep = np.zeros(n, bool)
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        touches = x == 0 or y == 0 or x + bw >= w or y + bh >= h
        keep[i] = not touches and area > 0.01 * h * w
    if not keep.any():
        return image
    mask = keep[labels]
    return np.where(mask if image.ndim == 2 else mask[:, :, None], image, 0).astype(np.uint8)


def overlay(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Coloured segmentation blobs, contour lines or a jet heat map blended over the picture."""
    out = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image.copy()
    h, w = out.shape[:2]
    style = rng.integers(0, 3)
    if style == 2:
        field = cv2.GaussianBlur(rng.random((max(4, h // 16), max(4, w // 16))).astype(np.float32), (0, 0), 1.5)
        field = cv2.resize((255 * (field - field.min()) / max(1e-6, np.ptp(field))).astype(np.uint8), (w, h))
        alpha = rng.uniform(0.25, 0.5)
        return cv2.addWeighted(out, 1 - alpha, cv2.applyColorMap(field, cv2.COLORMAP_JET), alpha, 0)
    layer = out.copy()
    for _ in range(int(rng.integers(1, 6))):
        colour = PALETTE[int(rng.integers(0, len(PALETTE)))]
        centre = (int(rng.integers(w // 6, max(w // 6 + 1, 5 * w // 6))), int(rng.integers(h // 6, max(h // 6 + 1, 5 * h // 6))))
        axes = (max(2, int(w * rng.uniform(0.03, 0.18))), max(2, int(h * rng.uniform(0.03, 0.18))))
        cv2.ellipse(layer, centre, axes, float(rng.uniform(0, 180)), 0, 360, colour, -1 if style == 0 else max(1, w // 150))
    if style == 1:
        return layer  # contour lines, drawn opaque
    alpha = rng.uniform(0.35, 0.7)
    return cv2.addWeighted(out, 1 - alpha, layer, alpha, 0)


def augment(image: np.ndarray, rng: np.random.Generator, label: int = 0) -> np.ndarray:
    """One random variant of an 8-bit grey or BGR image, as a figure might show it."""
    if label == 1 and rng.random() < 0.15:
        image = lung_masked(image)
    if rng.random() < (0.3 if label == 1 else 0.08):
        image = overlay(image, rng)
    h, w = image.shape[:2]
    scale = rng.uniform(0.75, 1.0)
    ch, cw = max(8, int(h * scale * rng.uniform(0.9, 1.1))), max(8, int(w * scale * rng.uniform(0.9, 1.1)))
    ch, cw = min(ch, h), min(cw, w)
    y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    out = image[y : y + ch, x : x + cw].astype(np.float32)
    if rng.random() < 0.5:
        out = out[:, ::-1]
    gain, bias = rng.uniform(0.7, 1.4), rng.uniform(-30, 30)
    out = np.clip(out * gain + bias, 0, 255)
    if rng.random() < 0.3:
        out = 255 * (out / 255) ** rng.uniform(0.6, 1.6)
    out = np.ascontiguousarray(out.astype(np.uint8))
    if rng.random() < 0.4:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 95))])
        out = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED) if ok else out
    shade = int(rng.choice([0, 255]))
    ink = shade if out.ndim == 2 else (shade, shade, shade)
    if rng.random() < 0.3:
        cv2.putText(out, str(rng.choice(["A", "B", "R", "L", "5 cm", "Day 7"])), (int(rng.integers(0, max(1, cw // 2))), int(rng.integers(10, max(11, ch)))),
                    cv2.FONT_HERSHEY_SIMPLEX, rng.uniform(0.4, 1.2), ink, 2)
    if rng.random() < 0.2:
        p = (int(rng.integers(0, cw)), int(rng.integers(0, ch)))
        cv2.arrowedLine(out, p, (p[0] + int(rng.integers(-30, 30)), p[1] + int(rng.integers(-30, 30))), ink, 2)
    return out
