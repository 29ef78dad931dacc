"""Every variant of every drill, proven on the lab (issue: break-fix drills).

For each variant: the finished tutorial passes the drill's judge; after the fault the symptom is
real (curl from the laptop shows it) and the judge fails; after the drill's reference fix the judge
passes. For each drill, its wrong fix (a plausible action that does not repair it) does not pass.
The host stays as it was: nothing outside the lab's folder changes (checked around the whole run).
"""

from __future__ import annotations

import subprocess
import time

import pytest

from lab_host import differences, snapshot
from tutor.drills import actions, session
from tutor.drills.model import Drill

pytestmark = pytest.mark.lab

DRILLS, BASELINE = session.catalogue()
SETTLE = 25.0  # s: a fix may meet nginx's 10 s fail_timeout ban of the app it just repaired


def host_firewall() -> str:
    done = subprocess.run(["iptables", "-S"], capture_output=True, text=True, timeout=30)
    return done.stdout if done.returncode == 0 else f"exit {done.returncode}"


@pytest.fixture(scope="module", autouse=True)
def host_unchanged(netlab_session):
    """Every drill (faults, fixes, wrong fixes, restores) stays in the lab: the host's files, network,
    mounts (tests/lab_host.py, as the lab's own test) and firewall are as they were."""
    before, firewall = snapshot(netlab_session.prefix), host_firewall()
    yield
    assert differences(before, snapshot(netlab_session.prefix)) == []
    assert host_firewall() == firewall


@pytest.fixture
def lab(netlab):
    """The session's lab; put back to the finished tutorial afterwards, so that no fault (a server on
    port 80, a firewall rule, a hung app) outlives its test."""
    try:
        yield netlab
    finally:
        actions.restore(netlab, BASELINE)


def judge_passes_soon(lab, running) -> session.Verdict:
    """The verdict once it passes (nginx may still ban a just-repaired app for fail_timeout), else the last one."""
    deadline = time.monotonic() + SETTLE
    verdict = session.judge(lab, running)
    while not verdict.ok and time.monotonic() < deadline:
        time.sleep(1.0)
        verdict = session.judge(lab, running)
    return verdict


def describe(verdict: session.Verdict) -> str:
    return "; ".join(f"{check}: {verdict.results[check]['code']}" if check in verdict.results else check
                     for check in verdict.failing)


@pytest.mark.parametrize("drill,variant", [(d, v) for d in DRILLS for v in range(len(d.variants))],
                         ids=lambda x: x.id if isinstance(x, Drill) else f"v{x + 1}")
def test_each_variant_breaks_for_real_and_its_fix_repairs_it(lab, drill, variant):
    seed = next(s for s in range(1, 500) if session.random.Random(s).randrange(len(drill.variants)) == variant)
    running = session.start(lab, drill, seed=seed)
    assert running.variant == variant
    answers = actions.probe(lab, "hasil.xyz", drill.probe)
    assert actions.symptom_seen(drill.probe, answers), (drill.probe, answers)
    broken = session.judge(lab, running)
    assert not broken.ok, "the fault did not fail the judge"
    actions.apply(lab, drill.fix, running.values())
    fixed = judge_passes_soon(lab, running)
    assert fixed.ok, describe(fixed)


@pytest.mark.parametrize("drill", DRILLS, ids=lambda d: d.id)
def test_the_wrong_fix_does_not_pass(lab, drill):
    running = session.start(lab, drill, seed=1)
    actions.apply(lab, drill.wrong_fix, running.values())
    assert not session.judge(lab, running).ok


def test_the_finished_tutorial_passes_every_drills_judge(lab):
    actions.restore(lab, BASELINE)
    for drill in DRILLS:
        running = session.Running(drill, 1, 0, time.time())
        if drill.stopped:
            continue  # judged with an app down on purpose
        verdict = session.judge(lab, running)
        assert verdict.ok, (drill.id, describe(verdict))


def test_the_command_line_runs_a_drill_from_start_to_its_recorded_outcome(tmp_path):
    """`tutor drill start/check/hint/give-up` on a lab of its own (the CLI finds the lab's folder in
    the data folder, as for a learner): exit codes, the symptom, hints, and the outcome recorded."""
    import json
    import os
    import sys

    from netlab_support import session_prefix
    from tutor.lab import Lab

    prefix = f"{session_prefix()}d"[:16]
    own = Lab(prefix, tmp_path / "lab" / prefix)
    env = {**os.environ, "TUTOR_DATA_DIR": str(tmp_path)}

    def drill(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "tutor", "drill", *args, "--prefix", prefix, "--lang", "en"],
                              capture_output=True, text=True, env=env, timeout=180)

    try:
        own.up(apps=2)
        assert drill("check").returncode == 2  # no drill running yet: one line, exit 2
        started = drill("start", "app-stopped", "--seed", "3", "--json")
        assert started.returncode == 0, started.stderr
        app = json.loads(started.stdout)["symptom"].split("Since the ")[1].split(" VM")[0]
        assert own.app_pid(app) is None  # the fault is real
        assert drill("check").returncode == 1
        hinted = drill("hint")
        assert hinted.returncode == 0 and "Hint 1/3" in hinted.stdout and "app-running" in hinted.stdout
        own.start(app)
        solved = drill("check")
        deadline = time.monotonic() + SETTLE  # nginx avoids the app it just saw fail for fail_timeout (10 s)
        while solved.returncode == 1 and time.monotonic() < deadline:
            assert "fail_timeout" in solved.stdout  # ... and the verdict says so
            time.sleep(1.0)
            solved = drill("check")
        assert solved.returncode == 0, solved.stdout
        assert "Solved in" in solved.stdout and "with 1 hint" in solved.stdout and "one-server-dies" not in solved.stdout
        runs = json.loads((tmp_path / "drills.json").read_text())["runs"]
        assert [(r["drill"], r["outcome"], r["hints"]) for r in runs] == [("app-stopped", "solved", 1)]
        number = str([d.id for d in DRILLS].index("hosts-line-wrong") + 1)
        assert drill("start", "app-hung", "--seed", "1").returncode == 0
        assert drill("start", number, "--seed", "1").returncode == 0  # by its number; the first is abandoned
        hosts = own.exec("laptop", ["cat", "/etc/hosts"]).stdout
        wrong = next(line for line in hosts.splitlines() if line.endswith(" hasil.xyz"))
        own.exec("laptop", ["sh", "-c", "cat > /etc/hosts"], input=hosts.replace(wrong, "10.37.19.64 hasil.xyz"))
        hinted = drill("hint")  # nothing fails any more: no hint given, none counted
        assert "Nothing fails any more" in hinted.stdout and "Hint" not in hinted.stdout
        gave_up = json.loads(drill("give-up", "--json").stdout)
        assert gave_up["reveal"]["step"] == "hosts-file" and gave_up["record"]["hints"] == 0
        runs = json.loads((tmp_path / "drills.json").read_text())["runs"]
        assert [(r["drill"], r["outcome"]) for r in runs] == [
            ("app-stopped", "solved"), ("app-hung", "abandoned"), ("hosts-line-wrong", "gave_up")]
    finally:
        own.down()
