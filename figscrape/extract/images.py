"""Pixels out of PDFs at original quality. A figure that is one embedded image keeps its own
bytes where they can be shown as they are (JPEG stays JPEG); otherwise the decoded samples are
written losslessly as PNG, with the alpha mask applied, CMYK and Decode-inverted images turned
into correct RGB and 16-bit samples kept. Tiled and vector figures are rendered at the native
resolution of the images inside them (at least 200 dpi)."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import cv2
import numpy as np
import pymupdf

from figscrape.geometry import Box
from figscrape.runtime.imaging import MAX_PIXELS, check_size, header_size

MIN_VECTOR_DPI = 200
MAX_RENDER_DPI = 600


@dataclass(frozen=True)
class FigureImage:
    data: bytes
    ext: str  # "jpg" or "png"
    width: int
    height: int
    dpi: float | None  # render resolution; None for an embedded image kept as it is


# zlib level and row filter (lossless at every setting). Decoded images: level 3 writes several
# times faster than the default 6, and one filter (up) for every row makes files about as small as
# the adaptive choice in half the time. Renders of drawn figures (flat colours on white) come out
# as small with no filter at level 2, a fifth faster again.
PNG_DECODED = (cv2.IMWRITE_PNG_COMPRESSION, 3, cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP)
PNG_RENDERED = (cv2.IMWRITE_PNG_COMPRESSION, 2, cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_NONE)


def encode_png(array: np.ndarray, settings: tuple[int, ...] = PNG_DECODED) -> bytes:
    """PNG of a grey, BGR or BGRA array, written by OpenCV (lossless at every setting)."""
    ok, buf = cv2.imencode(".png", array, settings)
    if not ok:
        raise ValueError("PNG encoding failed")
    return buf.tobytes()


def _decode_inverted(doc: pymupdf.Document, xref: int) -> bool:
    kind, value = doc.xref_get_key(xref, "Decode")
    return kind == "array" and re.match(r"\[\s*1(\.0*)?\s+0", value) is not None


_ICC_BASED = re.compile(r"\[\s*/ICCBased\s+(\d+)\s+0\s+R\s*\]")


def _four_colours(doc: pymupdf.Document, xref: int) -> bool:
    """The image's colour space has four components (DeviceCMYK, or ICC-based with /N 4), as its
    dictionary says. Such a JPEG is not kept as stored, and MuPDF's extract_image would spend a
    JPEG encode on a copy with inverted colours for nothing."""
    kind, value = doc.xref_get_key(xref, "ColorSpace")
    if kind == "xref":
        value = doc.xref_object(int(value.split()[0]), compressed=True)
    if value.strip() == "/DeviceCMYK":
        return True
    icc = _ICC_BASED.fullmatch(value.strip())
    return icc is not None and doc.xref_get_key(int(icc.group(1)), "N")[1] == "4"


def _sixteen_bit(doc: pymupdf.Document, xref: int, info: dict) -> FigureImage | None:
    """Decode a 16-bit Flate image by hand: MuPDF would reduce it to 8 bits."""
    if info["bpc"] != 16 or doc.xref_get_key(xref, "Filter")[1] not in ("/FlateDecode", "[/FlateDecode]"):
        return None
    if doc.xref_get_key(xref, "DecodeParms")[0] != "null" or info.get("smask"):
        return None
    n = {"DeviceGray": 1, "DeviceRGB": 3}.get(info.get("cs-name", ""), 0)
    if not n:
        return None
    w, h = info["width"], info["height"]
    raw = zlib.decompress(doc.xref_stream_raw(xref))
    samples = np.frombuffer(raw[: w * h * n * 2], dtype=">u2").astype(np.uint16).reshape(h, w, n)
    if _decode_inverted(doc, xref):
        samples = 65535 - samples
    array = samples[:, :, 0] if n == 1 else samples[:, :, ::-1]  # OpenCV writes BGR
    return FigureImage(encode_png(np.ascontiguousarray(array)), "png", w, h, None)


def pixmap_array(pix: pymupdf.Pixmap) -> np.ndarray:
    """The pixmap's samples as an (H, W, N) array over its own memory (no copy: keep `pix` alive)."""
    return np.frombuffer(pix.samples_mv, dtype=np.uint8).reshape(pix.height, pix.width, pix.n)


def _pixmap_png(pix: pymupdf.Pixmap, settings: tuple[int, ...] = PNG_DECODED) -> bytes:
    """PNG of a grey or RGB(A) pixmap, written by OpenCV (faster than MuPDF's encoder)."""
    a = pixmap_array(pix)
    if pix.n == 1:
        return encode_png(a[:, :, 0], settings)
    if pix.n == 2:  # grey + alpha
        return encode_png(np.dstack([a[:, :, 0]] * 3 + [a[:, :, 1]]), settings)
    return encode_png(cv2.cvtColor(a, cv2.COLOR_RGB2BGR if pix.n == 3 else cv2.COLOR_RGBA2BGRA), settings)


