"""Live-check speed: a step's checks run in parallel, and a dead host costs no more than the timeout.

    python benchmarks/bench_live.py

1. Parallelism: the checks of a step (app-running, nginx-running, proxy-pass) against three app
   hosts with different answer delays and a real nginx, compared with the slowest single probe
   of that step. Target: ratio <= 1.2.
2. Bounded waits: what one probe of a host that never answers costs, compared with the timeout:
   a loopback address with nothing listening (refused), a blackholed listener (accept backlog
   full, so connects hang), an app that accepts and never answers, and one trickling a byte a
   second. Target: cost <= timeout + 0.5 s. Also prints a whole `tutor check` run on the
   blackholed host (process start-up included), for information.
Prints the figures; exits 1 when a target is missed. Needs nginx (skips part 1 without it).
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from realnginx import Lab, free_port, nginx_binary  # noqa: E402
from tutor.live.hosts import Machine, machines_from_specs  # noqa: E402
from tutor.live.probe import fetch, make_client  # noqa: E402
from tutor.live.runner import run_checks  # noqa: E402

STEP = ["app-running", "nginx-running", "proxy-pass"]
DELAYS = (0.1, 0.2, 0.3)
ROUNDS = 5
TIMEOUTS = (1.0, 2.0)


async def slowest_single_probe(machines) -> float:
    """The longest of the step's probes, each timed alone (one after another)."""
    times = []
    async with make_client(3.0) as client:
        for machine in machines.apps + [machines.proxy]:
            host_headers = [None, machines.domain] if machine.role == "proxy" else [None]
            for host_header in host_headers:
                start = time.monotonic()
                await fetch(client, machine, 3.0, host_header=host_header)
                times.append(time.monotonic() - start)
    return max(times)


async def step_time(machines) -> float:
    start = time.monotonic()
    results = await run_checks(STEP, machines, "en", 3.0)
    elapsed = time.monotonic() - start
    assert all(result.ok for result in results), [r.message for r in results if not r.ok]
    return elapsed


def bench_parallel() -> bool:
    binary = nginx_binary()
    if binary is None:
        print("parallel step: skipped (no nginx)")
        return True
    with tempfile.TemporaryDirectory() as tmp:
        lab = Lab(binary, Path(tmp))
        try:
            apps = [lab.backend(f"app{i}", f"127.0.0.{i + 1}", mode="slow", extra=("--delay", str(delay)))
                    for i, delay in enumerate(DELAYS, start=1)]
            servers = " ".join(f"server {app.address};" for app in apps)
            proxy = lab.nginx(f"upstream ian {{ {servers} }}\nserver {{ listen 127.0.0.1:{{port}}; "
                              "server_name hasil.xyz; location / { proxy_pass http://ian; } }")
            machines = machines_from_specs([f"proxy=127.0.0.1:{proxy.port}"]
                                           + [f"{app.name}={app.address}" for app in apps])
            ratios, singles, steps = [], [], []
            for _ in range(ROUNDS):
                single = asyncio.run(slowest_single_probe(machines))
                step = asyncio.run(step_time(machines))
                singles.append(single)
                steps.append(step)
                ratios.append(step / single)
        finally:
            lab.close()
    ratio = statistics.median(ratios)
    print(f"parallel step ({', '.join(STEP)}; apps answering after {', '.join(f'{d:g}' for d in DELAYS)} s):")
    print(f"  slowest single probe {statistics.median(singles) * 1000:.0f} ms, whole step "
          f"{statistics.median(steps) * 1000:.0f} ms, ratio {ratio:.2f} (target <= 1.2, median of {ROUNDS})")
    return ratio <= 1.2


def blackhole(host: str) -> tuple[socket.socket, list[socket.socket], int]:
    """A listener whose accept queue is full, so new connections are never completed."""
    server = socket.socket()
    server.bind((host, 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect((host, port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    time.sleep(0.2)
    return server, fillers, port


async def probe_cost(machine: Machine, timeout: float) -> tuple[float, str | None]:
    async with make_client(timeout) as client:
        start = time.monotonic()
        probe = await fetch(client, machine, timeout)
        return time.monotonic() - start, probe.failure


def bench_dead_hosts() -> bool:
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        lab = Lab(None, Path(tmp))
        server, fillers, hole_port = blackhole("127.0.0.9")
        try:
            hang = lab.backend("app1", "127.0.0.10", mode="hang")
            trickle = lab.backend("app2", "127.0.0.11", mode="trickle", extra=("--delay", "1"))
            cases = {
                "nothing listening": Machine("app1", "127.0.0.12", free_port("127.0.0.12")),
                "blackholed (full backlog)": Machine("app1", "127.0.0.9", hole_port),
                "accepts, never answers": Machine("app1", hang.host, hang.port),
                "trickles a byte a second": Machine("app1", trickle.host, trickle.port),
            }
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            start = time.monotonic()
            subprocess.run([sys.executable, "-m", "tutor", "check", "app-running", "--host",
                            f"app1=127.0.0.9:{hole_port}", "--timeout", "1", "--json"],
                           env=env, capture_output=True, check=False)
            whole = time.monotonic() - start
            print(f"`tutor check app-running` on a blackholed app, timeout 1 s: {whole * 1000:.0f} ms "
                  "end to end (Python start-up and imports included)")
            print("dead or hostile host, one probe:")
            for timeout in TIMEOUTS:
                for name, machine in cases.items():
                    cost, failure = asyncio.run(probe_cost(machine, timeout))
                    good = cost <= timeout + 0.5
                    ok &= good
                    print(f"  timeout {timeout:g} s, {name:<26} {cost * 1000:6.0f} ms -> {failure:<8} "
                          f"(cost - timeout = {cost - timeout:+.3f} s){'' if good else '  MISSED'}")
        finally:
            lab.close()
            for sock in [server, *fillers]:
                sock.close()
    return ok


def main() -> int:
    ok = bench_parallel()
    ok &= bench_dead_hosts()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
