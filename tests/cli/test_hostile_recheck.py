"""What the adversarial re-check (benchmarks/hostile_check.py) found: settings that are not numbers
or not usable, a data home that is a file, a password in a URL's query, a URL SQLAlchemy cannot
read, names and titles holding Rich markup or terminal escapes, a traceback in inspect's one line.
Each ends in one line naming the setting, file or problem, with the documented exit code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from figscrape.cli import app

runner = CliRunner()
SECRET = "Hx7secretQ"


def _error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in output, output
    return lines[0]


@pytest.mark.parametrize(("name", "value"), [("FIGSCRAPE_RATE", "abc"), ("FIGSCRAPE_RATE", "0"), ("FIGSCRAPE_RATE", "nan"),
                                             ("FIGSCRAPE_PDF_TIMEOUT", "inf"), ("FIGSCRAPE_PDF_MEMORY_MB", "-1"),
                                             ("FIGSCRAPE_MAX_PAGES", "ten"), ("FIGSCRAPE_DB_TIMEOUT", "-3"), ("FIGSCRAPE_LABELS_PER_PANEL", "1.5")])
def test_a_setting_that_cannot_work_is_named_in_one_line(name: str, value: str, config) -> None:  # noqa: ANN001
    result = runner.invoke(app, ["crawl", "--dry-run"], env={name: value})
    assert result.exit_code == 2 and f"{name}={value!r} is not a setting figscrape can use" in _error_line(result.output), result.output


def test_a_data_home_that_is_a_file_is_said_so(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("not a folder")
    result = runner.invoke(app, ["status"], env={"FIGSCRAPE_DATA": str(home)})
    assert result.exit_code == 2 and f"the data home {home} (FIGSCRAPE_DATA or --data) is a file, not a folder" in _error_line(result.output)


@pytest.mark.parametrize("url", [
    f"postgresql+psycopg://u@127.0.0.1:1/db?password={SECRET}",
    f"postgresql+psycopg:///db?host=127.0.0.1&port=1&user=u&password={SECRET}",
    f"u:{SECRET}@nowhere",
    f"mysql+nosuchdriver://u:{SECRET}@127.0.0.1:1/db",
])
def test_a_password_anywhere_in_the_database_url_is_never_shown(url: str, tmp_path: Path) -> None:
    for args in (["status"], ["db", "upgrade"]):
        result = runner.invoke(app, ["--data", str(tmp_path), "--db", url, *args])
        line = _error_line(result.output)
        assert result.exit_code == 2 and SECRET not in result.output, result.output
        assert "cannot" in line or "not one SQLAlchemy can read" in line


def test_names_and_titles_are_shown_as_text_never_as_markup_or_terminal_escapes(tmp_path: Path, engine, store) -> None:  # noqa: ANN001
    from figscrape.data.db import write_session
    from figscrape.data.models import Paper

    folder = tmp_path / "a[" / "b]"
    folder.mkdir(parents=True)
    (folder / "c[bold]\x1b[31m.pdf").write_bytes(b"junk")
    result = runner.invoke(app, ["inspect", str(folder / "c[bold]\x1b[31m.pdf")])
    assert result.exit_code == 1 and "a[/b]/c[bold]\\x1b[31m.pdf: not a PDF" in _error_line(result.output), result.output
    assert "\x1b" not in result.output
    with write_session(engine) as s:
        s.add(Paper(server="local", doi="local/x", version=1, title="[/bold]\x1b[2J\x9b wiped"))
    found = runner.invoke(app, ["papers", "search", "wiped"])
    assert found.exit_code == 0 and "[/bold]\\x1b[2J\\x9b wiped" in found.output and "\x1b" not in found.output, found.output


def test_inspect_says_an_unexpected_failure_in_one_line_without_its_traceback(tmp_path: Path) -> None:
    loop = tmp_path / "loop.pdf"
    loop.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[2 0 R]/Count 1>>endobj\n"
                     b"trailer<</Root 1 0 R>>\n%%EOF\n")
    result = subprocess.run([str(Path(sys.executable).with_name("figscrape")), "inspect", str(loop)], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "FIGSCRAPE_DATA": str(tmp_path / "data"), "COLUMNS": "300"}, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "loop.pdf: FzErrorFormat: code=7: cycle in page tree" in _error_line(result.stderr)
