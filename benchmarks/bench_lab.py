"""`tutor lab up` and `down`: how long each takes, as the learner runs them.

    sudo python benchmarks/bench_lab.py [ROUNDS]

Runs `python -m tutor lab --prefix bench<pid> up` then `... down` ROUNDS times (default 3), the
whole command each time (Python start-up included), with 2 and with 3 app machines, and prints
the median and worst of each. Target: every up and every down <= 1 s. Also checks after each
down that no namespace, process or file of the lab is left. Exits 1 when a target is missed,
2 when the lab cannot run here (not root, no nginx/Node).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from tutor.lab import Lab, LabError, require_system  # noqa: E402
from tutor.lab.network import NETNS_ETC, netns_pids  # noqa: E402

TARGET = 1.0


def timed(*args: str, env: dict[str, str]) -> float:
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=60)
    elapsed = time.monotonic() - start
    if done.returncode != 0:
        raise SystemExit(f"tutor {' '.join(args)} failed: {done.stderr.strip()}")
    return elapsed


def main() -> int:
    try:
        require_system()
    except LabError as exc:
        print(f"bench_lab: {exc}", file=sys.stderr)
        return 2
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    prefix = f"bench{os.getpid()}"
    missed = False
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "TUTOR_DATA_DIR": data}
        lab = Lab(prefix, Path(data) / "lab" / prefix)
        try:
            for apps in (2, 3):
                ups, downs = [], []
                for _ in range(rounds):
                    ups.append(timed("lab", "--prefix", prefix, "up", "--apps", str(apps), env=env))
                    pids = [pid for name in lab.namespaces() for pid in netns_pids(name)]
                    downs.append(timed("lab", "--prefix", prefix, "down", env=env))
                    left = lab.namespaces() + [str(p) for p in NETNS_ETC.glob(f"{prefix}-*")] \
                        + ([str(lab.data)] if lab.data.exists() else [])
                    alive = [pid for pid in pids if Path(f"/proc/{pid}").exists()
                             and Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"]
                    if left or alive:
                        print(f"left behind after down: {left} processes {alive}")
                        missed = True
                for name, times in (("up", ups), ("down", downs)):
                    worst = max(times)
                    missed |= worst > TARGET
                    print(f"tutor lab {name:<4} --apps {apps}: median {statistics.median(times):.2f} s, "
                          f"worst {worst:.2f} s over {rounds} runs (target <= {TARGET:g} s)"
                          f"{'' if worst <= TARGET else '  MISSED'}")
        finally:
            lab.down()
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
