"""One twin run: read the real config, send the scenario's traffic to the real proxy (bounded),
apply its events for real, then play the simulator on the same arrival times and compare.

`run_twin(scenario, side)` returns the documented JSON shape (tutor/twin/__init__.py). `side` is
the real system: `LabSide(lab)` for the lab, `tutor.twin.hosts.HostSide` for the learner's VMs.
"""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, NotRequired, Protocol, TypedDict

from tutor.twin import build, compare
from tutor.twin.build import Note, Timers, TwinError

if TYPE_CHECKING:
    from sim.scenario import Scenario
    from tutor.lab.lab import Lab

SENDER = Path(__file__).with_name("sender.py")
START_DELAY = 0.5
"""Seconds between the end of the probes and the first request (the event thread's head start)."""
MAX_TIMEOUT = 120.0
MAX_REQUESTS = 20 * 600
"""The sender's own hard cap (20/s for 10 minutes), whatever the plan says."""


class Applied(TypedDict):
    """One scenario event done for real: planned and done (or, on the learner's VMs, seen in the
    answers) `at` seconds after the start, by `action` on `machine`."""

    planned: float
    at: float
    server: str
    action: str
    machine: str
    told: NotRequired[float]      # the learner's VMs: when the learner was told
    assumed: NotRequired[bool]    # the learner's VMs: the answers never showed it


class Side(Protocol):
    """The real system of a twin run: `LabSide` (the lab) or `tutor.twin.hosts.HostSide` (the VMs)."""

    kind: str

    @property
    def proxy(self) -> tuple[str, int]: ...

    def config_files(self) -> dict[str, str]: ...

    def timers(self) -> Timers: ...

    def role(self, address: str) -> str | None: ...

    def sender(self) -> list[str]: ...

    def apply(self, action: str, role: str) -> None: ...

    def begin(self) -> None: ...

    def other_clients(self) -> tuple[int, tuple[str, ...]]: ...

    def restores(self) -> bool: ...

    def detect(self, applied: list[Applied], rows: list[compare.Row]) -> list[Applied]: ...

    def apps_down(self) -> list[str]: ...


class LabSide:
    """The real side in the lab: traffic from the laptop's namespace, events by the lab's controls."""

    kind = "lab"

    def __init__(self, lab: Lab) -> None:
        from tutor.lab.topology import ADDRESSES

        self.lab = lab
        self.roles = {address: role for role, address in ADDRESSES.items()}
        self._log_offset = 0

    @property
    def proxy(self) -> tuple[str, int]:
        return self.lab.address("proxy"), 80

    def config_files(self) -> dict[str, str]:
        return build.config_files_from_lab(self.lab)

    def timers(self) -> Timers:
        done = self.lab.exec("proxy", ["ip", "ntable", "show", "dev", "eth0", "name", "arp_cache"])
        return build.parse_ntable(done.stdout) if done.returncode == 0 else {}

    def role(self, address: str) -> str | None:
        """The lab machine at `address` (`HOST:PORT`), or None."""
        return self.roles.get(address.rsplit(":", 1)[0])

    def sender(self) -> list[str]:
        return self.lab.command("laptop", [sys.executable, str(SENDER)])

    def apply(self, action: str, role: str) -> None:
        {"stop": self.lab.stop, "start": self.lab.start, "poweroff": self.lab.poweroff,
         "poweron": self.lab.poweron}[action](role)

    def begin(self) -> None:
        path = self._access_log()
        self._log_offset = path.stat().st_size if path.exists() else 0

    def other_clients(self) -> tuple[int, tuple[str, ...]]:
        """Requests nginx logged during the run from any address but the laptop's, and who sent them."""
        path = self._access_log()
        if not path.exists():
            return 0, ()
        with open(path, "rb") as handle:
            handle.seek(self._log_offset)
            lines = handle.read(4_000_000).decode("utf-8", "replace").splitlines()
        laptop = self.lab.address("laptop")
        others = [line.split(" ", 1)[0] for line in lines if line and line.split(" ", 1)[0] != laptop]
        return len(others), tuple(dict.fromkeys(others))

    def restores(self) -> bool:
        """The lab is put back after a run (the learner's VMs are the learner's to change)."""
        return True

    def detect(self, applied: list[Applied], rows: list[compare.Row]) -> list[Applied]:
        """The lab did each event itself: its moment is known."""
        return applied

    def apps_down(self) -> list[str]:
        from tutor.lab.topology import APPS

        return [role for role in APPS if role in self.lab.roles() and self.lab.app_pid(role) is None]

    def _access_log(self) -> Path:
        return self.lab.data / "proxy" / "var" / "log" / "nginx" / "access.log"


