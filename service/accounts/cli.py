"""`techan user create`."""

from __future__ import annotations

import typer

from service.accounts.models import Role
from service.accounts.service import create_user
from service.kit.db import session_scope


def register(app: typer.Typer, *, import_app: typer.Typer) -> None:
    """Add the accounts commands to the CLI."""
    from service.cli import fails_cleanly, migrate

    user_app = typer.Typer(help="Users and their tokens.", no_args_is_help=True)
    app.add_typer(user_app, name="user")

    @user_app.command("create")
    @fails_cleanly
    def user_create(
        role: Role = typer.Option(..., help="shopper, producer, operator or admin"),
        name: str = typer.Option(..., help="display name"),
        producer: str | None = typer.Option(None, help="producer code (role producer)"),
        park: str | None = typer.Option(None, help="park code (role operator)"),
        city: str | None = typer.Option(None, help="home city (shoppers)"),
    ) -> None:
        """Create a user; the bearer token is printed on the last line."""
        migrate()
        with session_scope() as session:
            user, token = create_user(
                session, role=role, name=name, producer_code=producer, park_code=park, city=city
            )
            typer.echo(f"created {user.role} {user.name!r} (id {user.id})")
        typer.echo(token)
