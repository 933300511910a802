"""Decoders of the identity replies (Marstek.GetDevice, Wifi.GetStatus, BLE.GetStatus) and of
the write replies, plus the MAC and ``src`` helpers the client and discovery use."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from .const import Method
from .errors import MarstekDecodeError
from .fields import decoder, json_object, read_flag, read_int, read_ipv4, read_text
from .models import BleStatus, DeviceInfo, Family, WifiStatus
from .profiles import family_from_model

_MAC_PLAIN: Final = re.compile(r"[0-9a-f]{12}")
_MAC_SEPARATED: Final = re.compile(r"[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}")
# Not identities: unset EEPROM and broadcast.
_MAC_PLACEHOLDERS: Final = frozenset({"000000000000", "ffffffffffff"})

# --- identities -----------------------------------------------------------------------------


def normalise_mac(value: object) -> str | None:
    """Return a MAC as 12 lowercase hex characters, or None if it is not a usable MAC.

    Accepts the devices' own form ("009b08a5dfa5") and the usual separated forms. Masked
    values in published captures ("009b08a5dfxx") and placeholders (all zeros, broadcast)
    are rejected, so they can never become a battery's identity.
    """
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if _MAC_PLAIN.fullmatch(text):
        mac = text
    elif _MAC_SEPARATED.fullmatch(text):
        mac = text.replace(":", "").replace("-", "")
    else:
        return None
    return None if mac in _MAC_PLACEHOLDERS else mac


def _split_src(src: object) -> tuple[str, str] | None:
    """Split ``src`` = "<device string>-<ble_mac>" at its last hyphen."""
    if not isinstance(src, str):
        return None
    model, sep, mac = src.rpartition("-")
    if not sep or not model.strip():
        return None
    return model.strip(), mac


def mac_from_src(src: object) -> str | None:
    """Return the BLE MAC embedded in a reply's ``src``.

    "VenusE 3.0-009b08a5dfa5" gives "009b08a5dfa5". The device string itself may contain
    hyphens ("VNSEM-0-ccc837b3a39f"), so the MAC is what follows the last one.
    """
    parts = _split_src(src)
    return None if parts is None else normalise_mac(parts[1])


def model_from_src(src: object) -> str | None:
    """Return the device string part of ``src`` ("VNSEM-0-ccc837b3a39f" -> "VNSEM-0")."""
    parts = _split_src(src)
    return None if parts is None else parts[0]


# --- Marstek.GetDevice, Wifi.GetStatus, BLE.GetStatus ---------------------------------------


@decoder(Method.GET_DEVICE)
def decode_device(result: Mapping[str, Any], src: str | None, host: str, port: int) -> DeviceInfo:
    """Marstek.GetDevice. ``host``/``port`` say where the reply came from.

    The identity is the BLE MAC: from ``result.ble_mac`` when it is a real MAC, else from
    ``src`` (Venus C 153 leaves the MACs out of ``result``). ``wifi_mac`` is never used for
    identity: on Venus E 3.0 it is the access point's BSSID, the same for every battery.
    """
    data = json_object(result, Method.GET_DEVICE)
    ble_mac = normalise_mac(data.get("ble_mac")) or mac_from_src(src)
    if ble_mac is None:
        msg = f"{Method.GET_DEVICE}: reply from {host} carries no BLE MAC"
        raise MarstekDecodeError(msg)
    src_model = model_from_src(src)
    model = read_text(data.get("device")) or src_model or Family.UNKNOWN.value
    family = family_from_model(model)
    if family is Family.UNKNOWN:
        family = family_from_model(src_model)
    firmware = read_int(data.get("ver"))
    return DeviceInfo(
        model=model,
        family=family,
        firmware=firmware if firmware is not None and firmware >= 0 else 0,
        ble_mac=ble_mac,
        host=host,
        port=port,
        wifi_mac=normalise_mac(data.get("wifi_mac")),
        wifi_name=read_text(data.get("wifi_name")),
        reported_ip=read_ipv4(data.get("ip")),
    )


@decoder(Method.WIFI_STATUS)
def decode_wifi(result: Mapping[str, Any]) -> WifiStatus:
    """Wifi.GetStatus."""
    data = json_object(result, Method.WIFI_STATUS)
    return WifiStatus(
        rssi=read_int(data.get("rssi")),
        ssid=read_text(data.get("ssid")),
        ip=read_ipv4(data.get("sta_ip")),
        gateway=read_ipv4(data.get("sta_gate")),
        netmask=read_ipv4(data.get("sta_mask")),
        dns=read_ipv4(data.get("sta_dns")),
    )


@decoder(Method.BLE_STATUS)
def decode_ble(result: Mapping[str, Any]) -> BleStatus:
    """BLE.GetStatus: ``state`` is "connect" or "disconnect" (a phone is attached or not)."""
    data = json_object(result, Method.BLE_STATUS)
    state = data.get("state")
    if state == "connect":
        connected: bool | None = True
    elif state == "disconnect":
        connected = False
    else:
        connected = read_flag(state)
    return BleStatus(connected=connected, ble_mac=normalise_mac(data.get("ble_mac")))


# --- write replies --------------------------------------------------------------------------


@decoder("write reply")
def decode_set_result(result: Mapping[str, Any]) -> bool:
    """Whether a write (ES.SetMode, DOD.SET, Led.Ctrl, Ble.Adv) was accepted.

    A busy device answers ``set_result: false`` without an error object; anything but an
    explicit true counts as not accepted.
    """
    return read_flag(json_object(result, Method.SET_MODE).get("set_result")) is True
