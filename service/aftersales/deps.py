"""Request dependencies of after-sales: the clock (tests move it) and the deadline in hours."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from service.kit.db import utcnow

Clock = Callable[[], datetime]


async def clock(request: Request) -> Clock:
    """`app.state.clock` when set (tests move time with it), else the wall clock."""
    found: Clock = getattr(request.app.state, "clock", utcnow)
    return found


async def after_sales_hours(request: Request) -> int:
    """TECHAN_AFTER_SALES_HOURS, from the settings the app was built with."""
    hours: int = request.app.state.settings.after_sales_hours
    return hours


ClockDep = Annotated[Clock, Depends(clock)]
HoursDep = Annotated[int, Depends(after_sales_hours)]
