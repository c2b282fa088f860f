"""The database's entities (SQLAlchemy 2.0). Rows point at files by sha256, never by path.
Schema changes go through the Alembic migrations in db/, never create_all."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Paper(Base):
    """One version of one preprint (DOI + version), or one local PDF (server "local")."""

    __tablename__ = "papers"
    __table_args__ = (UniqueConstraint("doi", "version", name="uq_papers_doi_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    server: Mapped[str] = mapped_column(String(16), index=True)
    doi: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(Text, default="")
    authors: Mapped[str] = mapped_column(Text, default="")
    corresponding_author: Mapped[str] = mapped_column(Text, default="")
    institution: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[str | None] = mapped_column(String(10), index=True)
    category: Mapped[str] = mapped_column(String(255), default="")
    license: Mapped[str] = mapped_column(String(64), default="")
    type: Mapped[str] = mapped_column(String(64), default="")
    abstract: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[str] = mapped_column(String(255), default="")
    jatsxml_url: Mapped[str] = mapped_column(Text, default="")
    funder: Mapped[str] = mapped_column(Text, default="")
    jats_figures: Mapped[list | None] = mapped_column(JSON)  # [{label, caption, graphic, fig_id}] from the JATS XML
    source: Mapped[str] = mapped_column(Text, default="")  # where it came from: a file path or a URL
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    pdf: Mapped[Pdf | None] = relationship(back_populates="paper", uselist=False)


class Pdf(Base):
    """The PDF of one paper version: its bytes in the store and what each stage made of it."""

    __tablename__ = "pdfs"

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id"), unique=True)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending, stored, blocked, failed
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    extracted_version: Mapped[str | None] = mapped_column(String(32), index=True)
    extract_error: Mapped[str] = mapped_column(Text, default="")
    extract_attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    paper: Mapped[Paper] = relationship(back_populates="pdf")
    figures: Mapped[list[Figure]] = relationship(back_populates="pdf", order_by="Figure.id")


class Figure(Base):
    """A figure as one extractor version found it. Older versions' rows stay (their panels may carry labels)."""

    __tablename__ = "figures"
    __table_args__ = (UniqueConstraint("pdf_id", "extractor_version", "index", name="uq_figures_pdf_version_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pdf_id: Mapped[int] = mapped_column(ForeignKey("pdfs.id"), index=True)
    extractor_version: Mapped[str] = mapped_column(String(32))
    index: Mapped[int] = mapped_column(Integer)
    page: Mapped[int] = mapped_column(Integer)
    x0: Mapped[float] = mapped_column(Float)
    y0: Mapped[float] = mapped_column(Float)
    x1: Mapped[float] = mapped_column(Float)
    y1: Mapped[float] = mapped_column(Float)
    number: Mapped[str] = mapped_column(String(16), default="")
    caption: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(8))  # raster, tiled, vector, mixed
    image_sha256: Mapped[str] = mapped_column(String(64))
    image_ext: Mapped[str] = mapped_column(String(8))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    dpi: Mapped[float | None] = mapped_column(Float)
    xrefs: Mapped[list] = mapped_column(JSON, default=list)
    tiles: Mapped[list] = mapped_column(JSON, default=list)  # placed images in figure pixels: evidence for the splitter
    letters: Mapped[list] = mapped_column(JSON, default=list)  # [letter, [x0, y0, x1, y1]]: the panel letters ("a", "B") of the PDF's text layer
    split_version: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    pdf: Mapped[Pdf] = relationship(back_populates="figures")
    panels: Mapped[list[Panel]] = relationship(back_populates="figure", order_by="Panel.id")

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)


