"""`techan recommend --shoppers FILE`: one JSON line of recommendations per shopper."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from service.analytics.training import reco_dir_in
from service.kit.commands import fails_cleanly, migrate
from service.kit.db import session_scope
from service.recommendations.service import recommend_for_line
from service.recommendations.serving import RecommenderHolder
from service.settings import get_settings


@fails_cleanly
def recommend(
    shoppers: Path = typer.Option(..., help="one shopper id (or user id) a line"),
    limit: int = typer.Option(10, min=1, max=50),
) -> None:
    """Print {"shopper_id", "items": [{"code", "title", "score"}]} for each shopper."""
    migrate()
    holder = RecommenderHolder(reco_dir_in(get_settings().artefact_dir))
    with session_scope(readonly=True) as session:
        for shopper in read_shopper_ids(shopper_file=shoppers):
            items = recommend_for_line(session, holder, shopper=shopper, limit=limit)
            line = {"shopper_id": shopper, "items": items}
            typer.echo(json.dumps(line, ensure_ascii=False))


def read_shopper_ids(*, shopper_file: Path) -> list[str]:
    """The non-blank lines of SHOPPER_FILE (a `#` starts a comment line)."""
    try:
        text = shopper_file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise typer.BadParameter(f"{shopper_file}: cannot read: {exc.strerror}") from exc
    return [s for line in text.splitlines() if (s := line.strip()) and not s.startswith("#")]
