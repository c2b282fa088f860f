"""Panel letters read from the pixels: letters drawn on generated panels are read as a run, the
inconsistent or absent are left unread, and the PDF's own letters keep priority."""

from __future__ import annotations

from importlib import resources

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from figscrape.split.glyphnet import CLASSES, SHIPPED, classify
from figscrape.split.glyphs import find_glyphs, glyph_view
from figscrape.split.panels import cut_panels
from figscrape.synthetic import images as pics

SIDE, GAP = 220, 44


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size)  # Pillow's own font: not one the classifier was trained on


def lettered_grid(letters: str, *, inside: bool = False, parens: bool = False, size: int = 26, rows: int = 2, cols: int = 3) -> tuple[np.ndarray, list]:
    """CT slices on white with a letter per panel: above its top-left corner in dark ink, or
    inside the corner in white on the slice's black field."""
    rng = np.random.default_rng(3)
    canvas = np.full((rows * SIDE + (rows + 1) * GAP, cols * SIDE + (cols + 1) * GAP), 255, np.uint8)
    boxes = []
    for r in range(rows):
        for c in range(cols):
            x, y = GAP + c * (SIDE + GAP), GAP + r * (SIDE + GAP)
            canvas[y : y + SIDE, x : x + SIDE] = pics.ct_slice(rng, SIDE)
            if inside:
                canvas[y : y + 40, x : x + 40] = 0
            boxes.append((x, y, x + SIDE, y + SIDE))
    image = Image.fromarray(canvas)
    draw = ImageDraw.Draw(image)
    for (x, y, _, _), letter in zip(boxes, letters):
        if letter == " ":  # a panel whose letter is missing
            continue
        text = f"({letter})" if parens else letter
        if inside:
            draw.text((x + 6, y + 4), text, fill=255, font=_font(size))
        else:
            draw.text((x, y - size - 8), text, fill=0, font=_font(size))
    return np.asarray(image).copy(), boxes


@pytest.mark.parametrize(
    ("letters", "inside", "parens"),
    [("abcdef", False, False), ("ABCDEF", True, False), ("abcdef", False, True), ("ABCD", False, False), ("ab def", False, False)],
)
def test_printed_letters_are_read_as_a_run(letters: str, inside: bool, parens: bool) -> None:
    image, truth = lettered_grid(letters, inside=inside, parens=parens)
    cuts = cut_panels(image, "")
    assert len(cuts) == len(truth)
    assert [c.label or " " for c in cuts] == list(letters.ljust(len(truth)))  # " ": no letter


def test_panels_without_letters_stay_unlabelled() -> None:
    image, truth = lettered_grid("")
    assert [c.label for c in cut_panels(image, "")] == [""] * len(truth)


@pytest.mark.parametrize("letters", ["bcdefg", "axbqzk", "a c"])
def test_letters_that_are_no_run_from_the_first_are_not_given(letters: str) -> None:
    image, _ = lettered_grid(letters)
    assert not any(c.label for c in cut_panels(image, ""))


def test_the_pdfs_own_letters_keep_priority() -> None:
    image, truth = lettered_grid("abcdef")
    spans = [(chr(ord("P") + i), (x0, y0, x0 + 10, y0 + 10)) for i, (x0, y0, _, _) in enumerate(truth)]
    assert [c.label for c in cut_panels(image, "", letters=spans)] == [s[0] for s in spans]


def test_a_letter_touching_other_ink_is_no_glyph() -> None:
    canvas = np.full((120, 120), 255, np.uint8)
    cv2.putText(canvas, "a", (40, 70), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    alone = find_glyphs(canvas, [(0, 0, 120, 120)], 60)
    assert len(alone) == 1
    cv2.line(canvas, (0, 72), (120, 72), 0, 2)  # an axis through its foot
    assert find_glyphs(canvas, [(0, 0, 120, 120)], 60) == []
    view = glyph_view(canvas, alone[0])
    assert view.shape == (24, 24) and view.max() == pytest.approx(1.0)


def test_the_shipped_classifier_reads_a_drawn_letter_and_rejects_a_marker() -> None:
    canvas = np.full((100, 200), 255, np.uint8)
    image = Image.fromarray(canvas)
    ImageDraw.Draw(image).text((20, 20), "B", fill=0, font=_font(40))
    canvas = np.asarray(image).copy()
    cv2.rectangle(canvas, (130, 30), (160, 60), 0, -1)  # a filled legend square
    glyphs = find_glyphs(canvas, [(0, 0, 200, 100)], 80)
    letter = [g for g in glyphs if g.box[0] < 100 and not g.light]
    square = [g for g in glyphs if g.box[0] <= 145 <= g.box[2] and not g.light]
    probs = classify([glyph_view(canvas, g) for g in letter + square])
    assert [CLASSES[int(p.argmax())] for p in probs] == ["B", "other"]


def test_the_weights_ship_small() -> None:
    weights = resources.files("figscrape.split") / "weights" / f"{SHIPPED}.npz"
    assert weights.is_file() and len(weights.read_bytes()) < 400_000


def test_the_numpy_reader_computes_what_the_trained_torch_network_does() -> None:
    """The package reads glyphs without torch: its forward pass must be the training network's."""
    import torch

    from figscrape.split.glyph_training import GlyphNet
    from figscrape.split.glyphnet import logits, reader_from_state
    from figscrape.split.glyphs import SIDE as VIEW

    torch.manual_seed(0)
    net = GlyphNet()
    for module in net.modules():  # batch statistics of a trained network, not the identity of a new one
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.2, 0.2)
    net.eval()
    views = np.random.default_rng(0).random((5, VIEW, VIEW), dtype=np.float32)
    with torch.inference_mode():
        expected = net(torch.from_numpy(views[:, None])).numpy()
    reader = reader_from_state({k: v.numpy() for k, v in net.state_dict().items() if v.is_floating_point()})
    assert np.allclose(logits(reader, views), expected, atol=1e-4)
