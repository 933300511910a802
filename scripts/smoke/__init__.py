"""The smoke run of `scripts/test-latest`: the newest Home Assistant release, started for real.

``python -m scripts.smoke --work DIR`` (run by scripts/test-latest inside the Debian sid chroot,
with the venv of requirements_smoke_latest.txt, in a network namespace that has only loopback)
starts one simulated battery (``simulator.py``) and ``hass`` with a fresh configuration folder
(``config.py``), onboards and adds the battery through Home Assistant's HTTP API
(``scripts.devenv.provision``), checks entities, a mode switch and the log (``checks.py``,
``logcheck.py``), stops everything and prints the timings (``run.py``).
"""
