"""Layouts first met on real PDFs nobody tuned for, each rebuilt as a small generated PDF: captions
side by side under pictures a few points apart, a word processor's blank text-box background under
a caption, a plain label whose title starts with an acronym over a picture that runs under it, and
a link's underline over a figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pymupdf
from pdf_drawing import bar_chart

from figscrape.extract.document import extract_figures
from figscrape.geometry import iou


def _picture(page: pymupdf.Page, box: tuple[float, float, float, float], seed: int) -> None:
    art = np.random.default_rng(seed).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    png = pymupdf.Pixmap(pymupdf.csRGB, 160, 120, art.tobytes(), False).tobytes("png")
    page.insert_image(pymupdf.Rect(*box), stream=png, keep_proportion=False)


def _running_text(page: pymupdf.Page, top: float, bottom: float) -> None:
    for y in range(round(top), round(bottom), 14):
        page.insert_text((72, y), "Running text of the paper that goes on for a while across the page width here.", fontsize=10)


def _figures(doc: pymupdf.Document, path: Path) -> dict[str, tuple[float, float, float, float]]:
    doc.save(path)
    return {f.number: f.bbox for f in extract_figures(path).figures}


def test_captions_side_by_side_each_take_the_picture_over_them_though_the_pictures_nearly_touch(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    _running_text(page, 80, 300)
    _picture(page, (72, 320, 300, 480), 1)
    _picture(page, (304, 320, 540, 480), 2)  # 4 pt apart: closer than the parts of one graphic
    page.insert_text((110, 495), "Fig. 7. Probability distribution curve", fontsize=9)
    page.insert_text((350, 495), "Fig. 8. Class-wise precision and recall", fontsize=9)
    _running_text(page, 530, 700)
    found = _figures(doc, tmp_path / "side_by_side.pdf")
    assert sorted(found) == ["7", "8"]
    assert iou(found["7"], (72, 320, 300, 480)) > 0.9 and iou(found["8"], (304, 320, 540, 480)) > 0.9, found


def _blank_stencil(doc: pymupdf.Document, page: pymupdf.Page, box: tuple[float, float, float, float]) -> None:
    """A 1-bit image mask whose samples are all the same, painted in white over `box`: how a word
    processor prints the background of the text box that holds a caption."""
    w, h = 200, 40
    xref = doc.get_new_xref()
    doc.update_object(xref, f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ImageMask true /BitsPerComponent 1 >>")
    doc.update_stream(xref, bytes((w + 7) // 8 * h))
    kind, resources = doc.xref_get_key(page.xref, "Resources")
    holder, key = (int(resources.split()[0]), "XObject/Bg1") if kind == "xref" else (page.xref, "Resources/XObject/Bg1")
    doc.xref_set_key(holder, key, f"{xref} 0 R")
    x0, y0, x1, y1 = box
    height = page.rect.height
    content = f"q 1 1 1 rg {x1 - x0} 0 0 {y1 - y0} {x0} {height - y1} cm /Bg1 Do Q\n".encode()
    page.wrap_contents()
    stream = doc.get_new_xref()
    doc.update_object(stream, "<< >>")
    doc.update_stream(stream, content)
    contents = doc.xref_get_key(page.xref, "Contents")
    kept = contents[1][1:-1] if contents[0] == "array" else contents[1]
    doc.xref_set_key(page.xref, "Contents", f"[{stream} 0 R {kept}]")  # under everything else


def test_a_blank_text_box_background_under_a_caption_does_not_join_the_pictures_over_and_under_it(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    _blank_stencil(doc, page, (72, 241, 300, 276))  # touches the picture above and the one below
    _picture(page, (72, 80, 300, 240), 1)
    page.insert_text((76, 256), "Fig. 2. Sample images of the five classes of the", fontsize=9)
    page.insert_text((76, 268), "data set, one of each class.", fontsize=9)
    _picture(page, (72, 277, 300, 420), 2)
    page.insert_text((76, 435), "Fig. 3. Bar chart of the classes before and after.", fontsize=9)
    _running_text(page, 470, 700)
    found = _figures(doc, tmp_path / "text_box.pdf")
    assert iou(found["2"], (72, 80, 300, 240)) > 0.9 and iou(found["3"], (72, 277, 300, 420)) > 0.9, found


def test_a_plain_label_with_an_acronym_title_over_a_picture_that_runs_under_it_is_a_caption(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    _picture(page, (90, 80, 520, 400), 1)  # its white margin runs 3 pt under the caption's line
    page.insert_text((250, 406), "Figure 6.2 ROC Curve", fontsize=10)
    _running_text(page, 440, 700)
    found = _figures(doc, tmp_path / "acronym.pdf")
    assert list(found) == ["6.2"] and iou(found["6.2"], (90, 80, 520, 397)) > 0.9, found


def test_a_link_underlined_in_the_text_over_a_figure_is_not_part_of_it(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    _running_text(page, 80, 115)
    page.insert_text((72, 124), "stays well posed, as for", fontsize=10)  # a paragraph's short last lines, set tight
    page.insert_text((72, 136), "mixtures (Figure 6).", fontsize=10)
    page.draw_line((122, 138), (128, 138), color=(0, 0, 1), width=0.8)  # the link's underline under "6"
    _picture(page, (120, 154, 500, 290), 1)
    page.insert_text((72, 305), "Figure 6: Compositional inference from context-specific models.", fontsize=9)
    _running_text(page, 340, 700)
    found = _figures(doc, tmp_path / "underline.pdf")
    assert iou(found["6"], (120, 154, 500, 290)) > 0.9, found


def test_a_title_centred_over_a_chart_a_little_apart_is_part_of_the_figure(tmp_path: Path) -> None:
    """matplotlib's suptitle: smaller than the text, centred over the axes, further off than a label."""
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    _running_text(page, 80, 120)
    page.insert_text((238, 150), "Pair-score histograms by pretraining domain", fontsize=7)  # 137 pt wide, centred at 306
    bar_chart(page, (106, 162, 506, 320), bars=6)  # 10 pt under the title
    page.insert_text((72, 340), "Figure 3: Test-split pair-score histograms under three domains.", fontsize=10)
    _running_text(page, 370, 700)
    found = _figures(doc, tmp_path / "suptitle.pdf")
    assert found["3"][1] < 146 and iou(found["3"], (106, 144, 506, 320)) > 0.9, found