def _image_info(doc: pymupdf.Document, xref: int) -> dict:
    """What extract_image would report, read from the image dictionary without decoding it."""
    def key(name: str) -> str:
        return doc.xref_get_key(xref, name)[1]

    filters = key("Filter").strip("[]").split()
    cs = key("ColorSpace")
    smask = key("SMask")
    return {
        "width": int(key("Width") or 0),
        "height": int(key("Height") or 0),
        "bpc": int(key("BitsPerComponent") or 8) if key("BitsPerComponent").isdigit() else 8,
        "cs-name": cs.lstrip("/"),
        "jpeg": filters == ["/DCTDecode"],
        "smask": int(smask.split()[0]) if smask.endswith("R") else 0,
        "mask": key("Mask") != "null",
    }


def embedded_image(doc: pymupdf.Document, xref: int) -> FigureImage:
    """One embedded image, as close to its stored form as a viewer can show."""
    return _embedded(doc, xref, None)[0]


def _embedded(doc: pymupdf.Document, xref: int, box: Box | None) -> tuple[FigureImage, np.ndarray | None]:
    """The image and, when it is shown over `box` and its samples are decoded here, its 72 dpi look
    on white paper (None for a JPEG kept as stored, 16 bits, alpha or a mask)."""
    info = _image_info(doc, xref)
    w, h = info["width"], info["height"]
    check_size(w, h, "embedded image")
    if info["jpeg"] and not info["smask"] and not info["mask"] and not _decode_inverted(doc, xref) and not _four_colours(doc, xref):
        jpeg = doc.extract_image(xref)  # for a JPEG, the stream as stored plus its colour channels
        if jpeg and jpeg["colorspace"] in (1, 3):
            sw, sh = header_size(jpeg["image"])  # the stream's own size, which the dictionary may understate
            check_size(sw, sh, "embedded JPEG")
            return FigureImage(jpeg["image"], "jpg", sw, sh, None), None
    deep = _sixteen_bit(doc, xref, info)
    if deep is not None:
        return deep, None
    pix = pymupdf.Pixmap(doc, xref)
    if pix.colorspace and pix.colorspace.n not in (1, 3):
        pix = pymupdf.Pixmap(pymupdf.csRGB, pix)  # CMYK, Lab, ICC-based four-channel
    elif pix.colorspace is None and not pix.alpha:
        pix = pymupdf.Pixmap(pymupdf.csGRAY, pix)
    mask = pymupdf.Pixmap(doc, info["smask"]) if info["smask"] else None
    grid = pymupdf.Rect(box).irect if box else None
    paper = _on_paper(pix, mask, (grid.width, grid.height)) if grid and not grid.is_empty and not pix.alpha and not info["mask"] else None
    if mask is not None:
        return FigureImage(encode_png(_with_soft_mask(pix, mask)), "png", pix.width, pix.height, None), paper
    return FigureImage(_pixmap_png(pix), "png", pix.width, pix.height, None), paper


def _on_paper(pix: pymupdf.Pixmap, mask: pymupdf.Pixmap | None, size: tuple[int, int]) -> np.ndarray:
    """Grey of the image on white paper, shrunk by area to `size`: the pixels a 72 dpi render of its
    box has (MuPDF fits an unturned image to whole pixels)."""
    small = cv2.resize(pixmap_array(pix), size, interpolation=cv2.INTER_AREA)
    grey = small if small.ndim == 2 else cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    if mask is None:
        return grey
    alpha = cv2.resize(pixmap_array(mask)[:, :, 0], size, interpolation=cv2.INTER_AREA).astype(np.uint16)
    return (255 - ((255 - grey.astype(np.uint16)) * alpha + 127) // 255).astype(np.uint8)


def embedded_inked(doc: pymupdf.Document, xref: int, page: Drawable, box: Box, alone: bool) -> tuple[Box, FigureImage]:
    """An embedded figure's pixels and its box cut to its ink. An image `alone` in its box (nothing
    else drawn, written or clipped there, placed unturned and unflipped) is looked at in the samples
    decoded for saving it, shrunk to 72 dpi: a Flate image costs its whole inflate per decode, so
    a 72 dpi render of the box would decode it a second time."""
    image, paper = _embedded(doc, xref, box if alone else None)
    if paper is None:
        return ink_box(page, box), image
    return _inked_part(box, paper, INK_THRESHOLD), image


def _with_soft_mask(pix: pymupdf.Pixmap, mask: pymupdf.Pixmap) -> np.ndarray:
    """BGRA of an image and its soft mask, the colours as stored (MuPDF's own pixmap with alpha
    would hold them multiplied by the alpha, which a PNG reader takes for darker colours)."""
    colour = np.ascontiguousarray(pixmap_array(pix)[:, :, : pix.n - pix.alpha])
    alpha = pixmap_array(mask)[:, :, 0]
    if alpha.shape != colour.shape[:2]:
        alpha = cv2.resize(alpha, (pix.width, pix.height), interpolation=cv2.INTER_LINEAR)
    if colour.shape[2] == 1:
        return cv2.merge([colour[:, :, 0]] * 3 + [alpha])
    out = cv2.cvtColor(colour, cv2.COLOR_RGB2BGRA)
    out[:, :, 3] = alpha
    return out


def native_dpi(box: Box, image_sizes: list[tuple[Box, int, int]], vector: bool) -> float:
    """Render resolution that keeps the sharpest image inside the box at its own pixel density."""
    dpi = float(MIN_VECTOR_DPI) if vector or not image_sizes else 72.0
    for bbox, w, h in image_sizes:
        bw, bh = bbox[2] - bbox[0], bbox[3] - bbox[1]
        if bw > 0 and bh > 0:
            dpi = max(dpi, min(w / bw, h / bh) * 72)
    wpt, hpt = box[2] - box[0], box[3] - box[1]
    dpi = min(dpi, MAX_RENDER_DPI)
    if wpt * hpt > 0 and (wpt * dpi / 72) * (hpt * dpi / 72) > MAX_PIXELS:
        dpi = 72 * (MAX_PIXELS / (wpt * hpt)) ** 0.5
    return dpi


Drawable = pymupdf.Page | pymupdf.DisplayList  # a page, or its display list read once for several renders


def _zoom(dpi: float) -> pymupdf.Matrix:
    return pymupdf.Matrix(dpi / 72, dpi / 72)


INK_THRESHOLD = 245  # grey level below which a pixel is ink, not paper


def _ink_span(ink: np.ndarray) -> tuple[int, int, int, int] | None:
    """First and last inked column and row of a mask (x0, y0, x1, y1, inclusive); None when blank."""
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]), int(rows[-1])


