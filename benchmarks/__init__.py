"""Benchmarks, soak and fuzz runs of the Marstek protocol library against the simulator.

Every command here talks real UDP on loopback addresses (127.x.y.z) only. Importing this
package registers the protocol library as a bare package (``scripts/_protocol_entry.py``), so
the benchmarks run without Home Assistant. See docs/benchmarks.md.
"""

from __future__ import annotations

from .harness import load_protocol

load_protocol()
