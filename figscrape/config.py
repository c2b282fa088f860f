"""Configuration in one place: flags first, then environment, then defaults."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from figscrape.store import Store, StoreSpec, open_store


@dataclass(frozen=True)
class Config:
    data_home: Path
    db_url: str
    api_url: str = "https://api.biorxiv.org"
    medrxiv_url: str = "https://www.medrxiv.org"
    biorxiv_url: str = "https://www.biorxiv.org"
    rate: float = 1.0
    contact: str = ""
    pdf_timeout: float = 120.0  # seconds one PDF may take to extract
    pdf_memory_mb: int = 2048  # address space one PDF's worker may use
    max_pages: int = 600  # a longer PDF is refused: a thesis or a book, not a preprint
    s3_endpoint: str = ""  # "" is AWS itself; a local S3 server or a mirror otherwise
    s3_bucket_medrxiv: str = "medrxiv-src-monthly"
    s3_bucket_biorxiv: str = "biorxiv-src-monthly"
    store: str = ""  # the file store when not under the data home: a folder every worker mounts, or s3://bucket/prefix
    scheduler: str = ""  # a Dask scheduler (tcp://HOST:PORT) for extract, split and classify; "" runs locally
    db_timeout: float = 30.0  # seconds a SQLite writer waits for the write lock
    labels_per_panel: int = 2  # the app's queue wants this many annotators' labels of each panel
    app_password: str = ""  # the app's shared password; "" asks none
    reviewers: frozenset[str] = frozenset()  # names the app lets adjudicate; empty lets everyone
    users_file: Path | None = None  # the app's users (name, role, password hash); default: users.csv in the data home
    instructions: Path | None = None  # the app's Instructions page, a Markdown file the project owner edits; None: the built-in text

    @property
    def store_root(self) -> Path:
        """The store's folder (when it is a folder)."""
        return Path(self.store) if self.store and not self.store.startswith("s3://") else self.data_home / "objects"

    @property
    def store_spec(self) -> StoreSpec:
        if self.store.startswith("s3://"):
            return StoreSpec(self.store, self.s3_endpoint)
        return StoreSpec(str(self.store_root))

    def open_store(self) -> Store:
        """The file store, with a local cache under the data home for an S3 store's files."""
        return open_store(self.store_spec, self.data_home / "cache")

    @property
    def db_shown(self) -> str:
        """The database URL as figscrape prints or shows it: without its password."""
        return shown_url(self.db_url)

    def with_overrides(self, **flags: object) -> Config:
        """The same configuration with the flags that were given (None means not given)."""
        return replace(self, **{k: v for k, v in flags.items() if v is not None})


def load_config(env: dict[str, str] | None = None, data_home: Path | None = None, db_url: str | None = None, **flags: object) -> Config:
    """Build the configuration: explicit flags, then FIGSCRAPE_* variables, then defaults."""
    env = dict(os.environ) if env is None else env
    data_home = (data_home or Path(env.get("FIGSCRAPE_DATA", "./figscrape-data"))).expanduser().absolute()
    if data_home.exists() and not data_home.is_dir():
        raise ValueError(f"the data home {data_home} (FIGSCRAPE_DATA or --data) is a file, not a folder")
    db_url = db_url or env.get("FIGSCRAPE_DB") or f"sqlite:///{data_home / 'figscrape.db'}"
    config = Config(
        data_home=data_home,
        db_url=db_url,
        api_url=env.get("FIGSCRAPE_API_URL", Config.api_url).rstrip("/"),
        medrxiv_url=env.get("FIGSCRAPE_MEDRXIV_URL", Config.medrxiv_url).rstrip("/"),
        biorxiv_url=env.get("FIGSCRAPE_BIORXIV_URL", Config.biorxiv_url).rstrip("/"),
        rate=_number(env, "FIGSCRAPE_RATE", Config.rate, float, 0, "requests per second, more than 0"),
        contact=env.get("FIGSCRAPE_CONTACT", ""),
        pdf_timeout=_number(env, "FIGSCRAPE_PDF_TIMEOUT", Config.pdf_timeout, float, 0, "seconds, more than 0"),
        pdf_memory_mb=_number(env, "FIGSCRAPE_PDF_MEMORY_MB", Config.pdf_memory_mb, int, -1, "megabytes, 0 for no limit"),
        max_pages=_number(env, "FIGSCRAPE_MAX_PAGES", Config.max_pages, int, 0, "pages, 1 or more"),
        s3_endpoint=env.get("FIGSCRAPE_S3_ENDPOINT", ""),
        store=_store_location(env.get("FIGSCRAPE_STORE", "")),
        s3_bucket_medrxiv=env.get("FIGSCRAPE_S3_BUCKET_MEDRXIV", Config.s3_bucket_medrxiv),
        s3_bucket_biorxiv=env.get("FIGSCRAPE_S3_BUCKET_BIORXIV", Config.s3_bucket_biorxiv),
        scheduler=env.get("FIGSCRAPE_SCHEDULER", ""),
        db_timeout=_number(env, "FIGSCRAPE_DB_TIMEOUT", Config.db_timeout, float, 0, "seconds, more than 0"),
        labels_per_panel=_number(env, "FIGSCRAPE_LABELS_PER_PANEL", Config.labels_per_panel, int, 0, "annotators, 1 or more"),
        app_password=env.get("FIGSCRAPE_APP_PASSWORD", ""),
        reviewers=frozenset(r.strip() for r in env.get("FIGSCRAPE_REVIEWERS", "").split(",") if r.strip()),
        users_file=Path(env["FIGSCRAPE_USERS"]).expanduser().absolute() if env.get("FIGSCRAPE_USERS") else data_home / "users.csv",
        instructions=Path(env["FIGSCRAPE_INSTRUCTIONS"]).expanduser().absolute() if env.get("FIGSCRAPE_INSTRUCTIONS") else None,
    )
    return config.with_overrides(**flags)


def _number(env: dict[str, str], name: str, default: float, kind: type, above: float, unit: str):  # noqa: ANN205 - int or float, as `kind`
    """A numeric setting: finite, of its kind, more than `above`; else one line that names it."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or value <= above:
        raise ValueError(f"{name}={text!r} is not a setting figscrape can use: give {'a whole number' if kind is int else 'a number'} of {unit}")
    return value


def _store_location(value: str) -> str:
    """FIGSCRAPE_STORE: a folder (or file:// URL) every worker sees at the same path, or s3://bucket/prefix."""
    if not value or value.startswith("s3://"):
        return value
    if "://" in value and not value.startswith("file://"):
        raise ValueError(f"FIGSCRAPE_STORE={value}: the file store is a folder every worker mounts, or s3://bucket/prefix")
    return str(Path(value.removeprefix("file://")).expanduser().absolute())


def shown_url(url: str) -> str:
    """A URL as figscrape prints or shows it, anywhere: the password masked (***)."""
    from sqlalchemy.engine import make_url

    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy reads: not echoed, as any part of it may be a password
        return "(a database URL SQLAlchemy cannot read)"
    return re.sub(r"([?&](?:password|passwd|pwd)=)[^&]*", r"\1***", shown, flags=re.IGNORECASE)  # libpq's password in the query


def without_password(text: str, url: str) -> str:
    """A message (a driver's error, say) with the URL's password, should it appear, masked."""
    from urllib.parse import quote

    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return text.replace(url, shown_url(url))
    for password in (parsed.password, *(parsed.query.get(k) for k in ("password", "passwd", "pwd"))):
        for form in {str(password), quote(str(password), safe="")} if isinstance(password, str) and password else ():
            text = text.replace(form, "***")
    return text.replace(url, shown_url(url))
