"""The app behind one upstream server: workers, accept queue, service times, failures, outages.

A backend serves `concurrency` requests at once and keeps up to `queue` more waiting (FIFO);
a full queue or a stopped app refuses the connection. It reports to the proxy through
`proxy.answer(attempt, status)` and `proxy.fail(attempt, ft, reason)`. The per-request path uses
one event (the end of service); timeouts of queued requests share one timer per backend.
A powered-off server answers nothing: its connects wait for SYN retries and the proxy's
neighbour entry (sim/network.py).
"""

from __future__ import annotations

import math
from collections import deque
from heapq import heappush
from math import log
from random import Random
from typing import TYPE_CHECKING, Callable

from simpy.events import NORMAL

from sim.network import Neighbour, syn_schedule
from sim.scenario import Server
from sim.upstream import Peer

if TYPE_CHECKING:
    from sim.engine import Request, Simulation

UP, STOPPED, HUNG, POWEROFF = "up", "stopped", "hung", "poweroff"


class Attempt:
    """One try of one request on one server, from nginx's connect() to its end.

    Made by `Simulation._connect`, which sets every field (no `__init__`: one is made for every
    request, and calling a class with `__init__` costs about twice as much).
    """

    __slots__ = ("req", "peer", "backend", "sent", "started", "active", "timer", "request_sent")
    req: Request
    peer: Peer
    backend: Backend
    sent: float                     # connection opened (and the request sent, if accepted)
    started: float                  # service start, -1 while not in service
    active: bool                    # nginx still waits for this attempt
    timer: bool                     # a read-timeout event of its own is scheduled
    request_sent: bool              # the request reached the app (POST is then not retried)


def service_sampler(service: dict, rng: Random) -> Callable[[], float] | None:
    """A function drawing one service time from the scenario's `service` table; None for "exp",
    which `Backend._serve` draws itself (`Random.expovariate(1 / mean)`, inlined: the same numbers)."""
    dist = service["dist"]
    if dist == "exp":
        return None
    if dist == "const":
        value = service["mean"]
        return lambda: value
    if dist == "uniform":
        low, high = service["low"], service["high"]
        return lambda: rng.uniform(low, high)
    sigma = service["sigma"]
    mu = math.log(service["mean"]) - sigma * sigma / 2
    return lambda: rng.lognormvariate(mu, sigma)


