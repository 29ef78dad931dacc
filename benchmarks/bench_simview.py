"""Simulator view speed: CPU while playing in real time, and input latency during a fast-forward.

    python benchmarks/bench_simview.py [SECONDS]

1. Playback: 100 simulated requests per second over 3 servers, played in real time (1x) by the
   view's own timer in a headless app (100x30) for SECONDS (default 10). Prints the process's CPU
   time / wall time. Target: <= 15% of one core.
2. Fast-forward: 100,000 requests (100 req/s for 1,000 simulated s) skipped to the end by the
   thread worker ("f") while keys are pressed; prints how long each key took to be handled
   (median, max) and how long the fast-forward took.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

from textual import events

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # PlayApp is a test helper
from sim import scenario_from_dict  # noqa: E402
from support.play_app import PlayApp  # noqa: E402


def scenario(duration: float):
    servers = [{"name": f"app{i}", "address": f"10.0.0.{i}:3000", "concurrency": 4} for i in (1, 2, 3)]
    return scenario_from_dict({
        "scenario": {"name": "bench", "seed": 1, "duration": duration},
        "traffic": {"pattern": "poisson", "rate": 100.0},
        "server": servers,
        "event": [{"at": 5.0, "server": "app2", "action": "stop"}],
    })


async def playback_cpu(seconds: float) -> tuple[float, float]:
    app = PlayApp(scenario(600.0), lang="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(seconds)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        sim_time = app.screen.panel.player.frame.t
    return cpu / wall, sim_time


async def fast_forward_latency() -> tuple[list[float], float, int]:
    app = PlayApp(scenario(1000.0), lang="en", playing=False)
    latencies = []
    async with app.run_test(size=(100, 30)) as pilot:
        panel = app.screen.panel
        await pilot.pause()
        start = time.perf_counter()
        app.post_message(events.Key("f", "f"))  # not pilot.press: it waits for the CPU to go idle
        while not panel.player.busy:
            await asyncio.sleep(0.001)
        while panel.player.busy:
            before = panel.player.speed
            key, char = ("minus", "-") if before > 0.25 else ("plus", "+")
            pressed = time.perf_counter()
            app.post_message(events.Key(key, char))
            while panel.player.speed == before:
                await asyncio.sleep(0.005)
            latencies.append(time.perf_counter() - pressed)
            await asyncio.sleep(0.05)
        await app.workers.wait_for_complete()
        took = time.perf_counter() - start
        sent = panel.player.frame.counters.sent
    return latencies, took, sent


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    share, sim_time = asyncio.run(playback_cpu(seconds))
    print(f"playback 100 req/s at 1x for {seconds:g} s wall ({sim_time:.1f} s simulated): "
          f"CPU {share * 100:.1f}% of one core (target <= 15%)")
    latencies, took, sent = asyncio.run(fast_forward_latency())
    if latencies:
        print(f"fast-forward of {sent:,} requests took {took:.2f} s; {len(latencies)} key presses during it: "
              f"median {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
    else:
        print(f"fast-forward of {sent:,} requests took {took:.2f} s (too quick to press a key during it)")


if __name__ == "__main__":
    main()
