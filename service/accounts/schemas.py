"""Request and response shapes for accounts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ShopperRegistration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    city: str | None = Field(default=None, min_length=1, max_length=50)


class TokenOut(BaseModel):
    user_id: int
    role: str
    token: str


class MeOut(BaseModel):
    id: int
    name: str
    role: str
    city: str | None
    producer: str | None
    park: str | None
