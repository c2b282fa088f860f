"""`figscrape crawl --source s3`: the servers' own MECA bundles from their requester-pays S3
buckets, the sanctioned route for bulk text and data mining. Each bundle is read in place with
ranged GETs (central directory, manifest, JATS, PDF; figure files only with --figures), never
downloaded whole; the DOI and version come from the JATS, checked at the border as API records
are, and a manifest or JATS cut short is read again as a cut API body is. Bundles already read are skipped, so
a run resumes where the last one stopped; bytes are counted and --max-gb stops a run."""

from __future__ import annotations

import calendar
import logging
import re
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from figscrape.config import Config
from figscrape.crawl.border import at_border
from figscrape.crawl.client import BodyCut, ClientSettings, backoff_retrying
from figscrape.crawl.download import pdf_problem
from figscrape.crawl.meca import (
    BundleError,
    read_article,
    read_manifest,
    version_hint,
    whole_xml,
)
from figscrape.crawl.query import wanted
from figscrape.crawl.rangezip import open_member, open_range, read_member
from figscrape.crawl.urls import valid_doi
from figscrape.data.db import read_session, write_session
from figscrape.data.models import Bundle, Paper, Pdf
from figscrape.runtime.runs import RunLog, console, progress
from figscrape.store import ObjectStore, s3_client

log = logging.getLogger(__name__)
MAX_BUNDLE_ATTEMPTS = 3
GB = 1024**3


@dataclass
class S3Options:
    servers: list[str]
    months: list[str]  # YYYY-MM
    prefixes: list[str] | None = None  # explicit folders (e.g. Back_Content/Batch_01/) instead of months
    figures: bool = False  # also read the original figure files the JATS names
    max_gb: float | None = None
    workers: int = 4
    max_bundles: int | None = None
    query: re.Pattern[str] | None = None  # over the JATS title and abstract; the PDF of a paper that does not match is not read
    category: str | None = None
    attempts: int = ClientSettings.attempts  # reads of a bundle whose manifest or JATS came cut short, within one run
    backoff: float = ClientSettings.backoff  # seconds before the second read, doubled after, with jitter


def month_range(text: str) -> list[str]:
    """"2020-03" or "2020-03..2020-05" -> the months, in order."""
    first, _, last = text.partition("..")
    last = last or first
    for value in (first, last):
        if not re.fullmatch(r"\d{4}-\d{2}", value) or not 1 <= int(value[5:]) <= 12:
            raise ValueError(f"{value!r} is not a month (YYYY-MM)")
    year, month = int(first[:4]), int(first[5:])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if not out:
        raise ValueError(f"{text!r}: the first month is after the last")
    return out


def month_prefix(month: str) -> str:
    """The bucket folder of a month's new content: `Current_Content/March_2020/`."""
    return f"Current_Content/{calendar.month_name[int(month[5:])]}_{month[:4]}/"


def bucket_of(config: Config, server: str) -> str:
    return {"medrxiv": config.s3_bucket_medrxiv, "biorxiv": config.s3_bucket_biorxiv}[server]


def list_bundles(client, bucket: str, prefix: str) -> Iterator[tuple[str, int, str]]:  # noqa: ANN001
    """(key, size, etag) of every .meca object under the prefix."""
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix, RequestPayer="requester"):
        for obj in page.get("Contents", []):
            if obj["Key"].lower().endswith(".meca"):
                yield obj["Key"], int(obj["Size"]), str(obj.get("ETag", "")).strip('"')


class ByteMeter:
    """Bytes read from S3 in this run, across threads, against the --max-gb budget."""

    def __init__(self, limit_gb: float | None) -> None:
        self.total = 0
        self.limit = int(limit_gb * GB) if limit_gb else None
        self._lock = threading.Lock()

    def add(self, n: int) -> None:
        with self._lock:
            self.total += n

    @property
    def exhausted(self) -> bool:
        return self.limit is not None and self.total >= self.limit


@dataclass
class BundleOutcome:
    key: str
    status: str  # stored, duplicate, unwanted (not matching the query), failed; skipped (over the byte budget, not recorded)
    doi: str = ""
    version: int | None = None
    error: str = ""
    bytes_read: int = 0
    warnings: list[str] = field(default_factory=list)  # values cleaned or clipped at the border


