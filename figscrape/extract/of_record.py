"""The figures of record a paper's JATS gives (label, caption, original image file), laid over the
figures found in its PDF: matched by figure number, the JATS caption becomes the caption, and an
original image that was fetched replaces the PDF's pixels (with tiles and letters scaled to it)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from PIL import Image

from figscrape.extract.document import ExtractedFigure
from figscrape.store import ObjectStore

Image.MAX_IMAGE_PIXELS = 400_000_000  # original figure TIFFs are large, and trusted: they come from the servers' bundles


@dataclass(frozen=True)
class RecordImage:
    sha256: str
    ext: str
    width: int
    height: int


def figure_number(label: str) -> str:
    """"Figure 2." -> "2"; "Fig. S3" -> "S3"; "" when the label has no number."""
    match = re.search(r"\b(S?\d+[A-Za-z]?)\b", label or "")
    return match.group(1) if match else ""


def record_for(number: str, jats: list[dict]) -> dict | None:
    if not number:
        return None
    return next((j for j in jats if figure_number(j.get("label", "")) == number), None)


def record_caption(entry: dict) -> str:
    return " ".join(p for p in (entry.get("label", "").strip(), entry.get("caption", "").strip()) if p)


def record_image(entry: dict, store: ObjectStore) -> RecordImage | None:
    sha = entry.get("image_sha256")
    if not sha or not store.exists(sha):
        return None
    try:
        with Image.open(store.path(sha)) as image:
            width, height = image.size
    except OSError:
        return None
    return RecordImage(sha, entry.get("image_ext") or "tif", width, height)


def apply_record(fig: ExtractedFigure, jats: list[dict], store: ObjectStore) -> tuple[ExtractedFigure, RecordImage | None]:
    """The figure with the JATS caption, and the original image to store instead of the PDF's pixels (or None)."""
    entry = record_for(fig.number, jats)
    if entry is None:
        return fig, None
    caption = record_caption(entry) or fig.caption
    original = record_image(entry, store)
    if original is None:
        return replace(fig, caption=caption), None
    sx, sy = original.width / max(1, fig.image.width), original.height / max(1, fig.image.height)

    def scale(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        return (round(box[0] * sx), round(box[1] * sy), round(box[2] * sx), round(box[3] * sy))

    return replace(fig, caption=caption, tiles=[scale(t) for t in fig.tiles], letters=[(t, scale(b)) for t, b in fig.letters]), original
