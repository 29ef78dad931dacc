"""Scenario files: frozen dataclasses, TOML loading and validation (DESIGN.md section 3).

Every key has a default. A file (or dict) without `[[server]]` tables gets the demo's three app
servers; it also gets the demo's event (app2 stops half way) unless it lists its own `[[event]]`s.
Errors raise `ScenarioError`: a `code` and its parameters (tutor translates them), and an English
`str()` of one line: `file: key: message`.
"""

from __future__ import annotations

import ipaddress
import math
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.address import AddressError, parse_address
from sim.files import read_text_limited

PATTERNS = ("poisson", "uniform", "closed", "trace")
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH")
NON_IDEMPOTENT_METHODS = frozenset({"POST", "PATCH"})
POLICIES = ("round_robin", "least_conn", "ip_hash", "random", "random_two_least_conn")
NEXT_UPSTREAM = (
    "error", "timeout", "invalid_header", "http_500", "http_502", "http_503", "http_504",
    "http_403", "http_404", "http_429", "non_idempotent",
)
ACTIONS = ("stop", "start", "hang", "poweroff", "slow")
MAX_CLIENTS = 65536
"""Client k gets address 10.<k // 256>.<k % 256>.1, so there are at most 65536 distinct ones."""

# Limits (documented in assets/scenarios/README.md): far beyond any lesson or demo, low enough
# that every accepted scenario runs within seconds to a few minutes and a bounded amount of memory.
MAX_FILE_BYTES = 1_000_000
MAX_SERVERS = 1000
MAX_EVENTS = 10_000
MAX_WORKERS = 1024
MAX_REQUESTS = 1_000_000
"""Requests in one run: `requests`, or duration x rate for poisson and uniform traffic."""
MAX_RATE = 100_000.0
MAX_SECONDS = 1_000_000.0
"""Every time in a scenario (duration, timeouts, latency, service times, event times) is below this."""
MAX_FACTOR = 1000.0
MAX_INTEGER = 2**63 - 1
MAX_NAME = 64
MAX_TEXT = 200
DISTS = {"exp": ("mean",), "const": ("mean",), "uniform": ("low", "high"), "lognormal": ("mean", "sigma")}


class ScenarioError(ValueError):
    """A scenario that cannot be used. `code` names the reason (a key of `TEXTS`, or `address.` and
    an `AddressError` code), `values` fill its text in; `message` is that text in English and
    `str(error)` is `file: key: message`. tutor shows the text by code in the learner's language."""

    LIMIT = " (the simulator's limit)"
    TEXTS = {
        "file": "{reason}",
        "toml": "{reason}",
        "toml_too_deep": "arrays or tables nested too deeply",
        "warmup_fraction": "must be a fraction below 1",
        "no_server": "at least one server is needed",
        "direct_one_server": "a direct scenario (clients -> ONE web server, no nginx) has exactly one server, "
                             "not {count}: remove `direct = true` to simulate nginx in front of several servers",
        "name_twice": "'{name}' is used twice",
        "backup_policy": "nginx does not allow backup servers with {policy}",
        "all_backup": "at least one server must not be a backup",
        "unknown_event_server": "no server named '{name}' (servers: {names})",
        "too_many_servers": "{count:,} servers: at most {limit:,}" + LIMIT,
        "too_many_events": "{count:,} events: at most {limit:,}" + LIMIT,
        "too_many_workers": "at most {limit:,} worker processes" + LIMIT,
        "too_many_requests": "at most {limit:,} requests in one run" + LIMIT,
        "rate_limit": "at most {limit:,.0f} requests per second" + LIMIT,
        "too_many_times": "{count:,} arrival times: at most {limit:,} requests in one run" + LIMIT,
        "duration_rate": "duration x rate = {requests:,.0f} requests: at most {limit:,} in one run" + LIMIT,
        "closed_no_time": "a closed loop needs time between a client's requests: set nginx.latency, "
                          "traffic.think_time or a service time above 0",
        "seconds_limit": "at most {limit:,.0f} seconds" + LIMIT,
        "request_cap": "more than {limit:,} requests in one run" + LIMIT + "; a closed loop needs time between "
                       "requests: latency, think_time or service",
        "not_printable": "must be printable text of at most {limit} characters, without control characters",
        "title_type": 'must be a string or {{ id = "…", en = "…" }}',
        "at_most": "must be at most {limit}",
        "at_most_linux": "must be at most {limit} (Linux's limit)",
        "client_address_ipv4": "must be an IPv4 address like 10.37.19.1",
        "client_address_room": "leaves no room for {clients} clients in separate /24 networks",
        "times_not_trace": 'is used only with pattern = "trace"',
        "times_needed": 'pattern = "trace" needs a non-empty array of arrival times (seconds)',
        "times_decrease": "arrival times must not decrease",
        "string_list": "must be a list of strings",
        "unknown_next_upstream": "unknown value '{value}' (use: {choices})",
        "not_used_by_dist": 'not used by dist = "{dist}"',
        "high_below_low": "must be at least low",
        "share": "must be a share between 0 and 1",
        "status": "must be 0 (connection closed) or 100-599",
        "required": "is required",
        "not_table": "must be a table",
        "unknown_key": "unknown key (known: {known})",
        "not_array_of_tables": "must be an array of tables ([[{table}]])",
        "too_many_tables": "{count:,} tables: at most {limit:,}" + LIMIT,
        "not_non_empty_string": "must be a non-empty string",
        "not_string": "must be a string",
        "not_choice": "must be one of: {choices}",
        "not_bool": "must be true or false",
        "int_too_big": "must be at most {limit:,}",
        "not_int": "must be an integer",
        "not_non_negative_int": "must be a non-negative integer",
        "not_positive_int": "must be a positive integer",
        "int_below": "must be an integer >= {minimum}",
        "not_positive_number": "must be a positive number",
        "number_below": "must be a number >= {minimum:g}",
        "number_limit": "must be at most {limit:,.0f}" + LIMIT,
        "address_not_printable": "must be printable text",
        "address_too_long": "must be at most {limit} characters",
    }

    def __init__(self, source: str, key: str, code: str, **values: object) -> None:
        if code.startswith("address."):
            message = AddressError.TEXTS[code.removeprefix("address.")].format(**values)
        else:
            message = self.TEXTS[code].format(**values)
        super().__init__(f"{source}: {key}: {message}")
        self.source, self.key, self.message = source, key, message
        self.code, self.values = code, values


