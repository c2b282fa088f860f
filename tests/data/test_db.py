from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, inspect, select

from figscrape.data.db import (
    DatabaseError,
    _alembic_config,
    current_revision,
    head_revision,
    make_engine,
    open_database,
    write_session,
)
from figscrape.data.models import Annotation, Figure, Panel, Paper, Pdf


def test_schema_is_created_by_the_migrations(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'f.db'}")
    assert current_revision(engine) == head_revision(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"papers", "pdfs", "figures", "panels", "annotations", "runs", "exports", "alembic_version"} <= tables
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_an_older_schema_is_reported_with_the_command_to_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = open_database(url)
    cfg = _alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.stamp(cfg, "0001")  # pretend an older figscrape made it
    with pytest.raises(DatabaseError, match="figscrape db upgrade"):
        open_database(url, create=False)


def test_concurrent_writers_on_sqlite_lose_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    engine = open_database(url)
    with write_session(engine) as s:
        paper = Paper(server="local", doi="local/x", version=1)
        paper.pdf = Pdf(status="stored", sha256="0" * 64)
        s.add(paper)
        s.flush()
        fig = Figure(pdf_id=paper.pdf.id, extractor_version="t", index=0, page=1, x0=0, y0=0, x1=1, y1=1, kind="raster", image_sha256="0" * 64, image_ext="png", width=1, height=1)
        s.add(fig)
        s.flush()
        s.add(Panel(figure_id=fig.id, splitter_version="t", index=0, x0=0, y0=0, x1=1, y1=1, image_sha256="0" * 64))
    errors: list[Exception] = []

    def label(worker: int) -> None:
        local = make_engine(url)
        for i in range(40):
            try:
                with write_session(local) as s:  # read, then write: the pattern that deadlocks under BEGIN DEFERRED
                    n = s.scalar(select(func.count()).select_from(Annotation))
                    s.add(Annotation(panel_id=1, annotator=f"w{worker}", is_ct="yes", note=str(n)))
            except Exception as exc:  # collected: the test asserts there are none
                errors.append(exc)
        local.dispose()

    threads = [threading.Thread(target=label, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM annotations").scalar() == 320


def _schema_diff(engine) -> list:  # noqa: ANN001
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from figscrape.data.models import Base

    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)


def test_the_migrations_make_exactly_the_models_schema(tmp_path: Path) -> None:
    assert _schema_diff(open_database(f"sqlite:///{tmp_path / 'm.db'}")) == []


def test_the_migrations_make_exactly_the_models_schema_on_postgresql(postgres_url: str) -> None:
    engine = open_database(postgres_url)
    assert _schema_diff(engine) == []
    engine.dispose()


def test_letters_stored_as_span_text_by_an_older_figscrape_become_letters(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'letters.db'}")
    with write_session(engine) as s:
        paper = Paper(server="local", doi="local/x", version=1)
        paper.pdf = Pdf(status="stored", sha256="0" * 64)
        s.add(paper)
        s.flush()
        s.add(Figure(pdf_id=paper.pdf.id, extractor_version="extract-2", index=0, page=1, x0=0, y0=0, x1=1, y1=1, kind="raster",
                     image_sha256="0" * 64, image_ext="png", width=10, height=10, letters=[["(b)", [1, 2, 3, 4]], ["C.", [5, 6, 7, 8]]]))
    cfg = _alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.stamp(cfg, "0005")  # as an older figscrape left it
        command.upgrade(cfg, "0006")  # the letters migration alone: the schema is already the newest
    with engine.connect() as conn:
        assert conn.execute(select(Figure.letters)).scalar() == [["b", [1, 2, 3, 4]], ["C", [5, 6, 7, 8]]]


def _at_revision(url: str, revision: str) -> None:
    """A database as a figscrape of that schema made it: migrated up to `revision`, no further."""
    engine = make_engine(url)
    cfg = _alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


def _stamped(url: str, revision: str) -> None:
    """A database whose schema names a revision this figscrape does not know (a newer one's)."""
    engine = open_database(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = ?", (revision,))
    engine.dispose()


@pytest.mark.parametrize("command", [["extract"], ["export", "out"], ["labels", "export", "sheet.csv"], ["status"]])
def test_every_command_refuses_an_older_schema_with_the_upgrade_command(tmp_path: Path, config, monkeypatch, command) -> None:  # noqa: ANN001
    from typer.testing import CliRunner

    from figscrape.cli import app

    monkeypatch.chdir(tmp_path)
    _at_revision(config.db_url, "0005")
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2 and "older than this figscrape" in result.output and "figscrape db upgrade" in result.output
    assert current_revision(make_engine(config.db_url)) == "0005"  # nothing was migrated behind the user's back
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0
    assert current_revision(make_engine(config.db_url)) == head_revision(make_engine(config.db_url))


def test_a_newer_schema_is_called_newer(config) -> None:  # noqa: ANN001
    _stamped(config.db_url, "9999")
    with pytest.raises(DatabaseError, match="newer than this figscrape .*upgrade figscrape"):
        open_database(config.db_url)


def test_db_upgrade_refuses_a_damaged_file_and_changes_nothing(config) -> None:  # noqa: ANN001
    from typer.testing import CliRunner

    from figscrape.cli import app

    engine = open_database(config.db_url)
    with write_session(engine) as s:
        for n in range(400):
            s.add(Paper(server="local", doi=f"local/{n}", version=1, title="x" * 200))
    engine.dispose()
    path = Path(make_engine(config.db_url).url.database)
    data = bytearray(path.read_bytes())
    page = 4096
    data[3 * page : 3 * page + 200] = b"\xff" * 200  # a table page's header and cell pointers
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2 and "damaged" in result.output, result.output
    assert path.read_bytes() == before


def test_a_database_server_that_never_answers_fails_in_one_line_not_a_hang(tmp_path: Path) -> None:
    """A PostgreSQL address whose server accepts the connection and then says nothing."""
    import socket
    import subprocess
    import sys
    import time

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    url = f"postgresql+psycopg://figscrape:secret@127.0.0.1:{server.getsockname()[1]}/figscrape"
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "figscrape.cli", "--data", str(tmp_path), "--db", url, "status"],
                          capture_output=True, text=True, timeout=120)
    server.close()
    assert time.monotonic() - started < 60
    assert done.returncode == 2, done.stdout + done.stderr
    assert "cannot open the database" in done.stdout + done.stderr and "secret" not in done.stdout + done.stderr
