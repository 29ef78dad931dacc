"""Per-second metrics for the sparklines and the summary: throughput, p50 and p95 latency."""

from __future__ import annotations


RATE_WINDOW = 5  # seconds averaged for the throughput a learner reads (one second alone jumps)


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of already sorted values (share 0..1); 0.0 for none (drawn as a gap
    height: the labels say "—" for seconds with no answer, see `had_answers`)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), int(share * len(sorted_values) + 0.999999)))
    return sorted_values[rank - 1]


class Series:
    """Responses grouped by the simulated second they completed in; a second is closed (and
    plotted) once simulated time has passed it."""

    def __init__(self) -> None:
        self.throughput: list[float] = []
        self.p50: list[float] = []
        self.p95: list[float] = []
        self.serving: list[frozenset[str]] = []  # servers that answered OK in each closed second
        self.answered: list[int] = []  # responses (any status) in each closed second
        self.version = 0
        self._open: dict[int, tuple[list[float], set[str], list[int]]] = {}
        self.all_latencies: list[float] = []

    def add(self, t: float, latency: float, ok: bool, server: str | None) -> None:
        """Record one response that reached the client at time `t`."""
        second = int(t)
        latencies, servers, count = self._open.setdefault(second, ([], set(), [0]))
        latencies.append(latency)
        self.all_latencies.append(latency)
        if ok:
            count[0] += 1
            if server:
                servers.add(server)

    def close_until(self, now: float) -> None:
        """Close every second that ended at or before `now`."""
        while len(self.throughput) + 1 <= now:
            second = len(self.throughput)
            latencies, servers, count = self._open.pop(second, ([], set(), [0]))
            latencies.sort()
            self.throughput.append(float(count[0]))
            self.p50.append(percentile(latencies, 0.50))
            self.p95.append(percentile(latencies, 0.95))
            self.serving.append(frozenset(servers))
            self.answered.append(len(latencies))
            self.version += 1

    def last(self, name: str) -> float | None:
        """The newest closed value of `throughput`, `p50` or `p95`; None before the first second,
        and for a latency when nothing was answered in that second."""
        values = getattr(self, name)
        if not values or (name != "throughput" and not self.answered[-1]):
            return None
        return values[-1]

    def rate(self, window: int = RATE_WINDOW) -> float | None:
        """OK answers per second over the last `window` closed seconds (None before the first)."""
        recent = self.throughput[-window:]
        return sum(recent) / len(recent) if recent else None

    def smoothed(self, window: int = RATE_WINDOW) -> list[float]:
        """`throughput` as a sliding `window`-second average: what the sparkline draws."""
        values, total = [], 0.0
        for index, value in enumerate(self.throughput):
            total += value
            if index >= window:
                total -= self.throughput[index - window]
            values.append(total / min(index + 1, window))
        return values

    def overall(self) -> tuple[float | None, float | None]:
        """p50 and p95 of every response so far."""
        if not self.all_latencies:
            return None, None
        values = sorted(self.all_latencies)
        return percentile(values, 0.50), percentile(values, 0.95)
