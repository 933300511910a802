"""The shared sockets and the send log of everything that talks to batteries in one process.

One socket per (local address, port) serves every client, scan and probe on that port
(transport.py says why), and one send log (pacing.py) keeps each battery's gap whoever sends.
Both live in a ``SocketRegistry``. Home Assistant, the CLI and anything else that does not pass
one use the event loop's own (``SocketRegistry.current()``), so a config flow, a scan and every
entry share it without knowing of each other; a test or benchmark builds its own with the
``Timing`` it needs (a shorter safety floor, a faster probe gap) and passes it around.
"""

from __future__ import annotations

import asyncio
import errno
import weakref
from collections.abc import Callable
from typing import ClassVar

from .errors import MarstekConnectionError, MarstekPortInUseError
from .pacing import Pacer
from .timing import Timing
from .transport import SharedSocket


class SocketRegistry:
    """The shared sockets of one event loop, and the pacer they all log to.

    ``timing`` gives the safety floor (``min_request_gap``) and the probe gap of the pacer;
    ``clock`` replaces the event loop's clock (tests of the pacer only).
    """

    _by_loop: ClassVar[weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SocketRegistry]] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(
        self, timing: Timing | None = None, *, clock: Callable[[], float] | None = None
    ) -> None:
        self.timing = timing if timing is not None else Timing()
        self.pacer = Pacer(
            clock=clock, probe_gap=self.timing.probe_gap, min_gap=self.timing.min_request_gap
        )
        self._sockets: dict[tuple[str, int], SharedSocket] = {}
        # Sockets released but not yet closed by asyncio: binding the same port again before
        # they are gone would fail with "address in use" (a config-flow probe followed by the
        # entry's set-up).
        self._closing: dict[tuple[str, int], SharedSocket] = {}
        self._open_lock = asyncio.Lock()

    @classmethod
    def current(cls) -> SocketRegistry:
        """The running event loop's registry (with the default timing), made on first use."""
        loop = asyncio.get_running_loop()
        registry = cls._by_loop.get(loop)
        if registry is None:
            registry = cls._by_loop[loop] = cls()
        return registry

    @property
    def min_request_gap(self) -> float:
        """The safety floor no request gap on these sockets goes below."""
        return self.pacer.min_gap

    async def acquire_socket(self, local_host: str, port: int) -> SharedSocket:
        """Return the shared socket bound to ``local_host:port``, binding it on first use."""
        loop = asyncio.get_running_loop()
        async with self._open_lock:
            key = (local_host, port)
            closing = self._closing.pop(key, None)
            if closing is not None:
                await closing.wait_closed()
            shared = self._sockets.get(key)
            if shared is None or not shared.is_open:
                shared = SharedSocket(local_host, port, pacer=self.pacer)
                try:
                    await loop.create_datagram_endpoint(
                        lambda: shared,
                        local_addr=(local_host, port),
                        allow_broadcast=True,
                    )
                except OSError as err:
                    if err.errno == errno.EADDRINUSE:
                        raise MarstekPortInUseError(port, local_host) from err
                    raise MarstekConnectionError(
                        f"cannot bind UDP {local_host}:{port}: {err.strerror or err}"
                    ) from err
                self._sockets[key] = shared
            shared.acquire()
            return shared

    def release_socket(self, shared: SharedSocket) -> None:
        """Give a socket back; the last user closes it."""
        if not shared.release():
            return
        for key in [key for key, old in self._closing.items() if old.is_closed]:
            del self._closing[key]
        for key, value in list(self._sockets.items()):
            if value is shared:
                del self._sockets[key]
                self._closing[key] = shared
