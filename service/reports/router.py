"""Suggestion and demand-report endpoints (thin: check access, call the service, return)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from service.accounts.deps import CurrentUser
from service.analytics.models import AnalyticsNotReady
from service.catalog.models import Park, Producer
from service.kit.db import SessionDep
from service.kit.errors import Forbidden, NotFound, Unauthorized, Unprocessable, error_responses
from service.kit.lookup import require
from service.reports import service
from service.reports.access import ensure_may_read_park_report, ensure_may_read_suggestions
from service.reports.report_csv import report_csv
from service.reports.schemas import DemandReportOut, SuggestionsOut

router = APIRouter(tags=["reports"])
READ_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, AnalyticsNotReady, Unprocessable)
Since = Annotated[date | None, Query(description="first day counted (UTC)")]
Until = Annotated[date | None, Query(description="last day counted, inclusive (UTC)")]
CategoryFilter = Annotated[
    str | None, Query(max_length=64, description="a category code (and those below it)")
]
CityFilter = Annotated[str | None, Query(max_length=50, description="one city, e.g. 杭州")]


@router.get("/producers/{code}/suggestions", responses=READ_ERRORS)
def producer_suggestions(code: str, session: SessionDep, user: CurrentUser) -> SuggestionsOut:
    """Reverse-customization suggestions for a producer (itself or an operator of its park)."""
    producer = require(session, Producer, code)
    ensure_may_read_suggestions(session, user, producer)
    return SuggestionsOut(**service.suggestions_for_producer(session, producer_code=code))


def park_report(
    code: str,
    session: SessionDep,
    user: CurrentUser,
    since: Since = None,
    until: Until = None,
    category: CategoryFilter = None,
    city: CityFilter = None,
) -> dict[str, Any]:
    """The park's demand report for the request's period, category and city (its operators)."""
    park = require(session, Park, code)
    ensure_may_read_park_report(user, park)
    return service.demand_report_for_park(
        session, park_code=code, since=since, until=until, category=category, city=city
    )


ParkReport = Annotated[dict[str, Any], Depends(park_report)]


@router.get("/parks/{code}/demand-report", responses=READ_ERRORS)
def demand_report(report: ParkReport) -> DemandReportOut:
    """The park's demand report (operators of the park); optional period, category, city."""
    return DemandReportOut(**report)


@router.get(
    "/parks/{code}/demand-report.csv",
    responses={**READ_ERRORS, 200: {"content": {"text/csv": {}}}},
    response_class=Response,
)
def demand_report_csv(code: str, report: ParkReport) -> Response:
    """The same report as one CSV: a `section` column, then the sections' columns."""
    return Response(
        content=report_csv(report).encode("utf-8-sig"),  # the BOM makes Excel read UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{code}-demand-report.csv"'},
    )
