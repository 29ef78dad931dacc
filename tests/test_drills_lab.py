"""Every variant of every drill, proven on the lab (issue: break-fix drills).

For each variant: the finished tutorial passes the drill's judge; after the fault the symptom is
real (curl from the laptop shows it) and the judge fails; after the drill's reference fix the judge
passes. For each drill, its wrong fix (a plausible action that does not repair it) does not pass.
The host stays as it was: nothing outside the lab's folder changes (checked around the whole run).
"""

from __future__ import annotations

import time

import pytest

from tutor.drills import actions, session
from tutor.drills.model import Drill

pytestmark = pytest.mark.lab

DRILLS, BASELINE = session.catalogue()
SETTLE = 25.0  # s: a fix may meet nginx's 10 s fail_timeout ban of the app it just repaired


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
def test_each_variant_breaks_for_real_and_its_fix_repairs_it(netlab, drill, variant):
    seed = next(s for s in range(1, 500) if session.random.Random(s).randrange(len(drill.variants)) == variant)
    running = session.start(netlab, drill, seed=seed)
    assert running.variant == variant
    answers = actions.probe(netlab, "hasil.xyz")
    assert actions.symptom_seen(drill.probe, answers), (drill.probe, answers)
    broken = session.judge(netlab, running)
    assert not broken.ok, "the fault did not fail the judge"
    actions.apply(netlab, drill.fix, running.values())
    fixed = judge_passes_soon(netlab, running)
    assert fixed.ok, describe(fixed)


@pytest.mark.parametrize("drill", DRILLS, ids=lambda d: d.id)
def test_the_wrong_fix_does_not_pass(netlab, drill):
    running = session.start(netlab, drill, seed=1)
    actions.apply(netlab, drill.wrong_fix, running.values())
    assert not session.judge(netlab, running).ok


def test_the_finished_tutorial_passes_every_drills_judge(netlab):
    actions.restore(netlab, BASELINE)
    for drill in DRILLS:
        running = session.Running(drill, 1, 0, time.time())
        if drill.stopped:
            continue  # judged with an app down on purpose
        verdict = session.judge(netlab, running)
        assert verdict.ok, (drill.id, describe(verdict))
