"""`tutor class serve` under a class's load: LEARNERS learners each sending one event a second for
DURATION seconds through the project's own join client (tutor.classroom.client), all on loopback.

Prints: events sent and stored (lost = sent - stored, and duplicates would show as stored > sent),
the time from an event being queued at the learner to the board (GET /api/v1/board, polled every
0.1 s) showing it (p50, p95, max), the server's CPU (share of one core over the run) and its
memory (peak RSS). The board page polls twice a second, so a person sees a change up to 0.5 s later.

Run: python benchmarks/bench_class.py [--learners 100] [--duration 60]. Not a test: it prints
numbers, it does not assert. Everything runs on this machine (loopback), bounded by --duration.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from class_support import ClassProcess, Learner  # noqa: E402
from serve_support import wait_for  # noqa: E402

from tutor.classroom.board import lesson_catalog  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
LESSON = lesson_catalog("en")[1]
STEPS = [step["id"] for step in LESSON["steps"]]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def event_for(n: int, second: int) -> tuple[str, dict]:
    """A plausible event of learner n in second `second`: steps, checks, hints, answers, hands."""
    step = STEPS[(n + second // 10) % len(STEPS)]
    kind = second % 6
    if kind == 0:
        return "step_opened", {"lesson": LESSON["id"], "step": step}
    if kind == 1:
        return "check", {"check": "proxy-forwards", "ok": (n + second) % 3 == 0, "code": None if (n + second) % 3 == 0 else "E_REFUSED"}
    if kind == 2:
        return "hint", {"rung": 1 + second % 3, "lesson": LESSON["id"], "step": step}
    if kind == 3:
        return "answer", {"question": f"{LESSON['id']}/{step}/1", "right": n % 2 == 0}
    if kind == 4:
        return "step_done", {"lesson": LESSON["id"], "step": step}
    return "hand", {"up": second % 12 == 5}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--duration", type=int, default=60, help="seconds of sending (default 60)")
    args = parser.parse_args()
    if not (1 <= args.learners <= 200 and 1 <= args.duration <= 600):
        parser.error("--learners 1..200, --duration 1..600")

    folder = Path(tempfile.mkdtemp(prefix="bench-class-"))
    server = ClassProcess(folder / "instructor")
    pid = server.process.pid
    learners = [Learner(folder / f"l{n}", server.join_url, f"Learner {n:03d}") for n in range(args.learners)]
    sent_at: dict[str, list[float]] = {learner.id: [] for learner in learners}
    latencies: list[float] = []
    peak_rss = [rss_kib(pid)]
    stop = threading.Event()

    def watch_board() -> None:
        seen: dict[str, int] = {}
        with server.http(server.instructor_token) as http:
            while not stop.is_set():
                board = http.get("/api/v1/board").json()
                now = time.monotonic()
                for row in board["learners"]:
                    count, before = row["events"], seen.get(row["id"], 0)
                    times = sent_at.get(row["id"], [])
                    latencies.extend(now - times[k] for k in range(before, min(count, len(times))))
                    seen[row["id"]] = count
                peak_rss[0] = max(peak_rss[0], rss_kib(pid))
                stop.wait(0.1)

    watcher = threading.Thread(target=watch_board, daemon=True)
    cpu_start, wall_start = cpu_seconds(pid), time.monotonic()
    watcher.start()
    try:
        for second in range(args.duration):
            tick = wall_start + second
            time.sleep(max(0.0, tick - time.monotonic()))
            for n, learner in enumerate(learners):  # spread over the second, as real learners are
                time.sleep(max(0.0, tick + n / args.learners - time.monotonic()))
                kind, fields = event_for(n, second)
                sent_at[learner.id].append(time.monotonic())
                learner.send(kind, **fields)
        sent = sum(len(times) for times in sent_at.values())
        wait_for(lambda: all(learner.client.queued == 0 for learner in learners), 60, "the outboxes to empty")
        wall = time.monotonic() - wall_start
        cpu = cpu_seconds(pid) - cpu_start
        time.sleep(0.5)  # the watcher's last look
    finally:
        stop.set()
        watcher.join(5)
        for learner in learners:
            learner.stop()
    stored = server.board()
    stored_events = sum(row["events"] for row in stored["learners"])
    server.close()
    shutil.rmtree(folder, ignore_errors=True)

    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")  # noqa: E731
    print(f"learners: {args.learners}, duration: {args.duration} s, cores: {os.cpu_count()}")
    print(f"events sent: {sent}, stored: {stored_events}, lost: {sent - stored_events}, "
          f"learners on the board: {len(stored['learners'])}")
    print(f"event -> board (API, polled every 0.1 s): p50 {p(0.5):.3f} s, p95 {p(0.95):.3f} s, "
          f"max {latencies[-1] if latencies else float('nan'):.3f} s over {len(latencies)} events")
    print(f"server CPU: {cpu:.1f} s over {wall:.1f} s = {100 * cpu / wall:.0f} % of one core; "
          f"peak RSS {peak_rss[0] / 1024:.0f} MiB")
    print(f"board JSON: {len(json.dumps(stored)) / 1024:.0f} KiB; "
          f"latency mean {statistics.fmean(latencies) if latencies else float('nan'):.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
