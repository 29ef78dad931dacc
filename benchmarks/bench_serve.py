"""`tutor serve`: time to the lesson list in a browser vs `tutor` in a terminal, memory and CPU per
session, and how many sessions this machine holds (which sizes `--max-sessions`' default).

In one run, alternating: `tutor` in tmux (from the command to the lesson list on the screen) and a
browser tab (from opening the page, with the Start click, to the lesson list in the page). Then
SESSIONS tabs at once: RSS of each tab's app process (with its children) on the lesson list and
with the simulator playing, their CPU use, and the server's own RSS.

Run: python benchmarks/bench_serve.py [--runs N] [--sessions N]. Needs tmux, chromium,
chromium-driver and selenium. Not a test: it prints numbers, it does not assert.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from serve_support import (ServeProcess, chrome, click_start, new_tab, press, screen_text,  # noqa: E402
                           tree_rss_kib, wait_for, wait_for_text)

LESSONS = ("What is a web server?", "nginx as a reverse proxy", "Load balancing with nginx")
DOWN, ENTER = "\ue015", "\ue007"
CLASSROOM = 30
CORES = os.cpu_count() or 1
TOTAL_RAM_KIB = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemTotal:")).split()[1])


def terminal_time(env: dict[str, str]) -> float:
    """Seconds from starting `tutor` in a 120x40 tmux pane to the lesson list on its screen."""
    name = f"bench-serve-{os.getpid()}"
    start = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40",
                    f"cd {ROOT} && {sys.executable} -m tutor --lang en"], check=True, env=env)
    try:
        wait_for(lambda: all(title in _pane(name) for title in LESSONS), 120, "the lesson list in tmux", 0.02)
        return time.perf_counter() - start
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], check=False)


def _pane(name: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True).stdout


def browser_time(driver, url: str) -> tuple[float, float]:
    """Seconds from opening the page to the lesson list (and from the Start click to it)."""
    start = time.perf_counter()
    driver.get(url)
    click_start(driver)
    clicked = time.perf_counter()
    wait_for(lambda: all(title in screen_text(driver) for title in LESSONS), 120, "the lesson list", 0.02)
    end = time.perf_counter()
    return end - start, end - clicked


def cpu_seconds(pid: int) -> float:
    """User+system CPU seconds used so far by `pid`."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_share(pids: list[int], seconds: float) -> list[float]:
    """CPU use of each of `pids` over the same `seconds`, as fractions of one core."""
    before = [cpu_seconds(pid) for pid in pids]
    time.sleep(seconds)  # a measuring window, not a wait for a condition
    after = [cpu_seconds(pid) for pid in pids]
    return [(b - a) / seconds for a, b in zip(before, after)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=5)
    args = parser.parse_args()
    if not shutil.which("tmux"):
        sys.exit("bench_serve: tmux is needed")

    env = dict(os.environ, TUTOR_DATA_DIR=tempfile.mkdtemp(prefix="bench-serve-"))
    server = ServeProcess("--lang", "en", "--max-sessions", str(args.sessions + 1), env=env)
    driver = chrome(1280, 800)
    try:
        terminal, page, after_click = [], [], []
        for _ in range(args.runs):
            terminal.append(terminal_time(env))
            total, clicked = browser_time(driver, server.url)
            page.append(total)
            after_click.append(clicked)
            driver.get("about:blank")  # closes the session before the next run
            wait_for(lambda: not server.session_pids(), 60, "the session to end")

        tabs = []
        for index in range(args.sessions):
            if index:
                tabs.append(new_tab(driver))
            else:
                tabs.append(driver.current_window_handle)
            driver.get(server.url)
            click_start(driver)
            wait_for_text(driver, *LESSONS, timeout=120)
        pids = sorted(wait_for(lambda: len(server.session_pids()) == args.sessions and server.session_pids(),
                               60, "every session"))
        rss_list = [tree_rss_kib(pid) for pid in pids]
        idle_cpu = statistics.mean(cpu_share(pids, 5.0))
        for handle in tabs:
            driver.switch_to.window(handle)
            press(driver, DOWN, DOWN, ENTER)
            wait_for_text(driver, "Load balancing with nginx › 1/", timeout=120)
            press(driver, "s")
            wait_for_text(driver, "playing", timeout=120)
        rss_sim = [tree_rss_kib(pid) for pid in pids]
        *shares, server_cpu = cpu_share([*pids, server.pid], 5.0)
        sim_cpu = statistics.mean(shares)
        server_rss = tree_rss_kib(server.pid) - sum(rss_sim)
    finally:
        driver.quit()
        server.close()

    def med(values: list[float]) -> float:
        return statistics.median(values)

    per_session = statistics.mean(rss_sim) / 1024
    print(f"time to the lesson list, median of {args.runs} runs (same run, alternating):")
    print(f"  tutor in a terminal (tmux 120x40):   {med(terminal):6.2f} s")
    print(f"  browser tab, page open to list:      {med(page):6.2f} s   (Start click to list: {med(after_click):.2f} s)")
    print(f"  ratio browser / terminal:            {med(page) / med(terminal):6.2f}")
    print(f"memory, {args.sessions} sessions at once (RSS of each tab's app process with its children):")
    print(f"  on the lesson list:                  {statistics.mean(rss_list) / 1024:6.1f} MiB per session")
    print(f"  with the simulator playing:          {per_session:6.1f} MiB per session")
    print(f"  the server itself:                   {server_rss / 1024:6.1f} MiB")
    print(f"CPU per session (fraction of one core, 5 s windows): lesson list {idle_cpu:.3f}, "
          f"simulator playing {sim_cpu:.3f}; the server relaying all {args.sessions}: {server_cpu:.3f}")
    memory_cap = int(TOTAL_RAM_KIB * 0.75 / 1024 / per_session)
    cpu_cap = int(CORES * 0.8 / sim_cpu) if sim_cpu > 0 else 0
    print(f"this machine ({CORES} cores, {TOTAL_RAM_KIB / 1024 / 1024:.0f} GiB): memory holds ~{memory_cap} sessions "
          f"(75 % of RAM); {CORES} cores keep ~{cpu_cap} simulators playing at once (80 % CPU)")
    print(f"a classroom of {CLASSROOM}: {CLASSROOM * per_session / 1024:.1f} GiB with every simulator open; "
          f"{CLASSROOM * sim_cpu / CORES:.0%} of the CPU if all {CLASSROOM} play at the same moment")


if __name__ == "__main__":
    main()
