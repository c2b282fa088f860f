"""Bad PDFs: each gets a clear message naming the file; a batch marks it failed and goes on."""

from __future__ import annotations

import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import pymupdf
import pytest
from typer.testing import CliRunner

from figscrape.cli import app
from figscrape.extract.document import PdfError, extract_figures
from figscrape.runtime.isolate import run_isolated
from figscrape.synthetic.papers import make_paper


@pytest.fixture(scope="module")
def bad_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad")
    good = make_paper(3).pdf
    files = {
        "empty": b"",
        "html": b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>Enable JavaScript</body></html>",
        "truncated": good[: len(good) // 2],
        "garbage": b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n",
    }
    paths = {}
    for name, data in files.items():
        paths[name] = folder / f"{name}.pdf"
        paths[name].write_bytes(data)
    doc = pymupdf.open(stream=good)
    paths["encrypted"] = folder / "encrypted.pdf"
    doc.save(paths["encrypted"], encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    long_doc = pymupdf.open()
    for _ in range(700):
        long_doc.new_page()
    paths["long"] = folder / "long.pdf"
    long_doc.save(paths["long"])
    paths["bomb"] = folder / "bomb.pdf"
    paths["bomb"].write_bytes(_image_bomb())
    paths["good"] = folder / "good.pdf"
    paths["good"].write_bytes(good)
    return paths


def _image_bomb() -> bytes:
    """A captioned image that would decode to 1.6 GB from a few kilobytes."""
    doc = pymupdf.open()
    page = doc.new_page()
    xref = page.insert_image(pymupdf.Rect(72, 100, 500, 500), stream=cv2.imencode(".png", np.zeros((8, 8), np.uint8))[1].tobytes())
    doc.update_stream(xref, zlib.compress(b"\0" * 40000 * 64), compress=False)
    for key, value in (("Width", "40000"), ("Height", "40000"), ("DecodeParms", "null"), ("ColorSpace", "/DeviceGray"), ("SMask", "null")):
        doc.xref_set_key(xref, key, value)
    page.insert_text((72, 520), "Figure 1. A very large image.")
    return doc.tobytes()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty", "empty file"),
        ("html", "a bot check page, not a PDF"),
        ("truncated", "truncated"),
        ("garbage", "cannot be opened as a PDF"),
        ("encrypted", "encrypted with a password"),
        ("long", "more than the 600-page limit"),
    ],
)
def test_unreadable_pdf_raises_a_message_naming_file_and_problem(bad_pdfs: dict[str, Path], name: str, message: str) -> None:
    with pytest.raises(PdfError) as err:
        extract_figures(bad_pdfs[name])
    assert str(bad_pdfs[name]) in str(err.value) and message in str(err.value)


def test_inspect_exits_1_with_the_reason(bad_pdfs: dict[str, Path]) -> None:
    result = CliRunner().invoke(app, ["inspect", str(bad_pdfs["encrypted"]), "--json"])
    assert result.exit_code == 1
    assert "encrypted.pdf: encrypted with a password" in result.output


def test_inspect_of_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["inspect", str(tmp_path / "nope.pdf")])
    assert result.exit_code == 1 and "nope.pdf: no such file" in result.output


def test_decompression_bomb_is_refused_not_decoded(bad_pdfs: dict[str, Path]) -> None:
    result = CliRunner().invoke(app, ["inspect", str(bad_pdfs["bomb"]), "--json"])
    assert result.exit_code == 3
    assert "40000 x 40000 pixels exceeds" in result.output


def _sleep_forever() -> None:
    time.sleep(60)


def _eat_memory() -> int:
    return len(bytearray(3 * 1024**3))


def test_a_hanging_job_is_killed_after_its_time_limit() -> None:
    start = time.monotonic()
    outcome = run_isolated(_sleep_forever, (), timeout=1.0, memory_mb=0)
    assert not outcome.ok and "longer than 1 s" in outcome.error
    assert time.monotonic() - start < 10


def test_a_job_that_blows_its_memory_limit_fails_cleanly() -> None:
    outcome = run_isolated(_eat_memory, (), timeout=30, memory_mb=512)
    assert not outcome.ok and "memory" in outcome.error


