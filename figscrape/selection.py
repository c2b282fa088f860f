"""Which panels are current: those of the current extraction of their PDF and the current split of
their figure, or boxes corrected by hand from those, unless a corrected box has replaced them.
The labeling queue and the label sheets list these; labels on older panels stay valid."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import aliased

from figscrape.models import Figure, Panel, Pdf


def current_panels() -> ColumnElement[bool]:
    """A WHERE clause over Panel joined to Figure and Pdf."""
    replacement = aliased(Panel)
    return and_(
        Figure.extractor_version == Pdf.extracted_version,
        or_(Panel.splitter_version == Figure.split_version, Panel.made_by != ""),
        ~exists(select(replacement.id).where(replacement.replaces_id == Panel.id)),
    )