def plan_times(scenario: Scenario) -> tuple[list[float], int, float]:
    """The scenario's arrival times as the simulator draws them (seeded), at most MAX_RATE a second;
    how many the scenario wanted; a per-request timeout that outlasts the longest predicted wait."""
    import sim

    result = sim.run(scenario, trace=True)
    times = sorted(record.t for record in result.records if record.t < scenario.duration)
    longest = max((record.latency for record in result.records), default=1.0)
    return build.thin(times), len(times), min(MAX_TIMEOUT, longest * 1.5 + 5.0)


def down_spans(events: list[Applied], end: float) -> dict[str, list[tuple[float, float]]]:
    """Server -> the (from, to) spans in which the applied events kept it down."""
    spans: dict[str, list[tuple[float, float]]] = {}
    since: dict[str, float] = {}
    for event in sorted(events, key=lambda e: e["at"]):
        if event["action"] in ("stop", "poweroff"):
            since.setdefault(event["server"], event["at"])
        elif event["server"] in since:
            spans.setdefault(event["server"], []).append((since.pop(event["server"]), event["at"]))
    for server, start in since.items():
        spans.setdefault(server, []).append((start, end + 3600))
    return spans


class _Recorder:
    """Reads the sender's lines as they come (probes, the start, requests)."""

    def __init__(self, stdout: IO[str], on_line: Callable[[dict], None] | None = None) -> None:
        self.stdout, self.on_line = stdout, on_line
        self.probes: list[dict] = []
        self.requests: list[dict] = []
        self.start: float | None = None
        self.started = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        for raw in self.stdout:
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if "probe" in line:
                self.probes.append(line)
            elif "start" in line:
                self.start = float(line["start"])
                self.started.set()
            elif "i" in line:
                self.requests.append(line)
                if self.on_line is not None:
                    self.on_line(line)
        self.started.set()


