"""Exceptions raised by the Marstek Open API library.

Every failure the library can produce is a subclass of ``MarstekError``, so callers (the Home
Assistant integration, the CLI) can catch one type. Problems inside a single datagram (bad JSON,
a stranger's packet, a late duplicate) never become exceptions: the transport drops and counts
them, because one bad packet must not fail a request that may still be answered.
"""

from __future__ import annotations

from .const import ERROR_METHOD_NOT_FOUND, ERROR_PARSE


class MarstekError(Exception):
    """Base class for every error raised by this library."""


class MarstekConnectionError(MarstekError):
    """The device could not be reached (no reply within the retry budget, socket failure)."""


class MarstekTimeoutError(MarstekConnectionError):
    """A request got no matching reply in time, after all resends and retries."""


class MarstekPortInUseError(MarstekConnectionError):
    """The local UDP port we must bind (the device's API port) is taken by another program."""

    def __init__(self, port: int, host: str = "0.0.0.0") -> None:
        super().__init__(f"local UDP port {port} on {host} is already in use by another program")
        self.port = port
        self.host = host


class MarstekInvalidHostError(MarstekError):
    """The host is not a usable IPv4 address."""


class MarstekApiError(MarstekError):
    """The device answered with a JSON-RPC ``error`` object."""

    def __init__(self, method: str, code: int, message: str, data: object = None) -> None:
        detail = f" (data {data})" if data is not None else ""
        super().__init__(f"{method}: device error {code} {message}{detail}")
        self.method = method
        self.code = code
        self.message = message
        self.data = data


class MarstekMethodNotSupportedError(MarstekApiError):
    """The firmware does not implement the method (JSON-RPC -32601)."""


class MarstekDecodeError(MarstekError):
    """A reply was well-formed JSON but its ``result`` could not be decoded into a model."""


class MarstekWriteError(MarstekError):
    """A write was not confirmed: ``set_result`` false, or the read-back did not match."""


class MarstekPassiveNotFollowedError(MarstekWriteError):
    """Passive mode was confirmed, but the AC power did not follow, even after one resend.

    ``power`` is the requested AC power (W, + discharge), ``actual`` the last AC power read
    back (None when no read-back reported one): a battery at its inverter limit, or one that
    reacts to none of the commands.
    """

    def __init__(self, power: int, actual: float | None) -> None:
        reading = "an unknown power" if actual is None else f"{actual:.0f} W"
        super().__init__(
            f"passive mode delivers {reading} instead of the requested {power} W, "
            "also after the command was sent a second time"
        )
        self.power = power
        self.actual = actual


class MarstekValidationError(MarstekError, ValueError):
    """A command's parameters are out of range; nothing was sent."""


class TransientApiError(MarstekApiError):
    """A parse-error or contention reply: the request can be repeated as it is."""


def reply_error(method: str, error: object, reply_id: object) -> MarstekApiError:
    """The exception for a reply's JSON-RPC ``error`` object (``reply_id``: its ``id``)."""
    code, text, data = 0, str(error), None
    if isinstance(error, dict):
        raw = error.get("code")
        code = raw if isinstance(raw, int) and not isinstance(raw, bool) else 0
        text, data = str(error.get("message", "")), error.get("data")
    if code == ERROR_METHOD_NOT_FOUND:
        return MarstekMethodNotSupportedError(method, code, text, data)
    if code == ERROR_PARSE or reply_id == 0:
        # Parse errors and CT-mutex contention (-32700, data 403): the device was busy or
        # garbled our datagram; the same request can simply be tried again.
        return TransientApiError(method, code, text, data)
    return MarstekApiError(method, code, text, data)