@dataclass(frozen=True)
class Traffic:
    """How clients send requests (`[traffic]`)."""

    pattern: str = "poisson"
    rate: float = 20.0
    clients: int = 1
    think_time: float = 0.0
    method: str = "GET"
    client_address: str = "10.0.0.1"  # the first client; client k is k /24 networks further on
    times: tuple[float, ...] = ()     # pattern "trace": request k arrives at times[k - 1] (seconds)


@dataclass(frozen=True)
class NginxSettings:
    """The proxy in front of the servers (`[nginx]`). `next_upstream` is a tuple ('off' -> ())."""

    policy: str = "round_robin"
    next_upstream: tuple[str, ...] = ("error", "timeout")
    next_upstream_tries: int = 0
    connect_timeout: float = 60.0
    read_timeout: float = 60.0
    workers: int = 1
    zone: bool = False
    latency: float = 0.0005
    config: str = ""


@dataclass(frozen=True)
class NetworkSettings:
    """The proxy's Linux network stack, for powered-off servers (`[network]`; sim/network.py).

    Times in seconds. `reachable_time` = 0 draws it from `base_reachable_time` (0.5-1.5 x, seeded),
    as Linux does; a positive value pins it (the value `ip ntable show` prints as `reachable`).
    """

    base_reachable_time: float = 30.0     # net.ipv4.neigh.<dev>.base_reachable_time_ms / 1000
    reachable_time: float = 0.0
    delay_first_probe_time: float = 5.0   # net.ipv4.neigh.<dev>.delay_first_probe_time
    retrans_time: float = 1.0             # net.ipv4.neigh.<dev>.retrans_time_ms / 1000
    ucast_solicit: int = 3                # probes before a known entry fails
    mcast_solicit: int = 3                # probes before a new resolution fails
    syn_retries: int = 6                  # net.ipv4.tcp_syn_retries
    syn_linear_timeouts: int = 4          # net.ipv4.tcp_syn_linear_timeouts (Linux >= 6.5; 0 before)


def _default_service() -> dict:
    return {"dist": "exp", "mean": 0.05}


def _default_fail() -> dict:
    return {"every": 0, "rate": 0.0, "status": 500}


