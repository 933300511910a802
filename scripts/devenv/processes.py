"""The child processes of `scripts/develop`: started, watched, stopped; and free ports.

The children (the simulated batteries and Home Assistant) run in sessions of their own, so a
Ctrl-C in the terminal reaches only the develop script, which then stops Home Assistant before
the batteries it talks to; the kernel stops them if the develop script dies without cleaning up.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
from collections.abc import Callable
from typing import IO

from .config import REPO


def say(message: str) -> None:
    print(f"scripts/develop: {message}", flush=True)


def _die_with_parent() -> None:
    """In the child: get SIGTERM from the kernel when the develop script dies (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


async def spawn(*argv: str, env: dict[str, str] | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_die_with_parent,
        env={**os.environ, **(env or {})},
        cwd=REPO,
    )


async def pump(
    process: asyncio.subprocess.Process,
    log: IO[str] | None,
    show: Callable[[str], bool],
    prefix: str,
) -> None:
    """Copy a child's output into its log file and show the interesting lines."""
    assert process.stdout is not None
    while line := await process.stdout.readline():
        text = line.decode(errors="replace").rstrip()
        if log is not None:
            log.write(text + "\n")
            log.flush()
        if show(text):
            print(f"{prefix}{text}", flush=True)


def interesting_hass_line(verbose: bool) -> Callable[[str], bool]:
    def show(text: str) -> bool:
        if verbose:
            return True
        return " ERROR " in text or " CRITICAL " in text or "Traceback" in text

    return show


async def stop_process(process: asyncio.subprocess.Process | None, name: str, grace: float) -> None:
    """SIGTERM, wait, then SIGKILL: only the process this script started, by its id."""
    if process is None or process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        await asyncio.wait_for(process.wait(), grace)
    except TimeoutError:
        say(f"{name} did not stop within {grace:.0f} s; killing it")
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


def claim_port(kind: socket.SocketKind, address: str, port: int) -> int:
    """Check that `port` is free on `address` (0: find a free one) and return it."""
    with socket.socket(socket.AF_INET, kind) as probe:
        if kind == socket.SOCK_STREAM:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError as err:
            protocol = "TCP" if kind == socket.SOCK_STREAM else "UDP"
            raise SystemExit(
                f"scripts/develop: {protocol} port {port} on {address} is in use "
                f"({err.strerror}); is another scripts/develop running? "
                "Choose another with --port / --udp-port / --hosts."
            ) from None
        return int(probe.getsockname()[1])
