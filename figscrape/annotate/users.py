"""Who may sign in to the labeling app, and as what. A team keeps a users file (one row per person:
name, role, salt, scrypt hash of the password; `figscrape users add`), so nobody can label or
adjudicate under another's name; wrong passwords are compared in constant time and each failure
makes the next try for that name wait longer."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROLES = ("annotator", "reviewer")
FIELDS = ("name", "role", "salt", "hash")
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


@dataclass(frozen=True)
class User:
    name: str
    role: str

    @property
    def reviewer(self) -> bool:
        return self.role == "reviewer"


def _digest(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, **SCRYPT)


def read_users(path: Path) -> dict[str, tuple[User, bytes, bytes]]:
    """The users file by name: (user, salt, hash). A missing file is no users."""
    if not path.exists():
        return {}
    out = {}
    for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
        out[row["name"]] = (User(row["name"], row["role"]), bytes.fromhex(row["salt"]), bytes.fromhex(row["hash"]))
    return out


def add_user(path: Path, name: str, password: str, role: str = "annotator") -> None:
    """Add or replace one person, writing the file atomically and readable by its owner only."""
    name = name.strip()
    if not name or "," in name or "\n" in name:
        raise ValueError(f"{name!r}: a user name is non-empty, without commas or line breaks")
    if role not in ROLES:
        raise ValueError(f"{role!r}: a role is one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise ValueError("a password has at least 8 characters")
    users = read_users(path)
    salt = secrets.token_bytes(16)
    users[name] = (User(name, role), salt, _digest(password, salt))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-users-")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(FIELDS)
        for user, salt_, hash_ in sorted(users.values(), key=lambda u: u[0].name):
            writer.writerow([user.name, user.role, salt_.hex(), hash_.hex()])
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


@dataclass
class Gate:
    """Failed tries per name: after `free` failures in a row, the next try is refused for 1 s, then
    2, 4... (at most max_wait), right password or not. One gate serves every browser session of
    an app process, so guessing over many sessions is slowed alike."""

    free: int = 3  # typos forgiven before the waiting starts
    max_wait: float = 60.0
    clock: Callable[[], float] = time.monotonic
    failures: dict[str, tuple[int, float]] = field(default_factory=dict)  # name: (failures in a row, time of the last)

    def wait(self, name: str) -> float:
        """Seconds before `name` may try again (0: now)."""
        count, last = self.failures.get(name, (0, 0.0))
        if count < self.free:
            return 0.0
        return max(0.0, last + min(2.0 ** (count - self.free), self.max_wait) - self.clock())

    def check(self, name: str, password: str, users: dict[str, tuple[User, bytes, bytes]], shared: str = "") -> User | None:
        """The user when the password is theirs (or the shared one, where no users file is kept);
        None, counted as a failure, otherwise. Raises WaitFirst while the name must wait."""
        if (seconds := self.wait(name)) > 0:
            raise WaitFirst(seconds)
        if users:
            entry = users.get(name)
            salt, expected = (entry[1], entry[2]) if entry else (b"\0" * 16, b"")
            ok = hmac.compare_digest(_digest(password, salt), expected) and entry is not None  # the same work for unknown names
            user = entry[0] if entry and ok else None
        else:
            user = User(name, "annotator") if hmac.compare_digest(password.encode(), shared.encode()) else None
        if user is None:
            count, _ = self.failures.get(name, (0, 0.0))
            self.failures[name] = (count + 1, self.clock())
        else:
            self.failures.pop(name, None)
        return user


class WaitFirst(Exception):
    """Too many wrong passwords for this name just now."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"too many wrong passwords: try again in {seconds:.0f} s")
        self.seconds = seconds
