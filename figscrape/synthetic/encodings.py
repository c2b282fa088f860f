"""The ways a PDF stores a raster image (JPEG, PNG, CMYK JPEG, soft mask, inverted /Decode, 16-bit
grey, grey JPEG): inserting a picture in each, and the pixels a faithful extraction gives back."""

from __future__ import annotations

import io
import zlib

import cv2
import numpy as np
import pymupdf
from PIL import Image

from figscrape.synthetic import images as pics

ENCODINGS = ("jpeg", "png", "cmyk", "smask", "decode", "gray16", "jpeg-gray")


def insert_encoded(page: pymupdf.Page, rect: pymupdf.Rect, array: np.ndarray, encoding: str) -> int:
    """Insert an image stored the way `encoding` says; returns its xref."""
    doc = page.parent
    if encoding == "jpeg":
        colour = array if array.ndim == 3 else cv2.cvtColor(array, cv2.COLOR_GRAY2BGR)
        return page.insert_image(rect, stream=pics.encode(colour, ".jpg"))
    if encoding == "jpeg-gray":
        return page.insert_image(rect, stream=pics.encode(array if array.ndim == 2 else cv2.cvtColor(array, cv2.COLOR_BGR2GRAY), ".jpg"))
    if encoding == "png":
        return page.insert_image(rect, stream=pics.encode(array, ".png"))
    if encoding == "cmyk":
        rgb = cv2.cvtColor(array if array.ndim == 3 else cv2.cvtColor(array, cv2.COLOR_GRAY2BGR), cv2.COLOR_BGR2RGB)
        buf = io.BytesIO()
        Image.fromarray(rgb).convert("CMYK").save(buf, "JPEG", quality=92)
        return page.insert_image(rect, stream=buf.getvalue())
    if encoding == "smask":
        colour = array if array.ndim == 3 else cv2.cvtColor(array, cv2.COLOR_GRAY2BGR)
        alpha = np.full(colour.shape[:2], 255, np.uint8)
        alpha[: alpha.shape[0] // 8] = 0  # a transparent band: must come out white, not black
        return page.insert_image(rect, stream=pics.encode(np.dstack([colour, alpha]), ".png"))
    gray = array if array.ndim == 2 else cv2.cvtColor(array, cv2.COLOR_BGR2GRAY)
    if encoding == "decode":  # samples stored inverted, shown right by /Decode [1 0]
        xref = page.insert_image(rect, stream=pics.encode(255 - gray, ".png"))
        doc.xref_set_key(xref, "Decode", "[1 0]")
        return xref
    if encoding == "gray16":
        xref = page.insert_image(rect, stream=pics.encode(gray, ".png"))
        deep = (gray.astype(np.uint16) * 257 + np.arange(gray.size, dtype=np.uint16).reshape(gray.shape) % 200).astype(">u2")
        doc.update_stream(xref, zlib.compress(deep.tobytes()), compress=False)
        doc.xref_set_key(xref, "Filter", "/FlateDecode")
        doc.xref_set_key(xref, "DecodeParms", "null")
        doc.xref_set_key(xref, "BitsPerComponent", "16")
        doc.xref_set_key(xref, "ColorSpace", "/DeviceGray")
        doc.xref_set_key(xref, "SMask", "null")
        return xref
    raise ValueError(f"unknown encoding {encoding}")


def expected_pixels(array: np.ndarray, encoding: str) -> np.ndarray:
    """What a faithful extraction of an image inserted with `encoding` decodes to (OpenCV order)."""
    gray = array if array.ndim == 2 else cv2.cvtColor(array, cv2.COLOR_BGR2GRAY)
    if encoding == "gray16":
        return (gray.astype(np.uint16) * 257 + np.arange(gray.size, dtype=np.uint16).reshape(gray.shape) % 200).astype(np.uint16)
    if encoding in ("decode", "jpeg-gray"):
        return gray
    if encoding == "smask":
        colour = array.copy() if array.ndim == 3 else cv2.cvtColor(array, cv2.COLOR_GRAY2BGR)
        colour[: colour.shape[0] // 8] = 255
        return colour
    if encoding == "png":
        return array
    return array if array.ndim == 3 else cv2.cvtColor(array, cv2.COLOR_GRAY2BGR)
