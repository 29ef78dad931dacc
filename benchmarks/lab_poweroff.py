"""A powered-off app VM with Linux's and nginx's defaults, measured in the lab, next to the simulator.

    sudo python benchmarks/lab_poweroff.py [--connect-timeout 60] [--requests 450] [--rate 5]

The lesson's power-off step quotes real figures: this records them. The lab (own prefix `bp<pid>`,
removed at the end) runs nginx with `upstream { app1; app2; }`, `proxy_connect_timeout` as given
(default 60 s) and the kernel's default neighbour timers (base_reachable_time 30 s, delay 5 s,
3 probes 1 s apart); the laptop sends a request every 1/rate s; app2's link goes down at 10.1 s.
It takes about requests/rate + connect-timeout seconds. Then the simulator plays the same case
with the reachable time the kernel drew, and both are printed side by side: requests that
waited (> 1 s), the longest wait, waits that ran into the connect timeout (504) and ones that
ended with `No route to host` (502), and when the first `No route to host` came.
Needs Linux, root, nginx and Node (exit 2 with the reason otherwise).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import sim  # noqa: E402
from labpoweroff import Case, record, scenario  # noqa: E402
from netlab_support import lab_unavailable  # noqa: E402


def figures(rows) -> dict:
    """rows: (t, kinds, latency) with kinds a tuple of the failed attempts' kinds."""
    waited = [latency for _, _, latency in rows if latency > 1.0]
    timed_out = [t for t, kinds, _ in rows if "timed out" in kinds]
    no_route = sorted(t + latency for t, kinds, latency in rows if "no route to host" in kinds)
    return {"requests": len(rows), "waited": len(waited), "longest": round(max(waited, default=0.0), 1),
            "timed_out": len(timed_out), "no_route": len(no_route),
            "first_no_route": round(no_route[0], 1) if no_route else None,
            "mean_wait_of_waiting": round(sum(waited) / len(waited), 1) if waited else 0.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connect-timeout", type=float, default=60.0)
    parser.add_argument("--requests", type=int, default=450)
    parser.add_argument("--rate", type=float, default=5.0)
    args = parser.parse_args()
    why = lab_unavailable()
    if why:
        print(f"lab_poweroff: {why}", file=sys.stderr)
        return 2
    from tutor.lab import Lab

    case = Case("lab-poweroff-defaults", requests=args.requests, rate=args.rate, poweroff=10.1,
                connect_timeout=args.connect_timeout)
    with tempfile.TemporaryDirectory() as tmp:
        lab = Lab(f"bp{os.getpid()}", Path(tmp))
        try:
            started = time.monotonic()
            lab.up(apps=2)
            recording = record(lab, case)
            took = time.monotonic() - started
        finally:
            lab.down()
    rows, reachable = recording.rows, recording.reachable
    kinds = {"504": "timed out", "502": "no route to host"}
    lab_figures = figures([(r.t, tuple(kinds.get(s, s) for s in r.statuses[:-1]), r.latency) for r in rows])
    result = sim.run(sim.scenario_from_dict(scenario(case, recording), case.name), trace=True)
    sim_figures = figures([(r.t, r.failures, r.latency) for r in result.records])
    print(f"{case.requests} requests at {case.rate:g}/s, app2 off at {case.poweroff:g} s, "
          f"proxy_connect_timeout {case.connect_timeout:g}s, reachable time drawn by the kernel "
          f"{reachable:.1f} s; recorded in {took:.0f} s")
    print(f"{'figure':22} {'lab':>8} {'sim':>8}")
    for key in lab_figures:
        print(f"{key:22} {lab_figures[key]!s:>8} {sim_figures[key]!s:>8}")
    statuses = sorted({r.status for r in rows})
    print(f"client statuses (lab): {statuses}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