def read_bundle(client, bucket: str, key: str, size: int, engine: Engine, store: ObjectStore, server: str,  # noqa: ANN001
                options: S3Options, meter: ByteMeter) -> BundleOutcome:
    """The bundle read; a manifest or JATS that stops mid-document is a transient fault, as a cut API
    body is: the bundle is read again (directory and all) with backoff, and fails only when every
    read gave it cut. A whole manifest or JATS that is wrong is not read again."""
    mine = ByteMeter(None)

    def fetch(first: int, last: int) -> bytes:
        body = client.get_object(Bucket=bucket, Key=key, Range=f"bytes={first}-{last}", RequestPayer="requester")["Body"].read()
        meter.add(len(body))
        mine.add(len(body))
        return body

    try:
        for attempt in backoff_retrying(options.attempts, options.backoff, ClientSettings.backoff_max, BodyCut):
            with attempt:
                outcome = _read_once(fetch, bucket, key, size, engine, store, server, options)
    except BodyCut as exc:
        outcome = BundleOutcome(key, "failed", error=f"{exc} (cut short in each of {options.attempts} reads)")
    outcome.bytes_read = mine.total
    return outcome


def _read_once(fetch, bucket: str, key: str, size: int, engine: Engine, store: ObjectStore, server: str,  # noqa: ANN001
               options: S3Options) -> BundleOutcome:
    """One read of the bundle; BodyCut when its manifest or JATS stops mid-document."""
    reader, raw = open_range(fetch, size)
    outcome = BundleOutcome(key, "failed")
    try:
        with zipfile.ZipFile(reader) as zf:
            manifest = read_manifest(zf)
            if not manifest.article_xml:
                raise BundleError("no JATS XML in the bundle (manifest and content/ name none)")
            article = read_article(whole_xml(read_member(zf, raw, manifest.article_xml), manifest.article_xml), version_hint(manifest.article_xml) or version_hint(manifest.pdf))
            if not valid_doi(article.doi):  # the API's rule: a record without a DOI of the servers' shape is refused
                raise BundleError(f"the JATS DOI {article.doi!r} is not a medRxiv/bioRxiv DOI")
            article, outcome.warnings = at_border(article)
            outcome.doi, outcome.version = article.doi, article.version
            if options.query is not None and not wanted(article, options.query, options.category):
                outcome.status = "unwanted"
                return outcome
            with read_session(engine) as s:
                existing = s.scalar(select(Paper).where(Paper.doi == article.doi, Paper.version == article.version))
                has_pdf = existing is not None and existing.pdf is not None and existing.pdf.status == "stored"
            if has_pdf:
                outcome.status = "duplicate"
                return outcome
            if not manifest.pdf:
                raise BundleError("no PDF in the bundle")
            pdf_sha, pdf_size = _store_pdf(open_member(zf, raw, manifest.pdf), manifest.pdf, store)
            jats = []
            for n, fig in enumerate(article.figures, 1):
                fig, changed = at_border(fig, f"{article.doi!r} figure {n} of the JATS")
                outcome.warnings += changed
                entry = fig.as_dict()
                member = _figure_member(manifest.figures, fig.graphic, zf.namelist())
                if options.figures and member:
                    entry["image_sha256"] = store.put_bytes(read_member(zf, raw, member))
                    entry["image_ext"] = Path(member).suffix.lstrip(".").lower() or "tif"
                jats.append(entry)
        outcome.status = _save_paper(engine, server, f"s3://{bucket}/{key}", article, jats, pdf_sha, pdf_size)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        outcome.error = f"not a readable ZIP (truncated or damaged): {exc}"
    except BodyCut:
        raise
    except BundleError as exc:
        outcome.error = str(exc)
    except OSError as exc:
        outcome.error = f"read failed: {exc}"
    except Exception as exc:  # botocore's ClientError and friends: recorded, the run goes on
        outcome.error = f"{type(exc).__name__}: {exc}"
    return outcome


def _figure_member(items: dict[str, str], graphic: str, names: list[str]) -> str | None:
    """The bundle member of a JATS <graphic>: by file name, with or without an extension."""
    if not graphic:
        return None
    stem = Path(graphic).name
    candidates = list(items.values()) + names
    for name in candidates:
        base = Path(name).name
        if base == stem or Path(base).stem == Path(stem).stem:
            return name
    return None


