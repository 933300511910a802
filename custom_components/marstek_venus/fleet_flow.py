"""Config and options flow of the system entry: several batteries seen and steered as one."""

from __future__ import annotations

from typing import Any, Final

import voluptuous as vol
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .fleet_runtime import CONF_MEMBERS, SYSTEM_UNIQUE_ID, configured_members
from .fleet_setup import async_set_declined
from .kinds import CONF_KIND, EntryKind, battery_entries

SYSTEM_TITLE: Final = "Marstek system"


class FleetFlow(ConfigFlow):
    """The steps that add the system entry (a mixin of the integration's config flow)."""

    async def async_step_system(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add the system from the add menu (an ignored offer is replaced)."""
        await self.async_set_unique_id(SYSTEM_UNIQUE_ID, raise_on_progress=False)
        self._abort_if_unique_id_configured(error="system_configured")
        if len(battery_entries(self.hass)) < 2:
            return self.async_abort(reason="not_enough_batteries")
        return await self.async_step_system_confirm()

    async def async_step_system_discovered(self, info: dict[str, Any]) -> ConfigFlowResult:
        """A second battery was set up (fleet_setup.async_offer_system)."""
        await self.async_set_unique_id(SYSTEM_UNIQUE_ID)
        self._abort_if_unique_id_configured(error="system_configured")
        count = len(battery_entries(self.hass))
        if count < 2:
            return self.async_abort(reason="not_enough_batteries")
        self.context["title_placeholders"] = {"name": f"{SYSTEM_TITLE} ({count} batteries)"}
        return await self.async_step_system_confirm()

    async def async_step_system_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show how many batteries the system would combine; create it on confirmation."""
        if user_input is not None:
            await async_set_declined(self.hass, False)
            return self.async_create_entry(
                title=SYSTEM_TITLE, data={CONF_KIND: EntryKind.SYSTEM}, options={}
            )
        names = [entry.title for entry in battery_entries(self.hass)]
        return self.async_show_form(
            step_id="system_confirm",
            description_placeholders={"count": str(len(names)), "batteries": ", ".join(names)},
        )


class FleetOptionsFlow(OptionsFlow):
    """Which batteries belong to the system."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The only step (its own id: "init" is the battery's options form)."""
        return await self.async_step_members(user_input)

    async def async_step_members(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose the members; choosing every battery also takes in batteries added later.

        No reload: the system follows its options as they change (fleet_runtime.py).
        """
        batteries = battery_entries(self.hass)
        errors: dict[str, str] = {}
        if user_input is not None:
            chosen = list(user_input.get(CONF_MEMBERS, []))
            if not chosen:
                errors["base"] = "no_members"
            else:
                every = {battery.entry_id for battery in batteries} <= set(chosen)
                return self.async_create_entry(data={} if every else {CONF_MEMBERS: chosen})
        schema = vol.Schema(
            {
                vol.Required(CONF_MEMBERS): SelectSelector(
                    SelectSelectorConfig(
                        options=[
                            SelectOptionDict(value=battery.entry_id, label=battery.title)
                            for battery in batteries
                        ],
                        multiple=True,
                        mode=SelectSelectorMode.LIST,
                    )
                )
            }
        )
        current = {CONF_MEMBERS: list(configured_members(self.hass, self.config_entry))}
        return self.async_show_form(
            step_id="members",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or current),
            errors=errors,
        )
