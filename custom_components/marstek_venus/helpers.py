"""How commands reach the battery: write gate, error translation, refresh."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, Concatenate

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .const import DOMAIN
from .entity import MarstekEntity
from .pymarstek_venus.errors import (
    MarstekError,
    MarstekMethodNotSupportedError,
    MarstekValidationError,
    MarstekWriteError,
)


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn library errors into translated Home Assistant errors (entities and actions)."""
    try:
        yield
    except MarstekValidationError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_command",
            translation_placeholders={"error": str(err)},
        ) from err
    except MarstekMethodNotSupportedError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="not_supported",
            translation_placeholders={"error": str(err)},
        ) from err
    except MarstekWriteError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="write_not_confirmed",
            translation_placeholders={"error": str(err)},
        ) from err
    except MarstekError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="communication_error",
            translation_placeholders={"error": str(err)},
        ) from err


def marstek_command[EntityT: MarstekEntity, **P](
    func: Callable[Concatenate[EntityT, P], Coroutine[Any, Any, Any]],
) -> Callable[Concatenate[EntityT, P], Coroutine[Any, Any, None]]:
    """Run a command, translate library errors, then refresh the battery's data.

    The command itself must go through the coordinator's write gate (the coordinator's
    ``async_set_*`` methods do): that is what pauses polling while the write is verified.
    """

    @wraps(func)
    async def handler(self: EntityT, /, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            with translate_errors():
                await func(self, *args, **kwargs)
        finally:
            # Show what the battery does now, whether or not it took the command.
            await self.coordinator.async_request_refresh()

    return handler
