"""Config flow of the Marstek Venus integration."""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo

from .const import DEFAULT_PORT, DOMAIN
from .coordinator import MarstekConfigEntry
from .discovery import (
    CONF_BLE_MAC,
    CONF_FIRMWARE,
    CONF_MODEL,
    async_discover_devices,
    discovery_data,
    log_moved,
)
from .entity import default_name, model_name
from .fleet_flow import FleetFlow, FleetOptionsFlow
from .hostname import is_host_name
from .kinds import CONF_KIND, EntryKind, entry_kind, is_battery
from .meter_flow import MeterFlowMixin, MeterOptionsFlow
from .options import OPTIONS_SCHEMA, MarstekOptions, whole_number
from .probe import async_probe
from .pymarstek_venus import DeviceInfo

CONF_DEVICE = "device"
MANUAL = "manual"


HOST_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_HOST): TextSelector(),
        vol.Required(CONF_PORT, default=DEFAULT_PORT): whole_number(1, 65535),
    }
)


def _name_schema(default: str | None = None) -> dict[vol.Marker, Any]:
    """An optional name field: the entry's title and the device's name."""
    if default is None:
        return {vol.Optional(CONF_NAME): TextSelector()}
    return {vol.Optional(CONF_NAME, default=default): TextSelector()}


def _chosen_name(user_input: dict[str, Any], default: str) -> str:
    """The name the user typed, else the distinct default."""
    return str(user_input.get(CONF_NAME) or "").strip() or default


MANUAL_SCHEMA = HOST_SCHEMA.extend(_name_schema())


async def _async_probe_input(
    user_input: dict[str, Any], errors: dict[str, str]
) -> tuple[str, int, DeviceInfo] | None:
    """The battery at the host and port the user typed; None, and why in ``errors``, if none."""
    host, port = user_input[CONF_HOST].strip(), user_input[CONF_PORT]
    device, error = await async_probe(host, port)
    if device is None:
        errors["base"] = str(error)
        return None
    return host, port, device


