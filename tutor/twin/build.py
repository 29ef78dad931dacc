"""Build the simulator's twin of the learner's real proxy: the scenario with the real nginx config
(servers, weights, policy, timeouts, workers), the proxy's real ARP timers and the apps' measured
answer times, plus a list of what the twin leaves out (`Note`s), never silently.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypedDict

from sim.nginxconf import NginxConfError
from sim.nginxlex import LexError, directives
from sim.scenario import ScenarioError
from tutor.i18n import tr
from tutor.scenarios import error_text

if TYPE_CHECKING:
    from sim.nginxconf import ProxySetup
    from sim.scenario import Event, Scenario, Server
    from tutor.lab.lab import Lab

TEXT = "twin"
"""The catalogue section of the twin's texts (tutor/locale/<lang>.toml)."""

MAX_RATE = 20.0
"""Requests per second the twin sends at most (the brief's bound; a classroom's proxy must not notice)."""
WINDOW_SLACK = 1e-6
"""Two requests exactly one second apart are in different seconds (float sums such as 21 x 0.05)."""
REAL_ACTIONS = ("stop", "start", "poweroff")
"""Scenario events the lab can do for real (`start` after a `poweroff` is the power coming back)."""
UNMODELLED = ("limit_req", "limit_conn", "proxy_cache", "keepalive", "proxy_next_upstream_timeout",
              "slow_start", "health_check", "resolver", "return", "rewrite", "proxy_buffering",
              "sticky", "queue", "split_clients", "mirror")
"""Directives that change what a request meets but that the simulator does not model."""


class TwinError(Exception):
    """The twin cannot run; `code` and `values` name the reason for the [twin] catalogue (`err.<code>`).
    `str()` is the English text; `message(lang)` the learner's (a value that is sim's ScenarioError is
    written in `lang` too, as are sim's NginxConfError with a code)."""

    def __init__(self, code: str, **values: object) -> None:
        self.code, self.values = code, values
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        values = {key: error_text(value, lang) if isinstance(value, (ScenarioError, NginxConfError)) else value
                  for key, value in self.values.items()}
        return tr(TEXT, f"err.{self.code}", lang, **values)


@dataclass(frozen=True)
class Note:
    """Something the twin left out or changed; `code` keys the [twin] text `note.<code>`."""

    code: str
    values: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, **self.values}


@dataclass
class Twin:
    """The scenario both sides run, where it came from, and what it leaves out."""

    scenario: Scenario
    setup: ProxySetup
    notes: list[Note]
    config_where: str


def config_files_from_lab(lab: Lab) -> dict[str, str]:
    """The lab proxy's config as `nginx -T` prints it, split into files (path -> text)."""
    from tutor.live.nginx_config import split_nginx_dump

    done = lab.exec("proxy", ["nginx", "-T"])
    files = split_nginx_dump(done.stdout) if done.returncode == 0 else {}
    if not files:
        why = (done.stderr.strip().splitlines() or ["no configuration files"])[-1][:200]
        raise TwinError("nginx_t", why=why)
    return files


def build_twin(scenario: Scenario, files: dict[str, str],
               machine: Callable[[str], str | None] | None = None) -> Twin:
    """The scenario with the config of `files` (an `nginx -T` dump) applied, and what it leaves out.

    `machine(address)`: the name of the real machine at `HOST:PORT` (or None); a config server
    the scenario does not have is named after it instead of its address."""
    from sim.nginxconf import apply_to_scenario
    from tutor.live.nginx_config import lint_nginx_files

    lint = lint_nginx_files(files)
    try:
        setup = lint.setup
        if lint.error is not None or setup is None:
            raise TwinError("config", why=lint.error or "-")
        try:
            twin, mapping = apply_to_scenario(setup, scenario)
        except (NginxConfError, ScenarioError) as exc:
            raise TwinError("config", why=exc) from None
        where = f"{str(setup.file).replace(str(lint.folder), '')}:{setup.line}"
    finally:
        shutil.rmtree(lint.folder, ignore_errors=True)
    if machine is not None:
        twin = _named_after_machines(twin, machine)
    notes = [Note(f"map_{item.code}", {"server": item.server, "address": item.address, "action": item.action,
                                       "at": round(item.at, 2)}) for item in mapping]
    for name, count in unmodelled_directives(files).items():
        notes.append(Note("directive", {"name": name, "count": count}))
    if twin.traffic.pattern == "closed":
        notes.append(Note("closed_loop", {}))
    return Twin(twin, setup, notes, where)


def _named_after_machines(scenario: Scenario, machine: Callable[[str], str | None]) -> Scenario:
    taken = {server.name for server in scenario.servers}
    servers = []
    for server in scenario.servers:
        name = machine(server.address) if server.name == server.address else None
        if name and name not in taken:
            taken.add(name)
            server = dataclasses.replace(server, name=name)
        servers.append(server)
    return dataclasses.replace(scenario, servers=tuple(servers))


