"""The network between nginx and a powered-off server: TCP's SYN retries and Linux's neighbour (ARP) entry.

When a VM powers off, nothing answers: not the app (no `Connection refused`), not its kernel.
nginx's connect() sends a SYN and Linux resends it: `syn_linear_timeouts` + 1 times 1 s apart,
then 2, 4, 8 ... s apart (Linux >= 6.5; measured with `ss -to`: SYNs at 0, 1, 2, 3, 4, 5, 7, 11,
19, 35, 67 s). What ends the wait is, whichever comes first, nginx's `proxy_connect_timeout`
(`timeout`) or a failed address resolution (`No route to host`, an `error` for nginx).

The proxy's neighbour (ARP) entry for the server, as Linux keeps it (measured in the lab with
`ip neigh`, timers pinned by sysctl):

- REACHABLE for `reachable_time` after the server last answered (a random 0.5-1.5 x
  `base_reachable_time`, drawn once per interface: seeded here, or pinned by `reachable_time`);
  SYNs go out to its old MAC address and are lost;
- then STALE; the next SYN makes it DELAY for `delay_first_probe_time`, then PROBE:
  `ucast_solicit` probes `retrans_time` apart, SYNs still going out and lost;
- then FAILED. The next SYN starts a resolution (INCOMPLETE) of `mcast_solicit` x
  `retrans_time` (3 s), and waits in the entry's queue with every SYN sent during it. When the
  resolution fails, each connect with a SYN in that queue fails at once: `No route to host`.
  A connect that sent no SYN during it waits on (its SYNs get sparse: 4, 8, 16 s apart).

Not modelled: the kernel's timer-wheel rounding (a neighbour timer of several seconds may fire
a little late), and the ICMP error rate limit (a queue of more than 50 connects).
"""

from __future__ import annotations

NONE, REACHABLE, STALE, DELAY, PROBE, FAILED, INCOMPLETE = (
    "none", "reachable", "stale", "delay", "probe", "failed", "incomplete")


def syn_schedule(syn_retries: int, linear_timeouts: int) -> tuple[tuple[float, ...], float]:
    """When connect() sends its SYNs (seconds after it) and when the kernel gives up (ETIMEDOUT).

    Retransmission timeouts: 1 s, `linear_timeouts` more of 1 s, then 2, 4, 8 ... s; at most
    `syn_retries` + `linear_timeouts` retransmissions. Defaults (6, 4): SYNs at 0, 1, 2, 3, 4, 5,
    7, 11, 19, 35, 67 s, give up at 131 s.
    """
    offsets, now, rto = [0.0], 0.0, 1.0
    for k in range(syn_retries + linear_timeouts + 1):
        if k > linear_timeouts:
            rto *= 2
        now += rto
        offsets.append(now)
    return tuple(offsets[:-1]), offsets[-1]


class Neighbour:
    """The proxy's neighbour entry for one server's address.

    `reachable` is the interface's reachable time (seconds, already drawn). `send(now, attempt)`
    is called for every SYN sent to the server while it is off; it returns the time a
    resolution it starts will fail (None otherwise). `queue` holds the attempts whose SYN waits
    for the resolution under way.
    """

    __slots__ = ("state", "confirmed", "until", "reachable", "delay", "probe_time", "resolve_time", "queue")

    def __init__(self, network, reachable: float) -> None:
        self.state = NONE
        self.confirmed = self.until = 0.0
        self.reachable = reachable
        self.delay = network.delay_first_probe_time
        self.probe_time = network.ucast_solicit * network.retrans_time
        self.resolve_time = network.mcast_solicit * network.retrans_time
        self.queue: dict = {}

    def confirm(self, now: float) -> None:
        """The server answered (a connection was made): the entry is REACHABLE again."""
        self.state = REACHABLE
        self.confirmed = now
        self.queue = {}

    def advance(self, now: float) -> None:
        """Apply the timers that expired by `now` (REACHABLE -> STALE, DELAY -> PROBE -> FAILED)."""
        while True:
            state = self.state
            if state is REACHABLE and now > self.confirmed + self.reachable:
                self.state = STALE
            elif state is DELAY and now >= self.until:
                self.state, self.until = PROBE, self.until + self.probe_time
            elif state is PROBE and now >= self.until:
                self.state = FAILED
            else:
                return

    def send(self, now: float, attempt) -> float | None:
        """A SYN of `attempt` at `now`; returns when a resolution it starts fails, else None."""
        self.advance(now)
        state = self.state
        if state is STALE:
            self.state, self.until = DELAY, now + self.delay
        elif state is FAILED or state is NONE:
            self.state, self.until = INCOMPLETE, now + self.resolve_time
            self.queue = {attempt: None}
            return self.until
        elif state is INCOMPLETE:
            self.queue[attempt] = None
        return None

    def resolution_failed(self) -> list:
        """The resolution ended unanswered: FAILED until the next SYN; returns the queued attempts."""
        self.state = FAILED
        queued, self.queue = list(self.queue), {}
        return queued
