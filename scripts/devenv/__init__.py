"""`scripts/develop`: Home Assistant with two simulated Marstek batteries, in one command.

``python -m scripts.devenv`` (what ``scripts/develop`` runs, from the repository root) starts
the simulated batteries (``batteries.py``) and Home Assistant (``hass.py``) as child processes
(``processes.py``), writes the development configuration (``config.py``), installs what Home
Assistant would otherwise install on its first start (``requirements.py``) and sets everything
up through Home Assistant's own API (``provision.py``); ``run.py`` ties it together.
"""
