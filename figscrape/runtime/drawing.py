"""Pictures for people to check extraction by eye: boxes with their labels drawn over a page or a
figure, and contact sheets of many thumbnails with a few lines of text under each. Pure drawing
over RGB arrays; what to draw is decided by the callers (`inspect --overlay`, `sheet`)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FIGURE_COLOUR = (220, 30, 30)
PANEL_COLOUR = (20, 110, 230)
TRUTH_COLOUR = (20, 160, 60)


@dataclass(frozen=True)
class Mark:
    """One box to draw (in the picture's pixels) with the text written at its top left corner."""

    box: tuple[float, float, float, float]
    text: str
    colour: tuple[int, int, int]
    width: int = 3
    above: bool = False  # the tag over the box's top edge, outside it (a figure's, so its panels' tags show)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def draw_marks(picture: np.ndarray, marks: list[Mark], text_size: int = 14) -> Image.Image:
    """The picture with every mark's box outlined and its text on a white tag at the box's top
    left corner: inside it, or just above it for `above` marks (each where the picture has room)."""
    image = Image.fromarray(picture).convert("RGB")
    draw = ImageDraw.Draw(image)
    font = _font(text_size)
    for mark in marks:
        x0, y0, x1, y1 = mark.box
        draw.rectangle((x0, y0, max(x0, x1), max(y0, y1)), outline=mark.colour, width=mark.width)
    for mark in marks:  # tags after every box, so that no box is drawn over a tag
        if not mark.text:
            continue
        x0, y0 = mark.box[0], mark.box[1]
        left, top, right, bottom = draw.textbbox((0, 0), mark.text, font=font)
        w, h = right - left + 6, bottom - top + 4
        tx = min(max(0.0, x0), max(0.0, image.width - w))
        inside = y0 + mark.width if y0 + mark.width + h <= image.height else max(0.0, y0 - h)
        ty = y0 - h if mark.above and y0 - h >= 0 else inside
        draw.rectangle((tx, ty, tx + w, ty + h), fill=(255, 255, 255), outline=mark.colour)
        draw.text((tx + 3 - left, ty + 2 - top), mark.text, fill=mark.colour, font=font)
    return image


def thumbnail(picture: np.ndarray, side: int, marks: tuple[Mark, ...] = (), text_size: int = 11) -> np.ndarray:
    """The picture shrunk to fit `side` pixels (never enlarged), with marks given in the
    picture's own pixels drawn at the thumbnail's scale, their lines and text still readable."""
    image = Image.fromarray(picture).convert("RGB")
    scale = min(1.0, side / max(image.width, image.height))
    image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.Resampling.LANCZOS)
    small = np.asarray(image)
    if not marks:
        return small
    scaled = [Mark(tuple(v * scale for v in m.box), m.text, m.colour, width=2) for m in marks]
    return np.asarray(draw_marks(small, scaled, text_size))


@dataclass(frozen=True)
class Tile:
    """One thumbnail of a contact sheet (from `thumbnail`) and the lines of text printed under it."""

    picture: np.ndarray
    lines: tuple[str, ...]


def contact_sheet(tiles: list[Tile], columns: int = 6, cell: int = 220, text_size: int = 12, text_lines: int = 4) -> Image.Image:
    """A grid of thumbnails centred in cells `cell` pixels on a side, each with its text below,
    wrapped to the cell's width and cut after `text_lines` lines."""
    font = _font(text_size)
    line_height = text_size + 3
    cell_h = cell + 8 + text_lines * line_height
    rows = max(1, -(-len(tiles) // columns))
    sheet = Image.new("RGB", (columns * (cell + 10) + 10, rows * (cell_h + 10) + 10), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    chars = max(8, int(cell / (0.55 * text_size)))
    for i, tile in enumerate(tiles):
        x, y = 10 + (i % columns) * (cell + 10), 10 + (i // columns) * (cell_h + 10)
        picture = Image.fromarray(tile.picture).convert("RGB")
        picture.thumbnail((cell, cell))
        sheet.paste(picture, (x + (cell - picture.width) // 2, y + (cell - picture.height) // 2))
        draw.rectangle((x - 1, y - 1, x + cell, y + cell), outline=(200, 200, 200))
        wrapped = [w for line in tile.lines for w in (textwrap.wrap(line, chars) or [""])]
        for k, text in enumerate(wrapped[:text_lines]):
            draw.text((x, y + cell + 6 + k * line_height), text, fill=(0, 0, 0), font=font)
    return sheet
