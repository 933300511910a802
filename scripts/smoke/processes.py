"""Child processes of the smoke run (started, stopped by their own id) and free ports."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
from pathlib import Path


def _die_with_parent() -> None:
    """In the child: SIGTERM from the kernel if the smoke driver dies without cleaning up."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


async def spawn(
    argv: list[str], *, cwd: Path, log: Path, env: dict[str, str] | None = None
) -> asyncio.subprocess.Process:
    """Start `argv` with its output (stdout and stderr) in `log`."""
    with log.open("ab") as output:
        return await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )


async def stop(process: asyncio.subprocess.Process | None, grace: float) -> bool:
    """SIGTERM, wait `grace` s, then SIGKILL. True if it stopped by itself."""
    if process is None:
        return True
    if process.returncode is not None:
        return True
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        await asyncio.wait_for(process.wait(), grace)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return False
    return True


def free_port(kind: socket.SocketKind, address: str) -> int:
    """A port nobody uses on `address` right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


def tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