@dataclass(frozen=True)
class Server:
    """One upstream server (`[[server]]`) and the app behind it.

    `service` is a dict: {"dist": "exp"|"const", "mean": s}, {"dist": "uniform", "low": a, "high": b}
    or {"dist": "lognormal", "mean": s, "sigma": g} (mean of the time itself; sigma of its log).
    `fail` is {"every": N, "rate": p, "status": code}; status 0 = connection closed unanswered.
    """

    name: str = "app1"
    address: str = "10.37.19.46:3000"
    weight: int = 1
    max_fails: int = 1
    fail_timeout: float = 10.0
    max_conns: int = 0
    backup: bool = False
    down: bool = False
    concurrency: int = 1
    queue: int = -1
    service: dict = field(default_factory=_default_service)
    fail: dict = field(default_factory=_default_fail)


@dataclass(frozen=True)
class Event:
    """A scheduled change to a server (`[[event]]`); `factor` is used by `slow`."""

    at: float
    server: str
    action: str
    factor: float = 4.0


DEMO_SERVERS = (
    Server(name="app1", address="10.37.19.46:3000"),
    Server(name="app2", address="10.37.19.182:3000"),
    Server(name="app3", address="10.37.19.48:3000"),
)


def _demo_events(duration: float) -> tuple[Event, ...]:
    return (Event(at=duration / 2, server="app2", action="stop"),)


@dataclass(frozen=True)
class Scenario:
    """A whole simulation: what runs, for how long, and what happens when."""

    name: str = "demo"
    title: dict = field(default_factory=lambda: {"id": "Satu server mati", "en": "One server dies"})
    seed: int = 1
    duration: float = 60.0
    requests: int = 0
    warmup: float = 0.0
    traffic: Traffic = field(default_factory=Traffic)
    nginx: NginxSettings = field(default_factory=NginxSettings)
    network: NetworkSettings = field(default_factory=NetworkSettings)
    servers: tuple[Server, ...] = DEMO_SERVERS
    events: tuple[Event, ...] = _demo_events(60.0)
    source: str = "<default>"
    direct: bool = False  # drawn as clients -> one web server, no proxy (lessons before nginx is taught)

    def server(self, name: str) -> Server:
        """The server called `name` (KeyError if none)."""
        for server in self.servers:
            if server.name == name:
                return server
        raise KeyError(name)


def default_scenario() -> Scenario:
    """The demo: 3 app servers behind nginx, round robin, app2 stops half way."""
    return Scenario()


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a TOML scenario file; raises `ScenarioError` (also for I/O and TOML errors)."""
    source = str(path)
    try:
        text = read_text_limited(path, MAX_FILE_BYTES)
    except OSError as exc:
        raise ScenarioError(source, "file", "file", reason=exc.strerror or str(exc)) from None
    try:
        data = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or an integer of thousands of digits
        raise ScenarioError(source, "toml", "toml", reason=str(exc)) from None
    except RecursionError:
        raise ScenarioError(source, "toml", "toml_too_deep") from None
    return scenario_from_dict(data, source)


def scenario_from_dict(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Build and validate a Scenario from parsed TOML; `source` names it in error messages."""
    check = _Checker(source)
    check.known(data, "", ("scenario", "traffic", "nginx", "network", "server", "event"))
    head = check.table(data, "scenario")
    check.known(head, "scenario", ("name", "title", "seed", "duration", "requests", "warmup", "direct"))
    base = Scenario()
    name = check.text(head, "scenario", "name", base.name, MAX_NAME)
    title = _title(check, head, base.title)
    seed = check.integer(head, "scenario", "seed", base.seed, minimum=None)
    requests = check.integer(head, "scenario", "requests", base.requests, minimum=0)
    # with requests > 0 the run stops after them and `duration` is not used (DESIGN.md section 3)
    duration = check.number(head, "scenario", "duration", base.duration, minimum=0.0, strict=True,
                            maximum=math.inf if requests else MAX_SECONDS)
    warmup = check.number(head, "scenario", "warmup", base.warmup, minimum=0.0)
    direct = check.boolean(head, "scenario", "direct", base.direct)
    if warmup >= 1.0:
        raise ScenarioError(source, "scenario.warmup", "warmup_fraction")
    traffic = _traffic(check, check.table(data, "traffic"))
    nginx = _nginx(check, check.table(data, "nginx"))
    network = _network(check, check.table(data, "network"))
    if "server" in data:
        servers = tuple(_server(check, raw, i) for i, raw in enumerate(check.tables(data, "server", MAX_SERVERS), 1))
    else:
        servers = DEMO_SERVERS
    if "event" in data:
        events = tuple(_event(check, raw, i) for i, raw in enumerate(check.tables(data, "event", MAX_EVENTS), 1))
    elif "server" in data:
        events = ()
    else:
        events = _demo_events(duration)
    scenario = Scenario(name=name, title=title, seed=seed, duration=duration, requests=requests,
                        warmup=warmup, traffic=traffic, nginx=nginx, network=network, servers=servers,
                        events=events, source=source, direct=direct)
    validate(scenario)
    return scenario


