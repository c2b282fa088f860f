"""Which rows are current: figures of the current extraction of their PDF; panels of those figures'
current split, or boxes corrected by hand from those, unless a corrected box has replaced them.
Every stage and page that lists figures or panels uses these; labels on older panels stay valid."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.orm import aliased

from figscrape.data.models import Figure, Panel, Paper, Pdf


def with_paper(query: Select) -> Select:
    """A query over panels joined to their figure, PDF and paper."""
    return query.join(Figure, Figure.id == Panel.figure_id).join(Pdf, Pdf.id == Figure.pdf_id).join(Paper, Paper.id == Pdf.paper_id)


def current_figures() -> ColumnElement[bool]:
    """A WHERE clause over Figure joined to Pdf: the figures of the PDF's current extraction."""
    return Figure.extractor_version == Pdf.extracted_version


def current_panels() -> ColumnElement[bool]:
    """A WHERE clause over Panel joined to Figure and Pdf."""
    replacement = aliased(Panel)
    return and_(
        current_figures(),
        or_(Panel.splitter_version == Figure.split_version, Panel.made_by != ""),
        ~exists(select(replacement.id).where(replacement.replaces_id == Panel.id)),
    )
