"""A test fails when its config entries do not unload cleanly, also at Home Assistant's stop.

Home Assistant logs a failing ``async_unload_entry`` ("Error unloading entry ...") and goes on,
so a test whose entry cannot unload would pass with a traceback in its log. The ``hass``
fixture unloads every entry after the test's own fixtures are gone, so the check wraps the
whole teardown (registered in conftest.py).
"""

from __future__ import annotations

import logging
from collections.abc import Generator

import pytest


class _UnloadErrors(logging.Handler):
    """Collects Home Assistant's "Error unloading entry" records."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Error unloading entry"):
            error = record.exc_info[1] if record.exc_info else None
            self.messages.append(f"{message}: {error!r}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None]:
    """Fail a test whose config entries do not unload cleanly when its Home Assistant stops.

    A hook around the whole teardown, since the ``hass`` fixture unloads every entry after
    the test's own fixtures are gone.
    """
    logger = logging.getLogger("homeassistant.config_entries")
    handler = _UnloadErrors()
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if handler.messages:
        pytest.fail("\n".join(handler.messages))
