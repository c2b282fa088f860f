"""`figscrape users`: the labeling app's users file, each person with their own password and role,
so that a team's labels and adjudications carry names nobody else can sign in under."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from figscrape.cli.root import app, fail, state
from figscrape.runtime.runs import console

users_app = typer.Typer(help="The labeling app's users: their own passwords and roles (annotator or reviewer).", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The name the person signs in with; their labels carry it.")],
    reviewer: Annotated[bool, typer.Option("--reviewer", help="May adjudicate disagreements on the review page.")] = False,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input (scripts).")] = False,
) -> None:
    """Add a person (or give them a new password or role) in the users file (FIGSCRAPE_USERS,
    default users.csv in the data home). Passwords are stored as salted scrypt hashes only."""
    from figscrape.annotate.users import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)
    assert state.config.users_file is not None
    try:
        add_user(state.config.users_file, name, password, "reviewer" if reviewer else "annotator")
    except ValueError as exc:
        fail(str(exc))
    console.print(f"{name} ({'reviewer' if reviewer else 'annotator'}) in {state.config.users_file}", highlight=False)


@users_app.command("list")
def users_list() -> None:
    """Who may sign in, and as what (no passwords are shown: none are stored)."""
    from figscrape.annotate.users import read_users

    assert state.config.users_file is not None
    users = read_users(state.config.users_file)
    if not users:
        console.print(f"no users file at {state.config.users_file}: the app asks a name (and FIGSCRAPE_APP_PASSWORD if set)",
                      highlight=False)
    for user, _, _ in users.values():
        sys.stdout.write(f"{user.name}\t{user.role}\n")
