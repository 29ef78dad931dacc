"""Both lanes of a twin run side by side: per-server figures, a per-request strip, and the
differences beyond the tolerance, each with its likely cause.

Tolerance (why these numbers): counts agree within 10 % or 2 requests, whichever is larger
(a Poisson run of a few hundred requests shifts a split by a few percent; 2 absorbs one request
crossing a boundary on each side); times within 20 % or 100 ms, whichever is larger (a page that
comes 100 ms later looks the same to a person; a Python client and the apps on a busy 2-core
machine shared with other work see single answers take tens of ms longer, measured up to ~90 ms
while an app starts next to them; the kernel's timers fire some tens of ms late). A difference is never smoothed away: beyond the
tolerance it is listed, whatever its cause.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tutor.twin.build import Timers

COUNT_FRACTION, COUNT_MIN = 0.10, 2
TIME_FRACTION, TIME_MIN = 0.20, 0.10
LATE = 0.05
"""A request sent more than this many seconds after its time counts as late (the sender's overhead)."""
SLOW_START = 0.2


@dataclass(frozen=True)
class Row:
    """One request on one side: sent at `t`, the app that answered ("" none), status (0 none),
    the client's wait, the servers nginx tried (as far as that side knows)."""

    t: float
    server: str
    status: int
    latency: float
    tried: tuple[str, ...] = ()


@dataclass
class Evidence:
    """What the run showed beyond the two lanes (for the causes)."""

    workers: int = 1
    poweroff: bool = False
    timers: Timers = field(default_factory=Timers)
    late: int = 0
    other_clients: int = 0
    other_addresses: tuple[str, ...] = ()
    app_down: tuple[str, ...] = ()       # apps the lab says are not running at the end (not the twin's doing)
    left_out: int = 0
    scenario_down: dict = field(default_factory=dict)   # server -> [(from, to)] the scenario keeps it down
    period: int = 1       # round robin's cycle (the sum of the weights): nginx may start anywhere in it
    phase: int = 0        # set by differences(): how far into its cycle the real nginx started


def count_differs(predicted: float, measured: float) -> bool:
    return abs(predicted - measured) > max(COUNT_MIN, COUNT_FRACTION * max(predicted, measured))


def time_differs(predicted: float, measured: float) -> bool:
    return abs(predicted - measured) > max(TIME_MIN, TIME_FRACTION * max(predicted, measured))


def rows_from_sim(records) -> list[Row]:
    """The simulator's records (sim.RequestRecord, in arrival order) as rows."""
    rows = []
    for rec in sorted(records, key=lambda r: r.id):
        answered = len(rec.failures) < len(rec.attempts)
        rows.append(Row(rec.t, rec.attempts[-1] if answered else "", rec.status, rec.latency, tuple(rec.attempts)))
    return rows


def rows_from_sender(lines: list[dict], names: dict[str, str], aliases: dict[str, str] | None = None) -> list[Row]:
    """The sender's request lines as rows; `names` maps `ADDR:PORT` (X-Upstream) to server names,
    `aliases` the app's own name for itself (X-Served-By, its page) to the server's name."""
    aliases = aliases or {}
    rows = []
    for line in sorted(lines, key=lambda item: item["t"]):
        tried = tuple(names.get(part.strip(), part.strip()) for part in line.get("upstream", "").split(",")
                      if part.strip() and part.strip() != "-")
        server = line.get("served_by") or line.get("page") or ""
        server = aliases.get(server, server)
        if not server and line.get("status") and line["status"] < 500 and tried:
            server = tried[-1]
        rows.append(Row(line["t"], server, int(line.get("status") or 0), float(line["latency"]),
                        tried or ((server,) if server else ())))
    return rows


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def lane(rows: list[Row], servers: list[str]) -> dict:
    """One side's figures: per server (answered, p50, p95, longest), statuses, longest wait, strip."""
    per = {}
    for name in servers:
        times = [row.latency for row in rows if row.server == name]
        per[name] = {"answered": len(times), "p50": round(_quantile(times, 0.5), 4),
                     "p95": round(_quantile(times, 0.95), 4), "longest": round(max(times, default=0.0), 4)}
    status = {"ok": sum(1 for r in rows if 200 <= r.status < 400), "502": sum(1 for r in rows if r.status == 502),
              "504": sum(1 for r in rows if r.status == 504),
              "other": sum(1 for r in rows if r.status >= 400 and r.status not in (502, 504)),
              "none": sum(1 for r in rows if r.status == 0)}
    return {"requests": len(rows), "servers": per, "status": status,
            "longest": round(max((r.latency for r in rows), default=0.0), 4),
            "p95": round(_quantile([r.latency for r in rows], 0.95), 4), "strip": strip(rows, servers)}


def mark(row: Row, servers: list[str]) -> str:
    """One request as one character: the answering app's number, x = 502, t = 504, e = another
    error status, . = no answer at all."""
    if row.status == 502:
        return "x"
    if row.status == 504:
        return "t"
    if row.status == 0:
        return "."
    if row.status >= 400 or row.server not in servers:
        return "e"
    return str(servers.index(row.server) + 1)[-1]


def strip(rows: list[Row], servers: list[str]) -> str:
    return "".join(mark(row, servers) for row in rows)


@dataclass(frozen=True)
class Difference:
    """A figure the lanes disagree on beyond the tolerance, and its likely cause (`cause` keys the
    [twin] text `cause.<cause>`, filled with `values`)."""

    kind: str          # answered | 502 | 504 | none | p95 | longest | order
    server: str
    predicted: float
    measured: float
    cause: str
    values: dict

    def to_json(self) -> dict:
        return {"kind": self.kind, "server": self.server, "predicted": self.predicted,
                "measured": self.measured, "cause": self.cause, **self.values}


def stopped_outside(predicted: list[Row], measured: list[Row], evidence: Evidence) -> tuple[str, float] | None:
    """An app that failed or went quiet on the real side while the scenario keeps it up: (name, since)."""
    candidates = []
    servers = {name for row in predicted for name in row.tried} | {name for row in measured for name in row.tried}
    for name in sorted(servers):
        def up(t: float, name: str = name) -> bool:
            return not any(start <= t < end for start, end in evidence.scenario_down.get(name, ()))
        failed = [r.t for r in measured if name in r.tried and r.server != name and up(r.t)]
        failed_sim = [r.t for r in predicted if name in r.tried and r.server != name and up(r.t)]
        if len(failed) - len(failed_sim) > COUNT_MIN:
            candidates.append((name, min(failed)))
            continue
        last_real = max((r.t for r in measured if r.server == name), default=0.0)
        later = [r.t for r in predicted if r.server == name and r.t > last_real + 0.5 and up(r.t)]
        if len(later) > COUNT_MIN:
            candidates.append((name, last_real))
    for name in evidence.app_down:
        if all(name != found for found, _ in candidates):
            candidates.append((name, 0.0))
    return min(candidates, key=lambda c: c[1]) if candidates else None


def slow_start(measured: list[Row]) -> str | None:
    """An app whose first answers took far longer than its usual ones (still compiling, warming up)."""
    for name in sorted({r.server for r in measured if r.server}):
        times = [r.latency for r in measured if r.server == name]
        usual = _quantile(times, 0.5)
        if len(times) >= 4 and max(times[:3]) > max(SLOW_START, 3 * usual):
            return name
    return None


def cause_for(kind: str, predicted: list[Row], measured: list[Row], evidence: Evidence) -> tuple[str, dict]:
    """The likely cause of a difference of `kind`: a [twin] `cause.*` key and its values."""
    stopped = stopped_outside(predicted, measured, evidence)
    counts = kind in ("answered", "order", "502")
    candidates = []
    if stopped is not None:
        candidates.append(("stopped", {"app": stopped[0], "at": round(stopped[1], 1)}))
    if evidence.other_clients:
        candidates.append(("other_traffic", {"count": evidence.other_clients,
                                             "who": ", ".join(evidence.other_addresses[:3])}))
    if not counts and evidence.poweroff:
        reachable, delay = evidence.timers.get("reachable_time"), evidence.timers.get("delay_first_probe_time")
        candidates.insert(0, ("arp", {"reachable": reachable, "delay": delay})
                          if reachable is not None and delay is not None else ("arp_default", {}))
    slow = slow_start(measured)
    if not counts and slow:
        candidates.insert(0, ("compile", {"app": slow}))
    if kind == "order" and evidence.workers > 1:
        candidates.append(("workers", {"workers": evidence.workers}))
    if kind == "order" and not candidates:
        candidates.append(("elsewhere_guess", {}))
    if evidence.late:
        candidates.append(("late", {"count": evidence.late}))
    if not counts and kind in ("p95", "longest"):
        candidates.append(("busy", {}))
    if evidence.left_out:
        candidates.append(("not_modelled", {}))
    return candidates[0] if candidates else ("unknown", {})


def differences(predicted: list[Row], measured: list[Row], servers: list[str], evidence: Evidence) -> list[Difference]:
    """Every figure beyond the tolerance (see the module doc), with its cause."""
    found = []
    p_lane, m_lane = lane(predicted, servers), lane(measured, servers)

    def add(kind: str, server: str, p: float, m: float) -> None:
        cause, values = cause_for(kind, predicted, measured, evidence)
        found.append(Difference(kind, server, p, m, cause, values))

    for name in servers:
        p, m = p_lane["servers"][name], m_lane["servers"][name]
        if count_differs(p["answered"], m["answered"]):
            add("answered", name, p["answered"], m["answered"])
        if p["answered"] and m["answered"]:
            for key in ("p95", "longest"):
                if time_differs(p[key], m[key]):
                    add(key, name, p[key], m[key])
    for key in ("502", "504", "none"):
        if count_differs(p_lane["status"][key], m_lane["status"][key]):
            add(key, "", p_lane["status"][key], m_lane["status"][key])
    mismatched, evidence.phase = order_mismatches(predicted, measured, evidence.period)
    if measured and mismatched > max(COUNT_MIN, COUNT_FRACTION * len(measured)) \
            and not any(d.kind == "answered" for d in found):
        add("order", "", 0, mismatched)
    return found


def order_mismatches(predicted: list[Row], measured: list[Row], period: int) -> tuple[int, int]:
    """Requests answered by another app (or with another status) than predicted, at the best of
    the `period` phases: nginx's round robin remembers where it was from earlier requests (the
    simulator's starts at its first server), so the real order may run some places ahead.
    Returns (mismatches, phase)."""
    def mismatches(phase: int) -> int:
        shifted = predicted[phase:] + predicted[:phase]
        return sum(1 for p, m in zip(shifted, measured) if p.server != m.server or p.status != m.status)

    return min((mismatches(phase), phase) for phase in range(max(1, min(period, 50))))