class Backend:
    """One app server; `status` is up | stopped | hung | poweroff and `factor` slows it down."""

    # Slots: the hot path reads and writes these for every request (faster than an instance dict).
    __slots__ = (
        "index", "name", "server", "proxy", "queue", "seq", "status", "factor", "concurrency",
        "queue_limit", "draw", "exp_mean", "random", "fail_every", "fail_rate", "fail_status",
        "fail_rng", "busy", "serving", "waiting", "lost", "lost_pruned", "deadlines", "timer_armed",
        "completed", "attempts", "ok", "failed", "refused", "timeouts", "unreachable", "busy_time",
        "neighbour", "reached_at", "_complete_callback", "syn_offsets", "syn_give_up", "connecting")

    def __init__(self, index: int, server: Server, proxy: Simulation, service_rng: Random,
                 fail_rng: Random, reachable: float) -> None:
        self.index = index
        self.name = server.name
        self.server = server
        self.proxy = proxy
        self.queue, self.seq = proxy._queue, proxy._seq  # the end of service is scheduled on the hot path
        self.status = UP
        self.factor = 1.0
        self.concurrency = server.concurrency
        self.queue_limit = server.queue
        self.draw = service_sampler(server.service, service_rng)
        self.exp_mean: float = server.service["mean"] if self.draw is None else 0.0
        self.random = service_rng.random
        self.fail_every = server.fail["every"]
        self.fail_rate = server.fail["rate"]
        self.fail_status = server.fail["status"]
        self.fail_rng = fail_rng
        self.busy = 0
        self.serving: dict[Attempt, None] = {}   # insertion-ordered, so resets are deterministic
        self.waiting: deque[Attempt] = deque()
        self.lost: list[Attempt] = []            # accepted by a hung app: never answered
        self.lost_pruned = 0                     # size of `lost` after its last clean-up
        self.deadlines: deque[Attempt] = deque()  # queued/lost attempts in send order
        self.timer_armed = False
        self.completed = 0                       # answers the app produced (for fail.every)
        self.attempts = self.ok = self.failed = 0
        self.refused = self.timeouts = self.unreachable = 0
        self.busy_time = 0.0
        network = proxy.scenario.network
        self.neighbour = Neighbour(network, reachable)
        self.reached_at: float | None = None  # the machine last answered, not yet told to `neighbour`
        self._complete_callback = self._complete  # bound once: it is scheduled for every request
        self.syn_offsets, self.syn_give_up = syn_schedule(network.syn_retries, network.syn_linear_timeouts)
        self.connecting: dict[Attempt, None] = {}  # connects sent to the powered-off machine, in order

    # -- connections -----------------------------------------------------------------------------

    def connect(self, attempt: Attempt, new: bool = True) -> None:
        """nginx opens a connection and sends the request (`new`), or a SYN resent to a machine that
        was off gets through (not `new`). The machine's app takes it, queues it, or refuses it."""
        status = self.status
        if new:
            self.attempts += 1
            if status is POWEROFF:
                self._connect_to_powered_off(attempt)
                return
        now = self.proxy.now
        if status is not STOPPED:
            self.reached_at = now       # the neighbour entry is read only while powered off
        if status is UP:
            if self.busy < self.concurrency:
                attempt.request_sent = True
                self._serve(attempt, now)
                return
            if not (self.queue_limit < 0 or len(self.waiting) < self.queue_limit):
                self.refused += 1
                self.proxy.fail(attempt, "error", "refused")
                return
            attempt.request_sent = True
            self.waiting.append(attempt)
        elif status is HUNG:
            attempt.request_sent = True
            if len(self.lost) > 64 and len(self.lost) > 2 * self.lost_pruned:
                self.lost = [a for a in self.lost if a.active]
                self.lost_pruned = len(self.lost)
            self.lost.append(attempt)
        else:                           # stopped
            self.refused += 1
            self.proxy.fail(attempt, "error", "refused")
            return
        # queued or lost: its read timeout is watched (one timer per backend, `_on_deadline`)
        deadlines = self.deadlines
        while deadlines and (not deadlines[0].active or deadlines[0].started >= 0):
            deadlines.popleft()         # settled already: keeps memory bounded at high rates
        deadlines.append(attempt)
        if not self.timer_armed:
            self.timer_armed = True
            self.proxy.schedule_at(attempt.sent + self.proxy.read_timeout, self._on_deadline, None)

    # -- connects to a powered-off machine ---------------------------------------------------------

    def _connect_to_powered_off(self, attempt: Attempt) -> None:
        self.connecting[attempt] = None
        proxy = self.proxy
        if proxy.connect_timeout < self.syn_give_up:
            proxy.schedule_at(attempt.sent + proxy.connect_timeout, proxy.on_connect_timeout, attempt)
        else:
            proxy.schedule_at(attempt.sent + self.syn_give_up, self._on_syn_give_up, attempt)
        self._syn(attempt, 0)

    def _syn(self, attempt: Attempt, k: int) -> None:
        """SYN number `k` (0 = the first) of `attempt` leaves now."""
        if self.status is not POWEROFF:
            del self.connecting[attempt]
            self.connect(attempt, new=False)
            return
        now = self.proxy.now
        fails_at = self.neighbour.send(now, attempt)
        if fails_at is not None:
            self.proxy.schedule_at(fails_at, self._on_resolution_failed, None)
        if k + 1 < len(self.syn_offsets):
            when = attempt.sent + self.syn_offsets[k + 1]
            if when < attempt.sent + min(self.proxy.connect_timeout, self.syn_give_up):
                self.proxy.schedule_at(when, self._on_syn, (attempt, k + 1))

    def _on_syn(self, value: tuple) -> None:
        attempt, k = value
        if attempt.active:
            self._syn(attempt, k)

    def _on_resolution_failed(self, _value: None) -> None:
        """Resolving the machine's address failed: each connect whose SYN waited for it: No route to host."""
        if self.status is not POWEROFF:
            return
        for attempt in self.neighbour.resolution_failed():
            if attempt.active and attempt in self.connecting:
                del self.connecting[attempt]
                self.unreachable += 1
                self.proxy.fail(attempt, "error", "no_route")

    def _on_syn_give_up(self, attempt: Attempt) -> None:
        """The kernel stopped retrying the SYN (ETIMEDOUT): an `error` for nginx."""
        if attempt.active and attempt in self.connecting:
            del self.connecting[attempt]
            self.timeouts += 1
            self.proxy.fail(attempt, "error", "connect_timeout")

    def _serve(self, attempt: Attempt, now: float) -> None:
        self.busy += 1
        attempt.started = now
        self.serving[attempt] = None
        proxy = self.proxy
        if attempt.req.measured:  # the `wait` statistic: time queued before service
            proxy.wait_sum += now - attempt.sent
            proxy.wait_count += 1
        draw = self.draw
        end = now + (-self.exp_mean * log(1.0 - self.random()) if draw is None else draw()) * self.factor
        heappush(self.queue, (end, NORMAL, next(self.seq), self._complete_callback, attempt))
        deadline = attempt.sent + proxy.read_timeout
        if end > deadline and not attempt.timer:
            attempt.timer = True
            proxy.schedule_at(deadline, proxy.on_read_timeout, attempt)

    def _complete(self, attempt: Attempt) -> None:
        serving = self.serving
        if attempt not in serving:
            return                      # the app was reset while serving it
        now = self.proxy.now
        del serving[attempt]
        self.busy -= 1
        self.busy_time += now - attempt.started
        waiting = self.waiting
        while waiting and self.busy < self.concurrency:
            queued = waiting.popleft()
            if queued.active:
                self._serve(queued, now)
        self.completed += 1
        status = 200
        if self.fail_every and self.completed % self.fail_every == 0:
            status = self.fail_status
        elif self.fail_rate and self.fail_rng.random() < self.fail_rate:
            status = self.fail_status
        if attempt.active:
            self.proxy.answer(attempt, status)

    # -- timeouts of requests that wait -----------------------------------------------------------

    def _on_deadline(self, _value: None) -> None:
        self.timer_armed = False
        now = self.proxy.now
        read_timeout = self.proxy.read_timeout
        deadlines = self.deadlines
        while deadlines:
            attempt = deadlines[0]
            if not attempt.active or attempt.started >= 0:
                deadlines.popleft()
                continue
            deadline = attempt.sent + read_timeout
            if deadline > now:
                self.timer_armed = True
                self.proxy.schedule_at(deadline, self._on_deadline, None)
                return
            deadlines.popleft()
            self.timeouts += 1
            self.proxy.fail(attempt, "timeout", "read_timeout")

    # -- outages ---------------------------------------------------------------------------------

    def apply(self, action: str, factor: float = 4.0) -> None:
        """stop | start | hang | poweroff | slow, effective now."""
        if action == "slow":
            self.factor = factor
            return
        previous = self.status
        if action == "start":
            self.status = UP
            self.factor = 1.0
            if previous is HUNG:
                self._reset(self._take_lost())
            elif previous is POWEROFF:
                self.lost = []          # connects still waiting get through with their next SYN
            return
        if action == "stop":
            self.status = STOPPED
            self._reset(self._take_in_flight() + self._take_lost())
            return
        victims = self._take_in_flight()
        for attempt in victims:
            if attempt.started >= 0 and not attempt.timer and attempt.active:
                attempt.timer = True
                self.proxy.schedule_at(attempt.sent + self.proxy.read_timeout,
                                       self.proxy.on_read_timeout, attempt)
        if action == "hang":
            self.status = HUNG
            self.lost.extend(victims)
        else:                           # poweroff: nobody will ever answer or reset these
            self.status = POWEROFF
            self.lost = []
            if self.reached_at is not None:
                self.neighbour.confirm(self.reached_at)
                self.reached_at = None

    def _take_in_flight(self) -> list[Attempt]:
        """Empty the app (its workers and queue); returns what it held, in order."""
        now = self.proxy.now
        victims = list(self.serving)
        for attempt in victims:
            self.busy_time += now - attempt.started
        victims.extend(self.waiting)
        self.serving = {}
        self.waiting = deque()
        self.busy = 0
        return victims

    def _take_lost(self) -> list[Attempt]:
        lost, self.lost = self.lost, []
        return lost

    def _reset(self, victims: list[Attempt]) -> None:
        """The app's sockets close: every attempt still waiting on it fails with a reset."""
        for attempt in victims:
            if attempt.active:
                self.proxy.fail(attempt, "error", "reset")

    # -- reading ---------------------------------------------------------------------------------

    def queued(self) -> int:
        """Requests waiting that nginx still waits for."""
        return sum(1 for attempt in self.waiting if attempt.active)

    def utilization(self, until: float) -> float:
        """Share of worker time spent serving, up to simulated time `until`."""
        if until <= 0:
            return 0.0
        now = self.proxy.now
        busy = self.busy_time + sum(now - a.started for a in self.serving)
        return busy / (self.concurrency * until)