def _store_pdf(source: BinaryIO, member: str, store: ObjectStore) -> tuple[str, int]:
    with tempfile.TemporaryDirectory(prefix="figscrape-meca-") as tmp:
        path = Path(tmp) / "article.pdf"
        with source as src, path.open("wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
        problem = pdf_problem(path)
        if problem:
            raise BundleError(f"{member}: {problem}")
        return store.put_file(path), path.stat().st_size


def _save_paper(engine: Engine, server: str, source: str, article, jats: list[dict], pdf_sha: str, pdf_size: int) -> str:  # noqa: ANN001
    """A new paper with its stored PDF, or the stored PDF for a paper the API crawl found but could
    not download (the bot check). Two bundles of one DOI + version: the second is a duplicate."""
    try:
        with write_session(engine) as s:
            paper = s.scalar(select(Paper).where(Paper.doi == article.doi, Paper.version == article.version))
            if paper is None:
                paper = Paper(server=server, doi=article.doi, version=article.version, title=article.title, authors=article.authors,
                              date=article.date, category=article.category, license=article.license, abstract=article.abstract,
                              jats_figures=jats, source=source)
                s.add(paper)
            elif paper.pdf is not None and paper.pdf.status == "stored":
                return "duplicate"
            else:
                paper.license = paper.license or article.license
                paper.jats_figures = jats
            if paper.pdf is None:
                paper.pdf = Pdf(status="pending")
            paper.pdf.sha256, paper.pdf.size, paper.pdf.status, paper.pdf.error = pdf_sha, pdf_size, "stored", ""
        return "stored"
    except IntegrityError:  # another worker stored the same DOI + version a moment ago
        return "duplicate"


def _record(engine: Engine, server: str, bucket: str, key: str, size: int, etag: str, outcome: BundleOutcome) -> None:
    with write_session(engine) as s:
        row = s.scalar(select(Bundle).where(Bundle.bucket == bucket, Bundle.key == key))
        if row is None:
            row = Bundle(server=server, bucket=bucket, key=key, attempts=0, bytes_read=0)
            s.add(row)
        row.size, row.etag, row.status, row.error = size, etag, outcome.status, outcome.error
        row.doi, row.version = outcome.doi, outcome.version
        row.attempts = (row.attempts or 0) + 1
        row.bytes_read = (row.bytes_read or 0) + outcome.bytes_read


def pending(engine: Engine, bucket: str, listed: list[tuple[str, int, str]]) -> list[tuple[str, int, str]]:
    """Listed bundles not yet read (or failed, with attempts left, or changed since: a new ETag)."""
    with read_session(engine) as s:
        known = {k: (st, a, e) for k, st, a, e in s.execute(select(Bundle.key, Bundle.status, Bundle.attempts, Bundle.etag).where(Bundle.bucket == bucket))}
    out = []
    for key, size, etag in listed:
        status, attempts, old_etag = known.get(key, (None, 0, ""))
        if status is None or old_etag != etag or (status == "failed" and attempts < MAX_BUNDLE_ATTEMPTS):
            out.append((key, size, etag))
    return out


def crawl_s3(engine: Engine, store: ObjectStore, config: Config, options: S3Options, run: RunLog, client=None) -> ByteMeter:  # noqa: ANN001
    client = client or s3_client(config.s3_endpoint)
    meter = ByteMeter(options.max_gb)
    store.sweep_temp()
    for server in options.servers:
        bucket = bucket_of(config, server)
        prefixes = options.prefixes or [month_prefix(m) for m in options.months]
        listed: list[tuple[str, int, str]] = []
        for prefix in prefixes:
            try:
                listed += list(list_bundles(client, bucket, prefix))
            except Exception as exc:  # no such bucket, no credentials, no network: the stage fails, said in one line
                run.fail(f"s3://{bucket}/{prefix}", f"{type(exc).__name__}: {exc}")
        todo = pending(engine, bucket, listed)
        run.counts["bundles_listed"] += len(listed)
        run.counts["bundles_known"] += len(listed) - len(todo)
        if options.max_bundles is not None:
            todo = todo[: options.max_bundles]
        whole = sum(size for _, size, _ in todo)
        console.print(f"s3://{bucket}: {len(todo)} new bundles of {len(listed)}, {whole / GB:.2f} GB if read whole "
                 f"(only the PDF and JATS are read{', and figure files' if options.figures else ''})", highlight=False)
        with progress() as bar, ThreadPoolExecutor(max_workers=options.workers) as pool:
            task = bar.add_task(f"s3 {server}", total=len(todo))
            futures = {}
            for key, size, etag in todo:
                futures[pool.submit(_guarded, meter, client, bucket, key, size, engine, store, server, options)] = (key, size, etag)
            for future in as_completed(futures):
                key, size, etag = futures[future]
                outcome = future.result()
                bar.advance(task)
                for warning in outcome.warnings:
                    log.warning("s3://%s/%s: %s", bucket, key, warning)
                    run.errors.append(f"s3://{bucket}/{key}: {warning}")
                if outcome.warnings:
                    run.counts["records_cleaned"] += 1
                if outcome.status == "skipped":
                    run.counts["bundles_skipped_budget"] += 1
                    continue
                _record(engine, server, bucket, key, size, etag, outcome)
                run.counts[f"bundles_{outcome.status}"] += 1
                if outcome.status == "failed":
                    run.fail(f"s3://{bucket}/{key}", outcome.error)
    run.counts["s3_bytes"] = meter.total
    return meter


def _guarded(meter: ByteMeter, *args) -> BundleOutcome:  # noqa: ANN002
    """Reads a bundle unless the byte budget is spent (bundles in flight finish)."""
    if meter.exhausted:
        return BundleOutcome(args[2], "skipped")
    return read_bundle(*args, meter=meter)