def measured_service(probes: list[dict]) -> dict[str, float]:
    """ADDR:PORT -> the median answer time of its probes that got an answer."""
    by: dict[str, list[float]] = {}
    for probe in probes:
        if probe.get("status"):
            by.setdefault(probe["probe"], []).append(float(probe["latency"]))
    return {address: sorted(times)[len(times) // 2] for address, times in by.items()}


def run_twin(scenario: Scenario, side: Side, duration: float | None = None, stop: threading.Event | None = None,
             on_line: Callable[[dict], None] | None = None, on_event: Callable[[Applied], None] | None = None,
             on_start: Callable[[float, list[compare.Row], list[str]], None] | None = None) -> dict:
    """Run the twin of `scenario` against `side`; the result in the documented JSON shape.

    Live hooks (called from this thread): `on_start(start_epoch, rows, servers)` once the first
    request is due (`rows`: the simulator's prediction at the planned times), `on_line(line)` per
    answered request, `on_event(event)` per event done for real. `stop` set: sending ends now.
    """
    stop = stop or threading.Event()
    scenario, notes = build.shorten(scenario, duration)
    twin = build.build_twin(scenario, side.config_files(), side.role)
    notes += twin.notes
    planned, real, event_notes = build.real_events(twin.scenario)
    notes += event_notes
    by_name = {server.name: server for server in planned.servers}
    lab_events: list[tuple[float, str, str, str]] = []
    for at, server, action in real:
        role = side.role(by_name[server].address) if server in by_name else None
        if role is None:
            notes.append(Note("not_real", {"server": server, "action": action, "at": at}))
            planned = dataclasses.replace(planned, events=tuple(e for e in planned.events
                                                                if not (e.at == at and e.server == server)))
        else:
            lab_events.append((at, server, action, role))
    timers = side.timers()
    if not timers:
        notes.append(Note("timers_default", {}))
    planned = build.with_timers(planned, timers)
    times, wanted, timeout = plan_times(planned)
    if len(times) < wanted:
        notes.append(Note("thinned", {"rate": build.MAX_RATE, "wanted": wanted, "sent": len(times)}))
    address, port = side.proxy
    probes = [server.address.rsplit(":", 1) for server in planned.servers if side.role(server.address)]
    plan = {"address": address, "port": port, "host": address, "start_delay": START_DELAY, "times": times,
            "timeout": timeout, "max_rate": build.MAX_RATE, "max_requests": MAX_REQUESTS,
            "probes": probes}   # only the machines given
    side.begin()
    proc = subprocess.Popen(side.sender(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    applied: list[Applied] = []
    stdin, stdout, stderr = proc.stdin, proc.stdout, proc.stderr
    assert stdin is not None and stdout is not None and stderr is not None  # Popen(...=PIPE)
    try:
        try:
            stdin.write(json.dumps(plan) + "\n")
            stdin.close()
        except BrokenPipeError:
            pass   # the sender is gone already: its stderr says why
        recorder = _Recorder(stdout, on_line)
        recorder.started.wait(60)
        if recorder.start is None:
            proc.kill()   # a sender that hangs would keep its stderr open
            raise TwinError("sender", why=stderr.read(300).strip() or "-")
        start = recorder.start
        if on_start is not None:   # the prediction at the planned times, with the apps as measured
            quick, _ = build.with_service(planned, measured_service(recorder.probes))
            on_start(start, _predict(quick, times, None), [server.name for server in planned.servers])
        for at, server, action, role in lab_events:
            if stop.wait(max(0.0, start + at - time.time())):
                break
            side.apply(action, role)
            applied.append({"planned": at, "at": round(time.time() - start, 3), "server": server,
                            "action": action, "machine": role})
            if on_event is not None:
                on_event(applied[-1])
        end = start + (times[-1] if times else 0) + timeout + 15
        while proc.poll() is None:
            if stop.wait(0.05):
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout + 15)
            elif time.time() > end:
                proc.kill()
        recorder.thread.join(5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    last_answer = max((start + line["t"] + line["latency"] for line in recorder.requests), default=time.time())
    measured_lines = sorted(recorder.requests, key=lambda line: line["t"])
    service = measured_service(recorder.probes)
    replay, service_notes = build.with_service(planned, service)
    notes += service_notes
    aliases = {role: s.name for s in replay.servers if (role := side.role(s.address))}
    names = {s.address: s.name for s in replay.servers}
    applied = side.detect(applied, compare.rows_from_sender(measured_lines, names, aliases))
    notes += [Note("not_seen", {"server": e["server"], "action": e["action"], "at": e["at"]})
              for e in applied if e.get("assumed")]
    down = down_spans(applied, planned.duration)
    left_down = [e["machine"] for e in applied if any(s[1] > planned.duration for s in down.get(e["server"], []))]
    evidence = compare.Evidence(
        workers=planned.nginx.workers, poweroff=any(e["action"] == "poweroff" for e in applied),
        timers=timers, late=sum(1 for line in recorder.requests if line["late"] > compare.LATE),
        app_down=tuple(name for name, srv in by_name.items()
                       if side.role(srv.address) in set(side.apps_down()) - set(left_down)),
        left_out=len(notes), scenario_down=down,
        period=sum(server.weight for server in planned.servers if not server.backup and not server.down) or 1)
    evidence.other_clients, evidence.other_addresses = side.other_clients()
    result = _compare(replay, measured_lines, applied, evidence, aliases)
    if evidence.phase:
        notes.append(Note("phase", {"phase": evidence.phase}))
    result.update({
        "scenario": scenario.name, "side": side.kind,
        "config": {"where": twin.config_where, "upstream": twin.setup.upstream, "policy": twin.setup.policy,
                   "servers": [{"name": s.name, "address": s.address, "weight": s.weight} for s in planned.servers],
                   "workers": planned.nginx.workers, "connect_timeout": planned.nginx.connect_timeout,
                   "timers": timers},
        "plan": {"requests": len(times), "duration": planned.duration, "max_rate": build.MAX_RATE,
                 "probes": len(probes) * 3, "wanted": wanted},
        "sender": {"sent": len(measured_lines), "late": evidence.late, "stopped": stop.is_set(),
                   "max_late": round(max((line["late"] for line in measured_lines), default=0.0), 4)},
        "service": {name: round(service.get(s.address, 0.0), 4) for name, s in by_name.items()},
        "left_out": [note.to_json() for note in notes],
        "ready_after": round(time.time() - last_answer, 3),
    })
    if side.restores():
        restore(side, applied)
    return result


def restore(side: Side, applied: list[Applied]) -> None:
    """Undo what the twin did and the scenario left undone: start stopped apps, power machines on."""
    state: dict[str, str] = {}
    for event in applied:
        state[event["machine"]] = event["action"]
    for machine, last in state.items():
        if last == "stop":
            side.apply("start", machine)
        elif last == "poweroff":
            side.apply("poweron", machine)


def _compare(replay: Scenario, lines: list[dict], applied: list[Applied], evidence: compare.Evidence,
             aliases: dict[str, str] | None = None) -> dict:
    """Play `replay` on the real arrival times and events, and compare it with the real lines."""

    servers = [server.name for server in replay.servers]
    names = {server.address: server.name for server in replay.servers}
    measured = compare.rows_from_sender(lines, names, aliases)
    events = [(e["at"], e["server"], e["action"]) for e in applied]
    predicted = _predict(replay, [row.t for row in measured], events) if measured else []
    diffs = compare.differences(predicted, measured, servers, evidence)
    return {
        "lanes": {"predicted": compare.lane(predicted, servers), "measured": compare.lane(measured, servers)},
        "requests": [{"t": round(m.t, 3), "predicted": _row(p), "measured": _row(m)}
                     for p, m in zip(predicted, measured)],
        "events": applied,
        "differences": [d.to_json() for d in diffs],
        "tolerance": {"count_fraction": compare.COUNT_FRACTION, "count_min": compare.COUNT_MIN,
                      "time_fraction": compare.TIME_FRACTION, "time_min": compare.TIME_MIN},
        "evidence": {"other_clients": evidence.other_clients, "other_addresses": list(evidence.other_addresses),
                     "apps_down": list(evidence.app_down)},
    }


def _predict(scenario: Scenario, times: list[float], events: list[tuple[float, str, str]] | None) -> list[compare.Row]:
    """The simulator's rows for requests at `times`; `events` (at, server, action) replace the
    scenario's when given (None: keep them)."""
    import sim

    if not times:
        return []
    scenario = dataclasses.replace(
        scenario, traffic=dataclasses.replace(scenario.traffic, pattern="trace", times=tuple(times)),
        duration=max(scenario.duration, times[-1] + 1.0), requests=0)
    if events is not None:
        scenario = dataclasses.replace(scenario, events=tuple(
            sim.Event(at=at, server=server, action="start" if action == "poweron" else action)
            for at, server, action in events))
    return compare.rows_from_sim(sim.run(scenario, trace=True).records)


def _row(row: compare.Row) -> dict:
    return {"server": row.server, "status": row.status, "latency": round(row.latency, 4), "tried": list(row.tried)}