def render_inked(page: Drawable, box: Box, dpi: float) -> tuple[Box, FigureImage]:
    """The page region rendered losslessly to PNG, cut to the part that has ink on it, and that
    part's box in points: one render gives both (a dense vector figure costs its drawing time per
    render, whatever the resolution)."""
    zoom = max(1, round(dpi)) / 72
    pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), clip=pymupdf.Rect(box), alpha=False)
    a = pixmap_array(pix)
    grey = a[:, :, 0] if pix.n == 1 else cv2.cvtColor(a, cv2.COLOR_RGB2GRAY)
    span = _ink_span(grey < INK_THRESHOLD) if pix.width and pix.height else None
    if span is None:
        return box, FigureImage(_pixmap_png(pix, PNG_RENDERED), "png", pix.width, pix.height, dpi)
    c0, r0, c1, r1 = span
    inked = (
        max(box[0], (pix.x + c0) / zoom),
        max(box[1], (pix.y + r0) / zoom),
        min(box[2], (pix.x + c1 + 1) / zoom),
        min(box[3], (pix.y + r1 + 1) / zoom),
    )
    cut = np.ascontiguousarray(a[r0 : r1 + 1, c0 : c1 + 1])
    data = encode_png(cut[:, :, 0] if pix.n == 1 else cv2.cvtColor(cut, cv2.COLOR_RGB2BGR), PNG_RENDERED)
    return inked, FigureImage(data, "png", cut.shape[1], cut.shape[0], dpi)


def ink_box(page: Drawable, box: Box, dpi: int = 72, threshold: int = INK_THRESHOLD) -> Box:
    """The part of a box that has anything but white on it: drops clipped-away drawings and white margins."""
    pix = page.get_pixmap(matrix=_zoom(dpi), clip=pymupdf.Rect(box), colorspace=pymupdf.csGRAY, alpha=False)
    if pix.width == 0 or pix.height == 0:
        return box
    return _inked_part(box, pixmap_array(pix)[:, :, 0], threshold)


def _inked_part(box: Box, grey: np.ndarray, threshold: int) -> Box:
    """The part of a box with ink on it, from a grey look at the box (rows and columns spread evenly over it)."""
    span = _ink_span(grey < threshold)
    if span is None:
        return box
    sx, sy = (box[2] - box[0]) / grey.shape[1], (box[3] - box[1]) / grey.shape[0]
    return (
        box[0] + span[0] * sx,
        box[1] + span[1] * sy,
        min(box[2], box[0] + (span[2] + 1) * sx),
        min(box[3], box[1] + (span[3] + 1) * sy),
    )


_ROTATIONS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def upright(image: FigureImage, page_rotation: int) -> FigureImage:
    """The figure turned as a reader sees it on a page shown rotated (landscape supplements)."""
    if page_rotation % 360 not in _ROTATIONS:
        return image
    array = cv2.imdecode(np.frombuffer(image.data, np.uint8), cv2.IMREAD_UNCHANGED)
    turned = cv2.rotate(array, _ROTATIONS[page_rotation % 360])
    return FigureImage(encode_png(turned), "png", turned.shape[1], turned.shape[0], image.dpi)
