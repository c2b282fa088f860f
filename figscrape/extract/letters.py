"""Panel letters of the PDF's text layer: which text spans inside a figure are panel letters ("A",
"(b)", "c.", "B. Reported cases") and the letter each stands for. Extraction stores the letters
ready to use, so the splitter only places them."""

from __future__ import annotations

import re

LETTER = re.compile(r"^\(?([A-Za-z])\)?[.:)]?$|^\(?([A-Za-z])[.)]\s+\S")  # "A", "(b)", "c.", or "B. Reported cases"


def panel_letter(text: str) -> str | None:
    """The letter a text span stands for, or None when it is not a panel letter."""
    m = LETTER.match(text.strip())
    return (m.group(1) or m.group(2)) if m else None