def unmodelled_directives(files: dict[str, str]) -> dict[str, int]:
    """Directive name -> how often it appears, for the UNMODELLED ones in the config's files."""
    found: dict[str, int] = {}
    for text in files.values():
        try:
            for words, _, _ in directives(text.encode("utf-8", "replace")):
                if words and words[0] in UNMODELLED:
                    found[words[0]] = found.get(words[0], 0) + 1
        except LexError:
            continue
    return found


def shorten(scenario: Scenario, duration: float | None) -> tuple[Scenario, list[Note]]:
    """`scenario` cut to `duration` seconds (never longer); events after the end are left out."""
    if duration is None or duration >= scenario.duration:
        return scenario, []
    kept = tuple(event for event in scenario.events if event.at < duration)
    notes = [Note("after_end", {"server": e.server, "action": e.action, "at": e.at})
             for e in scenario.events if e.at >= duration]
    notes.insert(0, Note("shortened", {"duration": round(duration, 2), "full": scenario.duration}))
    return dataclasses.replace(scenario, duration=duration, events=kept), notes


def real_events(scenario: Scenario) -> tuple[Scenario, list[tuple[float, str, str]], list[Note]]:
    """The events the lab can do for real as (at, server, lab action); the scenario without the
    others (both sides then run the same), and a note for each left out."""
    kept: list[Event] = []
    real: list[tuple[float, str, str]] = []
    notes: list[Note] = []
    off: set[str] = set()
    for event in sorted(scenario.events, key=lambda e: e.at):
        if event.action not in REAL_ACTIONS:
            notes.append(Note("not_real", {"server": event.server, "action": event.action, "at": event.at}))
            continue
        action = event.action
        if action == "poweroff":
            off.add(event.server)
        elif action == "start" and event.server in off:
            action = "poweron"
            off.discard(event.server)
        kept.append(event)
        real.append((event.at, event.server, action))
    return dataclasses.replace(scenario, events=tuple(kept)), real, notes


class Timers(TypedDict, total=False):
    """The proxy's neighbour (ARP) timers that were read, as sim.NetworkSettings fields."""

    base_reachable_time: float
    reachable_time: float
    delay_first_probe_time: float
    retrans_time: float
    ucast_solicit: int
    mcast_solicit: int


_NTABLE_MS: dict[str, Literal["base_reachable_time", "reachable_time", "delay_first_probe_time", "retrans_time"]] = {
    "base_reachable": "base_reachable_time", "reachable": "reachable_time", "delay_probe": "delay_first_probe_time",
    "retrans": "retrans_time"}
_NTABLE_COUNTS: dict[str, Literal["ucast_solicit", "mcast_solicit"]] = {
    "ucast_probes": "ucast_solicit", "mcast_probes": "mcast_solicit"}


def parse_ntable(text: str) -> Timers:
    """`ip ntable show dev eth0 name arp_cache` -> NetworkSettings fields (seconds, counts)."""
    def value(key: str) -> int | None:
        found = re.search(rf"(?<![a-z_]){key} (\d+)", text)
        return int(found.group(1)) if found else None

    timers: Timers = {}
    for key, seconds in _NTABLE_MS.items():
        if (number := value(key)) is not None:
            timers[seconds] = number / 1000
    for key, count in _NTABLE_COUNTS.items():
        if (number := value(key)) is not None:
            timers[count] = number
    return timers


def with_timers(scenario: Scenario, timers: Timers) -> Scenario:
    """`scenario` with the proxy's real neighbour (ARP) timers."""
    if not timers:
        return scenario
    return dataclasses.replace(scenario, network=dataclasses.replace(scenario.network, **timers))


def with_service(scenario: Scenario, measured: dict[str, float]) -> tuple[Scenario, list[Note]]:
    """Each server's app answers in its measured time (a constant), the rest as the scenario says."""
    servers: list[Server] = []
    notes: list[Note] = []
    for server in scenario.servers:
        seconds = measured.get(server.address)
        if seconds is None:
            notes.append(Note("service_scenario", {"server": server.name}))
            servers.append(server)
            continue
        servers.append(dataclasses.replace(server, service={"dist": "const", "mean": max(seconds, 0.0001)}))
        notes.append(Note("service_measured", {"server": server.name, "ms": round(seconds * 1000, 1)}))
    return dataclasses.replace(scenario, servers=tuple(servers)), notes


def thin(times: list[float], max_rate: float = MAX_RATE) -> list[float]:
    """`times` (sorted) without the requests that would put more than `max_rate` in one second."""
    kept: list[float] = []
    limit = int(max_rate)
    for t in times:
        window = [k for k in kept[-limit:] if t - k < 1.0 - WINDOW_SLACK]
        if len(window) < limit:
            kept.append(t)
    return kept
