"""The simulation: clients -> nginx (workers, balancer, retries, timeouts) -> backends, on SimPy.

`Simulation` can be stepped (`advance`) for an animation and controlled while it runs;
`run()` plays a scenario to the end headless and returns a `Result`. Both are seeded: the same
scenario and seed give the same numbers, byte for byte.

Per request the hot path costs two events (its arrival and the end of its service); retries,
timeouts and outages add events only when they happen. Events are plain `(time, priority, seq,
callback, value)` entries on one heap, run by `_run` in SimPy's order (time, then URGENT before
NORMAL, then first scheduled first): the same order a SimPy `Environment` gives, without creating
an `Event` object and stepping SimPy's machinery for each of them (twice the speed of bare SimPy).
"""

from __future__ import annotations

import ipaddress

from array import array
from collections import deque
from heapq import heappop, heappush
from itertools import count
from math import log
from random import Random
from typing import Any, Callable, TypeVar

from simpy.events import NORMAL, URGENT

from sim import events as ev
from sim.accept import AcceptQueue
from sim.backend import Attempt, Backend
from sim.metrics import rounded, summary
from sim.result import RequestRecord, Result
from sim.scenario import MAX_REQUESTS, NON_IDEMPOTENT_METHODS, POLICIES, Event, Scenario, ScenarioError
from sim.upstream import DISABLED, ENABLED, EPOCH, PEER_FAILED, PEER_NEXT, Peer, PeerRequest, Upstream

STATUS_FT = {500: "http_500", 502: "http_502", 503: "http_503", 504: "http_504",
             403: "http_403", 404: "http_404", 429: "http_429"}
"""Backend statuses that `proxy_next_upstream` can act on, and the name it uses for them."""

FT_STATUS = {"timeout": 504, "http_504": 504, "http_500": 500, "http_503": 503,
             "http_403": 403, "http_404": 404, "http_429": 429}
"""Status nginx gives the client when it stops after this kind of failure (502 otherwise)."""

FAILURE_KINDS = {"refused": "refused", "connect_timeout": "timed out", "read_timeout": "timed out",
                 "no_route": "no route to host", "reset": "reset", "closed": "closed"}
"""How a trace names why an attempt failed (by the reason the engine reports)."""

EVENT_BACKLOG = 100_000

STATUSES = 600
"""Statuses are counted in a list indexed by status: a scenario's are 100-599 (sim/scenario.py)."""

V = TypeVar("V")
Entry = tuple[float, int, int, Callable[[Any], None], Any]
"""An event on the heap: (time, priority, seq, callback, value); `schedule_at` pairs callback and value."""


def client_address(index: int, first: str = "10.0.0.1") -> str:
    """Client `index` (from 0) is `first` moved `index` /24 networks on, so ip_hash tells them apart."""
    return str(ipaddress.IPv4Address(int(ipaddress.IPv4Address(first)) + (index << 8)))


class Request(PeerRequest):
    """One client request travelling through nginx.

    `attempts` are the backends tried, in order; `failures` why each failed attempt failed (a
    tuple, grown only when one fails: most requests never do); `measured`: counted in latency
    statistics (not in the warmup).
    """

    __slots__ = ("id", "t", "client", "worker", "upstream", "attempts", "failures", "measured")
    id: int
    t: float
    client: int
    worker: int
    upstream: Upstream
    attempts: list[Backend]
    failures: tuple[str, ...]
    measured: bool


