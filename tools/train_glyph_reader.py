"""Train the glyph classifier that ships in the package (figscrape/split/weights/<SHIPPED>.*),
deterministically (seed 0, one thread), from

- the 52 Latin letters rendered in the fonts matplotlib ships (DejaVu Sans, Serif and Mono with their
  bold and italic faces, STIX, Computer Modern) at many sizes, thin and heavy, dark on light and
  light on dark, alone or in parentheses, blurred, resampled, JPEG-compressed, noisy, with ink of
  other things around them;
- negatives: digits, symbols and Greek letters, legend
  markers, arrows and strokes, and components cut from the picture panels of the compound dev
  set's dev part (never its holdout part), read where they lie, never copied.

Every sample goes through figscrape.split.glyphs (find_glyphs, glyph_view) as a figure's glyphs do.

    python tools/train_glyph_reader.py [--per-letter 360] [--epochs 14] [--compound-files DIR]
"""

from __future__ import annotations

import argparse
import json
import string
import sys
from collections import Counter
from pathlib import Path

import cv2
import matplotlib
import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont
from torch import nn

from figscrape.split.glyph_training import GlyphNet, save_reader
from figscrape.split.glyphnet import CLASSES, SHIPPED, GlyphCard
from figscrape.split.glyphs import SIDE, Glyph, find_glyphs, glyph_view

ROOT = Path(__file__).resolve().parent.parent
COMPOUND = ROOT / "benchmarks" / "devsets" / "compound"
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONTS = [
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf",
    "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSerif-BoldItalic.ttf",
    "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "STIXGeneral.ttf", "STIXGeneralBol.ttf",
    "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf", "cmr10.ttf", "cmss10.ttf", "cmb10.ttf",
]
SYMBOLS = list(string.digits) + list("%+=*#&@?!<>/|~$§±×÷αβγδεμσπλθωΔΣΩΦΨ→←↑↓•■▲▼◆★")


def _font(rng: np.random.Generator, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / FONTS[rng.integers(len(FONTS))]), size)


def _ground(rng: np.random.Generator, shape: tuple[int, int], dark: bool) -> np.ndarray:
    """Paper, or the dark or mid-grey field of a picture, now and then textured like one."""
    level = rng.uniform(0, 140) if dark else rng.uniform(150, 255)
    ground = np.full(shape, level, np.float32)
    if rng.random() < 0.3:  # a gentle gradient
        ground += np.linspace(0, rng.uniform(-25, 25), shape[1])[None, :]
    if rng.random() < 0.2:  # soft texture
        ground += cv2.GaussianBlur(rng.normal(0, 1, shape).astype(np.float32), (0, 0), rng.uniform(2, 6)) * rng.uniform(10, 60)
    return ground


def _finish(rng: np.random.Generator, canvas: np.ndarray) -> np.ndarray:
    """Blur, resampling, noise and JPEG, each now and then, as figures go through them."""
    if rng.random() < 0.3:
        canvas = cv2.GaussianBlur(canvas, (0, 0), rng.uniform(0.3, 0.5 + min(canvas.shape) / 160))
    if rng.random() < 0.3:
        f = rng.uniform(0.6, 0.9)
        small = cv2.resize(canvas, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        canvas = cv2.resize(small, (canvas.shape[1], canvas.shape[0]), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.3:
        canvas = canvas + rng.normal(0, rng.uniform(2, 10), canvas.shape)
    out = np.clip(canvas, 0, 255).astype(np.uint8)
    if rng.random() < 0.35:
        _, data = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 90))])
        out = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    return out


def _draw_text(rng: np.random.Generator, text: str, size: int, dark: bool, at: int = 0) -> tuple[np.ndarray, tuple[float, float]]:
    """A canvas with the text drawn in it and the centre of its character `at`."""
    font = _font(rng, size)
    canvas = _ground(rng, (4 * size, 2 * size + int(font.getlength(text))), dark)
    ink = float(np.clip(canvas.mean() + (1 if dark else -1) * rng.uniform(90, 255), 0, 255))
    layer = Image.new("L", (canvas.shape[1], canvas.shape[0]), 0)
    heavy = int(rng.random() < 0.15 and size >= 18)
    x, y = size, (canvas.shape[0] - size) // 2
    ImageDraw.Draw(layer).text((x, y), text, fill=255, font=font, stroke_width=heavy, stroke_fill=255)
    l, t, r, b = font.getbbox(text[at])
    centre = (x + font.getlength(text[:at]) + (l + r) / 2, y + (t + b) / 2)
    alpha = np.asarray(layer, np.float32) / 255
    if rng.random() < 0.15 and size >= 14:  # thin strokes
        alpha = cv2.erode(alpha, np.ones((2, 2), np.uint8))
    return canvas * (1 - alpha) + ink * alpha, centre


