"""Which nginx worker takes each new connection (sim/accept.py), and what the trace says about it."""

import io
import json

import sim
from sim.accept import AcceptQueue


def taken(workers, connections):
    queue = AcceptQueue(workers)
    return [queue.accept() for _ in range(connections)]


def test_two_workers_take_connections_in_runs_of_sixteen():
    assert taken(2, 50) == [0, 1] + [0] * 16 + [1] * 16 + [0] * 16


def test_three_workers_each_take_one_then_runs_of_sixteen():
    assert taken(3, 37) == [0, 1, 2] + [0] * 16 + [1] * 16 + [2] * 2


def test_one_worker_takes_everything():
    assert taken(1, 40) == [0] * 40


def test_trace_names_the_worker_and_each_worker_balances_on_its_own():
    data = {"scenario": {"requests": 20}, "traffic": {"pattern": "uniform", "rate": 4.0},
            "nginx": {"workers": 2},
            "server": [{"name": "a", "service": {"dist": "const", "mean": 0.001}},
                       {"name": "b", "service": {"dist": "const", "mean": 0.001}}], "event": []}
    result = sim.run(sim.scenario_from_dict(data), trace=True)
    trace = io.StringIO()
    result.write_trace(trace)
    lines = [json.loads(line) for line in trace.getvalue().splitlines()]
    assert [line["worker"] for line in lines] == [0, 1] + [0] * 16 + [1] * 2
    # each worker starts its own round robin at a: requests 1 and 2 both go to a
    assert [line["attempts"][0] for line in lines[:6]] == ["a", "a", "b", "a", "b", "a"]


def test_a_reload_starts_new_workers_with_a_fresh_queue():
    data = {"scenario": {"requests": 40}, "traffic": {"pattern": "uniform", "rate": 4.0},
            "nginx": {"workers": 2}, "event": []}
    simulation = sim.Simulation(sim.scenario_from_dict(data), events=True)
    simulation.advance(1.1)                  # requests 1-4: workers 0, 1, 0, 0
    simulation.set_policy("round_robin")
    simulation.advance(2.1)                  # requests 5-8 after the reload: 0, 1, 0, 0 again
    workers = [e.details["worker"] for e in simulation.drain_events() if e.kind == "request"]
    assert workers == [0, 1, 0, 0, 0, 1, 0, 0]
