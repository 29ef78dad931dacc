"""What a headless run returns: the report (DESIGN.md section 3 JSON) and optional per-request records."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Iterable, NamedTuple

from sim.metrics import rounded

if TYPE_CHECKING:
    from sim.scenario import Scenario


class RequestRecord(NamedTuple):
    """One request: sent at `t` by `client`, servers tried in order, final status, client latency.

    `failures` says why each failed attempt failed, in order (an attempt that got its answer has
    no entry): refused | timed out | no route to host | reset | closed | http_NNN. `worker` is
    the nginx worker (0-based) that accepted the client's connection.
    """

    id: int
    t: float
    client: str
    attempts: tuple[str, ...]
    status: int
    latency: float
    failures: tuple[str, ...] = ()
    worker: int = 0

    def to_json_dict(self, workers: int = 1, direct: bool = False) -> dict:
        """The trace line object: {"id", "t", "client", "attempts", "status", "latency"}, plus
        "failures" when an attempt failed and "worker" when nginx has several `workers`. In a
        `direct` scenario (no proxy) a request that got no answer has "status": null, not 502/504."""
        status = None if direct and str(self.status) in DIRECT_FAILURES else self.status
        line = {"id": self.id, "t": rounded(self.t), "client": self.client,
                "attempts": list(self.attempts), "status": status, "latency": rounded(self.latency)}
        if self.failures:
            line["failures"] = list(self.failures)
        if workers > 1:
            line["worker"] = self.worker
        return line


@dataclass(frozen=True)
class Result:
    """A finished run. `metrics` is the report; `records` is None unless a trace was asked for."""

    scenario: Scenario
    seed: int
    sim_time: float
    metrics: dict
    records: list[RequestRecord] | None = None

    def to_json_dict(self) -> dict:
        """The report as printed by `tutor sim --json` (a fresh copy; `client_view` for a direct scenario)."""
        return json.loads(self.to_json())

    def to_json(self) -> str:
        """The report as one line of JSON (keys in a fixed order)."""
        report = client_view(self.metrics) if self.scenario.direct else self.metrics
        return json.dumps(report, separators=(", ", ": "))

    def write_trace(self, target: str | Path | IO[str]) -> None:
        """Write the records as JSON Lines, one request per line, by id (needs `trace=True`)."""
        if self.records is None:
            raise ValueError("this run kept no records: use run(..., trace=True)")
        workers, direct = self.scenario.nginx.workers, self.scenario.direct
        if isinstance(target, (str, Path)):
            with open(target, "w", encoding="utf-8") as handle:
                write_trace(self.records, handle, workers, direct)
        else:
            write_trace(self.records, target, workers, direct)


DIRECT_FAILURES = {"502": "refused", "504": "timeouts"}
"""What a client talking to the web server itself gets where nginx would have answered 502 or 504."""


def client_view(metrics: dict) -> dict:
    """A direct scenario's report (no proxy): "status" keeps the HTTP answers the client got, and
    "failures" (after it) counts the requests that got none: {"refused": N, "timeouts": M}, each
    only when not 0. The simulator ran them through its proxy model, so they are its 502s and 504s."""
    report: dict = {}
    for key, value in metrics.items():
        if key != "status":
            report[key] = value
            continue
        report["status"] = {code: n for code, n in value.items() if code not in DIRECT_FAILURES}
        report["failures"] = {DIRECT_FAILURES[code]: value[code] for code in DIRECT_FAILURES if value.get(code)}
    return report


def write_trace(records: Iterable[RequestRecord], handle: IO[str], workers: int = 1, direct: bool = False) -> None:
    """Write `records` to an open text file as JSON Lines (with "worker" keys if `workers` > 1;
    `direct`: a scenario without a proxy, see `RequestRecord.to_json_dict`)."""
    dumps = json.dumps
    for record in records:
        handle.write(dumps(record.to_json_dict(workers, direct)) + "\n")
