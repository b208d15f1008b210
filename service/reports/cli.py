"""`techan suggest` and `techan report demand`."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from service.catalog.models import Park
from service.kit.commands import fails_cleanly, migrate
from service.kit.db import session_scope
from service.kit.lookup import require
from service.reports import export
from service.reports.report_csv import report_csv
from service.reports.service import (
    demand_report_for_park,
    suggestions_for_park,
    suggestions_for_producer,
)


class SuggestFormat(StrEnum):
    json = "json"
    text = "text"


class ReportFormat(StrEnum):
    json = "json"
    csv = "csv"
    html = "html"
    xlsx = "xlsx"


report_app = typer.Typer(help="Reports.", no_args_is_help=True)


@fails_cleanly
def suggest(
    producer: str = typer.Option(..., help="producer code"),
    format: SuggestFormat = typer.Option(SuggestFormat.json, "--format"),
) -> None:
    """A producer's reverse-customization suggestions, best first."""
    migrate()
    with session_scope(readonly=True) as session:
        result = suggestions_for_producer(session, producer_code=producer)
    if format is SuggestFormat.json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        typer.echo(suggestions_text(result))


@report_app.command("demand")
@fails_cleanly
def report_demand(
    park: str = typer.Option(..., help="park code"),
    since: datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="first day counted (UTC)"
    ),
    until: datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="last day counted, inclusive (UTC)"
    ),
    category: str | None = typer.Option(None, help="one category (and those below it)"),
    city: str | None = typer.Option(None, help="one city"),
    format: ReportFormat = typer.Option(ReportFormat.json, "--format"),
    out: Path | None = typer.Option(None, help="write here instead of stdout"),
    lang: str = typer.Option("zh", help="zh or en (html)"),
) -> None:
    """A park's demand report as JSON, CSV, a self-contained HTML page or a workbook."""
    migrate()
    content = render_demand_report(
        park,
        since=since.date() if since else None,
        until=until.date() if until else None,
        category=category,
        city=city,
        format=format,
        lang=lang,
    )
    write_output(content, out)


def suggestions_text(result: dict[str, Any]) -> str:
    """Suggestions as numbered lines a person reads."""
    lines = [f"producer {result['producer']}: {len(result['suggestions'])} suggestions"]
    for rank, item in enumerate(result["suggestions"], start=1):
        lines.append(
            f"{rank:2d}. [{item['kind']}] {item.get('category', '')} "
            f"score {float(item['score']):.2f}: {item['message']}"
        )
    return "\n".join(lines)


def render_demand_report(
    park_code: str,
    *,
    since: date | None,
    until: date | None,
    category: str | None,
    city: str | None,
    format: ReportFormat,
    lang: str,
) -> str | bytes:
    """The park's report rendered in FORMAT."""
    with session_scope(readonly=True) as session:
        park = require(session, Park, park_code)
        report = demand_report_for_park(
            session, park_code=park_code, since=since, until=until, category=category, city=city
        )
        if format is ReportFormat.json:
            return json.dumps(report, ensure_ascii=False, indent=2)
        if format is ReportFormat.csv:
            return report_csv(report)
        park_info = {"code": park.code, "name": park.name}
        suggestions = suggestions_for_park(session, park_code=park_code)
        names = export.catalog_names(session)
    if format is ReportFormat.html:
        return export.render_report_html(
            report, park=park_info, suggestions=suggestions, lang=lang, names=names
        )
    return export.render_report_xlsx(report, park=park_info, suggestions=suggestions, names=names)


def write_output(content: str | bytes, out: Path | None) -> None:
    """CONTENT to OUT, or to stdout."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    if out is not None:
        out.write_bytes(data)
        typer.echo(f"wrote {out} ({len(data)} bytes)", err=True)
        return
    sys.stdout.buffer.write(data)
    if isinstance(content, str) and not content.endswith("\n"):
        sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()