class Simulation:
    """A running simulation of one scenario.

    Args:
        scenario: what to simulate.
        seed: overrides `scenario.seed`.
        events: keep an event stream for `drain_events()` (the UI); off for fast headless runs.
        records: keep one `RequestRecord` per request (for traces).
        open_ended: keep clients sending after `duration`/`requests` (an endless animation).
    """

    # Slots: the hot path reads and writes these for every request (faster than an instance dict).
    __slots__ = (
        "scenario", "seed", "now", "_queue", "_seq", "_done", "open_ended",
        "read_timeout", "connect_timeout", "latency", "workers", "zone", "mask", "tries_cap",
        "non_idempotent", "retry_non_idempotent", "pattern", "_closed_loop", "_requests", "_duration",
        "rate", "clients", "think_time", "addresses", "address_bytes", "backends", "by_name",
        "_balancer_rng", "_arrival_rng", "_arrival_random", "_arrival_callback", "policy", "_accept",
        "upstreams", "_peers_of", "_log", "records", "_warmup_id", "_warmup_time",
        "sent", "ok", "failed", "_request_cap", "retries", "no_live", "in_flight", "area",
        "_area_since", "_status_counts", "latencies", "wait_sum", "wait_count", "arrivals_done",
        "end_time", "_arrival_gen", "_uniform_origin", "_arrival_k", "_clients_left")

    def __init__(self, scenario: Scenario, seed: int | None = None, *, events: bool = False,
                 records: bool = False, open_ended: bool = False) -> None:
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.now = 0.0                  # simulated time (seconds)
        self._queue: list[Entry] = []
        self._seq = count()
        self._done = False
        self.open_ended = open_ended
        nginx, traffic = scenario.nginx, scenario.traffic
        self.read_timeout = nginx.read_timeout
        self.connect_timeout = nginx.connect_timeout
        self.latency = nginx.latency
        self.workers = nginx.workers
        self.zone = nginx.zone
        self.mask = frozenset(nginx.next_upstream)
        self.tries_cap = nginx.next_upstream_tries
        self.non_idempotent = traffic.method in NON_IDEMPOTENT_METHODS
        self.retry_non_idempotent = "non_idempotent" in self.mask
        self.pattern = traffic.pattern
        self._closed_loop = traffic.pattern == "closed"
        self._requests = scenario.requests    # > 0: clients stop after this many (duration unused)
        self._duration = scenario.duration
        self.rate = traffic.rate
        self.clients = traffic.clients
        self.think_time = traffic.think_time
        self.addresses = [client_address(i, traffic.client_address) for i in range(self.clients)]
        self.address_bytes = [bytes(int(part) for part in a.split(".")[:3]) for a in self.addresses]
        network = scenario.network
        reachable = network.reachable_time or (
            self._rng("network").uniform(0.5, 1.5) * network.base_reachable_time)
        self.backends = [Backend(i, server, self, self._rng(f"service/{server.name}"),
                                 self._rng(f"fail/{server.name}"), reachable)
                         for i, server in enumerate(scenario.servers)]
        self.by_name = {backend.name: backend for backend in self.backends}
        self._balancer_rng = self._rng("balancer")
        self._arrival_rng = self._rng("arrivals")
        self._arrival_random = self._arrival_rng.random
        self._arrival_callback = self._on_arrival  # bound once: it is scheduled for every request
        self.policy = nginx.policy
        self._build_upstreams(nginx.policy)
        self._log: deque[ev.SimEvent] | None = deque(maxlen=EVENT_BACKLOG) if events else None
        self.records: list[RequestRecord] | None = [] if records else None
        if scenario.requests:
            self._warmup_id, self._warmup_time = scenario.warmup * scenario.requests, 0.0
        else:
            self._warmup_id, self._warmup_time = 0.0, scenario.warmup * scenario.duration
        self.sent = self.ok = self.failed = 0
        self._request_cap = MAX_REQUESTS  # per run_to_end(), or per advance() when open-ended
        self.retries = self.no_live = 0
        self.in_flight = 0
        self.area = 0.0                 # integral of requests in flight over time
        self._area_since = 0.0
        self._status_counts = [0] * STATUSES
        self.latencies = array("d")
        self.wait_sum = 0.0
        self.wait_count = 0
        self.arrivals_done = False
        self.end_time: float | None = None
        self._arrival_gen = 0
        self._uniform_origin = 0.0
        self._arrival_k = 0
        self._clients_left = self.clients
        for event in scenario.events:
            self.schedule_at(event.at, self._on_scenario_event, event, URGENT)
        self._start_traffic()

    def _rng(self, purpose: str) -> Random:
        return Random(f"{self.seed}/{purpose}")

    def _build_upstreams(self, policy: str) -> None:
        """Fresh peer state for every worker, as after `nginx -s reload` (new workers, new queue)."""
        self._accept = AcceptQueue(self.workers)
        if self.zone or self.workers == 1:
            shared = Upstream(self.scenario.servers, policy, self._balancer_rng)
            self.upstreams = [shared] * self.workers
        else:
            self.upstreams = [Upstream(self.scenario.servers, policy, self._balancer_rng)
                              for _ in range(self.workers)]
        distinct = list(dict.fromkeys(self.upstreams))
        self._peers_of: dict[int, list[Peer]] = {i: [] for i in range(len(self.backends))}
        for upstream in distinct:
            for peer in upstream.peers():
                self._peers_of[peer.index].append(peer)

    # -- scheduling ------------------------------------------------------------------------------

    def schedule_at(self, when: float, callback: Callable[[V], None], value: V, priority: int = NORMAL) -> None:
        """Call `callback(value)` at exactly simulated time `when` (an absolute time: `now + delay`
        could miss `when` by one ulp, and "an event applies before a request arriving at the same
        moment" needs exact times)."""
        heappush(self._queue, (when, priority, next(self._seq), callback, value))

    def _run(self, until: float | None = None) -> None:
        """Run events in order: all of them until the end (None), or those before `until` (and
        URGENT ones at `until`, like SimPy's `run(until=...)`), then stand at `until`."""
        queue = self._queue
        if until is None:
            while queue and not self._done:
                self.now, _, _, callback, value = heappop(queue)
                callback(value)
            return
        while queue and not self._done:
            head = queue[0]
            if head[0] > until or (head[0] == until and head[1] != URGENT):
                break
            self.now, _, _, callback, value = heappop(queue)
            callback(value)
        if until > self.now:
            self.now = until

    # -- traffic ---------------------------------------------------------------------------------

    def _start_traffic(self) -> None:
        if self.pattern == "closed":
            for client in range(self.clients):
                self.schedule_at(0.0, self._on_client, client)
        else:
            self._schedule_arrival(0.0)

    def _schedule_arrival(self, now: float) -> None:
        pattern = self.pattern
        if pattern == "poisson":  # Random.expovariate(rate), inlined: the same numbers
            when = now - log(1.0 - self._arrival_random()) / self.rate
        elif pattern == "trace":     # the listed times, all of them (requests/duration not used)
            times = self.scenario.traffic.times
            if self._arrival_k == len(times):
                self._arrivals_end()
                return
            self._arrival_k += 1
            self.schedule_at(times[self._arrival_k - 1], self._arrival_callback, self._arrival_gen)
            return
        else:
            self._arrival_k += 1
            when = self._uniform_origin + self._arrival_k / self.rate
        requests = self._requests  # may a request arrive at `when`?
        if not (self.open_ended or (self.sent < requests if requests else when <= self._duration)):
            self._arrivals_end()
            return
        heappush(self._queue, (when, NORMAL, next(self._seq), self._arrival_callback, self._arrival_gen))

    def _on_arrival(self, generation: int) -> None:
        if generation != self._arrival_gen:
            return                      # superseded by a rate change
        now = self.now
        self._start_request(now, self.sent % self.clients)
        self._schedule_arrival(now)

    def _on_client(self, client: int) -> None:
        now = self.now
        if self._requests and not self.open_ended and self.sent >= self._requests:
            self._client_retires()
            return
        self._start_request(now, client)

    def _client_retires(self) -> None:
        self._clients_left -= 1
        if self._clients_left == 0:
            self._arrivals_end()

    def _arrivals_end(self) -> None:
        self.arrivals_done = True
        if self.in_flight == 0 and not self._done:
            self._end()

    def _end(self) -> None:
        self.end_time = self.now
        self._done = True

    # -- nginx -----------------------------------------------------------------------------------

    def _start_request(self, now: float, client: int) -> None:
        sent = self.sent
        if sent >= self._request_cap:
            raise ScenarioError(self.scenario.source, "traffic", "request_cap", limit=MAX_REQUESTS)
        self.sent = rid = sent + 1
        worker = self._accept.accept() if self.workers > 1 else 0
        upstream = self.upstreams[worker]
        req = Request()
        req.start_balancing(upstream, self.address_bytes[client], self.tries_cap)
        req.id = rid
        req.t = now
        req.client = client
        req.worker = worker
        req.upstream = upstream
        req.attempts = []
        req.failures = ()
        req.measured = rid > self._warmup_id and now >= self._warmup_time
        in_flight = self.in_flight
        self.area += in_flight * (now - self._area_since)
        self._area_since = now
        self.in_flight = in_flight + 1
        if self._log is not None:
            self._emit(ev.REQUEST, None, rid, client=self.addresses[client], worker=worker)
        self._connect(req)

    def _connect(self, req: Request) -> None:
        now = self.now
        peer = req.upstream.get(req, EPOCH + int(now))
        if peer is None:
            self.no_live += 1
            if self._log is not None:
                self._emit(ev.NO_LIVE_UPSTREAMS, None, req.id)
            self._finish(req, 502)
            return
        backend = self.backends[peer.index]
        req.attempts.append(backend)
        if self._log is not None:
            probe = bool(peer.max_fails) and peer.fails >= peer.max_fails and not req.group.single
            if probe:
                self._emit(ev.PROBE, backend.name, req.id, worker=req.worker)
            self._emit(ev.ATTEMPT, backend.name, req.id, attempt=len(req.attempts), probe=probe,
                       queued=backend.status == "up" and backend.busy >= backend.concurrency)
        attempt = Attempt()
        attempt.req = req
        attempt.peer = peer
        attempt.backend = backend
        attempt.sent = now
        attempt.started = -1.0
        attempt.active = True
        attempt.timer = False
        attempt.request_sent = False
        backend.connect(attempt)

    def fail(self, attempt: Attempt, ft: str, reason: str, status: int = 0) -> None:
        """An attempt failed (`ft` as in proxy_next_upstream); nginx retries or answers the client."""
        if not attempt.active:
            return
        attempt.active = False
        req = attempt.req
        backend = attempt.backend
        backend.failed += 1
        req.failures += (f"http_{status}" if reason == "status" else FAILURE_KINDS[reason],)
        state = PEER_NEXT if ft == "http_403" or ft == "http_404" else PEER_FAILED
        change = req.upstream.free(req, attempt.peer, state, EPOCH + int(self.now))
        client_status = FT_STATUS.get(ft, 502)
        if self._log is not None:
            self._emit(ev.ATTEMPT_FAILED, backend.name, req.id, reason=reason,
                       status=status or client_status)
            if change == DISABLED:
                self._emit(ev.SERVER_DISABLED, backend.name, req.id, until=attempt.peer.banned_until(),
                           fails=attempt.peer.fails, worker=req.worker)
        if req.tries == 0 or ft not in self.mask or (
                attempt.request_sent and self.non_idempotent and not self.retry_non_idempotent):
            self._finish(req, client_status)
        else:
            self._connect(req)

    def answer(self, attempt: Attempt, status: int) -> None:
        """The app answered with `status` (0: it closed the connection without answering)."""
        if status == 0:
            self.fail(attempt, "error", "closed")
            return
        req = attempt.req
        ft = STATUS_FT.get(status) if status >= 403 else None
        if ft is not None and req.tries > 1 and ft in self.mask and (
                not self.non_idempotent or self.retry_non_idempotent):
            self.fail(attempt, ft, "status", status)
            return
        attempt.active = False
        backend = attempt.backend
        if status < 500:
            backend.ok += 1
        else:
            backend.failed += 1
        change = req.upstream.free(req, attempt.peer, 0, EPOCH + int(self.now))
        if change == ENABLED and self._log is not None:
            self._emit(ev.SERVER_ENABLED, backend.name, req.id, worker=req.worker)
        self._finish(req, status)

    def _finish(self, req: Request, status: int) -> None:
        now = self.now
        in_flight = self.in_flight
        self.area += in_flight * (now - self._area_since)
        self._area_since = now
        self.in_flight = in_flight = in_flight - 1
        latency = now - req.t + self.latency
        if status < 500:
            self.ok += 1
        else:
            self.failed += 1
        self._status_counts[status] += 1
        tries = len(req.attempts)
        if tries > 1:
            self.retries += tries - 1
        if req.measured:
            self.latencies.append(latency)
        if self.records is not None:
            self.records.append(RequestRecord(req.id, req.t, self.addresses[req.client],
                                              tuple(b.name for b in req.attempts), status, latency,
                                              req.failures, req.worker))
        if self._log is not None:
            last = req.attempts[-1].name if req.attempts else None
            self._emit(ev.RESPONSE, last, req.id, status=status, latency=latency, attempts=tries)
        if self._closed_loop:
            when = now + self.latency + self.think_time
            if self._requests or self.open_ended or when <= self._duration:
                self.schedule_at(when, self._on_client, req.client)
                return
            self._client_retires()
        elif self.arrivals_done and in_flight == 0 and not self._done:
            self._end()

    def on_connect_timeout(self, attempt: Attempt) -> None:
        """proxy_connect_timeout expired (the server's machine is off)."""
        if attempt.active and attempt in attempt.backend.connecting:
            del attempt.backend.connecting[attempt]
            attempt.backend.timeouts += 1
            self.fail(attempt, "timeout", "connect_timeout")

    def on_read_timeout(self, attempt: Attempt) -> None:
        """proxy_read_timeout expired while the request was in service (or its app hung)."""
        if attempt.active:
            attempt.backend.timeouts += 1
            self.fail(attempt, "timeout", "read_timeout")

    def _on_scenario_event(self, scheduled: Event) -> None:
        self.apply(scheduled.server, scheduled.action, scheduled.factor)

    def _emit(self, kind: str, server: str | None, request: int | None, **details: object) -> None:
        if self._log is not None:
            self._log.append(ev.SimEvent(self.now, kind, server, request, details))

    # -- stepping and controls (for the UI) ------------------------------------------------------

    @property
    def answered(self) -> int:
        """Requests that got their answer (ok or failed)."""
        return self.ok + self.failed

    @property
    def status_counts(self) -> dict[int, int]:
        """How many answers had each status."""
        return {status: n for status, n in enumerate(self._status_counts) if n}

    @property
    def finished(self) -> bool:
        """True once clients stopped sending and every request got its answer."""
        return self._done

    def advance(self, until: float) -> None:
        """Run the simulation up to simulated time `until` (no-op if already there).

        As in SimPy, things due at exactly `until` happen at the next call (scenario events
        at `until` excepted: they are urgent and apply first).
        """
        if until > self.now:
            self._request_cap = self.sent + MAX_REQUESTS
            self._run(until)

    def run_to_end(self) -> None:
        """Run until every request is answered (not for open-ended simulations)."""
        if self.open_ended:
            raise ValueError("an open-ended simulation has no end")
        self._run()

    def drain_events(self) -> list[ev.SimEvent]:
        """Events since the last call, oldest first (needs `events=True`; at most the last 100,000)."""
        if self._log is None:
            return []
        drained = list(self._log)
        self._log.clear()
        return drained

    def apply(self, server: str, action: str, factor: float = 4.0) -> None:
        """Apply stop | start | hang | poweroff | slow to `server` now."""
        if server not in self.by_name:
            raise KeyError(server)
        if action not in ("stop", "start", "hang", "poweroff", "slow"):
            raise ValueError(f"unknown action {action!r}")
        if self._log is not None:
            self._emit(ev.SERVER_ACTION, server, None, action=action, factor=factor)
        self.by_name[server].apply(action, factor)

    def set_policy(self, policy: str) -> None:
        """Switch the balancing policy, with fresh peer state (like editing nginx.conf + reload)."""
        if policy not in POLICIES:
            raise ValueError(f"unknown policy {policy!r}")
        if policy in ("ip_hash", "random", "random_two_least_conn") and any(
                s.backup for s in self.scenario.servers):
            raise ValueError(f"nginx does not allow backup servers with {policy}")
        self.policy = policy
        self._build_upstreams(policy)
        if self._log is not None:
            self._emit(ev.POLICY, None, None, policy=policy)

    def set_rate(self, rate: float) -> None:
        """Change the request rate (poisson/uniform) from now on."""
        if not rate > 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        if self._log is not None:
            self._emit(ev.RATE, None, None, rate=rate)
        if self.pattern in ("closed", "trace") or self.arrivals_done:
            return
        self._arrival_gen += 1
        self._uniform_origin, self._arrival_k = self.now, 0
        self._schedule_arrival(self.now)

    def state(self) -> ev.SimState:
        """A snapshot for drawing: per-server status, bans, load and counters, plus totals."""
        now = EPOCH + int(self.now)
        servers = []
        for backend in self.backends:
            peers = self._peers_of[backend.index]
            banned = [peer for peer in peers if peer.banned(now)]
            servers.append(ev.ServerState(
                name=backend.name, status=backend.status, slow=backend.factor,
                banned=bool(banned),
                banned_until=max(peer.banned_until() for peer in banned) if banned else None,
                fails=max(peer.fails for peer in peers), active=backend.busy, queued=backend.queued(),
                attempts=backend.attempts, ok=backend.ok, failed=backend.failed,
                backup=backend.server.backup, down=backend.server.down, weight=backend.server.weight))
        return ev.SimState(time=self.now, policy=self.policy, rate=self.rate, sent=self.sent,
                           answered=self.answered, ok=self.ok, failed=self.failed,
                           in_flight=self.in_flight, retries=self.retries,
                           no_live_upstreams=self.no_live, finished=self.finished,
                           servers=tuple(servers))

    # -- report ----------------------------------------------------------------------------------

    def metrics(self) -> dict[str, Any]:
        """The report, in the JSON shape of DESIGN.md section 3 (plus a few extra keys).

        `sim_time` is when the last request was answered once the run is finished, else now.
        """
        sim_time = self.now if self.end_time is None else self.end_time
        area = self.area + self.in_flight * (sim_time - self._area_since)
        servers = {}
        for backend in self.backends:
            servers[backend.name] = {
                "attempts": backend.attempts, "ok": backend.ok, "failed": backend.failed,
                "refused": backend.refused, "timeouts": backend.timeouts,
                "unreachable": backend.unreachable,
                "utilization": rounded(backend.utilization(sim_time)),
            }
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "sim_time": rounded(sim_time),
            "requests": {"sent": self.sent, "ok": self.ok, "failed": self.failed,
                         "dropped": self.sent - self.answered},
            "status": {str(code): n for code, n in self.status_counts.items()},
            "latency": summary(self.latencies),
            "wait": {"mean": rounded(self.wait_sum / self.wait_count if self.wait_count else 0.0)},
            "retries": self.retries,
            "no_live_upstreams": self.no_live,
            "throughput": rounded(self.answered / sim_time if sim_time > 0 else 0.0),
            "in_flight": {"mean": rounded(area / sim_time if sim_time > 0 else 0.0)},
            "servers": servers,
        }

    def result(self) -> Result:
        """The report and (if kept) the per-request records, ordered by request id."""
        records = sorted(self.records) if self.records is not None else None
        metrics = self.metrics()
        return Result(scenario=self.scenario, seed=self.seed, sim_time=metrics["sim_time"],
                      metrics=metrics, records=records)


def run(scenario: Scenario, seed: int | None = None, trace: bool = False) -> Result:
    """Play `scenario` headless until every request is answered; `trace` keeps per-request records."""
    simulation = Simulation(scenario, seed, records=trace)
    simulation.run_to_end()
    return simulation.result()
