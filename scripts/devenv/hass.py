"""Start Home Assistant for `scripts/develop`, scanning only the simulated batteries.

The integration looks for batteries by UDP broadcast, to 255.255.255.255 and to every
broadcast address Home Assistant's network integration knows (at start-up, every 15 minutes
and in the config flow). The simulated batteries live on loopback addresses, where a
broadcast does not reach them, and a development machine should not broadcast onto whatever
network it is on. So here, and only here, that list of broadcast addresses is replaced by the
simulators' own addresses (MARSTEK_DEVELOP_SCAN_TARGETS, comma separated): the scan then sends
one unicast probe to each, and the integration's discovery code runs unchanged.

Usage: python -m scripts.devenv.hass [hass arguments, e.g. -c CONFIG_DIR]
"""

from __future__ import annotations

import os
import sys
from ipaddress import IPv4Address
from pathlib import Path

from homeassistant import __main__ as hass_main
from homeassistant.components import network
from homeassistant.core import HomeAssistant

SCAN_TARGETS_ENV = "MARSTEK_DEVELOP_SCAN_TARGETS"
REPO = Path(__file__).resolve().parents[2]


def forget_repository_path() -> None:
    """Take the repository root (put on sys.path by ``python -m``) off the import path.

    Home Assistant imports custom integrations from ``CONFIG/custom_components``, a plain
    folder holding a link to this repository's integration. With the repository root on
    sys.path, its ``custom_components`` package (a regular package) would win over that
    folder; without it, Home Assistant loads the integration from the configuration folder
    like on a real installation.
    """
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != REPO]


def install_scan_targets(targets: list[IPv4Address]) -> None:
    """Make the network integration report `targets` as the broadcast addresses."""

    async def async_get_ipv4_broadcast_addresses(hass: HomeAssistant) -> set[IPv4Address]:
        return set(targets)

    network.async_get_ipv4_broadcast_addresses = async_get_ipv4_broadcast_addresses


def main() -> int:
    targets = [
        IPv4Address(text.strip())
        for text in os.environ.get(SCAN_TARGETS_ENV, "").split(",")
        if text.strip()
    ]
    if not targets or not all(target.is_loopback for target in targets):
        print(f"{SCAN_TARGETS_ENV} must list loopback addresses", file=sys.stderr)
        return 2
    install_scan_targets(targets)
    forget_repository_path()
    sys.argv[0] = "hass"
    return hass_main.main()


if __name__ == "__main__":
    sys.exit(main())
