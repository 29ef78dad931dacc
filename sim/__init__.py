"""A SimPy model of clients -> nginx -> backends that behaves like real nginx.

Pure Python: this package never imports Textual or anything of the UI.
`run(scenario)` plays a scenario headless; `Simulation` steps one for an animation.
"""

from sim.engine import Simulation, client_address, run
from sim.events import ServerState, SimEvent, SimState
from sim.result import RequestRecord, Result
from sim.scenario import (
    Event,
    NginxSettings,
    Scenario,
    ScenarioError,
    Server,
    Traffic,
    default_scenario,
    load_scenario,
    scenario_from_dict,
)

__all__ = [
    "Event", "NginxSettings", "RequestRecord", "Result", "Scenario", "ScenarioError", "Server",
    "ServerState", "SimEvent", "SimState", "Simulation", "Traffic", "client_address",
    "default_scenario", "load_scenario", "run", "scenario_from_dict",
]
