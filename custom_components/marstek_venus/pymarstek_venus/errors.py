"""Exceptions raised by the Marstek Open API library.

Every failure the library can produce is a subclass of ``MarstekError``, so callers (the Home
Assistant integration, the CLI) can catch one type. Problems inside a single datagram (bad JSON,
a stranger's packet, a late duplicate) never become exceptions: the transport drops and counts
them, because one bad packet must not fail a request that may still be answered.
"""

from __future__ import annotations


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


class MarstekValidationError(MarstekError, ValueError):
    """A command's parameters are out of range; nothing was sent."""
