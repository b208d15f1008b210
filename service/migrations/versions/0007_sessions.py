"""accounts: page sign-in (login, argon2 hash, revocation), page sessions and invites

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 05:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.kit.types

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("login", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True)
        )
        batch_op.add_column(
            sa.Column("tokens_revoked_at", service.kit.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint("uq_user_account_login", ["login"])

    op.create_table(
        "page_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", service.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", service.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", service.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("id_hash"),
    )
    with op.batch_alter_table("page_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_page_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=True),
        sa.Column("park_id", sa.Integer(), nullable=True),
        sa.Column("created_at", service.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", service.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", service.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "role IN ('shopper','producer','operator','admin')", name="ck_invite_role"
        ),
        sa.ForeignKeyConstraint(["park_id"], ["park.id"]),
        sa.ForeignKeyConstraint(["producer_id"], ["producer.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invite_park_id"), ["park_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invite_producer_id"), ["producer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invite_producer_id"))
        batch_op.drop_index(batch_op.f("ix_invite_park_id"))
    op.drop_table("invite")
    with op.batch_alter_table("page_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_page_session_user_id"))
    op.drop_table("page_session")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint("uq_user_account_login", type_="unique")
        batch_op.drop_column("tokens_revoked_at")
        batch_op.drop_column("password_hash")
        batch_op.drop_column("login")
