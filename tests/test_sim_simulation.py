"""The steppable Simulation the animated UI drives: advance, state, events, live controls."""

from collections import Counter

import pytest

import sim
from sim import Simulation
from sim import events as ev

FAST = {"dist": "const", "mean": 0.01}


def demo(**overrides):
    data = {"scenario": {"duration": 40.0}, "traffic": {"pattern": "uniform", "rate": 10.0},
            "nginx": {"latency": 0.0},
            "server": [{"name": n, "service": FAST} for n in ("app1", "app2", "app3")],
            "event": [{"at": 20.05, "server": "app2", "action": "stop"}]}
    data.update(overrides)
    return sim.scenario_from_dict(data, "demo")


def test_stepping_gives_the_same_run_as_running_to_the_end():
    whole = sim.run(sim.default_scenario())
    stepped = Simulation(sim.default_scenario(), events=True)
    t = 0.0
    while not stepped.finished:
        t += 1 / 30
        stepped.advance(t)
    assert stepped.metrics() == whole.metrics


def test_state_follows_an_outage_and_its_ban():
    simulation = Simulation(demo())
    simulation.advance(20.0)
    before = {s.name: s for s in simulation.state().servers}
    assert before["app2"].status == "up" and not before["app2"].banned
    simulation.advance(21.0)
    app2 = {s.name: s for s in simulation.state().servers}["app2"]
    assert app2.status == "stopped" and app2.banned and app2.fails == 1
    assert app2.banned_until == 31.0                                   # failed in second 20, + 10 + 1
    simulation.advance(31.5)
    assert {s.name: s for s in simulation.state().servers}["app2"].banned       # probed again, failed
    state = simulation.state()
    assert state.sent == 314 and state.failed == 0 and state.time == 31.5   # the one due at 31.5 is next
    assert state.sent == state.answered + state.in_flight


def test_event_stream_tells_the_story():
    simulation = Simulation(demo(), events=True)
    simulation.advance(25.0)
    events = simulation.drain_events()
    assert simulation.drain_events() == []
    kinds = Counter(e.kind for e in events)
    state = simulation.state()
    assert kinds[ev.REQUEST] == state.sent and kinds[ev.RESPONSE] == state.answered
    assert kinds[ev.SERVER_ACTION] == 1 and kinds[ev.SERVER_DISABLED] == 1
    assert kinds[ev.ATTEMPT] == kinds[ev.REQUEST] + kinds[ev.ATTEMPT_FAILED]
    assert [e.time for e in events] == sorted(e.time for e in events)
    action = next(e for e in events if e.kind == ev.SERVER_ACTION)
    disabled = next(e for e in events if e.kind == ev.SERVER_DISABLED)
    failed = next(e for e in events if e.kind == ev.ATTEMPT_FAILED)
    assert (action.time, action.server, action.details["action"]) == (20.05, "app2", "stop")
    assert failed.details["reason"] == "refused" and failed.server == "app2"
    assert disabled.details["until"] == 31.0 and disabled.request == failed.request
    simulation.advance(32.0)
    later = simulation.drain_events()
    probes = [e for e in later if e.kind == ev.PROBE]
    assert len(probes) == 1 and probes[0].server == "app2" and probes[0].time >= 31.0


def test_probe_success_re_enables():
    simulation = Simulation(demo(event=[{"at": 20.05, "server": "app2", "action": "stop"},
                                        {"at": 25.0, "server": "app2", "action": "start"}]), events=True)
    simulation.advance(40.0)
    enabled = [e for e in simulation.drain_events() if e.kind == ev.SERVER_ENABLED]
    assert len(enabled) == 1 and enabled[0].server == "app2" and 31.0 <= enabled[0].time < 32.0


def test_live_controls():
    simulation = Simulation(demo(event=[]), events=True)
    simulation.advance(5.0)
    simulation.apply("app1", "stop")
    assert {s.name: s.status for s in simulation.state().servers}["app1"] == "stopped"
    simulation.set_policy("least_conn")
    assert simulation.state().policy == "least_conn"
    sent = simulation.state().sent
    simulation.set_rate(20.0)
    simulation.advance(10.001)
    assert simulation.state().sent - sent == 100                       # 5.05 ... 10.0 at 20/s
    kinds = [e.kind for e in simulation.drain_events()]
    assert {ev.SERVER_ACTION, ev.POLICY, ev.RATE} <= set(kinds)
    with pytest.raises(KeyError):
        simulation.apply("nope", "stop")
    with pytest.raises(ValueError):
        simulation.apply("app1", "explode")
    with pytest.raises(ValueError):
        simulation.set_policy("fastest")


def test_queue_and_active_counts():
    data = {"scenario": {"duration": 10.0}, "traffic": {"pattern": "uniform", "rate": 10.0},
            "server": [{"name": "slow", "concurrency": 2, "service": {"dist": "const", "mean": 1.0}}],
            "event": []}
    simulation = Simulation(sim.scenario_from_dict(data))
    simulation.advance(1.05)                                           # 10 sent, 2 in service
    server = simulation.state().servers[0]
    assert (server.active, server.queued) == (2, 8)


def test_open_ended_keeps_sending():
    simulation = Simulation(demo(), open_ended=True)
    simulation.advance(100.0)
    assert simulation.state().sent == 999 and not simulation.finished
    with pytest.raises(ValueError):
        simulation.run_to_end()
