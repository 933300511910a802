"""Host names for a battery: accepted by the config flow, stored as typed, followed.

Users with a DHCP reservation or a local DNS name (``venus-e.lan``) may prefer the name to an
address. The entry keeps what they typed in ``data[host]``; the protocol library talks to IPv4
addresses only (``validate_host``), so the name is resolved on set-up and again whenever the
battery stops answering: a battery that got a new address under the same name is followed
without touching the entry. Resolving runs in the executor (asyncio's ``getaddrinfo``), never
on the event loop.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST

from .const import LOGGER
from .pymarstek_venus import MarstekClient, MarstekInvalidHostError, validate_host

# RFC 1123 labels; underscores too, which local DNS servers hand out for Windows-style names.
_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)", re.IGNORECASE)


class HostNotFoundError(Exception):
    """The host name does not resolve to an IPv4 address."""


def is_ipv4_address(host: str) -> bool:
    """True for a dotted-quad IPv4 literal."""
    try:
        ipaddress.IPv4Address(host.strip())
    except ValueError:
        return False
    return True


def is_host_name(host: str) -> bool:
    """True for a syntactically valid DNS name (not an address).

    A last label of digits only is refused: the C resolver would read ``192.168.1`` or
    ``3000`` as shorthand IPv4 addresses (192.168.0.1, 0.0.11.184), never what was meant.
    """
    name = host.strip().removesuffix(".")
    if not name or len(name) > 253 or is_ipv4_address(name):
        return False
    labels = name.split(".")
    return all(_LABEL.fullmatch(label) for label in labels) and not labels[-1].isdigit()


async def async_resolve_host(host: str) -> str:
    """The IPv4 address for ``host`` (an address or a name).

    Raises MarstekInvalidHostError for something that is neither, HostNotFoundError for a
    name without an IPv4 address.
    """
    host = host.strip()
    if is_ipv4_address(host):
        return validate_host(host)
    if not is_host_name(host):
        raise MarstekInvalidHostError(f"{host!r} is neither an IPv4 address nor a host name")
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, family=socket.AF_INET, type=socket.SOCK_DGRAM)
    except (OSError, UnicodeError) as err:  # socket.gaierror is an OSError
        raise HostNotFoundError(f"{host} does not resolve: {err}") from err
    for *_, sockaddr in infos:
        try:
            return validate_host(str(sockaddr[0]))
        except MarstekInvalidHostError:
            continue
    raise HostNotFoundError(f"{host} has no usable IPv4 address")


async def async_follow_host_name(entry: ConfigEntry[Any], client: MarstekClient) -> bool:
    """If the entry stores a name, resolve it again and move the client; True if it moved.

    Called when the battery stopped answering. A name that does not resolve right now keeps
    the last address (DNS hiccups are routine and the battery may just be off).
    """
    host = str(entry.data[CONF_HOST])
    if not is_host_name(host):
        return False
    try:
        address = await async_resolve_host(host)
    except (HostNotFoundError, MarstekInvalidHostError) as err:
        LOGGER.debug("Cannot resolve %s again: %s", host, err)
        return False
    if address == client.host:
        return False
    LOGGER.info(
        "Marstek battery %s: %s now resolves to %s (was %s); following it",
        entry.title,
        host,
        address,
        client.host,
    )
    client.set_host(address)
    return True
