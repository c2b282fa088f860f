"""Decoding stored figure and panel images into arrays, whatever their depth and channels, and
storing a panel's pixels cut from its figure."""

from __future__ import annotations

import io

import cv2
import imagehash
import numpy as np
from PIL import Image

from figscrape.store import Store

MAX_PIXELS = 60_000_000  # an image larger than this is refused, never decoded


class ImageTooLarge(ValueError):
    """An image whose decoded size would exhaust memory."""


def header_size(data: bytes) -> tuple[int, int]:
    """Width and height as the image file's own header states them, read without decoding pixels.
    A PDF's image dictionary may say 200 x 200 around a JPEG stream that says 32000 x 32000."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return im.size
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(f"image header: {exc}") from exc
    except (OSError, SyntaxError) as exc:
        raise ValueError(f"not a readable image ({exc})") from exc


def check_size(width: int, height: int, what: str = "image") -> None:
    if width * height > MAX_PIXELS:
        raise ImageTooLarge(f"{what} of {width} x {height} pixels exceeds the {MAX_PIXELS:,}-pixel limit")


def decode(data: bytes) -> np.ndarray:
    """Pixels as stored: grey (H, W) or colour (H, W, 3/4) in OpenCV's BGR order, 8 or 16 bit.
    The header's size is checked first: an oversized image is refused, not decoded."""
    check_size(*header_size(data))
    array = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    if array is None:
        raise ValueError("not a readable image")
    return array


def opaque(array: np.ndarray) -> bool:
    """Whether an 8-bit image has no alpha to composite: none, or all 255 (most plotting libraries
    write alpha they do not use). Read by OpenCV: numpy's min over a strided channel is slow."""
    if array.ndim < 3 or array.shape[2] < 4:
        return True
    return cv2.minMaxLoc(cv2.extractChannel(array, 3))[0] == 255


def on_white8(array: np.ndarray) -> np.ndarray:
    """8 bits, alpha composited on white (a 16-bit image scaled down first)."""
    if array.dtype == np.uint16:
        array = (array / 257).astype(np.uint8)
    if array.ndim == 3 and array.shape[2] == 4:
        if opaque(array):  # no compositing
            return array[:, :, :3]
        return _composited(array)
    return array


def _composited(array: np.ndarray) -> np.ndarray:
    """8-bit BGRA on white: colour * a + 255 * (1 - a) with a = alpha / 255, in float32, truncated.
    That formula keeps an opaque pixel's colour and makes a clear one white exactly, so only the
    partly clear pixels (antialiased edges, a few in most figures) are blended, not every pixel.
    OpenCV sets the clear pixels and finds the partial ones: numpy's boolean indexing is slower."""
    colour = cv2.cvtColor(array, cv2.COLOR_BGRA2BGR)
    alpha = cv2.extractChannel(array, 3)
    cv2.bitwise_or(colour, (255, 255, 255, 0), dst=colour, mask=cv2.compare(alpha, 0, cv2.CMP_EQ))
    partial = cv2.findNonZero(cv2.inRange(alpha, 1, 254))  # (x, y) of each, None when there are none
    if partial is not None:
        xs, ys = partial.reshape(-1, 2).T
        a = alpha[ys, xs, None].astype(np.float32) / 255
        colour[ys, xs] = (colour[ys, xs] * a + 255 * (1 - a)).astype(np.uint8)
    return colour


def to_gray8(array: np.ndarray) -> np.ndarray:
    """An 8-bit grey view for analysis (alpha composited on white, 16 bits scaled down)."""
    if array.dtype == np.uint8 and array.ndim == 3 and array.shape[2] == 4 and opaque(array):
        return cv2.cvtColor(array, cv2.COLOR_BGRA2GRAY)  # the same grey, without copying the colour out of the alpha first
    array = on_white8(array)
    if array.ndim == 3:
        array = cv2.cvtColor(array, cv2.COLOR_BGR2GRAY)
    return array


def to_rgb8(array: np.ndarray) -> np.ndarray:
    """An 8-bit RGB view for people to look at (as `decode` returns it: BGR, grey, alpha, 16 bits)."""
    array = on_white8(array)
    return cv2.cvtColor(array, cv2.COLOR_GRAY2RGB if array.ndim == 2 else cv2.COLOR_BGR2RGB)


def perceptual_hash(array: np.ndarray) -> str:
    """pHash of the image as hex, for finding the same picture again at another size or encoding."""
    return str(imagehash.phash(Image.fromarray(to_gray8(array))))


def encode_crop(array: np.ndarray, box: tuple[int, int, int, int]) -> bytes:
    """A lossless PNG of part of an image, at full resolution, at its own bit depth."""
    x0, y0, x1, y1 = box
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(array[y0:y1, x0:x1]))
    if not ok:
        raise ValueError("PNG encoding failed")
    return buf.tobytes()


def store_panel(store: Store, figure: np.ndarray, figure_sha256: str, box: tuple[int, int, int, int]) -> tuple[str, str]:
    """The panel at `box` of a figure into the store: its hash and perceptual hash. A panel that is
    the whole figure is the figure's own file, not a re-encoded copy."""
    x0, y0, x1, y1 = box
    height, width = figure.shape[:2]
    sha = figure_sha256 if box == (0, 0, width, height) else store.put_bytes(encode_crop(figure, box))
    return sha, perceptual_hash(figure[y0:y1, x0:x1])