def test_a_panel_title_centred_over_the_plot_not_its_axis_labels_is_part_of_the_figure(tmp_path: Path) -> None:
    """R centres a panel's title over the plotting region; the tick labels beside it widen the graphic to one side."""
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    _running_text(page, 80, 120)
    page.insert_text((238, 150), "Pair-score histograms by pretraining domain", fontsize=7)  # centred at 306, over the bars
    bar_chart(page, (106, 162, 506, 320), bars=6)
    for k, y in enumerate((170, 240, 318)):
        label = f"-{k}000000000.00"
        page.insert_text((104 - pymupdf.get_text_length(label, fontsize=7), y), label, fontsize=7)  # 2 pt off the axis
    page.insert_text((72, 340), "Figure 3: Test-split pair-score histograms under three domains.", fontsize=10)
    _running_text(page, 370, 700)
    found = _figures(doc, tmp_path / "panel_title.pdf")
    assert found["3"][1] < 146, found


def test_a_caption_row_goes_on_past_an_inline_formula_set_in_its_own_size(tmp_path: Path) -> None:
    """A browser's print sets MathJax formulas in their own fonts and size, each a line of its own touching the words."""
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    _running_text(page, 80, 140)
    _picture(page, (120, 160, 500, 290), 1)
    pieces = [("Figure 6: Components. (A) Overall conditional ", 9, "helv", 0), ("P(Y | X, C)", 11.5, "tiit", 1.5),
              (". (B) Context-specific components for latent subgroups.", 9, "helv", 0)]
    x = [72.0]
    for text, size, font, _ in pieces:
        x.append(x[-1] + pymupdf.get_text_length(text, fontname=font, fontsize=size))
    for k in (0, 2, 1):  # the formula is written after the words, as the browser does: MuPDF reads it as a line apart
        text, size, font, rise = pieces[k]
        page.insert_text((x[k], 305 + rise), text, fontsize=size, fontname=font)
    _running_text(page, 340, 700)
    doc.save(tmp_path / "formula.pdf")
    (figure,) = extract_figures(tmp_path / "formula.pdf").figures
    assert figure.caption.endswith("Context-specific components for latent subgroups."), figure.caption


def test_captions_of_two_columns_a_line_apart_each_take_their_own_column(tmp_path: Path) -> None:
    """Two code boxes side by side, a line of code running out of the left one up to the right one
    (52 Courier characters of 4.8 pt from x = 66); each column sets its caption under its box, one
    a line lower than the other."""
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.draw_rect((63, 100, 293, 200), color=(0, 0, 0), fill=(0.92, 0.92, 0.92), width=0.5)
    page.draw_rect((315, 100, 548, 192), color=(0, 0, 0), fill=(0.92, 0.92, 0.92), width=0.5)
    for k in range(6):
        page.insert_text((66, 112 + 14 * k), "protected static final String LOGIN_TAG =" if k != 3 else "protected static final String LOGIN_RESOURCE = abcd", fontsize=8, fontname="cour")
        page.insert_text((319, 112 + 14 * k), "newTab.setTabListener(FeatureToggles.this);", fontsize=8, fontname="cour")
    page.insert_text((351, 207), "Figure 3: Motivating example: sub-tokens", fontsize=9)
    page.insert_text((88, 218), "Figure 1: Motivating example: edit operations", fontsize=9)
    for y in range(250, 700, 12):
        page.insert_text((63, y), "Running text of the left column goes on here.", fontsize=9)
        page.insert_text((315, y), "Running text of the right column goes on.", fontsize=9)
    found = _figures(doc, tmp_path / "columns.pdf")
    assert found["1"][2] < 313 and found["3"][0] > 313, found


def test_a_heading_with_its_rule_over_a_bare_figure_label_is_no_figure(tmp_path: Path) -> None:
    """A browser's print of a manubot manuscript rules each second-level heading; a paragraph that
    says only "Figure 1" (a reference) under it must not take the heading for a figure."""
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    _running_text(page, 80, 600)
    page.insert_text((36, 640), "Referencing figures, tables, equations", fontsize=16.5, fontname="hebo")
    page.draw_line((36, 647), (559, 647), color=(0.8, 0.8, 0.8), width=0.7)
    page.insert_text((36, 672), "Figure 1", fontsize=11)
    page.draw_line((70.7, 674.8), (77, 674.8), color=(0, 0, 1), width=0.7)  # the link's underline under "1"
    assert _figures(doc, tmp_path / "heading.pdf") == {}