def _glyph_near(gray: np.ndarray, centre: tuple[float, float] | None) -> Glyph | None:
    """The isolated glyph the sample was drawn as: the one nearest the centre (or the biggest)."""
    h, w = gray.shape
    found = find_glyphs(gray, [(0, 0, w, h)], max_height=0.9 * h)
    if not found:
        return None
    if centre is None:
        return max(found, key=lambda gl: (gl.box[2] - gl.box[0]) * (gl.box[3] - gl.box[1]))
    def dist(gl: Glyph) -> float:
        return abs((gl.box[0] + gl.box[2]) / 2 - centre[0]) + abs((gl.box[1] + gl.box[3]) / 2 - centre[1])
    best = min(found, key=dist)
    x0, y0, x1, y1 = best.box
    return best if x0 <= centre[0] <= x1 and y0 <= centre[1] <= y1 and dist(best) < 0.3 * (y1 - y0) + 2 else None


def _letter_sample(rng: np.random.Generator, char: str) -> np.ndarray | None:
    size = int(rng.choice([rng.integers(9, 16), rng.integers(16, 32), rng.integers(32, 64)], p=[0.4, 0.35, 0.25]))
    dark = rng.random() < 0.35
    parens = rng.random() < 0.3
    text = f"({char})" if parens else char
    if parens and rng.random() < 0.4:
        text += " " + rng.choice(["Original image", "CT", "axial", "ground truth", "T1", "Input", "Result"])
    canvas, centre = _draw_text(rng, text, size, dark, at=int(parens))
    gray = _finish(rng, _clutter(rng, canvas, size, dark))
    glyph = _glyph_near(gray, centre)
    return None if glyph is None else glyph_view(gray, glyph)


