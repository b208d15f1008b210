"""One shopper account per shopper id of an imported history (`User.external_id`)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Table, insert, select

from service.accounts.models import Role, User
from service.kit.db import utcnow

LOOKUP_BATCH = 500
USERS: Table = User.__table__  # type: ignore[attr-defined]


class ShopperAccounts:
    """Maps history shopper ids to user ids, creating shoppers (no token) the first time."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._ids: dict[str, int] = {}
        self.created = 0

    def user_ids(self, shopper_ids: pd.Series, cities: pd.Series) -> pd.Series:
        """The user id of each row's shopper (missing shopper id → missing user id)."""
        present = shopper_ids.notna()
        firsts = (
            pd.DataFrame({"shopper": shopper_ids[present], "city": cities[present]})
            .drop_duplicates("shopper")
            .itertuples(index=False)
        )
        unknown = {s: c for s, c in firsts if s not in self._ids}
        if unknown:
            self._load(list(unknown))
            missing = {s: c for s, c in unknown.items() if s not in self._ids}
            if missing:
                self._create(missing)
                self._load(list(missing))
        return shopper_ids.map(self._ids).astype("Int64")

    def _load(self, external_ids: list[str]) -> None:
        users = USERS
        for start in range(0, len(external_ids), LOOKUP_BATCH):
            batch = external_ids[start : start + LOOKUP_BATCH]
            rows = self._conn.execute(
                select(users.c.external_id, users.c.id).where(users.c.external_id.in_(batch))
            )
            self._ids.update({ext: uid for ext, uid in rows})

    def _create(self, cities_by_shopper: dict[str, str | None]) -> None:
        now = utcnow()
        rows = [
            {
                "name": f"shopper {ext}"[:100],
                "role": Role.shopper.value,
                "city": city,
                "external_id": ext,
                "created_at": now,
            }
            for ext, city in cities_by_shopper.items()
        ]
        self._conn.execute(insert(USERS), rows)
        self.created += len(rows)
