"""One drill at a time on a lab: start it (the finished tutorial, then the fault), judge the end state,
give hints from what still fails, end it, and record the outcome in the learner's progress.

The running drill is remembered in the lab's own data folder (`drill.json`), so `down` forgets it;
outcomes go to `drills.json` in the user data folder (what the class board reads).
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, field
from functools import cache

from tutor.drills import actions
from tutor.drills.model import Baseline, Drill, DrillError, load_baseline, load_drills
from tutor.lab.lab import Lab
from tutor.lab.topology import ADDRESSES
from tutor.paths import drills_dir, user_data_dir
from tutor.storage import Unreadable, locked, read_json, write_json_atomic

STATE = "drill.json"
PROGRESS = "drills.json"
MAX_RUNS = 500
CHECK_MACHINES = ("proxy", "app1", "app2")
STOPPED_TIMEOUT = 8  # s per answer when an app stays down: above the 5 s connect timeout a drill accepts


class NoSuchDrill(Exception):
    """No shipped drill has this name; `str()` is the name."""


class NoDrill(Exception):
    """No drill is running on this lab (or its state file is not ours)."""


@dataclass
class Running:
    """The drill running on a lab: which one, which variant, since when, how many hints were shown."""

    drill: Drill
    seed: int
    variant: int
    started: float
    hints: int = 0

    def values(self) -> dict[str, str]:
        return self.drill.values(self.variant)


@dataclass
class Verdict:
    """The end state judged: each check's result, `nginx -t`, and the tutorial's upstream still whole."""

    results: dict[str, dict]
    nginx_test: str  # "" when `nginx -t` passes, else its last line
    upstream_whole: bool
    failing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failing


@cache
def catalogue() -> tuple[tuple[Drill, ...], Baseline]:
    """The shipped drills and the finished tutorial they start from (read once: the drills screen
    asks on every key that moves through the list)."""
    folder = drills_dir()
    return tuple(load_drills(folder)), load_baseline(folder / "baseline.toml")


def find(name: str) -> Drill:
    """The drill with this id, or at this place in `tutor drill list` (1, 2, ...: the list shows
    numbers and titles, since an id such as `proxy-pass-typo` would give the answer away)."""
    drills, _ = catalogue()
    for number, drill in enumerate(drills, 1):
        if name in (drill.id, str(number)):
            return drill
    raise NoSuchDrill(name)


def start(lab: Lab, drill: Drill, seed: int | None = None) -> Running:
    """Reset the lab to the finished tutorial, apply `drill`'s fault (the variant `seed` picks)."""
    lab.require_up()
    _, baseline = catalogue()
    seed = random.SystemRandom().randrange(1, 10_000) if seed is None else seed
    variant = random.Random(seed).randrange(len(drill.variants))
    running = Running(drill, seed, variant, time.time())
    try:
        finish(lab, current(lab), "abandoned")  # a drill started over another is recorded, not lost
    except NoDrill:
        pass
    actions.restore(lab, baseline)
    actions.apply(lab, drill.fault, running.values())
    _save_state(lab, running)
    return running


def current(lab: Lab) -> Running:
    """The drill running on `lab`; NoDrill when none is."""
    try:
        data = read_json(lab.data / STATE)
    except Unreadable:
        data = None
    if not data:
        raise NoDrill()
    try:
        drill = find(str(data["drill"]))
        running = Running(drill, int(data["seed"]), int(data["variant"]), float(data["started"]), int(data["hints"]))
    except (KeyError, TypeError, ValueError, DrillError):
        raise NoDrill() from None
    if not 0 <= running.variant < len(drill.variants):
        raise NoDrill()
    return running


def judge(lab: Lab, running: Running, lang: str = "en") -> Verdict:
    """The end state only: the drill's checks from the laptop, `nginx -t`, and the upstream group of
    the finished tutorial (both apps) still in the proxy's config."""
    drill = running.drill
    args = list(drill.checks)
    stopped = actions.fill(drill.stopped, running.values())
    if stopped:  # a bounded wait for the dead app (config_has allows up to 5 s) is part of the fix
        args += ["--stopped", stopped, "--timeout", str(STOPPED_TIMEOUT)]
    results = lab.check(*args, machines=CHECK_MACHINES, lang=lang)
    tested = lab.nginx_test()
    dump = lab.exec("proxy", ["nginx", "-T"]).stdout if tested.returncode == 0 else ""
    whole = all(re.search(rf"^\s*server\s+{re.escape(ADDRESSES[app])}:3000\b", dump, re.MULTILINE)
                for app in ("app1", "app2"))
    failing = [check for check, result in results.items() if not result["ok"]]
    if tested.returncode != 0:
        failing.append("nginx-t")
    elif not whole:
        failing.append("upstream")
    elif not (all(re.search(p, dump, re.MULTILINE) for p in drill.config_has)
              and not any(re.search(p, dump, re.MULTILINE) for p in drill.config_lacks)):
        failing.append("config")
    why = (tested.stderr.strip().splitlines() or [""])[-1] if tested.returncode else ""
    return Verdict(results, why, whole, failing)


def next_hint(lab: Lab, running: Running) -> int:
    """Count one more hint (up to the drill's last) and return its index."""
    index = min(running.hints, len(running.drill.hints) - 1)
    running.hints = min(running.hints + 1, len(running.drill.hints))
    _save_state(lab, running)
    return index


def finish(lab: Lab, running: Running, outcome: str) -> dict:
    """End the drill (`solved`, `gave_up`, or `abandoned` by starting another): forget it on the lab,
    record it in the progress."""
    ended = time.time()
    record = {"drill": running.drill.id, "seed": running.seed, "variant": running.variant + 1,
              "started": round(running.started, 3), "ended": round(ended, 3),
              "seconds": round(ended - running.started, 1), "hints": running.hints, "outcome": outcome}
    (lab.data / STATE).unlink(missing_ok=True)
    path = user_data_dir() / PROGRESS
    with locked(path):  # another tutor (the app, a second terminal) may end a drill at the same moment
        try:
            data = read_json(path) or {}
        except Unreadable:
            data = {}
        runs = data.get("runs")
        if not isinstance(runs, list):
            runs = []
        write_json_atomic(path, {"version": 1, "runs": [*runs, record][-MAX_RUNS:]})
    _tell_the_class(record)
    return record


def _tell_the_class(record: dict) -> None:
    """When the learner joined a class (tutor --join), queue the outcome for the class board: the
    learner's app sends its outbox (tutor.classroom.client), also what `tutor drill` queued."""
    from tutor.classroom.client import Membership, Outbox

    folder = user_data_dir()
    if Membership.load(folder) is None:
        return
    outbox = Outbox(folder)
    try:
        outbox.add("drill", {"drill": record["drill"], "outcome": record["outcome"]})
    finally:
        outbox.close()


def history() -> list[dict]:
    """Every recorded drill outcome, oldest first."""
    try:
        data = read_json(user_data_dir() / PROGRESS) or {}
    except Unreadable:
        return []
    runs = data.get("runs")
    return [run for run in runs if isinstance(run, dict)] if isinstance(runs, list) else []


def _save_state(lab: Lab, running: Running) -> None:
    write_json_atomic(lab.data / STATE, {"drill": running.drill.id, "seed": running.seed, "variant": running.variant,
                                         "started": running.started, "hints": running.hints})
