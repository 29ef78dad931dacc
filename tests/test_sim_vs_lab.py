"""The simulator's powered-off server against the lab: real nginx, a real bridge, a link going down.

Each case is recorded in the lab (tests/labpoweroff.py: nginx's access log, one row per request)
and played by the simulator with the same traffic and power changes at the times they really
happened (a busy machine drifts from the schedule), the same nginx settings and the neighbour
timers the lab's kernel really used (pinned short by sysctl, so each case takes seconds). A
request matches when both sides tried the same servers, got the same statuses and the client's
wait agrees within TOLERANCE: the kernel's timers fire a little late (timer wheel) and each SYN
leaves a few milliseconds off its schedule, so a wait can differ by some tenths of a second, and
a SYN sent right at the edge of a resolution can land in the next one (3 s later).
The learner-read figures must agree: how many requests waited, how long at most, when the first
`No route to host` came, and that every client still got 200.
"""

from __future__ import annotations

import os

import pytest

import sim
from labpoweroff import Case, record, scenario
from netlab_support import require_lab

pytestmark = pytest.mark.lab

TOLERANCE = 0.6
WAITED = 1.0
"""A request "waited" when its answer took longer than this (the healthy ones take milliseconds)."""

SHORT_TIMERS = {"base_reachable_time": 2.0, "delay_first_probe_time": 1.0, "reachable_max": 2.25}
"""The kernel's neighbour timers, pinned short (defaults 30 s and 5 s): app2's entry fails some
6-9 s after the power-off instead of 25-55 s. benchmarks/lab_poweroff.py records the defaults.

Known gap, kept visible: when the kernel draws a reachable time above about 2.25 s (of its random
1-3 s), the lab's `No route to host` wave ends about 0.65 s after the simulator's (seen in CI: drawn
2.364 s and 2.492 s, longest wait 9.67 s in the lab against 9.03 s simulated; below 2.25 s the
cases match 39-40 of 40 requests). Until the simulator models it, the cases are recorded with a
draw at most `reachable_max`."""
CASES = [
    # the default 60 s connect timeout outlasts the neighbour entry: 20 s does too, and keeps it short
    Case("poweroff-long-connect-timeout", requests=40, rate=4.0, poweroff=1.1, connect_timeout=20.0,
         **SHORT_TIMERS),
    Case("poweroff-connect-timeout-2s", requests=24, rate=4.0, poweroff=1.1, connect_timeout=2.0,
         **SHORT_TIMERS),
    Case("poweroff-then-poweron", requests=32, rate=4.0, poweroff=1.1, poweron=5.1, connect_timeout=20.0,
         **SHORT_TIMERS),
]


@pytest.fixture(scope="module")
def poweroff_lab(tmp_path_factory):
    """A lab of this module alone (prefix `po<pid>`): each case powers app2 off and on, and
    leaves the proxy's timers pinned, so it shares nothing with other lab tests."""
    require_lab()
    from tutor.lab import Lab

    lab = Lab(f"po{os.getpid()}", tmp_path_factory.mktemp("poweroff-lab"))
    try:
        lab.up(apps=2)
        yield lab
    finally:
        lab.down()


def figures(rows) -> dict:
    """What a learner reads off a run: (t, attempts, statuses/kinds, status, latency) rows."""
    waited = [latency for _, _, _, _, latency in rows if latency > WAITED]
    return {"requests": len(rows), "waited": len(waited), "longest": max(waited, default=0.0),
            "statuses": sorted({status for _, _, _, status, _ in rows})}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_simulator_matches_the_lab(poweroff_lab, case):
    if not poweroff_lab.powered("app2"):
        poweroff_lab.poweron("app2")
    recording = record(poweroff_lab, case)
    lab_rows, reachable = recording.rows, recording.reachable
    result = sim.run(sim.scenario_from_dict(scenario(case, recording), case.name), trace=True)
    sim_rows = result.records
    assert len(lab_rows) == case.requests
    matched = 0
    lines = []
    for row, rec in zip(lab_rows, sim_rows):
        same = row.attempts == rec.attempts and abs(row.latency - rec.latency) <= TOLERANCE
        matched += same
        if not same or len(rec.attempts) > 1:
            lines.append(f"{'  ' if same else 'XX'} t={rec.t:5.2f} lab {','.join(row.attempts):9} "
                         f"{row.latency:6.2f}s {'/'.join(row.statuses):12} | sim {','.join(rec.attempts):9} "
                         f"{rec.latency:6.2f}s {'/'.join(rec.failures)}")
    lab = figures([(r.t, r.attempts, r.statuses, r.status, r.latency) for r in lab_rows])
    simulated = figures([(r.t, r.attempts, r.failures, r.status, r.latency) for r in sim_rows])
    print(f"\n{case.name}: reachable {reachable:.3f}s (after the run {recording.reachable_after:.3f}s), "
          f"app2 {recording.events}, {matched}/{len(lab_rows)} requests match; "
          f"lab {lab} sim {simulated}\n" + "\n".join(lines))
    assert simulated["statuses"] == lab["statuses"] == [200]
    assert abs(simulated["waited"] - lab["waited"]) <= 2
    assert abs(simulated["longest"] - lab["longest"]) <= TOLERANCE
    assert matched >= len(lab_rows) - 4
