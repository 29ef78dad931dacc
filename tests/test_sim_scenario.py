"""Scenario files (DESIGN.md section 3): defaults, the demo, validation messages."""

import dataclasses

import pytest

from sim import ScenarioError, default_scenario, load_scenario, scenario_from_dict
from sim.scenario import validate

DESIGN_EXAMPLE = '''
[scenario]
name = "lb-failover"
title = { id = "Satu server mati", en = "One server dies" }
seed = 1
duration = 60.0
requests = 0
warmup = 0.0

[traffic]
pattern = "poisson"
rate = 20.0
clients = 1
think_time = 0.0
method = "GET"

[nginx]
policy = "round_robin"
next_upstream = ["error", "timeout"]
next_upstream_tries = 0
connect_timeout = 60.0
read_timeout = 60.0
workers = 1
zone = false
latency = 0.0005
config = ""

[[server]]
name = "app1"
address = "10.37.19.46:3000"
weight = 1
max_fails = 1
fail_timeout = 10.0
max_conns = 0
backup = false
down = false
concurrency = 1
queue = -1
service = { dist = "exp", mean = 0.05 }
fail = { every = 0, rate = 0.0, status = 500 }

[[server]]
name = "app2"

[[event]]
at = 30.0
server = "app2"
action = "stop"
'''


def test_design_example_loads_with_its_values(tmp_path):
    path = tmp_path / "lb.toml"
    path.write_text(DESIGN_EXAMPLE)
    scenario = load_scenario(path)
    assert scenario.name == "lb-failover" and scenario.title["en"] == "One server dies"
    assert scenario.nginx.next_upstream == ("error", "timeout")
    assert [s.name for s in scenario.servers] == ["app1", "app2"]
    assert scenario.servers[1].service == {"dist": "exp", "mean": 0.05}
    assert scenario.events[0].action == "stop" and scenario.events[0].factor == 4.0
    assert scenario.source == str(path)


def test_every_key_has_the_design_default():
    scenario = scenario_from_dict({"server": [{}]})
    assert (scenario.seed, scenario.duration, scenario.requests, scenario.warmup) == (1, 60.0, 0, 0.0)
    assert dataclasses.astuple(scenario.traffic) == ("poisson", 20.0, 1, 0.0, "GET", "10.0.0.1", ())
    n = scenario.nginx
    assert (n.policy, n.next_upstream, n.next_upstream_tries, n.connect_timeout, n.read_timeout,
            n.workers, n.zone, n.latency, n.config) == (
        "round_robin", ("error", "timeout"), 0, 60.0, 60.0, 1, False, 0.0005, "")
    s = scenario.servers[0]
    assert (s.weight, s.max_fails, s.fail_timeout, s.max_conns, s.backup, s.down, s.concurrency,
            s.queue) == (1, 1, 10.0, 0, False, False, 1, -1)
    assert s.service == {"dist": "exp", "mean": 0.05}
    assert s.fail == {"every": 0, "rate": 0.0, "status": 500}
    assert scenario.events == ()                                       # own servers: no demo event


def test_default_scenario_is_the_demo():
    demo = default_scenario()
    assert [s.name for s in demo.servers] == ["app1", "app2", "app3"]
    assert demo.nginx.policy == "round_robin"
    assert [(e.at, e.server, e.action) for e in demo.events] == [(30.0, "app2", "stop")]
    assert dataclasses.replace(scenario_from_dict({}), source="<default>") == demo


def test_demo_event_follows_the_duration():
    assert scenario_from_dict({"scenario": {"duration": 10.0}}).events[0].at == 5.0


def test_next_upstream_off_means_empty():
    assert scenario_from_dict({"nginx": {"next_upstream": ["off"]}}).nginx.next_upstream == ()
    assert scenario_from_dict({"nginx": {"next_upstream": []}}).nginx.next_upstream == ()