def validate(scenario: Scenario) -> None:
    """Cross-checks that involve several tables (also useful after `dataclasses.replace`)."""
    source = scenario.source
    if not scenario.servers:
        raise ScenarioError(source, "server", "no_server")
    if scenario.direct and len(scenario.servers) != 1:  # also after an nginx config's upstream is applied
        raise ScenarioError(source, "scenario.direct", "direct_one_server", count=len(scenario.servers))
    _check_limits(scenario)
    names = [server.name for server in scenario.servers]
    seen: set[str] = set()
    for index, server in enumerate(scenario.servers, 1):
        if server.name in seen:
            raise ScenarioError(source, f"server[{index}].name", "name_twice", name=server.name)
        seen.add(server.name)
        if server.backup and scenario.nginx.policy in ("ip_hash", "random", "random_two_least_conn"):
            raise ScenarioError(source, f"server[{index}].backup", "backup_policy",
                                policy=scenario.nginx.policy)
    if all(server.backup for server in scenario.servers):
        raise ScenarioError(source, "server", "all_backup")
    for index, event in enumerate(scenario.events, 1):
        if event.server not in names:
            raise ScenarioError(source, f"event[{index}].server", "unknown_event_server",
                                name=event.server, names=", ".join(names))


def _check_limits(scenario: Scenario) -> None:
    """Refuse what would run for hours or fill the memory (the limits are documented)."""
    source, nginx, traffic = scenario.source, scenario.nginx, scenario.traffic

    def refuse(key: str, code: str, **values: object) -> None:
        raise ScenarioError(source, key, code, **values)

    if len(scenario.servers) > MAX_SERVERS:
        refuse("server", "too_many_servers", count=len(scenario.servers), limit=MAX_SERVERS)
    if len(scenario.events) > MAX_EVENTS:
        refuse("event", "too_many_events", count=len(scenario.events), limit=MAX_EVENTS)
    if nginx.workers > MAX_WORKERS:
        refuse("nginx.workers", "too_many_workers", limit=MAX_WORKERS)
    if scenario.requests > MAX_REQUESTS:
        refuse("scenario.requests", "too_many_requests", limit=MAX_REQUESTS)
    if traffic.rate > MAX_RATE:
        refuse("traffic.rate", "rate_limit", limit=MAX_RATE)
    if len(traffic.times) > MAX_REQUESTS:
        refuse("traffic.times", "too_many_times", count=len(traffic.times), limit=MAX_REQUESTS)
    if not scenario.requests and traffic.pattern in ("poisson", "uniform") \
            and scenario.duration * traffic.rate > MAX_REQUESTS:
        refuse("scenario.duration", "duration_rate", requests=scenario.duration * traffic.rate,
               limit=MAX_REQUESTS)
    if traffic.pattern == "closed" and nginx.latency + traffic.think_time == 0 and any(
            _shortest_service(server.service) == 0 for server in scenario.servers):
        raise ScenarioError(source, "traffic.pattern", "closed_no_time")
    times = {"nginx.connect_timeout": nginx.connect_timeout,
             "nginx.read_timeout": nginx.read_timeout, "nginx.latency": nginx.latency,
             "traffic.think_time": traffic.think_time}
    if not scenario.requests:  # with requests > 0 the run stops after them: duration is not used
        times["scenario.duration"] = scenario.duration
    for key, value in times.items():
        if value > MAX_SECONDS:
            refuse(key, "seconds_limit", limit=MAX_SECONDS)
    for index, server in enumerate(scenario.servers, 1):
        for key, text in (("name", server.name), ("address", server.address)):  # also from nginx configs
            if not printable(text, MAX_TEXT):
                raise ScenarioError(source, f"server[{index}].{key}", "not_printable", limit=MAX_TEXT)


def _shortest_service(service: dict) -> float:
    return service["low"] if service["dist"] == "uniform" else service["mean"]


