"""`Player`: drives a `sim.Simulation` for the view (no widgets here, so it is easy to test).

It advances the model in slices, turns the simulator's event stream into log entries, glyph
motion and per-second metrics, and applies the learner's controls (speed, pause is the view's,
server actions, policy, rate).
"""

from __future__ import annotations

import math
from collections import Counter as Tally, deque
from dataclasses import replace

from sim import Scenario, ScenarioError
from sim import events as ev
from tutor.simview.eventlog import LogEntry
from tutor.simview.frame import POLICIES, Counters, Frame, ServerView
from tutor.simview.series import Series

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
RATES = (1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 50.0, 75.0, 100.0, 150.0, 200.0, 300.0, 500.0)
LOG_SIZE = 500
FOLD_SECONDS = 1.0
FOLDED_KEYS = frozenset({"ev.no_live", "ev.error", "ev.client_refused", "ev.client_timeout", "ev.refused", "ev.no_route", "ev.timeout", "ev.closed",
                         "ev.bad_status", "ev.retry"})
FAST_FORWARD_SLICE = 5.0  # simulated seconds per slice while fast-forwarding (bounds memory)

_FAIL_REASON_KEYS = {"refused": "ev.refused", "no_route": "ev.no_route", "connect_timeout": "ev.timeout",
                     "read_timeout": "ev.timeout",
                     "reset": "ev.closed", "closed": "ev.closed", "status": "ev.bad_status"}


_STATE_AFTER = {"stop": "stopped", "start": "up", "hang": "hung", "poweroff": "poweroff"}  # action -> state


