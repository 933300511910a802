"""Network namespaces for the netns tests: made on demand, always deleted again.

Needs root and iproute2; without them a test is skipped, unless MARSTEK_REQUIRE_NETNS=1 (CI)
turns the skip into a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest


def run(*args: str) -> None:
    """Run one ``ip`` command; a failure fails the test."""
    subprocess.run(args, check=True, capture_output=True, timeout=30)


def _unavailable(probe: bool) -> str | None:
    if os.geteuid() != 0:
        return "needs root"
    if shutil.which("ip") is None:
        return "needs iproute2 (ip)"
    if probe:  # root in a container may still be refused namespaces
        name = f"mvprobe{os.getpid()}"
        try:
            run("ip", "netns", "add", name)
            run("ip", "netns", "del", name)
        except (subprocess.CalledProcessError, OSError) as err:
            return f"ip netns unusable here: {err}"
    return None


def require_netns(*, probe: bool = False) -> None:
    """Skip the test where namespaces cannot be made (fail it under MARSTEK_REQUIRE_NETNS=1).

    ``probe``: also try to make one, not only look for root and ``ip``.
    """
    if (reason := _unavailable(probe)) is not None:
        if os.environ.get("MARSTEK_REQUIRE_NETNS") == "1":
            pytest.fail(f"network-namespace test required but unavailable: {reason}")
        pytest.skip(reason)


@contextlib.contextmanager
def namespaces(*names: str) -> Iterator[None]:
    """Create the namespaces ``names``; delete the ones made, whatever happens inside."""
    created: list[str] = []
    try:
        for ns in names:
            run("ip", "netns", "add", ns)
            created.append(ns)
        yield
    finally:
        for ns in reversed(created):
            subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True)


def veth(left: str, right: str) -> None:
    """Join two namespaces by a veth pair: ``eth0`` in each."""
    run("ip", "-n", left, "link", "add", "eth0", "type", "veth", "peer", "eth0", "netns", right)


def bring_up(ns: str, address: str, *, broadcast: bool = False) -> None:
    """Give ``eth0`` in ``ns`` the ``address`` (with its prefix); bring it and ``lo`` up.

    ``broadcast``: "brd +", the subnet broadcast (x.y.z.255) is the link's broadcast address.
    """
    run("ip", "-n", ns, "addr", "add", address, *(("brd", "+") if broadcast else ()), "dev", "eth0")
    run("ip", "-n", ns, "link", "set", "eth0", "up")
    run("ip", "-n", ns, "link", "set", "lo", "up")


@contextlib.contextmanager
def veth_pair(
    left: tuple[str, str], right: tuple[str, str], *, broadcast: bool = False
) -> Iterator[tuple[str, str]]:
    """Two namespaces, given as (name, address on a /24), joined by a veth pair; their names."""
    with namespaces(left[0], right[0]):
        veth(left[0], right[0])
        for ns, address in (left, right):
            bring_up(ns, f"{address}/24", broadcast=broadcast)
        yield left[0], right[0]
