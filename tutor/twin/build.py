"""Build the simulator's twin of the learner's real proxy: the scenario with the real nginx config
(servers, weights, policy, timeouts, workers), the proxy's real ARP timers and the apps' measured
answer times, plus a list of what the twin leaves out (`Note`s), never silently.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from dataclasses import dataclass, field

from sim.nginxlex import LexError, directives

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
    """The twin cannot run; `code` and `values` name the reason for the [twin] catalogue (`err.<code>`)."""

    def __init__(self, message: str, code: str, **values: object) -> None:
        super().__init__(message)
        self.code, self.values = code, values


@dataclass(frozen=True)
class Note:
    """Something the twin left out or changed; `code` keys the [twin] text `note.<code>`."""

    code: str
    values: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"code": self.code, **self.values}


@dataclass
class Twin:
    """The scenario both sides run, where it came from, and what it leaves out."""

    scenario: object
    setup: object
    notes: list[Note]
    config_where: str


def config_files_from_lab(lab) -> dict[str, str]:
    """The lab proxy's config as `nginx -T` prints it, split into files (path -> text)."""
    from tutor.live.nginx_config import split_nginx_dump

    done = lab.exec("proxy", ["nginx", "-T"])
    files = split_nginx_dump(done.stdout) if done.returncode == 0 else {}
    if not files:
        why = (done.stderr.strip().splitlines() or ["no configuration files"])[-1][:200]
        raise TwinError(f"nginx -T on the lab's proxy failed: {why}", "nginx_t", why=why)
    return files


def build_twin(scenario, files: dict[str, str], machine=None) -> Twin:
    """The scenario with the config of `files` (an `nginx -T` dump) applied, and what it leaves out.

    `machine(address)`: the name of the real machine at `HOST:PORT` (or None); a config server
    the scenario does not have is named after it instead of its address."""
    from sim.nginxconf import NginxConfError, apply_to_scenario
    from sim.scenario import ScenarioError
    from tutor.live.nginx_config import lint_nginx_files

    lint = lint_nginx_files(files)
    try:
        if lint.error is not None:
            raise TwinError(f"the simulator cannot read the config: {lint.error}", "config", why=lint.error)
        setup = lint.setup
        try:
            twin, mapping = apply_to_scenario(setup, scenario)
        except (NginxConfError, ScenarioError) as exc:
            raise TwinError(f"the simulator cannot model the config: {exc}", "config", why=str(exc)) from None
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


def _named_after_machines(scenario, machine):
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


def shorten(scenario, duration: float | None) -> tuple[object, list[Note]]:
    """`scenario` cut to `duration` seconds (never longer); events after the end are left out."""
    if duration is None or duration >= scenario.duration:
        return scenario, []
    kept = tuple(event for event in scenario.events if event.at < duration)
    notes = [Note("after_end", {"server": e.server, "action": e.action, "at": e.at})
             for e in scenario.events if e.at >= duration]
    notes.insert(0, Note("shortened", {"duration": round(duration, 2), "full": scenario.duration}))
    return dataclasses.replace(scenario, duration=duration, events=kept), notes


def real_events(scenario) -> tuple[object, list[tuple[float, str, str]], list[Note]]:
    """The events the lab can do for real as (at, server, lab action); the scenario without the
    others (both sides then run the same), and a note for each left out."""
    kept, real, notes = [], [], []
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


_NTABLE = {"base_reachable": "base_reachable_time", "reachable": "reachable_time",
           "delay_probe": "delay_first_probe_time", "retrans": "retrans_time",
           "ucast_probes": "ucast_solicit", "mcast_probes": "mcast_solicit"}


def parse_ntable(text: str) -> dict:
    """`ip ntable show dev eth0 name arp_cache` -> NetworkSettings fields (seconds, counts)."""
    values = {}
    for key, name in _NTABLE.items():
        found = re.search(rf"(?<![a-z_]){key} (\d+)", text)
        if found:
            number = int(found.group(1))
            values[name] = number if name.endswith("solicit") else number / 1000
    return values


def with_timers(scenario, timers: dict) -> object:
    """`scenario` with the proxy's real neighbour (ARP) timers."""
    if not timers:
        return scenario
    return dataclasses.replace(scenario, network=dataclasses.replace(scenario.network, **timers))


def with_service(scenario, measured: dict[str, float]) -> tuple[object, list[Note]]:
    """Each server's app answers in its measured time (a constant), the rest as the scenario says."""
    servers, notes = [], []
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
