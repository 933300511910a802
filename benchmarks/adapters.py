"""One interface over three client libraries, so every scenario drives each the same way.

* ``ours``: this repository's protocol library (``MarstekClient``, ``discover``), defaults.
* ``aiomarstek`` (PyPI): ``MarstekUDPClient`` with the request gap its own Home Assistant
  integration enables (``REQUEST_QUIET_GAP``, 2.5 s after the device's last reply).
* ``py-marstek`` (PyPI, module ``pymarstek``): ``MarstekUDPClient``. It has no pacing of its
  own, so the harness waits 2.0 s between two requests to a battery, the
  ``delay_between_requests`` default of its ``get_device_status``.

The two PyPI libraries bind the wildcard address (0.0.0.0) on their local port, which collides
with a simulated battery bound on 127.x.y.z at the same port. They therefore bind a port of
their own and their batteries reply to the sender's port (``Faults.reply_to_source_port``), a
reply path both libraries expect anyway. Their code is never modified or patched. They are
imported lazily, so this module also loads where only the project's ``.venv`` exists.

All three read the same fast tier in a poll cycle: ES.GetStatus, ES.GetMode, EM.GetStatus, each
through the library's single-request API with the library's own timeout and retry behaviour.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from importlib import import_module, metadata
from typing import Any, ClassVar

from custom_components.marstek_venus.pymarstek_venus import (
    MarstekClient,
    MarstekError,
    Mode,
    discover,
)

from .harness import free_udp_port

FAST_TIER = ("ES.GetStatus", "ES.GetMode", "EM.GetStatus")
# The per-request timeout both PyPI libraries use in their status polls.
THEIR_READ_TIMEOUT = 2.5
THEIR_WRITE_TIMEOUT = 5.0
PY_MARSTEK_SPACING = 2.0


class Adapter(ABC):
    """A client library seen through the operations the benchmarks need."""

    name: ClassVar[str]
    package: ClassVar[str | None] = None
    # How the simulated batteries of this library must reply (see the module docstring).
    reply_to_source_port: ClassVar[bool] = False
    # Idle time between two poll cycles, so that a cycle starts without waiting for the
    # library's own gap and the measured time is the batch itself.
    idle_between_cycles: ClassVar[float] = 1.0
    notes: ClassVar[tuple[str, ...]] = ()

    def __init__(self, device_port: int) -> None:
        self.device_port = device_port

    @classmethod
    def version(cls) -> str:
        """The installed version of the library (ours: the repository's working tree)."""
        if cls.package is None:
            return "working tree"
        return metadata.version(cls.package)

    async def open(self) -> None:  # noqa: B027 - optional hook
        """Bind sockets and the like before the first battery is prepared."""

    @abstractmethod
    async def prepare(self, host: str) -> None:
        """Per-battery set-up that is not measured (identification and the like)."""

    @abstractmethod
    async def poll_cycle(self, host: str) -> dict[str, bool]:
        """Read the fast tier once; return which reads brought a fresh value."""

    @abstractmethod
    async def set_mode(self, host: str, mode: str) -> bool:
        """Switch the operating mode; True when the library reports success."""

    async def discover(self, targets: list[str]) -> int | None:
        """Scan ``targets``; the number of batteries found, or None when not possible."""
        return None

    discovery_unsupported: ClassVar[str] = ""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release every socket and task."""


class Ours(Adapter):
    """The repository's protocol library with its defaults (1 s gap, resend, retries)."""

    name = "ours"

    def __init__(self, device_port: int) -> None:
        super().__init__(device_port)
        self.clients: dict[str, MarstekClient] = {}

    async def prepare(self, host: str) -> None:
        client = MarstekClient(host, self.device_port)
        await client.connect()
        self.clients[host] = client
        await client.get_device()

    async def poll_cycle(self, host: str) -> dict[str, bool]:
        client = self.clients[host]
        readers: tuple[Callable[[], Awaitable[object]], ...] = (
            client.get_es_status,
            client.get_mode,
            client.get_meter_status,
        )
        fresh: dict[str, bool] = {}
        for method, read in zip(FAST_TIER, readers, strict=True):
            try:
                await read()
            except MarstekError:
                fresh[method] = False
            else:
                fresh[method] = True
        return fresh

    async def set_mode(self, host: str, mode: str) -> bool:
        try:
            await self.clients[host].set_mode(Mode(mode))
        except MarstekError:
            return False
        return True

    async def discover(self, targets: list[str]) -> int | None:
        return len(await discover([self.device_port], targets=targets))

    async def close(self) -> None:
        for client in self.clients.values():
            await client.close()
        self.clients.clear()


class AioMarstek(Adapter):
    """aiomarstek's MarstekUDPClient, one client for every battery as its integration does."""

    name = "aiomarstek"
    package = "aiomarstek"
    reply_to_source_port = True
    idle_between_cycles = 2.5  # its REQUEST_QUIET_GAP
    notes = (
        "one shared MarstekUDPClient(min_request_gap=REQUEST_QUIET_GAP) for all batteries; "
        "reads via send_request (timeout 2.5 s, no retry), writes via set_device_mode",
    )

    def __init__(self, device_port: int, local_port: int) -> None:
        super().__init__(device_port)
        self.local_port = local_port
        self.client: Any = None

    async def open(self) -> None:
        aiomarstek = import_module("aiomarstek")

        self.client = aiomarstek.MarstekUDPClient(
            port=self.device_port,
            local_port=self.local_port,
            min_request_gap=aiomarstek.REQUEST_QUIET_GAP,
        )
        await self.client.async_setup()

    async def prepare(self, host: str) -> None:
        await self.client.get_device_info(host, port=self.device_port)

    async def poll_cycle(self, host: str) -> dict[str, bool]:
        aiomarstek = import_module("aiomarstek")

        builders = (aiomarstek.get_es_status, aiomarstek.get_es_mode, aiomarstek.get_em_status)
        fresh: dict[str, bool] = {}
        for method, build in zip(FAST_TIER, builders, strict=True):
            try:
                reply = await self.client.send_request(
                    build(0),
                    host,
                    target_port=self.device_port,
                    timeout=THEIR_READ_TIMEOUT,
                    quiet_on_timeout=True,
                )
            except (TimeoutError, OSError):
                fresh[method] = False
            else:
                fresh[method] = isinstance(reply.get("result"), dict)
        return fresh

    async def set_mode(self, host: str, mode: str) -> bool:
        aiomarstek = import_module("aiomarstek")

        config = aiomarstek.MarstekModeConfig(mode=mode.lower())
        try:
            await self.client.set_device_mode(
                host, config, port=self.device_port, timeout=THEIR_WRITE_TIMEOUT
            )
        except aiomarstek.MarstekSetError:
            return False
        return True

    async def discover(self, targets: list[str]) -> int | None:
        aiomarstek = import_module("aiomarstek")

        # A client of its own, as discovery of a fresh installation would run.
        scanner = aiomarstek.MarstekUDPClient(
            port=self.device_port,
            local_port=free_udp_port(("0.0.0.0",)),
            broadcast_addresses=targets,
        )
        try:
            await scanner.async_setup()
            found = await scanner.discover_devices(use_cache=False, broadcast_addresses=targets)
        finally:
            await scanner.async_cleanup()
        return len(found)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.async_cleanup()


class PyMarstek(Adapter):
    """py-marstek's MarstekUDPClient; the harness spaces its requests 2 s apart."""

    name = "py-marstek"
    package = "py-marstek"
    reply_to_source_port = True
    idle_between_cycles = PY_MARSTEK_SPACING
    notes = (
        "one shared MarstekUDPClient; no pacing of its own: the harness waits 2.0 s between "
        "requests (its get_device_status default); send_request timeout 2.5 s, no retry; "
        "writes: ES.SetMode via build_command + send_request_with_polling_control, "
        "success = set_result true",
    )
    discovery_unsupported = (
        "cannot be pointed at loopback: it probes 255.255.255.255 and interface broadcasts "
        "only, on the port it binds itself on 0.0.0.0"
    )

    def __init__(self, device_port: int, local_port: int) -> None:
        super().__init__(device_port)
        self.local_port = local_port
        self.client: Any = None
        self._last_sent: dict[str, float] = {}

    async def open(self) -> None:
        pymarstek = import_module("pymarstek")

        # Its send_request logs every request at WARNING level.
        logging.getLogger("pymarstek").setLevel(logging.ERROR)
        self.client = pymarstek.MarstekUDPClient(port=self.local_port)
        await self.client.async_setup()

    async def _spaced(self, host: str, message: str, timeout: float, *, write: bool) -> Any:
        loop = asyncio.get_running_loop()
        wait = self._last_sent.get(host, float("-inf")) + PY_MARSTEK_SPACING - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_sent[host] = loop.time()
        if write:
            return await self.client.send_request_with_polling_control(
                message, host, self.device_port, timeout=timeout
            )
        return await self.client.send_request(
            message, host, self.device_port, timeout=timeout, quiet_on_timeout=True
        )

    async def prepare(self, host: str) -> None:
        pymarstek = import_module("pymarstek")

        await self._spaced(host, pymarstek.discover(), THEIR_READ_TIMEOUT, write=False)

    async def poll_cycle(self, host: str) -> dict[str, bool]:
        pymarstek = import_module("pymarstek")

        messages = (
            pymarstek.get_es_status(0),
            pymarstek.get_es_mode(0),
            pymarstek.build_command("EM.GetStatus", {"id": 0}),  # no builder of its own
        )
        fresh: dict[str, bool] = {}
        for method, message in zip(FAST_TIER, messages, strict=True):
            try:
                reply = await self._spaced(host, message, THEIR_READ_TIMEOUT, write=False)
            except (TimeoutError, OSError):
                fresh[method] = False
            else:
                fresh[method] = isinstance(reply.get("result"), dict)
        return fresh

    async def set_mode(self, host: str, mode: str) -> bool:
        pymarstek = import_module("pymarstek")

        block = {"Auto": "auto_cfg", "AI": "ai_cfg"}[mode]
        message = pymarstek.build_command(
            "ES.SetMode", {"id": 0, "config": {"mode": mode, block: {"enable": 1}}}
        )
        try:
            reply = await self._spaced(host, message, THEIR_WRITE_TIMEOUT, write=True)
        except (TimeoutError, OSError):
            return False
        result = reply.get("result")
        return isinstance(result, dict) and result.get("set_result") is True

    async def close(self) -> None:
        if self.client is not None:
            await self.client.async_cleanup()


LIBRARIES: dict[str, type[Adapter]] = {
    "ours": Ours,
    "aiomarstek": AioMarstek,
    "py-marstek": PyMarstek,
}
THEIRS = ("aiomarstek", "py-marstek")


def installed(name: str) -> bool:
    """Whether library ``name`` can be imported in this interpreter."""
    cls = LIBRARIES[name]
    if cls.package is None:
        return True
    try:
        metadata.version(cls.package)
    except metadata.PackageNotFoundError:
        return False
    return True
