"""Pixels out of pages: one render gives a drawn figure's inked box and its image."""

from __future__ import annotations

import numpy as np
import pymupdf

from figscrape.extract.images import ink_box, render_inked
from figscrape.geometry import iou
from figscrape.runtime.imaging import decode


def test_a_render_is_cut_to_its_ink_and_says_where_that_is() -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.draw_rect((150, 300, 350, 420), color=None, fill=(0.2, 0.3, 0.8))
    box, image = render_inked(page, (100, 250, 450, 500), 200)  # a box with white all round the drawing
    assert iou(box, (150, 300, 350, 420)) > 0.98, box
    assert iou(box, ink_box(page, (100, 250, 450, 500))) > 0.97  # the same box the 72 dpi look finds
    assert abs(image.width - 200 * 200 / 72) <= 2 and abs(image.height - 120 * 200 / 72) <= 2
    pixels = decode(image.data)
    assert pixels.shape[:2] == (image.height, image.width)
    assert np.all(pixels[:, :, :3].min(axis=2)[[0, -1], :] < 245)  # ink on the first and last row: no white left


def test_a_blank_region_keeps_its_box_and_whole_render() -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    box, image = render_inked(page, (100, 100, 172, 136), 144)
    assert box == (100, 100, 172, 136)
    assert (image.width, image.height) == (144, 72)


def test_an_image_with_a_soft_mask_keeps_its_colours_and_alpha_as_stored() -> None:
    import cv2

    from figscrape.extract.images import embedded_image

    rng = np.random.default_rng(3)
    bgr = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    alpha = np.tile(np.linspace(0, 255, 80).astype(np.uint8), (60, 1))  # every level from clear to opaque
    doc = pymupdf.open()
    page = doc.new_page()
    xref = page.insert_image((100, 100, 260, 220), stream=cv2.imencode(".png", bgr)[1].tobytes())
    mask = page.insert_image((0, 0, 1, 1), stream=cv2.imencode(".png", alpha)[1].tobytes())  # the samples exactly, as a soft mask
    doc.xref_set_key(xref, "SMask", f"{mask} 0 R")
    got = decode(embedded_image(doc, xref).data)
    assert got.shape == (60, 80, 4)
    assert np.array_equal(got[:, :, 3], alpha)
    assert np.array_equal(got[:, :, :3], bgr)  # not multiplied by alpha, which a reader takes for darker colours


def test_an_image_alone_in_its_box_is_cut_to_its_ink_from_its_own_pixels_as_a_render_would_cut_it() -> None:
    from figscrape.extract.images import embedded_inked

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    pixels = np.full((400, 600, 3), 255, np.uint8)
    pixels[100:300, 150:450] = (40, 90, 200)  # white padding round a blue block
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 600, 400), 0)
    pix.set_rect(pix.irect, (255, 255, 255))
    np.frombuffer(pix.samples_mv, np.uint8)[:] = pixels.ravel()
    xref = page.insert_image((100.3, 200.6, 400.3, 400.6), pixmap=pix)
    box = (100.3, 200.6, 400.3, 400.6)
    own, image = embedded_inked(doc, xref, page, box, alone=True)
    rendered, _ = embedded_inked(doc, xref, page, box, alone=False)
    assert (image.width, image.height) == (600, 400)
    assert all(abs(a - b) <= 1 for a, b in zip(own, rendered)), (own, rendered)
    assert iou(own, (175.3, 250.6, 325.3, 350.6)) > 0.97, own


def test_four_colour_jpegs_are_told_from_their_dictionary_as_mupdf_counts_their_colours() -> None:
    """The shortcut that spares a CMYK JPEG MuPDF's re-encode agrees with extract_image's count
    for device, ICC-based (inline and indirect) colour spaces (each picture differs: PyMuPDF
    stores an inserted stream it has seen once)."""
    import cv2

    from figscrape.extract.images import _four_colours
    from figscrape.synthetic.encodings import insert_encoded

    doc = pymupdf.open()
    page = doc.new_page(width=300, height=300)
    picture = np.random.default_rng(5).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    xrefs = {name: insert_encoded(page, pymupdf.Rect(10, 10 + 40 * k, 60, 50 + 40 * k), picture, name)
             for k, name in enumerate(("jpeg", "jpeg-gray", "cmyk"))}
    for n in (3, 4):
        profile = doc.get_new_xref()
        doc.update_object(profile, f"<< /N {n} >>")
        doc.update_stream(profile, b"not a profile: MuPDF falls back on /N")
        inline = page.insert_image(pymupdf.Rect(100, 10 + 60 * n, 150, 50 + 60 * n), stream=cv2.imencode(".jpg", picture // n)[1].tobytes())
        doc.xref_set_key(inline, "ColorSpace", f"[/ICCBased {profile} 0 R]")
        space = doc.get_new_xref()
        doc.update_object(space, f"[/ICCBased {profile} 0 R]")
        indirect = page.insert_image(pymupdf.Rect(200, 10 + 60 * n, 250, 50 + 60 * n), stream=cv2.imencode(".jpg", 255 - picture // n)[1].tobytes())
        doc.xref_set_key(indirect, "ColorSpace", f"{space} 0 R")
        xrefs[f"icc{n}"], xrefs[f"icc{n}-indirect"] = inline, indirect
    for name, xref in xrefs.items():
        assert _four_colours(doc, xref) == (doc.extract_image(xref)["colorspace"] == 4), name
    assert [name for name, xref in xrefs.items() if _four_colours(doc, xref)] == ["cmyk", "icc4", "icc4-indirect"]