class Panel(Base):
    """One panel of a figure, as one splitter version cut it (a whole figure is one panel)."""

    __tablename__ = "panels"
    __table_args__ = (UniqueConstraint("figure_id", "splitter_version", "index", name="uq_panels_figure_version_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    figure_id: Mapped[int] = mapped_column(ForeignKey("figures.id"), index=True)
    splitter_version: Mapped[str] = mapped_column(String(32))
    index: Mapped[int] = mapped_column(Integer)
    x0: Mapped[int] = mapped_column(Integer)
    y0: Mapped[int] = mapped_column(Integer)
    x1: Mapped[int] = mapped_column(Integer)
    y1: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(8), default="")
    subcaption: Mapped[str] = mapped_column(Text, default="")
    image_sha256: Mapped[str] = mapped_column(String(64))
    phash: Mapped[str] = mapped_column(String(32), default="", index=True)
    ct_score: Mapped[float | None] = mapped_column(Float, index=True)
    model_version: Mapped[str | None] = mapped_column(String(64))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("panels.id"), index=True)  # a box someone corrected by hand
    made_by: Mapped[str] = mapped_column(String(128), default="")  # the annotator who drew it; "" for the splitter
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    figure: Mapped[Figure] = relationship(back_populates="panels")


class Annotation(Base):
    """One person's label of one panel. Append-only: the latest per annotator counts."""

    __tablename__ = "annotations"
    __table_args__ = (
        Index("ix_annotations_panel_annotator", "panel_id", "annotator"),
        Index("ix_annotations_annotator", "annotator"),
        Index("uq_annotations_client_key", "annotator", "client_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id"))
    annotator: Mapped[str] = mapped_column(String(128))
    is_ct: Mapped[str] = mapped_column(String(16))  # yes, no, unsure; "withdrawn" for an undo
    diagnosis: Mapped[str] = mapped_column(String(16), default="")  # covid, other, normal, unsure
    patient_key: Mapped[str] = mapped_column(String(128), default="")
    age: Mapped[int | None] = mapped_column(Integer)
    sex: Mapped[str] = mapped_column(String(8), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    adjudication: Mapped[bool] = mapped_column(default=False)  # a reviewer's decision: it overrides the votes
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the app's "browser instance:sequence number" of the key press that made the row: a press sent twice is stored once
    client_key: Mapped[str | None] = mapped_column(String(64))


class Skip(Base):
    """A panel one annotator put aside (S in the app): out of their queue until they undo it; not a vote."""

    __tablename__ = "skips"
    __table_args__ = (UniqueConstraint("annotator", "panel_id", name="uq_skips_annotator_panel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id"))
    annotator: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrawlWindow(Base):
    """A date window of the API crawled for one server: where its cursor stands, and whether it is done.
    A crawl killed mid-window resumes at the cursor; a crawl with no dates starts after the last done window."""

    __tablename__ = "crawl_windows"
    __table_args__ = (UniqueConstraint("server", "start", "end", "category", name="uq_crawl_windows"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    server: Mapped[str] = mapped_column(String(16))
    start: Mapped[str] = mapped_column(String(10))
    end: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(255), default="")
    next_cursor: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[bool] = mapped_column(default=False)
    records_seen: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Bundle(Base):
    """One MECA bundle in a server's S3 bucket: read once, and what came of it."""

    __tablename__ = "bundles"
    __table_args__ = (UniqueConstraint("bucket", "key", name="uq_bundles_bucket_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    server: Mapped[str] = mapped_column(String(16))
    bucket: Mapped[str] = mapped_column(String(255))
    key: Mapped[str] = mapped_column(String(1024))
    size: Mapped[int] = mapped_column(Integer, default=0)
    etag: Mapped[str] = mapped_column(String(128), default="")
    status: Mapped[str] = mapped_column(String(16), default="failed", index=True)  # stored, duplicate, unwanted, failed
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    doi: Mapped[str] = mapped_column(String(255), default="")
    version: Mapped[int | None] = mapped_column(Integer)
    bytes_read: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Run(Base):
    """One run of one stage: when, what it did, what went wrong."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[str] = mapped_column(String(32), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    errors: Mapped[list] = mapped_column(JSON, default=list)


class Export(Base):
    """One dataset export: its parameters, counts and where it went."""

    __tablename__ = "exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    location: Mapped[str] = mapped_column(Text, default="")