def test_file_errors_are_one_line(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(ScenarioError, match=r"nope\.toml: file: "):
        load_scenario(missing)
    broken = tmp_path / "broken.toml"
    broken.write_text("[scenario\nname = 1\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(broken)
    assert str(caught.value).startswith(f"{broken}: toml: ") and "\n" not in str(caught.value)


@pytest.mark.parametrize("data, message", [
    ({"server": [{"weight": 0}]}, "lb.toml: server[1].weight: must be a positive integer"),
    ({"server": [{}, {"weight": 1.5}]}, "lb.toml: server[2].weight: must be a positive integer"),
    ({"server": [{"weight": True}]}, "lb.toml: server[1].weight: must be a positive integer"),
    ({"nginx": {"policy": "fastest"}}, "lb.toml: nginx.policy: must be one of: round_robin, "
     "least_conn, ip_hash, random, random_two_least_conn"),
    ({"traffic": {"rate": 0}}, "lb.toml: traffic.rate: must be a positive number"),
    ({"traffic": {"rate": "fast"}}, "lb.toml: traffic.rate: must be a positive number"),
    ({"traffic": {"pattern": "burst"}}, "lb.toml: traffic.pattern: must be one of: poisson, uniform, closed, "
     "trace"),
    ({"traffic": {"pattern": "trace"}}, 'lb.toml: traffic.times: pattern = "trace" needs a non-empty array'),
    ({"traffic": {"pattern": "trace", "times": [1.0, 0.5]}}, "lb.toml: traffic.times: arrival times must not decrease"),
    ({"traffic": {"pattern": "trace", "times": [0.5, "soon"]}}, "lb.toml: traffic.times: must be a number >= 0"),
    ({"traffic": {"pattern": "trace", "times": [-1.0]}}, "lb.toml: traffic.times: must be a number >= 0"),
    ({"traffic": {"pattern": "trace", "times": [1e300]}}, "lb.toml: traffic.times: must be at most"),
    ({"traffic": {"times": [1.0]}}, 'lb.toml: traffic.times: is used only with pattern = "trace"'),
    ({"scenario": {"warmup": 1.0}}, "lb.toml: scenario.warmup: must be a fraction below 1"),
    ({"scenario": {"colour": "red"}}, "lb.toml: scenario.colour: unknown key (known: name, title, "
     "seed, duration, requests, warmup, direct)"),
    ({"extra": {}}, "lb.toml: extra: unknown key (known: scenario, traffic, nginx, network, server, event)"),
    ({"nginx": {"next_upstream": ["error", "http_418"]}}, "lb.toml: nginx.next_upstream: unknown value"),
    ({"nginx": {"zone": "yes"}}, "lb.toml: nginx.zone: must be true or false"),
    ({"server": [{"name": "a"}, {"name": "a"}]}, "lb.toml: server[2].name: 'a' is used twice"),
    ({"server": [{"service": {"dist": "gamma"}}]}, "lb.toml: server[1].service.dist: must be one of"),
    ({"server": [{"service": {"dist": "uniform", "low": 2.0, "high": 1.0}}]},
     "lb.toml: server[1].service.high: must be at least low"),
    ({"server": [{"fail": {"status": 99}}]}, "lb.toml: server[1].fail.status: must be 0"),
    ({"server": [{"fail": {"rate": 2.0}}]}, "lb.toml: server[1].fail.rate: must be a share between 0 and 1"),
    ({"server": [{"backup": True}]}, "lb.toml: server: at least one server must not be a backup"),
    ({"server": [{"name": "a"}, {"name": "b", "backup": True}], "nginx": {"policy": "ip_hash"}},
     "lb.toml: server[2].backup: nginx does not allow backup servers with ip_hash"),
    ({"event": [{"at": 5.0, "server": "app9", "action": "stop"}]},
     "lb.toml: event[1].server: no server named 'app9' (servers: app1, app2, app3)"),
    ({"event": [{"at": 5.0, "server": "app1", "action": "explode"}]},
     "lb.toml: event[1].action: must be one of: stop, start, hang, poweroff, slow"),
    ({"event": [{"server": "app1", "action": "stop"}]}, "lb.toml: event[1].at: is required"),
    ({"server": {"name": "a"}}, "lb.toml: server: must be an array of tables ([[server]])"),
])
def test_validation_messages(data, message):
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(data, "lb.toml")
    assert str(caught.value).startswith(message)


def test_validate_checks_replaced_scenarios():
    demo = default_scenario()
    broken = dataclasses.replace(demo, nginx=dataclasses.replace(demo.nginx, policy="random"),
                                 servers=demo.servers + (dataclasses.replace(demo.servers[0], name="bk",
                                                                             backup=True),))
    with pytest.raises(ScenarioError, match="backup"):
        validate(broken)


def test_a_direct_scenario_has_exactly_one_server():
    from sim.scenario import ScenarioError, scenario_from_dict

    one = scenario_from_dict({"scenario": {"direct": True}, "server": [{"name": "web"}]})
    assert one.direct and [server.name for server in one.servers] == ["web"]
    assert not scenario_from_dict({"server": [{"name": "web"}]}).direct
    with pytest.raises(ScenarioError, match="exactly one"):
        scenario_from_dict({"scenario": {"direct": True}, "server": [{"name": "a"}, {"name": "b"}]})
    with pytest.raises(ScenarioError):
        scenario_from_dict({"scenario": {"direct": "yes"}, "server": [{"name": "a"}]})


def test_duration_is_not_used_and_not_refused_when_requests_are_counted():
    """DESIGN.md section 3: with requests > 0 the run stops after them; duration is unused."""
    import sim

    counted = scenario_from_dict({"scenario": {"duration": 1e9, "requests": 500}, "server": [{"name": "app1"}]})
    assert sim.run(counted).to_json_dict()["requests"]["sent"] == 500
    with pytest.raises(ScenarioError, match="scenario.duration"):
        scenario_from_dict({"scenario": {"duration": 1e9}, "traffic": {"rate": 0.0001}, "server": [{"name": "app1"}]})