class MarstekConfigFlow(MeterFlowMixin, FleetFlow, ConfigFlow, domain=DOMAIN):
    """Set up a battery: picked from a scan, entered by hand, or discovered."""

    VERSION = 1

    def __init__(self) -> None:
        """Nothing found yet."""
        self._discovered: dict[str, DeviceInfo] = {}
        self._discovery: dict[str, Any] = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: MarstekConfigEntry) -> OptionsFlow:
        """Polling options of a battery; an emulated meter's settings; the system's members."""
        kind = entry_kind(config_entry)
        if kind is EntryKind.METER:
            return MeterOptionsFlow()
        if kind is EntryKind.SYSTEM:
            return FleetOptionsFlow()
        return MarstekOptionsFlow()

    # Steps that add another kind of entry (kinds.py), offered in a menu once a battery is
    # set up; each kind's flow is a mixin of this class with a step of that name.
    OTHER_KINDS: tuple[str, ...] = ("meter", "system")

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a battery; with a battery set up already, first ask what to add."""
        batteries = [e for e in self._async_current_entries(include_ignore=False) if is_battery(e)]
        if batteries and self.OTHER_KINDS:
            return self.async_show_menu(step_id="user", menu_options=["battery", *self.OTHER_KINDS])
        return await self.async_step_battery()

    async def async_step_battery(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Scan the network and offer the batteries that are not set up yet."""
        configured = self._async_current_ids(include_ignore=False)
        self._discovered = {
            device.ble_mac: device
            for device in await async_discover_devices(self.hass)
            if device.ble_mac not in configured
        }
        if not self._discovered:
            return await self.async_step_manual()
        return await self.async_step_pick_device()

    async def async_step_pick_device(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose a battery found by the scan, or enter one by hand."""
        if user_input is not None:
            if (choice := user_input[CONF_DEVICE]) == MANUAL:
                return await self.async_step_manual()
            device = self._discovered[choice]
            await self.async_set_unique_id(device.ble_mac, raise_on_progress=False)
            self._abort_if_unique_id_configured(
                updates=self._address_updates(device.host, device.port)
            )
            return self.async_create_entry(
                title=_chosen_name(user_input, default_name(device.model, device.ble_mac)),
                data={CONF_HOST: device.host, CONF_PORT: device.port},
            )
        options = [
            SelectOptionDict(
                value=device.ble_mac,
                label=f"{model_name(device.model)} · {device.firmware} · {device.host}",
            )
            for device in self._discovered.values()
        ]
        options.append(SelectOptionDict(value=MANUAL, label=MANUAL))
        return self.async_show_form(
            step_id="pick_device",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_DEVICE): SelectSelector(
                        SelectSelectorConfig(
                            options=options,
                            mode=SelectSelectorMode.LIST,
                            translation_key="pick_device",
                        )
                    ),
                    **_name_schema(),
                }
            ),
        )

    def _address_updates(self, host: str, port: int) -> dict[str, Any]:
        """Data updates for a battery we know, seen at ``host:port``.

        An entry that stores a host name keeps it: the name is followed by resolving it,
        and replacing it with today's address would undo the user's choice.
        """
        assert self.unique_id is not None
        entry = self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, self.unique_id)
        if entry is not None and is_host_name(str(entry.data.get(CONF_HOST, ""))):
            return {CONF_PORT: port}
        return {CONF_HOST: host, CONF_PORT: port}

    async def async_step_manual(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Enter host and port; the battery must answer before an entry is made."""
        errors: dict[str, str] = {}
        if user_input is not None and (found := await _async_probe_input(user_input, errors)):
            host, port, device = found
            await self.async_set_unique_id(device.ble_mac, raise_on_progress=False)
            # A battery we know, at a new address: follow it instead of refusing. The host
            # is stored as typed: a name is resolved again whenever it is used.
            self._abort_if_unique_id_configured(updates={CONF_HOST: host, CONF_PORT: port})
            return self.async_create_entry(
                title=_chosen_name(user_input, default_name(device.model, device.ble_mac)),
                data={CONF_HOST: host, CONF_PORT: port},
            )
        return self.async_show_form(
            step_id="manual",
            data_schema=self.add_suggested_values_to_schema(MANUAL_SCHEMA, user_input),
            errors=errors,
        )

    async def async_step_integration_discovery(
        self, discovery_info: dict[str, Any]
    ) -> ConfigFlowResult:
        """A battery answered the background scan (or, from the dhcp step, GetDevice)."""
        if discovery_info.get(CONF_KIND) == EntryKind.SYSTEM:
            return await self.async_step_system_discovered(discovery_info)
        host, port = discovery_info[CONF_HOST], discovery_info[CONF_PORT]
        known = await self.async_set_unique_id(discovery_info[CONF_BLE_MAC])
        updates = self._address_updates(host, port)
        old = known.data.get(CONF_HOST) if known is not None else None
        if old not in (None, host) and CONF_HOST in updates:
            log_moved(str(discovery_info[CONF_BLE_MAC]), str(old), host)
        self._abort_if_unique_id_configured(updates=updates)
        self._discovery = discovery_info
        model = model_name(str(discovery_info[CONF_MODEL]))
        self.context["title_placeholders"] = {"name": f"{model} ({host})"}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the user confirm a discovered battery."""
        discovery = self._discovery
        model = model_name(str(discovery[CONF_MODEL]))
        name = default_name(str(discovery[CONF_MODEL]), str(discovery[CONF_BLE_MAC]))
        if user_input is not None:
            return self.async_create_entry(
                title=_chosen_name(user_input, name),
                data={CONF_HOST: discovery[CONF_HOST], CONF_PORT: discovery[CONF_PORT]},
            )
        return self.async_show_form(
            step_id="discovery_confirm",
            data_schema=vol.Schema(_name_schema(name)),
            description_placeholders={
                "model": model,
                "firmware": str(discovery[CONF_FIRMWARE]),
                "host": discovery[CONF_HOST],
            },
        )

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """A "marstek*" host, or a battery we know, got an address from the DHCP server.

        DHCP shows the Wi-Fi MAC, never the BLE MAC entries are keyed on (design.md §2; on a
        Venus E 3.0 even GetDevice's ``wifi_mac`` is the access point's), so the host is asked
        who it is: Marstek.GetDevice at the new address. What answers goes on like a battery
        the scan found: a known one is followed, a new one offered.
        """
        host = discovery_info.ip
        entries = self._async_current_entries(include_ignore=False)
        if any(entry.data.get(CONF_HOST) == host for entry in entries):
            return self.async_abort(reason="already_configured")  # nothing new: send nothing
        ports = {DEFAULT_PORT} | {entry.data.get(CONF_PORT, DEFAULT_PORT) for entry in entries}
        for port in sorted(ports):
            device, _ = await async_probe(host, port)
            if device is not None:
                return await self.async_step_integration_discovery(discovery_data(device))
        return self.async_abort(reason="no_devices_found")

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change host and port of a battery (the same battery only)."""
        entry = self._get_reconfigure_entry()
        if not is_battery(entry):
            return self.async_abort(reason="not_reconfigurable")
        errors: dict[str, str] = {}
        if user_input is not None and (found := await _async_probe_input(user_input, errors)):
            host, port, device = found
            await self.async_set_unique_id(device.ble_mac)
            self._abort_if_unique_id_mismatch(reason="different_battery")
            return self.async_update_reload_and_abort(
                entry, data_updates={CONF_HOST: host, CONF_PORT: port}
            )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                HOST_SCHEMA, user_input or dict(entry.data)
            ),
            errors=errors,
        )


class MarstekOptionsFlow(OptionsFlow):
    """How often and how much to read; how hard passive and manual mode may push."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and store the polling options; a change reloads the entry."""
        entry = self.config_entry
        if user_input is not None:
            options = dict(user_input)
            if options != dict(entry.options):
                # Reload here rather than through an update listener: a listener together
                # with the flow helpers that reload is deprecated (error from 2026.12), and
                # OptionsFlowWithReload does not exist on 2025.4. Updating first means the
                # reload sees the new options.
                self.hass.config_entries.async_update_entry(entry, options=options)
                self.hass.config_entries.async_schedule_reload(entry.entry_id)
            return self.async_create_entry(data=options)
        current = MarstekOptions.from_entry(entry).form_values()
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(OPTIONS_SCHEMA, current),
        )
