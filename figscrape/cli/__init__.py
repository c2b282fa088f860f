"""The `figscrape` command: one thin sub-command per stage. Each parses its flags, calls the
stage and reports; each does only what is new and is safe to re-run. The commands live in
root (global flags, what they share), stages, looking, dataset and papers."""

from __future__ import annotations

import sys

# importing a command module registers its commands, in this order in --help
# isort: off
from figscrape.cli import stages  # noqa: F401
from figscrape.cli import looking  # noqa: F401
from figscrape.cli import dataset  # noqa: F401
from figscrape.cli import users  # noqa: F401
from figscrape.cli import papers_fix  # noqa: F401
from figscrape.cli import papers_dump  # noqa: F401
# isort: on
from figscrape.cli.root import app, state
from figscrape.config import without_password
from figscrape.runtime.runs import console

__all__ = ["app", "main_entry"]


def main_entry() -> None:
    """The console script: the app, with a database that fails mid-run reported in one line, not a traceback."""
    from rich.markup import escape
    from sqlalchemy.exc import DBAPIError

    try:
        app()
    except DBAPIError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc).splitlines()[0]
        hint = " (another process holds the write lock; try again, or use PostgreSQL for a team)" if "locked" in reason else ""
        console.print(f"[red]error:[/red] {escape(f'database {state.config.db_shown}: {without_password(reason, state.config.db_url)}{hint}')}",
                      highlight=False, soft_wrap=True)
        sys.exit(2)


