"""Shared fixtures: a fresh data home per test, synthetic preprints, and the shared corpus when present."""

from __future__ import annotations

import os
import shutil
import socket
import sys
import uuid
from pathlib import Path

import pytest

from figscrape.config import Config, load_config
from figscrape.data.db import open_database
from figscrape.store import ObjectStore, s3_client
from figscrape.synthetic.papers import STYLES, SyntheticPaper, make_paper

# the shared corpus beside the checkout, or where FIGSCRAPE_TEST_CORPUS says (a worktree elsewhere)
SHARED = Path(os.environ.get("FIGSCRAPE_TEST_CORPUS") or Path(__file__).resolve().parent.parent.parent / "shared" / "corpus")
# Fake AWS credentials before any worker process starts (forkserver workers keep the environment they
# started with): tests talk only to moto's local S3 server, and never to AWS with someone's real keys.
for _key, _value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
    os.environ[_key] = _value
POSTGRES = os.environ.get("FIGSCRAPE_TEST_POSTGRES", "")  # a server .ci/run starts; read before the env is cleaned
CHROMIUM = os.environ.get("FIGSCRAPE_TEST_CHROMIUM", "") or shutil.which("chromium") or ""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.setenv("FIGSCRAPE_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("FIGSCRAPE_DB", raising=False)
    return load_config()


@pytest.fixture
def engine(config: Config):  # noqa: ANN201
    engine = open_database(config.db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(config: Config) -> ObjectStore:
    return ObjectStore(config.store_root)


@pytest.fixture(scope="session")
def papers() -> list[SyntheticPaper]:
    """One synthetic preprint of every layout style."""
    return [make_paper(200 + i, style, figures=3) for i, style in enumerate(STYLES)]


def write_pdf(folder: Path, paper: SyntheticPaper) -> Path:
    path = folder / f"{paper.name}.pdf"
    path.write_bytes(paper.pdf)
    return path


def shared_corpus(*parts: str) -> Path:
    """A path under ../shared/corpus; the test is skipped where the corpus is not beside the checkout."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared corpus not present at {path}")
    return path


@pytest.fixture(autouse=True)
def _quiet_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    for key in list(os.environ):
        if key.startswith("FIGSCRAPE_") and key not in ("FIGSCRAPE_DATA",):
            monkeypatch.delenv(key, raising=False)


@pytest.fixture
def postgres_url() -> str:  # noqa: ANN201
    """A fresh, empty PostgreSQL database on the server .ci/run started (FIGSCRAPE_TEST_POSTGRES), dropped afterwards."""
    if not POSTGRES:
        pytest.skip("no PostgreSQL server: .ci/run starts one and sets FIGSCRAPE_TEST_POSTGRES")
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"figscrape_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """A moto S3 server on a free port, FIGSCRAPE_S3_ENDPOINT pointing at it, and medRxiv's MECA bucket in it."""
    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                       "FIGSCRAPE_S3_ENDPOINT": f"http://127.0.0.1:{port}"}.items():
        monkeypatch.setenv(key, value)
    import requests

    requests.post(f"http://127.0.0.1:{port}/moto-api/reset", timeout=10)  # moto keeps its state per process: start empty
    client = s3_client(load_config().s3_endpoint)
    client.create_bucket(Bucket=Config.s3_bucket_medrxiv)
    yield client
    server.stop()


@pytest.fixture(autouse=True)
def _main_module_restored():
    """streamlit.testing leaves the app's script as sys.modules["__main__"]; processes started later
    by spawn or forkserver (worker pools, Dask's nanny) would re-run it as their own main module."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main