def test_batch_marks_bad_pdfs_failed_and_extracts_the_rest(bad_pdfs: dict[str, Path], config, engine, store) -> None:  # noqa: ANN001
    from figscrape.crawl.ingest import ingest_paths
    from figscrape.extract.stage import run_extract
    from figscrape.pipeline.status import collect_status
    from figscrape.runtime.runs import RunLog

    run = RunLog("ingest")
    ingest_paths(engine, store, [bad_pdfs[n] for n in ("good", "truncated", "encrypted", "garbage", "html", "empty")], run)
    # html and empty are not PDFs at all; the truncated one ends without %%EOF: refused at the door
    assert run.counts["ingested"] == 3 and run.counts["failed"] == 3
    assert any("truncated PDF" in e for e in run.errors) and any("bot check page" in e for e in run.errors)
    run = RunLog("extract")
    run_extract(engine, store, config, run)
    assert run.counts["pdfs"] == 1 and run.counts["failed"] == 2 and run.counts["figures"] > 0
    status = collect_status(engine)
    assert status.pdfs_extract_failed == 2 and status.figures == run.counts["figures"]
    assert any("encrypted with a password" in f["reason"] for f in status.top_failures)


def test_mupdf_messages_about_a_damaged_pdf_go_to_stderr_and_stdout_stays_json(tmp_path: Path) -> None:
    """A content stream MuPDF cannot parse makes it print "MuPDF error: ..." lines; with --json,
    stdout must still be exactly one JSON document, and the messages reach stderr with the file name."""
    import json
    import os
    import subprocess
    import sys

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Figure 1. A page whose drawing is damaged.")
    doc.update_stream(page.get_contents()[0], b"BT /F0 12 Tf 72 72 Td (hi) Tj ET q /Im9 Do Q garbage ((( [ <<")
    pdf = tmp_path / "damaged.pdf"
    doc.save(pdf)
    env = dict(os.environ, FIGSCRAPE_DATA=str(tmp_path / "data"))
    done = subprocess.run([sys.executable, "-m", "figscrape.cli", "inspect", str(pdf), "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["pdf"] == str(pdf)
    assert "MuPDF" in done.stderr and "damaged.pdf" in done.stderr
    subprocess.run([sys.executable, "-m", "figscrape.cli", "ingest", str(pdf)], env=env, check=True, capture_output=True)
    run = subprocess.run([sys.executable, "-m", "figscrape.cli", "run", "--no-crawl", "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["ok"] is True


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A 200 x 200 JPEG whose frame header (SOF0) says width x height: a few kilobytes that a
    decoder would expand to width * height * 3 bytes."""
    data = bytearray(cv2.imencode(".jpg", np.full((200, 200, 3), 128, np.uint8))[1].tobytes())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def test_a_jpeg_bigger_than_its_image_dictionary_says_is_refused_before_decoding(tmp_path: Path) -> None:
    """The size check reads the JPEG's own header, not the PDF's dictionary (which says 200 x 200)."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_image(pymupdf.Rect(72, 100, 500, 500), stream=_jpeg_claiming(32000, 32000))
    page.insert_text((72, 520), "Figure 1. A JPEG that lies about its size.")
    pdf = tmp_path / "jpeg-bomb.pdf"
    doc.save(pdf)
    result = CliRunner().invoke(app, ["inspect", str(pdf), "--json"])
    assert result.exit_code == 3, result.output
    assert "32000 x 32000 pixels exceeds" in result.output


def test_split_refuses_an_oversized_stored_image_and_goes_on(engine, store, config) -> None:  # noqa: ANN001
    """A figure stored by an older figscrape whose file is a JPEG bomb: split fails that figure with
    the reason and splits the others; nothing is decoded beyond the limit."""
    from sqlalchemy import select

    from figscrape.data.db import read_session, write_session
    from figscrape.data.models import Figure, Panel
    from figscrape.runtime.imaging import ImageTooLarge, decode
    from figscrape.runtime.runs import RunLog
    from figscrape.split.stage import run_split
    from figscrape.synthetic.labelled import seed_panels

    seed_panels(engine, store, papers=1, figures=2, panels=1)
    with write_session(engine) as s:
        figure = s.scalars(select(Figure).order_by(Figure.id)).first()
        figure.image_sha256, figure.split_version = store.put_bytes(_jpeg_claiming(32000, 32000)), None
        s.execute(Panel.__table__.delete().where(Panel.figure_id == figure.id))
        others = s.scalars(select(Figure.id).where(Figure.id != figure.id)).all()
        s.execute(Figure.__table__.update().where(Figure.id.in_(others)).values(split_version=None))
    with pytest.raises(ImageTooLarge, match="exceeds"):
        decode(_jpeg_claiming(32000, 32000))
    run = RunLog("split")
    run_split(engine, store, run)
    assert run.counts["failed"] == 1 and any("exceeds" in e for e in run.errors), run.errors
    with read_session(engine) as s:
        assert s.scalar(select(Panel.id).where(Panel.figure_id.in_(others)).limit(1)) is not None