class Player:
    """One run of a scenario, advanced by frames. `busy` is set by the view while a worker owns it."""

    def __init__(self, scenario: Scenario, *, frame_interval: float = 0.1, speed: float = 1.0) -> None:
        self.scenario = scenario
        self.frame_interval = frame_interval
        self.speed = min(SPEEDS, key=lambda s: abs(s - speed))
        self.busy = False
        self._addresses = {server.name: server.address for server in scenario.servers}
        self._index = {server.name: i for i, server in enumerate(scenario.servers)}
        self.restart()

    # ----- run control --------------------------------------------------------------------
    def restart(self) -> None:
        """Start over with the same scenario and seed."""
        from sim import Simulation

        self.sim = Simulation(self.scenario, events=True)
        self.end = self.scenario.duration if not self.scenario.requests else math.inf
        self.series = Series()
        self.log: deque[LogEntry] = deque(maxlen=LOG_SIZE)
        self.log_total = 0
        self._pending: dict[tuple, LogEntry] = {}  # noisy lines of the open window, by (key, values)
        self._learner_changed: set[str] = set()  # servers the learner stopped, hung, ... by hand
        self._by_learner = False  # the events being read come from the learner's own action
        self._e502 = self._e504 = 0
        self._last_try: dict[int, str] = {}
        self._waiting_on: dict[int, str] = {}  # request -> server nginx waits on for its answer
        self._probing: set[int] = set()
        self._motion_reset()
        self._refresh_frame()
        scenario = self.scenario
        begin = "ev.begin_direct" if scenario.direct else "ev.begin_one" if len(scenario.servers) == 1 else "ev.begin"
        self._append_log([LogEntry(0.0, begin, {"servers": len(scenario.servers), "policy": self.frame.policy,
                                                "rate": self.frame.rate})])

    def tick(self) -> bool:
        """Advance one frame of playback (speed x frame interval); False once the run has ended."""
        return self.advance_by(self.speed * self.frame_interval)

    def advance_by(self, seconds: float) -> bool:
        """Advance simulated time by `seconds` (stopping at the scenario's end)."""
        if self.frame.finished:
            return False
        self._advance_to(min(round(self.sim.now + seconds, 6), self.end))
        return True

    def fast_forward(self, until: float | None = None) -> None:
        """Advance to `until` (default: the end) in slices; meant for a worker thread."""
        target = self.end if until is None else min(until, self.end)
        while self.sim.now < target and not self.frame.finished:
            self._advance_to(min(self.sim.now + FAST_FORWARD_SLICE, target))

    def _advance_to(self, until: float) -> None:
        try:
            self.sim.advance(until)
        except ScenarioError:  # over a million requests in one step (a closed loop of ~0 s): stop here
            self.end = self.sim.now
        self._ingest(self.sim.drain_events())
        self.series.close_until(self.sim.now)
        self._refresh_frame()
        if self.frame.finished:
            self._append_log([LogEntry(self.frame.t, "ev.end")], None)

    def faster(self) -> None:
        self.speed = SPEEDS[min(len(SPEEDS) - 1, SPEEDS.index(self.speed) + 1)]

    def slower(self) -> None:
        self.speed = SPEEDS[max(0, SPEEDS.index(self.speed) - 1)]

    # ----- the learner's changes ----------------------------------------------------------
    def server_action(self, index: int, action: str, factor: float = 4.0) -> bool:
        """stop / start / hang / poweroff / slow the server at `index`, now; False (nothing done, no
        log line) when the run is over or the server is in that state already."""
        server = self.frame.servers[index]
        if self.frame.finished or server.state == _STATE_AFTER.get(action, "") or \
                (action == "slow" and server.state == "slow"):
            return False
        name = self.scenario.servers[index].name
        self.sim.apply(name, action, factor)
        self._learner_changed.add(name)
        self._by_learner = True
        try:
            self._drain_now()
        finally:
            self._by_learner = False
        return True

    def cycle_policy(self) -> str:
        """Switch to the next balancing policy nginx allows for these servers."""
        current = self.frame.policy
        start = POLICIES.index(current) if current in POLICIES else -1
        has_backup = any(server.backup for server in self.scenario.servers)
        for step in range(1, len(POLICIES) + 1):
            policy = POLICIES[(start + step) % len(POLICIES)]
            if has_backup and policy in ("ip_hash", "random"):
                continue
            self.sim.set_policy(policy)
            break
        self._drain_now()
        return self.frame.policy

    def change_rate(self, direction: int) -> float:
        """The next request rate up (direction > 0) or down from `RATES`."""
        rate = self.frame.rate
        if direction > 0:
            new = next((r for r in RATES if r > rate + 1e-9), RATES[-1])
        else:
            new = next((r for r in reversed(RATES) if r < rate - 1e-9), RATES[0])
        if new != rate:
            self.sim.set_rate(new)
            self._drain_now()
        return self.frame.rate

    def _drain_now(self) -> None:
        self._ingest(self.sim.drain_events())
        self._refresh_frame()

    # ----- what the view reads ------------------------------------------------------------
    @property
    def serving(self) -> frozenset[str]:
        """Servers that answered requests during the last whole simulated second."""
        return self.series.serving[-1] if self.series.serving else frozenset()

    def title(self, lang: str) -> str:
        title = self.scenario.title
        return title.get(lang) or next(iter(title.values()), self.scenario.name) if title else self.scenario.name

    def take_motion(self) -> tuple[int, list[int], list[int]]:
        """Requests that arrived, attempts per server and failed attempts per server since last call."""
        motion = (self._arrivals, self._attempts, self._failures)
        self._motion_reset()
        return motion

    def _motion_reset(self) -> None:
        self._arrivals = 0
        self._attempts = [0] * len(self.scenario.servers)
        self._failures = [0] * len(self.scenario.servers)

    # ----- from simulator data to view data -----------------------------------------------
    def _refresh_frame(self) -> None:
        state = self.sim.state()
        now = state.time
        waiting_on = Tally(self._waiting_on.values())
        servers = tuple(self._server_view(server, now, waiting_on[server.name]) for server in state.servers)
        counters = Counters(sent=state.sent, ok=state.ok, e502=self._e502, e504=self._e504, retries=state.retries,
                            waiting=state.in_flight)
        finished = state.finished or now >= self.end
        self.frame = Frame(t=now, duration=self.end, policy=state.policy, rate=state.rate, servers=servers,
                           counters=counters, finished=finished, direct=self.scenario.direct)

    def _server_view(self, server, now: float, waiting_on: int) -> ServerView:
        """`waiting_on`: requests nginx has sent to this server and still waits on (being served,
        queued, or stuck on a hung app or a powered-off VM)."""
        status = server.status
        if status == "up" and server.slow > 1.0:
            status = "slow"
        ban_left = 0
        if server.banned and server.banned_until is not None:
            ban_left = max(1, math.ceil(server.banned_until - now - 1e-9))
        return ServerView(name=server.name, address=self._addresses.get(server.name, ""), state=status,
                          backup=server.backup, down=server.down, ban_left=ban_left, active=server.active,
                          queued=server.queued, stuck=max(0, waiting_on - server.active - server.queued),
                          served=server.ok)

    def _ingest(self, events) -> None:
        batch: list[LogEntry] = []
        for event in events:
            kind, name, details = event.kind, event.server, event.details
            index = self._index.get(name) if name else None
            if kind == ev.REQUEST:
                self._arrivals += 1
            elif kind == ev.ATTEMPT:
                if index is not None:
                    self._attempts[index] += 1
                previous = self._last_try.get(event.request)
                if previous is not None:
                    batch.append(LogEntry(event.time, "ev.retry", {"frm": previous, "to": name}))
                self._last_try[event.request] = name
                self._waiting_on[event.request] = name
                if details.get("probe"):
                    self._probing.add(event.request)
                else:
                    self._probing.discard(event.request)
            elif kind == ev.ATTEMPT_FAILED:
                self._waiting_on.pop(event.request, None)
                if index is not None:
                    self._failures[index] += 1
                if event.request in self._probing:
                    self._probing.discard(event.request)
                    batch.append(LogEntry(event.time, "ev.probe_failed", {"server": name}))
                else:
                    key = _FAIL_REASON_KEYS.get(details.get("reason", ""), "ev.refused")
                    batch.append(LogEntry(event.time, key, {"server": name, "status": details.get("status", "")}))
            elif kind == ev.SERVER_DISABLED:
                seconds = max(0.0, float(details.get("until", event.time)) - event.time)
                batch.append(LogEntry(event.time, "ev.banned",
                                      {"server": name, "fails": details.get("fails", 1), "seconds": round(seconds)}))
            elif kind == ev.PROBE:
                batch.append(LogEntry(event.time, "ev.probe", {"server": name}))
            elif kind == ev.SERVER_ENABLED:
                batch.append(LogEntry(event.time, "ev.recovered", {"server": name}))
            elif kind == ev.NO_LIVE_UPSTREAMS:
                batch.append(LogEntry(event.time, "ev.no_live"))
            elif kind == ev.RESPONSE:
                self._response(event, batch)
            elif kind == ev.SERVER_ACTION:
                action = details.get("action", "")
                batch.append(LogEntry(event.time, f"ev.{action}",
                                      {"server": name, "factor": float(details.get("factor", 4.0))}))
                if not self._by_learner and name in self._learner_changed:
                    batch.append(LogEntry(event.time, "ev.script_over", {"server": name}))
            elif kind == ev.POLICY:
                batch.append(LogEntry(event.time, "ev.policy", {"policy": details.get("policy", "")}))
            elif kind == ev.RATE:
                batch.append(LogEntry(event.time, "ev.rate", {"rate": float(details.get("rate", 0.0))}))
        self._append_log(batch, self.sim.now)

    def _response(self, event, batch: list[LogEntry]) -> None:
        details = event.details
        status = int(details.get("status", 0))
        last = event.server
        self._last_try.pop(event.request, None)
        self._waiting_on.pop(event.request, None)
        self._probing.discard(event.request)
        self.series.add(event.time, float(details.get("latency", 0.0)), status < 400, last)
        if status == 502:
            self._e502 += 1
        elif status == 504:
            self._e504 += 1
        if status >= 500 and last is not None:
            if self.scenario.direct:  # no proxy: the client itself was refused or waited in vain, no 502/504
                key = "ev.client_timeout" if status == 504 else "ev.client_refused"
                batch.append(LogEntry(event.time, key, {"server": last}))
            else:
                batch.append(LogEntry(event.time, "ev.error", {"status": status, "server": last}))

    def _append_log(self, batch: list[LogEntry], now: float | None = None) -> None:
        """Add entries. Noisy lines (refused, retry, 502, ...) repeat for every request: within one
        simulated second each distinct one becomes a single line with a count ("retry: app2 → app1
        (×9)"), even when they alternate, written once that second is over (or at `now=None`).
        Causes (a server stopped, disabled, back) are written at once, after the noise before
        them, so they stay in order and are never drowned."""
        for entry in batch:
            if entry.key not in FOLDED_KEYS:
                self._flush_pending()
                self._write(entry)
                continue
            self._flush_pending(entry.t)
            key = (entry.key, tuple(sorted(entry.values.items())))
            pending = self._pending.get(key)
            self._pending[key] = entry if pending is None else replace(pending, repeat=pending.repeat + 1)
        self._flush_pending(now)

    def _flush_pending(self, now: float | None = None) -> None:
        """Write the folded lines whose second is over at `now` (all of them when None)."""
        for key, entry in list(self._pending.items()):
            if now is None or now - entry.t >= FOLD_SECONDS:
                self._write(self._pending.pop(key))

    def _write(self, entry: LogEntry) -> None:
        self.log.append(entry)
        self.log_total += 1
