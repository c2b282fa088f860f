"""Pictures for synthetic preprints: CT-like slices, radiographs, micrographs and raster charts,
made from a seed so that every run draws the same ones."""

from __future__ import annotations

import cv2
import numpy as np


def ct_slice(rng: np.random.Generator, size: int = 320) -> np.ndarray:
    """An axial chest CT-like slice: body ellipse, dark lungs, bright spine, ground-glass patches."""
    img = np.zeros((size, size), np.float32)
    c = size // 2
    cv2.ellipse(img, (c, c), (int(size * 0.45), int(size * 0.33)), 0, 0, 360, 110, -1)
    for side in (-1, 1):
        cx = c + side * int(size * 0.19)
        cv2.ellipse(img, (cx, c - 8), (int(size * 0.14), int(size * 0.22)), side * 8, 0, 360, 18, -1)
        for _ in range(int(rng.integers(1, 4))):
            px, py = cx + int(rng.integers(-25, 25)), c + int(rng.integers(-40, 40))
            cv2.circle(img, (px, py), int(rng.integers(6, 18)), 60, -1)
    cv2.circle(img, (c, c + int(size * 0.24)), int(size * 0.05), 235, -1)
    cv2.ellipse(img, (c, c + 10), (int(size * 0.07), int(size * 0.09)), 0, 0, 360, 140, -1)
    img = cv2.GaussianBlur(img, (0, 0), 2.0) + rng.normal(0, 7, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def radiograph(rng: np.random.Generator, w: int = 300, h: int = 340) -> np.ndarray:
    """A chest X-ray-like image: bright mediastinum between two darker lung fields."""
    img = np.full((h, w), 200, np.float32)
    for side in (-1, 1):
        cv2.ellipse(img, (w // 2 + side * w // 5, h // 2), (w // 6, h // 3), 0, 0, 360, 70, -1)
    img = cv2.GaussianBlur(img, (0, 0), 9) + rng.normal(0, 5, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def micrograph(rng: np.random.Generator, w: int = 320, h: int = 240) -> np.ndarray:
    """A stained-tissue-like colour image (BGR)."""
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = (225, 190, 235)
    for _ in range(120):
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        r = int(rng.integers(3, 9))
        cv2.circle(img, (x, y), r, (int(rng.integers(90, 160)), 40, int(rng.integers(90, 140))), -1)
    return cv2.GaussianBlur(img, (3, 3), 0)


def raster_chart(rng: np.random.Generator, w: int = 480, h: int = 300) -> np.ndarray:
    """A bar chart saved as pixels (BGR), as many papers embed their plots."""
    img = np.full((h, w, 3), 255, np.uint8)
    cv2.line(img, (40, h - 30), (w - 10, h - 30), (0, 0, 0), 2)
    cv2.line(img, (40, 10), (40, h - 30), (0, 0, 0), 2)
    n = int(rng.integers(4, 9))
    step = (w - 60) // n
    for i in range(n):
        top = int(rng.integers(20, h - 50))
        colour = tuple(int(v) for v in rng.integers(0, 200, 3))
        cv2.rectangle(img, (50 + i * step, top), (50 + i * step + step // 2, h - 31), colour, -1)
        cv2.putText(img, str(i + 1), (50 + i * step, h - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1)
    return img


def logo(w: int = 180, h: int = 60) -> np.ndarray:
    """A publisher-style logo: coloured text on white."""
    img = np.full((h, w, 3), 255, np.uint8)
    cv2.putText(img, "preprintRxiv", (6, h // 2 + 8), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (40, 40, 170), 2)
    return img


def encode(array: np.ndarray, ext: str, quality: int = 90) -> bytes:
    """JPEG or PNG bytes of an array."""
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if ext == ".jpg" else []
    ok, buf = cv2.imencode(ext, array, params)
    if not ok:
        raise ValueError(f"cannot encode {ext}")
    return buf.tobytes()


def brain_slice(rng: np.random.Generator, size: int = 256) -> np.ndarray:
    """An axial brain MRI-like slice (T1): bright scalp, dark skull, folded grey brain, small dark
    ventricles and no large dark region inside: round like a CT, but not one."""
    img = np.zeros((size, size), np.float32)
    c = size // 2
    ax, ay = int(size * rng.uniform(0.36, 0.42)), int(size * rng.uniform(0.42, 0.47))
    cv2.ellipse(img, (c, c), (ax, ay), 0, 0, 360, 200, -1)
    cv2.ellipse(img, (c, c), (ax - 6, ay - 6), 0, 0, 360, 40, -1)
    cv2.ellipse(img, (c, c), (ax - 11, ay - 11), 0, 0, 360, 115, -1)
    for _ in range(60):  # gyri: brighter white matter folds
        a = rng.uniform(0, 2 * np.pi)
        r = rng.uniform(0.2, 0.8)
        x, y = int(c + r * (ax - 14) * np.cos(a)), int(c + r * (ay - 14) * np.sin(a))
        cv2.ellipse(img, (x, y), (int(rng.integers(4, 14)), int(rng.integers(2, 6))), float(np.degrees(a)), 0, 360, 165, -1)
    for side in (-1, 1):
        cv2.ellipse(img, (c + side * int(size * 0.04), c), (int(size * 0.025), int(size * 0.09)), side * 15, 0, 360, 30, -1)
    img = cv2.GaussianBlur(img, (0, 0), 1.5) + rng.normal(0, 5, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)
