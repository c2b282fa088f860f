"""Per-panel sub-captions: a caption is cut at its panel markers ("(A) ...", "A, ...", "(a-c) ...",
"B) ...", "Left: ...", "top row ...") and each part goes to the panels it names; the sentences
before the first marker are shared by every panel."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_RANGE = r"[A-Za-z](?:\s*(?:[-–—]|to|and|,|&)\s*[A-Za-z])*"
MARKER = re.compile(
    rf"""(?:(?<=^)|(?<=[\s;.,:]))(?:
        \((?P<paren>{_RANGE})\)                       # (A)  (a-c)  (A and B)
      | (?P<bare>[A-Z](?:\s*[-–—]\s*[A-Z])?)(?:\)|\.|:|,)(?=\s)   # A)  A.  B-C:  A,
      | (?P<lower>[a-z](?:\s*[-–—]\s*[a-z])?)\)(?=\s) # a)  b-c)
      | (?P<place>left|right|top|bottom|upper|lower|middle)(?:\s+(?:panels?|rows?|columns?|images?))?\s*[:,]
    )""",
    re.VERBOSE | re.IGNORECASE,
)


@dataclass
class CaptionParts:
    shared: str = ""
    by_letter: dict[str, str] = field(default_factory=dict)
    by_place: dict[str, str] = field(default_factory=dict)  # left, right, top, bottom, middle


def _expand(spec: str) -> list[str]:
    letters: list[str] = []
    for part in re.split(r"\s*(?:,|&|and)\s*", spec):
        m = re.fullmatch(r"([A-Za-z])\s*(?:[-–—]|to)\s*([A-Za-z])", part.strip())
        if m:
            a, b = m.group(1), m.group(2)
            letters += [chr(c) for c in range(ord(a), ord(b) + 1)] if ord(a) <= ord(b) else [a, b]
        elif part.strip():
            letters.append(part.strip()[0])
    return letters


def split_caption(caption: str) -> CaptionParts:
    """The caption's shared text and its parts by panel letter or place."""
    parts = CaptionParts()
    markers = list(MARKER.finditer(caption))
    if not markers:
        parts.shared = caption.strip()
        return parts
    parts.shared = caption[: markers[0].start()].strip()
    for m, nxt in zip(markers, markers[1:] + [None]):
        text = caption[m.end() : nxt.start() if nxt else len(caption)].strip(" ;,")
        if m.group("place"):
            place = {"upper": "top", "lower": "bottom"}.get(m.group("place").lower(), m.group("place").lower())
            parts.by_place[place] = (parts.by_place.get(place, "") + " " + text).strip()
            continue
        spec = m.group("paren") or m.group("bare") or m.group("lower")
        for letter in _expand(spec):
            key = letter.upper()
            parts.by_letter[key] = (parts.by_letter.get(key, "") + " " + text).strip()
    return parts


def subcaption_for(parts: CaptionParts, label: str, place: set[str]) -> str:
    """A panel's sub-caption: the shared text, then its own parts (by letter, else by place)."""
    own = parts.by_letter.get(label.upper(), "") if label else ""
    if not own:
        own = " ".join(parts.by_place[p] for p in ("top", "middle", "bottom", "left", "right") if p in place and p in parts.by_place)
    return " ".join(t for t in (parts.shared, own) if t)
