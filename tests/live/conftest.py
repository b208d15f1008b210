"""Live-server tests: a real `techan serve` process driven over HTTP by hundreds of clients."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "live: drives a real `techan serve` process over HTTP")
