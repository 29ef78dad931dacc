"""A SimPy model of clients -> nginx -> backends that behaves like real nginx.

Pure Python: this package never imports Textual or anything of the UI.
`run(scenario)` plays a scenario headless; `Simulation` steps one for an animation.

The names below are imported on first use, so the small helper modules (`sim.files`,
`sim.address`) can be used without loading SimPy.
"""

from __future__ import annotations

import importlib

_HOMES = {
    "Simulation": "sim.engine", "client_address": "sim.engine", "run": "sim.engine",
    "ServerState": "sim.events", "SimEvent": "sim.events", "SimState": "sim.events",
    "RequestRecord": "sim.result", "Result": "sim.result",
    **{name: "sim.scenario" for name in (
        "Event", "NetworkSettings", "NginxSettings", "Scenario", "ScenarioError", "Server", "Traffic",
        "default_scenario", "load_scenario", "scenario_from_dict")},
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
