"""Traffic `pattern = "trace"`: requests at listed times (how tests replay a real run's arrivals)."""

import sim
from sim import Simulation

QUICK = {"dist": "const", "mean": 0.0}


def traced(times, events=(), b_backup=False):
    data = {"scenario": {"duration": 1.0, "requests": 1}, "traffic": {"pattern": "trace", "times": times},
            "nginx": {"latency": 0.0},
            "server": [{"name": "a", "fail_timeout": 1.0, "service": QUICK},
                       {"name": "b", "fail_timeout": 1.0, "service": QUICK, "backup": b_backup}],
            "event": list(events)}
    return sim.run(sim.scenario_from_dict(data), trace=True).records


def test_every_listed_time_is_one_request_whatever_duration_and_requests_say():
    records = traced([0.25, 0.25, 1.7, 42.0])
    assert [(r.id, r.t) for r in records] == [(1, 0.25), (2, 0.25), (3, 1.7), (4, 42.0)]


def test_an_event_at_the_moment_of_an_arrival_applies_first():
    records = traced([0.5, 1.0], events=[{"at": 1.0, "server": "b", "action": "stop"}])
    assert [r.attempts for r in records] == [("a",), ("b", "a")]


def test_the_whole_second_clock_reads_the_listed_times():
    """a fails in second 0 or in second 1: nginx's ban (fail_timeout=1s, whole seconds) lasts
    while now - failed <= 1, so at 2.05 a is back only after the failure in second 0 (b: backup)."""
    stop_a = [{"at": 0.0, "server": "a", "action": "stop"}, {"at": 2.0, "server": "a", "action": "start"}]
    early = traced([0.95, 2.05], events=stop_a, b_backup=True)
    late = traced([1.0, 2.05], events=stop_a, b_backup=True)
    assert [r.attempts for r in early] == [("a", "b"), ("a",)]
    assert [r.attempts for r in late] == [("a", "b"), ("b",)]


def test_a_rate_change_leaves_a_trace_alone():
    data = {"traffic": {"pattern": "trace", "times": [0.5, 1.5, 2.5]}, "event": []}
    simulation = Simulation(sim.scenario_from_dict(data), records=True)
    simulation.advance(1.0)
    simulation.set_rate(100.0)
    simulation.run_to_end()
    assert [r.t for r in simulation.result().records] == [0.5, 1.5, 2.5]
