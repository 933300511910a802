"""Constants of the Marstek Venus integration."""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import StrEnum
from typing import Final

from .pymarstek_venus import DEFAULT_PORT, DEFAULT_REQUEST_GAP, MIN_REQUEST_GAP

DOMAIN: Final = "marstek_venus"
LOGGER = logging.getLogger(__package__)

__all__ = ["DEFAULT_PORT", "DEFAULT_REQUEST_GAP", "MIN_REQUEST_GAP"]

# Options (entry.options).
CONF_SCAN_INTERVAL: Final = "scan_interval"
CONF_REQUEST_GAP: Final = "request_gap"
CONF_POLL_GROUPS: Final = "poll_groups"
CONF_UNAVAILABLE_AFTER: Final = "unavailable_after"

# The fast tier: design.md §3 asks for no faster than 30 s by default; 10 s is the floor a
# user may choose (three fast reads at the 1 s gap already take about 3 s of airtime).
DEFAULT_SCAN_INTERVAL: Final = 30
MIN_SCAN_INTERVAL: Final = 10
MAX_SCAN_INTERVAL: Final = 300
MAX_REQUEST_GAP: Final = 5.0
DEFAULT_UNAVAILABLE_AFTER: Final = 3
MAX_UNAVAILABLE_AFTER: Final = 20

# Background discovery: one paced GetDevice broadcast per port, at start-up and then every
# 15 minutes (the wiz pattern). It keeps the stored IP of each battery current.
DISCOVERY_INTERVAL: Final = timedelta(minutes=15)
DISCOVERY_TIMEOUT: Final = 3.0


class Group(StrEnum):
    """Read methods, grouped by what the entities need. One group = one request."""

    ES = "es"  # ES.GetStatus
    MODE = "mode"  # ES.GetMode
    METER = "meter"  # EM.GetStatus
    BATTERY = "battery"  # Bat.GetStatus
    PV = "pv"  # PV.GetStatus
    WIFI = "wifi"  # Wifi.GetStatus
    BLE = "ble"  # BLE.GetStatus
    DEVICE = "device"  # Marstek.GetDevice


# Groups the user may switch off in the options. ES, mode and device info are the core of
# the integration and are always polled.
OPTIONAL_GROUPS: Final = (Group.BATTERY, Group.PV, Group.METER, Group.WIFI, Group.BLE)
# BLE.GetStatus timed out on Venus E 3.0 fw 144 and is slow on 150, and it only feeds one
# diagnostic entity, so it is off unless the user asks for it.
DEFAULT_POLL_GROUPS: Final = (Group.BATTERY, Group.PV, Group.METER, Group.WIFI)

# Polling tiers: a group is read every Nth cycle (1 = every cycle). The fast tier carries the
# power flows; battery details and PV channels change more slowly, and Wi-Fi, BLE and the
# device info (firmware, IP) hardly at all. Pre-150 firmware is fragile, so less is more.
POLL_EVERY: Final[dict[Group, int]] = {
    Group.ES: 1,
    Group.MODE: 1,
    Group.METER: 1,
    Group.BATTERY: 2,
    Group.PV: 2,
    Group.WIFI: 10,
    Group.BLE: 20,
    Group.DEVICE: 20,
}
# Order of the reads in one batch: fast tier first, so that a battery that stops answering
# halfway costs us the unimportant reads, not the power flows.
POLL_ORDER: Final = (
    Group.ES,
    Group.MODE,
    Group.METER,
    Group.BATTERY,
    Group.PV,
    Group.WIFI,
    Group.BLE,
    Group.DEVICE,
)
# A method that got no reply this many cycles in a row, while the battery answered the others,
# is treated like an unsupported one (BLE.GetStatus on Venus E 3.0 fw 144 never answers).
MAX_SILENT_CYCLES: Final = 3

# Passive mode parameters used until the user sets their own: hold the battery idle (0 W) for
# an hour, after which the firmware drops the setpoint to 0 anyway.
DEFAULT_PASSIVE_POWER: Final = 0
DEFAULT_PASSIVE_DURATION: Final = 3600

# Options for control (entry.options).
CONF_POWER_LIMIT: Final = "power_limit"  # W: lower passive/manual power bound than the model's
CONF_PASSIVE_KEEP_ALIVE: Final = "passive_keep_alive"
MIN_POWER_LIMIT: Final = 100
DEFAULT_PASSIVE_KEEP_ALIVE: Final = False

# Keep-alive: re-send this long before the countdown ends (10 % of it, 10..120 s, and never
# more than half of it), and retry this soon after a keep-alive that failed.
KEEP_ALIVE_MIN_LEAD: Final = 10
KEEP_ALIVE_MAX_LEAD: Final = 120
KEEP_ALIVE_RETRY: Final = 30

# The "Open API" repair appears once a battery that had worked has been silent this long
# (a reboot or a firmware update takes a minute or two; they should not raise an issue).
API_ISSUE_AFTER: Final = timedelta(minutes=5)

# Manual schedule entities: the first periods are enabled by default, the rest are created
# disabled so the device page stays readable (most tariff schedules need two or three).
DEFAULT_ENABLED_PERIODS: Final = 3

# Persistent state per entry (helpers.storage): what the integration last wrote.
STORAGE_VERSION: Final = 1

# Device triggers ride on one bus event; ``type`` says which.
EVENT_MARSTEK: Final = f"{DOMAIN}_event"


class Trigger(StrEnum):
    """Device trigger types (and the ``type`` of EVENT_MARSTEK)."""

    MODE_CHANGED = "mode_changed_outside"  # the battery's mode changed, not by Home Assistant
    CT_DISCONNECTED = "ct_disconnected"
    API_STOPPED = "api_stopped"  # the Open API stopped answering
    PASSIVE_ENDED = "passive_countdown_ended"
