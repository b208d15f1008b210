"""`techan import catalog` and `techan user …`: the catalog's files and its members' accounts."""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path
from typing import TextIO

import typer
from rich.console import Console
from rich.table import Table

from service.accounts.invites import LoginTaken
from service.accounts.models import Role
from service.accounts.service import require_user_named
from service.accounts.sessions import (
    find_user_by_login,
    issue_api_token,
    normalize_login,
    revoke_user,
    set_password,
)
from service.catalog.import_format import load_catalog_file
from service.catalog.importer import ImportCounts, import_catalog
from service.catalog.members import create_member, invite_member, list_members
from service.kit.commands import fails_cleanly, migrate
from service.kit.db import session_scope, utcnow

SEED_CATALOG = Path(str(files("catalog_seed") / "catalog.json"))
# Users live in accounts, but a producer's or operator's account is named by the catalog's codes.
user_app = typer.Typer(help="Users and their tokens.", no_args_is_help=True)
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def import_catalog_file(path: Path) -> ImportCounts:
    """Validate PATH, then import it in one transaction (nothing lands if anything is wrong)."""
    catalog = load_catalog_file(path)
    with session_scope() as session:
        return import_catalog(session, catalog, source=str(path))


def import_summary(counts: ImportCounts) -> str:
    """What an import created (+) and updated (~), per kind."""
    parts = [f"{k} +{v}" for k, v in counts.created.items()]
    parts += [f"{k} ~{v}" for k, v in counts.updated.items()]
    return ", ".join(parts) or "nothing to do"


@fails_cleanly
def import_catalog_command(file: Path) -> None:
    """Import parks, regions, categories, producers, products and SKUs (idempotent by code)."""
    migrate()
    typer.echo(f"imported {file}: {import_summary(import_catalog_file(file))}")


@user_app.command("create")
@fails_cleanly
def user_create(
    role: Role = typer.Option(..., help="shopper, producer, operator or admin"),
    name: str = typer.Option(..., help="display name"),
    producer: str | None = typer.Option(None, help="producer code (role producer)"),
    park: str | None = typer.Option(None, help="park code (role operator)"),
    city: str | None = typer.Option(None, help="home city (shoppers)"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="sign-in: login NAME, password read from stdin"
    ),
) -> None:
    """Create a user; the bearer token is printed on the last line.

    With --password-stdin the user signs in to the pages with login NAME and the password on
    stdin's first line (never an argument: it would show in the process list and history).
    """
    password = read_password(sys.stdin) if password_stdin else None
    login = normalize_login(name) if password_stdin else None
    migrate()
    with session_scope() as session:
        user, token = create_member(
            session, role=role, name=name, producer_code=producer, park_code=park, city=city
        )
        if password is not None:
            if find_user_by_login(session, name) is not None:
                raise LoginTaken(f"the login {login!r} is taken")
            user.login = login
            set_password(session, user, password)
        signs_in = f", signs in as {user.login!r}" if user.login else ""
        typer.echo(f"created {user.role} {user.name!r} (id {user.id}){signs_in}")
    typer.echo(token)


def read_password(stream: TextIO) -> str:
    """The password on the first line of STREAM (stdin), without its line ending."""
    return stream.readline().rstrip("\r\n")


@user_app.command("invite")
@fails_cleanly
def user_invite(
    role: Role = typer.Option(..., help="producer or operator"),
    producer: str | None = typer.Option(None, help="producer code (role producer)"),
    park: str | None = typer.Option(None, help="park code (role operator)"),
    base_url: str = typer.Option(DEFAULT_BASE_URL, help="where people open techan's pages"),
) -> None:
    """Make a one-time invite link (72 h) where a person sets a login and password."""
    migrate()
    with session_scope() as session:
        token = invite_member(
            session, role=role, producer_code=producer, park_code=park, now=utcnow()
        )
    typer.echo(f"{base_url.rstrip('/')}/invite/{token}")


@user_app.command("list")
@fails_cleanly
def user_list() -> None:
    """Every user: name, role, login, producer or park, and when it was revoked."""
    migrate()
    with session_scope(readonly=True) as session:
        rows = list_members(session)
    table = Table("name", "role", "login", "producer/park", "revoked")
    for row in rows:
        revoked = row.revoked_at.isoformat(timespec="seconds") if row.revoked_at else ""
        table.add_row(row.name, row.role, row.login or "", row.belongs_to or "", revoked)
    Console(width=200).print(table)


@user_app.command("revoke")
@fails_cleanly
def user_revoke(name: str = typer.Argument(..., help="login or name")) -> None:
    """End every page session of the user and invalidate its API token."""
    migrate()
    with session_scope() as session:
        user = require_user_named(session, name)
        ended = revoke_user(session, user, now=utcnow())
        typer.echo(f"revoked {user.role} {user.name!r}: API token void, {ended} session(s) ended")


@user_app.command("token")
@fails_cleanly
def user_token(name: str = typer.Argument(..., help="login or name")) -> None:
    """Issue a new API token (any previous one stops working); printed on the last line."""
    migrate()
    with session_scope() as session:
        user = require_user_named(session, name)
        token = issue_api_token(session, user)
        typer.echo(f"new API token for {user.role} {user.name!r}")
    typer.echo(token)
