"""Which nginx worker accepts each new client connection (`worker_processes` > 1, Linux).

Measured on nginx 1.22 / Linux (`$pid` in the access log, one new connection per request, as
`curl` in a loop): the workers do not alternate request by request. With `accept_mutex off` (the
default since 1.11.3) every worker waits on the shared listening socket with EPOLLEXCLUSIVE, and
the kernel wakes only the first idle worker in the socket's wait queue, in the order the workers
registered. nginx (since 1.21.6, `ngx_reorder_accept_events`) has each worker re-register after
its 1st, 17th, 33rd ... accept, which moves it to the back of the queue. With 2 workers and
sequential connections: W0, W1, then W0 for 16 connections, W1 for 16, and so on.

This is deterministic while the head worker is idle when a connection arrives: sequential
clients, and also requests in flight, since a worker waiting for its apps is idle in the
kernel's eyes (measured: 60/60 and 100/100 connections as modelled at 10-50 new connections a
second with 0.2-0.5 s answers). When a connection arrives while the head worker is busy, e.g.
handling an answer that comes back at that very moment, the next idle worker takes it and the
runs shift; that timing is not modelled (measured: 282/300 at 500 connections a second, 29-40
of 40 on a loaded 2-core machine when answers came back exactly as new connections arrived).
"""

from __future__ import annotations

REORDER_EVERY = 16
"""A worker re-registers its listening socket on accept number 1, 1 + 16, 1 + 32, ..."""


class AcceptQueue:
    """The listening socket's wait queue: `accept()` names the worker that takes a new connection."""

    __slots__ = ("order", "accepted")

    def __init__(self, workers: int) -> None:
        self.order = list(range(workers))
        self.accepted = [0] * workers

    def accept(self) -> int:
        """The worker (0-based) that accepts the next connection; updates the queue."""
        order = self.order
        worker = order[0]
        count = self.accepted[worker]
        self.accepted[worker] = count + 1
        if count % REORDER_EVERY == 0 and len(order) > 1:
            order.append(order.pop(0))
        return worker