def printable(text: str, limit: int) -> bool:
    """Whether `text` is 1..limit characters with no control, format or unassigned character."""
    return 0 < len(text) <= limit and all(
        unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") for char in text)


def _title(check: _Checker, head: dict, default: dict) -> dict:
    if "title" not in head:
        return dict(default)
    raw = head["title"]
    if isinstance(raw, str):
        text = check.text(head, "scenario", "title", "")
        return {"id": text, "en": text}
    if not isinstance(raw, dict):
        raise ScenarioError(check.source, "scenario.title", "title_type")
    check.known(raw, "scenario.title", ("id", "en"))
    return {lang: check.text(raw, "scenario.title", lang, "") for lang in raw}


def _traffic(check: _Checker, raw: dict) -> Traffic:
    where, base = "traffic", Traffic()
    check.known(raw, where, ("pattern", "rate", "clients", "think_time", "method", "client_address", "times"))
    clients = check.integer(raw, where, "clients", base.clients, minimum=1)
    if clients > MAX_CLIENTS:
        raise ScenarioError(check.source, "traffic.clients", "at_most", limit=MAX_CLIENTS)
    client_address = check.string(raw, where, "client_address", base.client_address)
    try:
        first = ipaddress.IPv4Address(client_address)
    except ValueError:
        raise ScenarioError(check.source, "traffic.client_address", "client_address_ipv4") from None
    if (int(first) >> 8) + clients - 1 > 0xFFFFFF:
        raise ScenarioError(check.source, "traffic.client_address", "client_address_room",
                            clients=clients)
    pattern = check.choice(raw, where, "pattern", base.pattern, PATTERNS)
    return Traffic(
        pattern=pattern,
        rate=check.number(raw, where, "rate", base.rate, minimum=0.0, strict=True, maximum=MAX_RATE),
        clients=check.integer(raw, where, "clients", base.clients, minimum=1),
        think_time=check.number(raw, where, "think_time", base.think_time, minimum=0.0),
        method=check.choice(raw, where, "method", base.method, METHODS),
        client_address=client_address,
        times=_times(check, raw, pattern),
    )


def _times(check: _Checker, raw: dict, pattern: str) -> tuple[float, ...]:
    """`times` of a trace: arrival times in seconds, in order (given with pattern "trace" only)."""
    if pattern != "trace":
        if "times" in raw:
            raise ScenarioError(check.source, "traffic.times", "times_not_trace")
        return ()
    values = raw.get("times")
    if not isinstance(values, list) or not values:
        raise ScenarioError(check.source, "traffic.times", "times_needed")
    times = tuple(check.number({"times": value}, "traffic", "times", 0.0, minimum=0.0) for value in values)
    if any(later < earlier for earlier, later in zip(times, times[1:])):
        raise ScenarioError(check.source, "traffic.times", "times_decrease")
    return times


def _nginx(check: _Checker, raw: dict) -> NginxSettings:
    where, base = "nginx", NginxSettings()
    check.known(raw, where, ("policy", "next_upstream", "next_upstream_tries", "connect_timeout",
                             "read_timeout", "workers", "zone", "latency", "config"))
    next_upstream = base.next_upstream
    if "next_upstream" in raw:
        values = raw["next_upstream"]
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ScenarioError(check.source, "nginx.next_upstream", "string_list")
        if values == ["off"]:
            values = []
        for value in values:
            if value not in NEXT_UPSTREAM:
                raise ScenarioError(check.source, "nginx.next_upstream", "unknown_next_upstream",
                                    value=value, choices=", ".join(("off", *NEXT_UPSTREAM)))
        next_upstream = tuple(dict.fromkeys(values))
    return NginxSettings(
        policy=check.choice(raw, where, "policy", base.policy, POLICIES),
        next_upstream=next_upstream,
        next_upstream_tries=check.integer(raw, where, "next_upstream_tries", base.next_upstream_tries,
                                          minimum=0),
        connect_timeout=check.number(raw, where, "connect_timeout", base.connect_timeout, 0.0, strict=True),
        read_timeout=check.number(raw, where, "read_timeout", base.read_timeout, 0.0, strict=True),
        workers=check.integer(raw, where, "workers", base.workers, minimum=1),
        zone=check.boolean(raw, where, "zone", base.zone),
        latency=check.number(raw, where, "latency", base.latency, minimum=0.0),
        config=check.text(raw, where, "config", base.config, allow_empty=True),
    )


def _network(check: _Checker, raw: dict) -> NetworkSettings:
    where, base = "network", NetworkSettings()
    check.known(raw, where, ("base_reachable_time", "reachable_time", "delay_first_probe_time",
                             "retrans_time", "ucast_solicit", "mcast_solicit", "syn_retries",
                             "syn_linear_timeouts"))
    network = NetworkSettings(
        base_reachable_time=check.number(raw, where, "base_reachable_time", base.base_reachable_time,
                                         0.0, strict=True),
        reachable_time=check.number(raw, where, "reachable_time", base.reachable_time, minimum=0.0),
        delay_first_probe_time=check.number(raw, where, "delay_first_probe_time",
                                            base.delay_first_probe_time, minimum=0.0),
        retrans_time=check.number(raw, where, "retrans_time", base.retrans_time, 0.0, strict=True),
        ucast_solicit=check.integer(raw, where, "ucast_solicit", base.ucast_solicit, minimum=0),
        mcast_solicit=check.integer(raw, where, "mcast_solicit", base.mcast_solicit, minimum=1),
        syn_retries=check.integer(raw, where, "syn_retries", base.syn_retries, minimum=1),
        syn_linear_timeouts=check.integer(raw, where, "syn_linear_timeouts", base.syn_linear_timeouts,
                                          minimum=0),
    )
    if network.syn_retries > 127:
        raise ScenarioError(check.source, "network.syn_retries", "at_most_linux", limit=127)
    if network.syn_linear_timeouts > 127:
        raise ScenarioError(check.source, "network.syn_linear_timeouts", "at_most", limit=127)
    return network


def _server(check: _Checker, raw: dict, index: int) -> Server:
    where = f"server[{index}]"
    base = DEMO_SERVERS[index - 1] if index <= len(DEMO_SERVERS) else Server(
        name=f"app{index}", address=f"{ipaddress.IPv4Address('10.37.19.45') + index}:3000")
    check.known(raw, where, ("name", "address", "weight", "max_fails", "fail_timeout", "max_conns",
                             "backup", "down", "concurrency", "queue", "service", "fail"))
    return Server(
        name=check.text(raw, where, "name", base.name, MAX_NAME),
        address=check.address(raw, where, "address", base.address),
        weight=check.integer(raw, where, "weight", base.weight, minimum=1),
        max_fails=check.integer(raw, where, "max_fails", base.max_fails, minimum=0),
        fail_timeout=check.number(raw, where, "fail_timeout", base.fail_timeout, minimum=0.0),
        max_conns=check.integer(raw, where, "max_conns", base.max_conns, minimum=0),
        backup=check.boolean(raw, where, "backup", base.backup),
        down=check.boolean(raw, where, "down", base.down),
        concurrency=check.integer(raw, where, "concurrency", base.concurrency, minimum=1),
        queue=check.integer(raw, where, "queue", base.queue, minimum=-1),
        service=_service(check, raw, where),
        fail=_fail(check, raw, where),
    )


def _service(check: _Checker, raw: dict, where: str) -> dict:
    if "service" not in raw:
        return _default_service()
    table = check.table(raw, "service", where)
    where = f"{where}.service"
    check.known(table, where, ("dist", "mean", "low", "high", "sigma"))
    dist = check.choice(table, where, "dist", "exp", tuple(DISTS))
    for key in table:
        if key != "dist" and key not in DISTS[dist]:
            raise ScenarioError(check.source, f"{where}.{key}", "not_used_by_dist", dist=dist)
    if dist == "uniform":
        low = check.number(table, where, "low", 0.0, minimum=0.0)
        high = check.number(table, where, "high", 0.1, minimum=0.0)
        if high < low:
            raise ScenarioError(check.source, f"{where}.high", "high_below_low")
        return {"dist": dist, "low": low, "high": high}
    service = {"dist": dist, "mean": check.number(table, where, "mean", 0.05, minimum=0.0,
                                                   strict=dist != "const")}
    if dist == "lognormal":
        service["sigma"] = check.number(table, where, "sigma", 0.5, minimum=0.0)
    return service


def _fail(check: _Checker, raw: dict, where: str) -> dict:
    if "fail" not in raw:
        return _default_fail()
    table = check.table(raw, "fail", where)
    where = f"{where}.fail"
    check.known(table, where, ("every", "rate", "status"))
    rate = check.number(table, where, "rate", 0.0, minimum=0.0)
    if rate > 1.0:
        raise ScenarioError(check.source, f"{where}.rate", "share")
    status = check.integer(table, where, "status", 500, minimum=0)
    if status != 0 and not 100 <= status <= 599:
        raise ScenarioError(check.source, f"{where}.status", "status")
    return {"every": check.integer(table, where, "every", 0, minimum=0), "rate": rate, "status": status}


def _event(check: _Checker, raw: Any, index: int) -> Event:
    where = f"event[{index}]"
    check.known(raw, where, ("at", "server", "action", "factor"))
    for key in ("at", "server", "action"):
        if key not in raw:
            raise ScenarioError(check.source, f"{where}.{key}", "required")
    return Event(
        at=check.number(raw, where, "at", 0.0, minimum=0.0),
        server=check.text(raw, where, "server", "", MAX_NAME),
        action=check.choice(raw, where, "action", "", ACTIONS),
        factor=check.number(raw, where, "factor", 4.0, minimum=0.0, strict=True, maximum=MAX_FACTOR),
    )


class _Checker:
    """Typed reads from TOML tables that raise `ScenarioError` with the key's full path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, key: str, code: str, **values: object) -> ScenarioError:
        return ScenarioError(self.source, f"{where}.{key}" if where else key, code, **values)

    def known(self, raw: Any, where: str, keys: tuple[str, ...]) -> None:
        if not isinstance(raw, dict):
            raise ScenarioError(self.source, where, "not_table")
        for key in raw:
            if key not in keys:
                raise self.fail(where, key, "unknown_key", known=", ".join(keys))

    def table(self, raw: dict, key: str, where: str = "") -> dict:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(where, key, "not_table")
        return value

    def tables(self, raw: dict, key: str, limit: int) -> list:
        value = raw[key]
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self.fail("", key, "not_array_of_tables", table=key)
        if len(value) > limit:
            raise self.fail("", key, "too_many_tables", count=len(value), limit=limit)
        return value

    def string(self, raw: dict, where: str, key: str, default: str, allow_empty: bool = False) -> str:
        value = raw.get(key, default)
        if not isinstance(value, str) or (not value and not allow_empty and key in raw):
            raise self.fail(where, key, "not_non_empty_string" if not allow_empty else "not_string")
        return value

    def choice(self, raw: dict, where: str, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = raw.get(key, default)
        if value not in choices:
            raise self.fail(where, key, "not_choice", choices=", ".join(choices))
        return value

    def boolean(self, raw: dict, where: str, key: str, default: bool) -> bool:
        value = raw.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(where, key, "not_bool")
        return value

    def integer(self, raw: dict, where: str, key: str, default: int, minimum: int | None) -> int:
        value = raw.get(key, default)
        if isinstance(value, int) and abs(value) > MAX_INTEGER:
            raise self.fail(where, key, "int_too_big", limit=MAX_INTEGER)
        if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
            if minimum is None:
                raise self.fail(where, key, "not_int")
            code = {0: "not_non_negative_int", 1: "not_positive_int"}.get(minimum, "int_below")
            raise self.fail(where, key, code, minimum=minimum)
        return value

    def number(self, raw: dict, where: str, key: str, default: float, minimum: float,
               strict: bool = False, maximum: float = MAX_SECONDS) -> float:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or value < minimum or (strict and value <= minimum):
            code = "not_positive_number" if strict and minimum == 0 else "number_below"
            raise self.fail(where, key, code, minimum=minimum)
        if value > maximum:
            raise self.fail(where, key, "number_limit", limit=maximum)
        return float(value)

    def text(self, raw: dict, where: str, key: str, default: str, limit: int = MAX_TEXT,
             allow_empty: bool = False) -> str:
        """A string of printable characters (no control or format characters)."""
        value = self.string(raw, where, key, default, allow_empty)
        if value and not printable(value, limit):
            raise self.fail(where, key, "not_printable", limit=limit)
        return value

    def address(self, raw: dict, where: str, key: str, default: str) -> str:
        """A `HOST[:PORT]` string by the rule of sim/address.py."""
        value = self.string(raw, where, key, default)
        if not printable(value, len(value)):
            raise self.fail(where, key, "address_not_printable")
        try:
            parse_address(value)
        except AddressError as error:
            raise self.fail(where, key, f"address.{error.code}", **error.values) from None
        if len(value) > MAX_TEXT:
            raise self.fail(where, key, "address_too_long", limit=MAX_TEXT)
        return value
