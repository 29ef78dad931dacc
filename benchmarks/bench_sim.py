"""Simulator speed and memory, printed as ratios (run: python benchmarks/bench_sim.py).

(a) a bare SimPy M/M/1 loop of 200,000 customers (benchmarks/bare_simpy_mm1.py), and
(b) `python -m tutor sim benchmarks/mm1.toml --json` on the same M/M/1 (200,000 requests),
both as whole processes, wall-timed in the same run (best of --repeat). Target: b/a <= 0.5.
The CPU time of each (user + system, from the kernel) is printed too: on a shared machine it
moves less with the load than the wall time does.
(c) the peak RSS of a 1,000,000-request run of the same scenario (target: < 300 MB).

`--bytecode`: both children run from compiled bytecode, as after `pip install` (cached in a
temporary folder by a first, untimed run of each). Without it, where PYTHONDONTWRITEBYTECODE is
set and the project is installed editable, every `tutor sim` run compiles tutor's and sim's
modules from source (SimPy's bytecode came with its wheel): about 0.1 s on our side only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCENARIO = HERE / "mm1.toml"
CUSTOMERS = 200_000

MILLION = f"""
import dataclasses, sim
scenario = dataclasses.replace(sim.load_scenario({str(SCENARIO)!r}), requests=1_000_000)
print(sim.run(scenario).metrics["requests"]["sent"])
"""


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall time and CPU time (user + system) of a child process, and its output (raises if it fails)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        child = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.DEVNULL, text=True, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            raise SystemExit(f"{command} failed with exit code {child.returncode}")
        out.seek(0)
        return wall, usage.ru_utime + usage.ru_stime, out.read()


def bytecode_env(cache: str) -> dict[str, str]:
    """The environment with bytecode written to and read from `cache` (as an installed package)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


def peak_rss_mb(command: list[str]) -> float:
    """Peak resident memory of one child process, in MB (Linux reports ru_maxrss in kB)."""
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"1M-request run failed with exit code {child.returncode}")
    return usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timings per command (best is kept)")
    parser.add_argument("--no-memory", action="store_true", help="skip the 1,000,000-request run")
    parser.add_argument("--bytecode", action="store_true", help="run both from compiled bytecode")
    args = parser.parse_args()

    bare_cmd = [sys.executable, str(HERE / "bare_simpy_mm1.py"), str(CUSTOMERS)]
    sim_cmd = [sys.executable, "-m", "tutor", "sim", str(SCENARIO), "--json"]
    with tempfile.TemporaryDirectory(prefix="bench-sim-") as cache:
        env = bytecode_env(cache) if args.bytecode else None
        if env is not None:
            timed([sys.executable, str(HERE / "bare_simpy_mm1.py"), "1"], env)
            timed([sys.executable, "-m", "tutor", "sim", str(SCENARIO), "--json"], env)
        bares = [timed(bare_cmd, env) for _ in range(args.repeat)]
        runs = [timed(sim_cmd, env) for _ in range(args.repeat)]
    bare, bare_cpu = min(wall for wall, _, _ in bares), min(cpu for _, cpu, _ in bares)
    ours, ours_cpu = min(wall for wall, _, _ in runs), min(cpu for _, cpu, _ in runs)
    report = json.loads(runs[0][2])
    assert report["requests"]["sent"] == CUSTOMERS, report["requests"]

    print(f"bare SimPy M/M/1, {CUSTOMERS:,} customers: {bare:6.2f} s  ({CUSTOMERS / bare:,.0f} customers/s)")
    print(f"tutor sim  M/M/1, {CUSTOMERS:,} requests:  {ours:6.2f} s  ({CUSTOMERS / ours:,.0f} requests/s)")
    compiled = "from compiled bytecode" if args.bytecode else "as the environment compiles"
    print(f"ratio tutor sim / bare SimPy: {ours / bare:.2f}x  (target <= 0.5x; {compiled})")
    print(f"CPU time: bare {bare_cpu:.2f} s, tutor sim {ours_cpu:.2f} s, ratio {ours_cpu / bare_cpu:.2f}x")
    print(f"M/M/1 check: mean latency {report['latency']['mean']:.3f} s (theory 5.0)")
    if not args.no_memory:
        rss = peak_rss_mb([sys.executable, "-c", MILLION])
        print(f"peak RSS of a 1,000,000-request run: {rss:.0f} MB  (target < 300 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
