"""What a headless run returns: the report (DESIGN.md section 3 JSON) and optional per-request records."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple

from sim.metrics import rounded


class RequestRecord(NamedTuple):
    """One request: sent at `t` by `client`, servers tried in order, final status, client latency."""

    id: int
    t: float
    client: str
    attempts: tuple[str, ...]
    status: int
    latency: float

    def to_json_dict(self) -> dict:
        """The trace line object: {"id", "t", "client", "attempts", "status", "latency"}."""
        return {"id": self.id, "t": rounded(self.t), "client": self.client,
                "attempts": list(self.attempts), "status": self.status, "latency": rounded(self.latency)}


@dataclass(frozen=True)
class Result:
    """A finished run. `metrics` is the report; `records` is None unless a trace was asked for."""

    scenario: object
    seed: int
    sim_time: float
    metrics: dict
    records: list[RequestRecord] | None = None

    def to_json_dict(self) -> dict:
        """The report as printed by `tutor sim --json` (a fresh copy)."""
        return json.loads(json.dumps(self.metrics))

    def to_json(self) -> str:
        """The report as one line of JSON (keys in a fixed order)."""
        return json.dumps(self.metrics, separators=(", ", ": "))

    def write_trace(self, target: str | Path | IO[str]) -> None:
        """Write the records as JSON Lines, one request per line, by id (needs `trace=True`)."""
        if self.records is None:
            raise ValueError("this run kept no records: use run(..., trace=True)")
        if isinstance(target, (str, Path)):
            with open(target, "w", encoding="utf-8") as handle:
                write_trace(self.records, handle)
        else:
            write_trace(self.records, target)


def write_trace(records, handle: IO[str]) -> None:
    """Write `records` to an open text file as JSON Lines."""
    dumps = json.dumps
    for record in records:
        handle.write(dumps(record.to_json_dict()) + "\n")