def _clutter(rng: np.random.Generator, canvas: np.ndarray, size: int, dark: bool) -> np.ndarray:
    """Ink of other things near the sample, outside the ring it must keep clear: an axis line, a
    frame corner, a word."""
    if rng.random() < 0.4:
        ink = 255 if dark else 0
        h, w = canvas.shape
        if rng.random() < 0.5:
            y = int(rng.choice([rng.integers(0, max(1, h // 2 - size)), rng.integers(min(h - 1, h // 2 + size + size // 2), h)]))
            cv2.line(canvas, (0, y), (w, y), ink, int(rng.integers(1, 3)))
        else:
            x = int(rng.integers(0, max(1, size // 2)))
            cv2.line(canvas, (x, 0), (x, h), ink, int(rng.integers(1, 3)))
    return canvas


def _symbol_sample(rng: np.random.Generator) -> np.ndarray | None:
    size = int(rng.integers(9, 56))
    canvas, _ = _draw_text(rng, str(rng.choice(SYMBOLS)), size, rng.random() < 0.35)
    gray = _finish(rng, canvas)
    glyph = _glyph_near(gray, None)
    return None if glyph is None else glyph_view(gray, glyph)


def _shape_sample(rng: np.random.Generator) -> np.ndarray | None:
    """Legend markers, arrow heads, strokes and blobs."""
    size = int(rng.integers(9, 50))
    dark = rng.random() < 0.35
    canvas = _ground(rng, (4 * size, 4 * size), dark)
    ink = float(np.clip(canvas.mean() + (1 if dark else -1) * rng.uniform(90, 255), 0, 255))
    c = 2 * size
    kind = rng.integers(6)
    t = -1 if rng.random() < 0.6 else int(rng.integers(1, 4))
    if kind == 0:
        cv2.circle(canvas, (c, c), size // 2, ink, t)
    elif kind == 1:
        cv2.rectangle(canvas, (c - size // 2, c - int(size * rng.uniform(0.2, 0.5))), (c + size // 2, c + size // 2), ink, t)
    elif kind == 2:
        pts = np.array([[c, c - size // 2], [c - size // 2, c + size // 2], [c + size // 2, c + size // 2]], np.int32)
        cv2.fillPoly(canvas, [pts], ink) if t < 0 else cv2.polylines(canvas, [pts], True, ink, t)
    elif kind == 3:
        cv2.ellipse(canvas, (c, c), (size // 2, int(size * rng.uniform(0.1, 0.5))), float(rng.uniform(0, 180)), 0, float(rng.uniform(90, 360)), ink, max(1, t))
    elif kind == 4:
        pts = (rng.normal(0, size / 3, (int(rng.integers(3, 8)), 2)) + c).astype(np.int32)
        cv2.fillPoly(canvas, [cv2.convexHull(pts)], ink)
    else:
        for _ in range(int(rng.integers(2, 4))):
            p, q = (rng.uniform(c - size / 2, c + size / 2, 2).astype(int) for _ in range(2))
            cv2.line(canvas, tuple(map(int, p)), tuple(map(int, q)), ink, int(rng.integers(1, 4)))
    gray = _finish(rng, canvas)
    glyph = _glyph_near(gray, None)
    return None if glyph is None else glyph_view(gray, glyph)


def picture_pieces(files: Path, rng: np.random.Generator, limit: int) -> list[np.ndarray]:
    """Glyph-like components of the picture panels (modality other than none) of the dev part."""
    truth = json.loads((COMPOUND / "truth.json").read_text())["figures"]
    views: list[np.ndarray] = []
    for name, entry in sorted(truth.items()):
        if entry["part"] != "dev":
            continue
        gray = cv2.imread(str(files / name), cv2.IMREAD_GRAYSCALE)
        if gray is None:
            continue
        scale = min(1.0, 2000 / max(gray.shape))
        if scale < 1:
            gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        for panel in entry["panels"]:
            if panel["modality"] == "none":
                continue
            x0, y0, x1, y1 = (int(v * scale) for v in panel["bbox"])
            mx, my = (x1 - x0) // 6, (y1 - y0) // 6  # the inside, away from the corners where letters are
            zone = (x0 + mx, y0 + my, x1 - mx, y1 - my)
            for glyph in find_glyphs(gray, [zone], max_height=0.3 * min(x1 - x0, y1 - y0)):
                views.append(glyph_view(gray, glyph))
    order = rng.permutation(len(views))[:limit]
    return [views[i] for i in order]


def make_set(rng: np.random.Generator, per_letter: int, negatives: int) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for k, char in enumerate(CLASSES[:-1]):
        made = 0
        while made < per_letter:
            view = _letter_sample(rng, char)
            if view is not None:
                xs.append(view)
                ys.append(k)
                made += 1
    other = len(CLASSES) - 1
    made = 0
    while made < negatives:
        view = _symbol_sample(rng) if rng.random() < 0.65 else _shape_sample(rng)
        if view is not None:
            xs.append(view)
            ys.append(other)
            made += 1
    return np.stack(xs), np.array(ys)


def train(x: np.ndarray, y: np.ndarray, epochs: int, seed: int) -> GlyphNet:
    torch.manual_seed(seed)
    net = GlyphNet()
    opt = torch.optim.AdamW(net.parameters(), 3e-3, weight_decay=1e-4)
    steps = epochs * ((len(x) + 255) // 256)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=steps)
    xt, yt = torch.from_numpy(x[:, None]), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(seed)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(len(x), generator=gen)
        total = 0.0
        for i in range(0, len(x), 256):
            idx = order[i : i + 256]
            opt.zero_grad()
            loss = loss_fn(net(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        print(f"epoch {epoch + 1}: loss {total / len(x):.4f}", file=sys.stderr)
    net.eval()
    return net


def scores(net: GlyphNet, x: np.ndarray, y: np.ndarray) -> dict:
    """Accuracy with case told apart, and case-blind (c/C, o/O, s/S... look alike without a size)."""
    with torch.inference_mode():
        pred = net(torch.from_numpy(x[:, None])).argmax(1).numpy()
    blind = [CLASSES[p].lower() == CLASSES[t].lower() for p, t in zip(pred, y)]
    other = len(CLASSES) - 1
    return {
        "examples": len(y), "accuracy": float(np.mean(pred == y)), "case_blind_accuracy": float(np.mean(blind)),
        "negatives_read_as_letters": float(np.mean(pred[y == other] != other)), "letters_read_as_other": float(np.mean(pred[y != other] == other)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-letter", type=int, default=360)
    parser.add_argument("--negatives", type=int, default=9000, help="rendered negatives (digits, symbols, markers, strokes)")
    parser.add_argument("--pieces", type=int, default=5000, help="most components cut from the dev part's picture panels")
    parser.add_argument("--epochs", type=int, default=14)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compound-files", type=Path, default=COMPOUND / "files")
    parser.add_argument("--out", type=Path, default=ROOT / "figscrape" / "split" / "weights")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    cv2.setNumThreads(1)
    rng = np.random.default_rng(args.seed)
    x, y = make_set(rng, args.per_letter, args.negatives)
    pieces = picture_pieces(args.compound_files, rng, args.pieces)
    if pieces:  # pictures hold text too: the pieces a first model reads as letters are left out
        first = train(x, y, max(2, args.epochs // 3), args.seed)
        with torch.inference_mode():
            p = torch.softmax(first(torch.from_numpy(np.stack(pieces)[:, None])), 1)[:, -1].numpy()
        pieces = [v for v, other in zip(pieces, p) if other > 0.2]
        x = np.concatenate([x, np.stack(pieces)])
        y = np.concatenate([y, np.full(len(pieces), len(CLASSES) - 1)])
    held_rng = np.random.default_rng(args.seed + 1)  # fresh renders, never trained on
    hx, hy = make_set(held_rng, max(1, args.per_letter // 6), args.negatives // 6)
    net = train(x, y, args.epochs, args.seed)
    held = scores(net, hx, hy)
    print(json.dumps(held), file=sys.stderr)
    counts = Counter("letter" if k < len(CLASSES) - 1 else "other" for k in y.tolist())
    card = GlyphCard(
        SHIPPED, SIDE, CLASSES,
        trained_on={"letters": counts["letter"], "rendered_negatives": args.negatives, "picture_pieces": len(pieces), "fonts": FONTS, "seed": args.seed, "epochs": args.epochs},
        held_out={"fresh_renders": held},
    )
    print(save_reader(net, card, args.out))


if __name__ == "__main__":
    main()
