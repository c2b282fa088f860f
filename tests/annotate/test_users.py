"""The labeling app's users: own passwords, roles, and a wait that grows with wrong guesses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from figscrape.annotate.users import Gate, WaitFirst, add_user, read_users
from figscrape.cli import app


def test_passwords_are_stored_as_salted_hashes_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    add_user(path, "ann", "correct horse", "annotator")
    add_user(path, "rev", "correct horse", "reviewer")
    users = read_users(path)
    assert "correct horse" not in path.read_text() and users["ann"][2] != users["rev"][2]  # salted: same password, other hash
    assert os.stat(path).st_mode & 0o777 == 0o600
    gate = Gate()
    assert gate.check("ann", "correct horse", users).reviewer is False
    assert gate.check("rev", "correct horse", users).reviewer is True
    assert gate.check("ann", "wrong", users) is None and gate.check("mallory", "correct horse", users) is None
    with pytest.raises(ValueError, match="8 characters"):
        add_user(path, "bob", "short")


def test_wrong_guesses_make_the_next_try_wait_longer_and_a_right_one_resets() -> None:
    now = [0.0]
    gate = Gate(clock=lambda: now[0])
    users = {}
    for _ in range(3):  # typos are forgiven
        assert gate.check("ann", "guess", users, shared="s3cret-pass") is None
    with pytest.raises(WaitFirst) as first:
        gate.check("ann", "s3cret-pass", users, shared="s3cret-pass")  # even the right password waits its turn
    assert first.value.seconds == pytest.approx(1.0)
    now[0] += 1.0
    assert gate.check("ann", "guess", users, shared="s3cret-pass") is None
    assert gate.wait("ann") == pytest.approx(2.0) and gate.wait("bob") == 0.0  # per name
    now[0] += 2.0
    assert gate.check("ann", "s3cret-pass", users, shared="s3cret-pass") is not None
    assert gate.wait("ann") == 0.0
    for _ in range(40):
        gate.failures["ann"] = (gate.failures.get("ann", (0, 0.0))[0] + 1, now[0])
    assert gate.wait("ann") == pytest.approx(60.0)  # capped


def test_users_add_and_list_from_the_command_line(config) -> None:  # noqa: ANN001
    result = CliRunner().invoke(app, ["users", "add", "rev", "--reviewer", "--password-stdin"], input="a long password\n")
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(app, ["users", "list"]).output.splitlines()[-1] == "rev\treviewer"
    assert CliRunner().invoke(app, ["users", "add", "bob", "--password-stdin"], input="short\n").exit_code == 2
