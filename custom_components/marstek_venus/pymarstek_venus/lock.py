"""The one lock per battery: one request in flight, and whole batches that nothing interleaves.

The Open API handles one request at a time, so every request to a battery takes its lock
(design.md §3). A caller may also hold it around a whole sequence (a poll batch, a write and
its read-backs, a passive confirmation) so that nothing else reaches the battery in between;
the requests inside take the lock again, which is why it is re-entrant for the asyncio task
that holds it. Another task (a second client of the same battery, a reachability probe, a
task the holder starts) waits until the holder lets go.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import TracebackType


class DeviceLock:
    """An asyncio lock that the task holding it may take again (counted, released in turn)."""

    __slots__ = ("_depth", "_lock", "_owner")

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None
        self._depth = 0

    def locked(self) -> bool:
        """True while some task holds the lock."""
        return self._lock.locked()

    def held(self) -> bool:
        """True when the current task holds the lock."""
        return self._owner is not None and self._owner is asyncio.current_task()

    async def acquire(self) -> None:
        """Take the lock, at once when this task holds it already."""
        if self.held():
            self._depth += 1
            return
        await self._lock.acquire()
        self._owner = asyncio.current_task()
        self._depth = 1

    def release(self) -> None:
        """Give back one acquisition; the last one unlocks."""
        if not self.held():
            raise RuntimeError("DeviceLock released by a task that does not hold it")
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            self._lock.release()

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


class ClientLock:
    """``MarstekClient.lock``: the battery's ``DeviceLock``, usable before the client connects.

    Entering connects the client (the lock lives with the battery's pacing channel, which two
    clients of one battery share) and takes that channel's lock; leaving gives back the lock
    it took, even when the client moved to a new address in between.
    """

    __slots__ = ("_held", "_resolve")

    def __init__(self, resolve: Callable[[], Awaitable[DeviceLock]]) -> None:
        self._resolve = resolve
        self._held: dict[asyncio.Task[object] | None, list[DeviceLock]] = {}

    async def __aenter__(self) -> None:
        lock = await self._resolve()
        await lock.acquire()
        self._held.setdefault(asyncio.current_task(), []).append(lock)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        task = asyncio.current_task()
        held = self._held[task]
        lock = held.pop()
        if not held:
            del self._held[task]
        lock.release()

    def locked(self) -> bool:
        """True while any task holds the lock through this client."""
        return bool(self._held)
