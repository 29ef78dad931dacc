"""Plain data the simulator reports while it runs: the event stream and state snapshots."""

from __future__ import annotations

from dataclasses import dataclass, field

REQUEST = "request"                  # a client sent a request to nginx (details: client, worker)
ATTEMPT = "attempt"                  # nginx connected to `server` (details: try, probe, queued)
ATTEMPT_FAILED = "attempt_failed"    # details: reason = refused | no_route | connect_timeout |
                                     #   read_timeout | reset | closed | status, status (what the client would get)
SERVER_DISABLED = "server_disabled"  # max_fails reached (details: until, fails, worker)
PROBE = "probe"                      # a banned server picked again after fail_timeout (details: worker)
SERVER_ENABLED = "server_enabled"    # a probe succeeded: fails reset (details: worker)
NO_LIVE_UPSTREAMS = "no_live_upstreams"  # every server banned/down/tried: immediate 502
RESPONSE = "response"                # nginx answered the client (details: status, latency, attempts)
SERVER_ACTION = "server_action"      # stop | start | hang | poweroff | slow applied (details: action, factor)
POLICY = "policy"                    # balancing policy changed (details: policy)
RATE = "rate"                        # request rate changed (details: rate)


@dataclass(frozen=True, slots=True)
class SimEvent:
    """One thing that happened, at simulated `time`; `server` and `request` may be None."""

    time: float
    kind: str
    server: str | None = None
    request: int | None = None
    details: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ServerState:
    """One server as the UI draws it.

    `status` is up | stopped | hung | poweroff; `slow` is the service-time factor (1.0 = normal).
    `banned_until` is the simulated time the latest ban (over all workers) ends, or None.
    `active` requests are being served, `queued` ones wait in its accept queue.
    """

    name: str
    status: str
    slow: float
    banned: bool
    banned_until: float | None
    fails: int
    active: int
    queued: int
    attempts: int
    ok: int
    failed: int
    backup: bool
    down: bool
    weight: int


@dataclass(frozen=True, slots=True)
class SimState:
    """A snapshot of the whole simulation at `time`."""

    time: float
    policy: str
    rate: float
    sent: int
    answered: int
    ok: int
    failed: int
    in_flight: int
    retries: int
    no_live_upstreams: int
    finished: bool
    servers: tuple[ServerState, ...]
