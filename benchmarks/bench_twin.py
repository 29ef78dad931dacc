"""The twin's overhead on the real side, in the lab: requests it could not send on time, and how
soon both lanes are ready after the last answer.

    sudo python benchmarks/bench_twin.py [SECONDS]

Builds a lab of its own (prefix bt<pid>), sets the lessons' load balancer (2 apps, X-Upstream),
and runs the twin on a scenario of 20 requests/s (uniform, the twin's maximum) for SECONDS
(default 10). Targets: no request more than 50 ms late (tutor.twin.compare.LATE), both lanes
ready <= 1 s after the last answer. Prints the figures; exits 1 when a target is missed, 2 when
the lab cannot run here.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

import sim  # noqa: E402
from tutor.lab import Lab, LabError, require_system  # noqa: E402
from tutor.twin.run import LabSide, run_twin  # noqa: E402

SITE = """upstream app_servers {
    server 10.37.19.46:3000;
    server 10.37.19.182:3000;
}
server {
    listen 80 default_server;
    server_name _;
    location / {
        proxy_pass http://app_servers;
        add_header X-Upstream $upstream_addr always;
    }
}
"""


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    try:
        require_system()
    except LabError as exc:
        print(f"bench_twin: the lab cannot run here: {exc}", file=sys.stderr)
        return 2
    scenario = sim.scenario_from_dict({
        "scenario": {"name": "bench-20rps", "duration": seconds},
        "traffic": {"pattern": "uniform", "rate": 20.0},
        "server": [{"name": "app1", "address": "10.37.19.46:3000"}, {"name": "app2", "address": "10.37.19.182:3000"}],
        "event": []})
    with tempfile.TemporaryDirectory(prefix="bench-twin-") as folder:
        lab = Lab(f"bt{os.getpid()}", folder)
        try:
            lab.up(apps=2)
            (lab.nginx_dir / "sites-available" / "default").write_text(SITE)
            lab.reload()
            began = time.monotonic()
            result = run_twin(scenario, LabSide(lab))
            took = time.monotonic() - began
        finally:
            lab.down()
    sender = result["sender"]
    print(f"cores {os.cpu_count()}  sent {sender['sent']}/{result['plan']['requests']} in {seconds:g} s "
          f"(20/s); late > 50 ms: {sender['late']}; latest start {sender['max_late'] * 1000:.1f} ms behind")
    print(f"both lanes ready {result['ready_after']:.3f} s after the last answer; whole run {took:.1f} s; "
          f"differences {len(result['differences'])}")
    missed = sender["late"] > 0 or result["ready_after"] > 1.0 or sender["sent"] != result["plan"]["requests"]
    print("targets missed" if missed else "targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
