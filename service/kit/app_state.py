"""What the app built once at start-up, handed to requests (never rebuilt per request)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.settings import Settings


# A coroutine: reading app.state does no I/O, so it costs no trip through the thread pool.
async def app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(app_settings)]
