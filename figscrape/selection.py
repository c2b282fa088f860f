"""Which panels are current: those of the current extraction of their PDF and the current split of
their figure, or boxes corrected by hand from those, unless a corrected box has replaced them.
The labeling queue and the label sheets list these; labels on older panels stay valid."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.orm import aliased

from figscrape.models import Figure, Panel, Paper, Pdf


def with_paper(query: Select) -> Select:
    """A query over panels joined to their figure, PDF and paper."""
    return query.join(Figure, Figure.id == Panel.figure_id).join(Pdf, Pdf.id == Figure.pdf_id).join(Paper, Paper.id == Pdf.paper_id)


def current_panels() -> ColumnElement[bool]:
    """A WHERE clause over Panel joined to Figure and Pdf."""
    replacement = aliased(Panel)
    return and_(
        Figure.extractor_version == Pdf.extracted_version,
        or_(Panel.splitter_version == Figure.split_version, Panel.made_by != ""),
        ~exists(select(replacement.id).where(replacement.replaces_id == Panel.id)),
    )
