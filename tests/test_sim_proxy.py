"""The whole proxy path (clients -> nginx -> backends) against nginx's documented and measured behaviour.

Expected values come from reference/nginx-semantics.md, from small hand-worked examples, or from
an independent transcription of nginx's pseudo-code written here (never from the simulator).
"""

import math

import pytest

import sim
from sim.engine import client_address

FAST = {"dist": "const", "mean": 0.01}


def scenario(data):
    return sim.scenario_from_dict(data, "test.toml")


def uniform(rate, *, requests=0, duration=60.0, method="GET", **nginx):
    head = {"requests": requests} if requests else {"duration": duration}
    return {"scenario": head, "traffic": {"pattern": "uniform", "rate": rate, "method": method},
            "nginx": {"latency": 0.0, **nginx}}


def trail(result):
    return [(record.attempts, record.status) for record in result.records]


# -- an independent model of nginx's round robin (reference §2.1, §2.2, §3.3) -------------------

class RefPeer:
    def __init__(self, name):
        self.name, self.weight, self.ew, self.cw = name, 1, 1, 0
        self.fails, self.max_fails, self.fail_timeout, self.checked, self.accessed = 0, 1, 10, 0, 0


def ref_get(peers, tried, now):
    best, total = None, 0
    for p in peers:
        if p.name in tried:
            continue
        if p.max_fails and p.fails >= p.max_fails and now - p.checked <= p.fail_timeout:
            continue
        p.cw += p.ew
        total += p.ew
        if p.ew < p.weight:
            p.ew += 1
        if best is None or p.cw > best.cw:
            best = p
    if best is None:
        return None
    best.cw -= total
    if now - best.checked > best.fail_timeout:
        best.checked = now
    return best


def ref_free(p, failed, now):
    if failed:
        p.fails += 1
        p.accessed = p.checked = now
        if p.max_fails:
            p.ew -= p.weight // p.max_fails
        p.ew = max(p.ew, 0)
    elif p.accessed < p.checked:
        p.fails = 0


def ref_request(peers, alive, now, retry):
    tried, tries, names = set(), len(peers), []
    while True:
        p = ref_get(peers, tried, now)
        if p is None:
            return tuple(names), 502
        tried.add(p.name)
        names.append(p.name)
        if alive(p.name):
            ref_free(p, False, now)
            return tuple(names), 200
        ref_free(p, True, now)
        tries -= 1
        if tries == 0 or not retry:
            return tuple(names), 502


@pytest.mark.parametrize("next_upstream", [["error", "timeout"], []])
def test_outage_trail_matches_the_reference_model(next_upstream):
    """app2 dies at 3.1 s and is back at 16 s while still banned; every request is compared."""
    rate, duration, stop, start = 5.0, 40.0, 3.1, 16.0
    data = uniform(rate, duration=duration, next_upstream=next_upstream)
    data["server"] = [{"name": n, "service": FAST} for n in ("app1", "app2", "app3")]
    data["event"] = [{"at": stop, "server": "app2", "action": "stop"},
                     {"at": start, "server": "app2", "action": "start"}]
    result = sim.run(scenario(data), trace=True)
    peers = [RefPeer(n) for n in ("app1", "app2", "app3")]
    expected = []
    for k in range(1, int(duration * rate) + 1):
        t = k / rate
        def alive(name, t=t):
            return name != "app2" or not stop <= t < start

        expected.append(ref_request(peers, alive, 1000 + math.floor(t), retry=bool(next_upstream)))
    assert trail(result) == expected
    failed_attempts = sum(1 for names, _ in expected for n in names if n == "app2") - sum(
        1 for names, status in expected if status == 200 and names[-1] == "app2")
    assert failed_attempts == 2                                        # detection (3.x s), probe (14.x s)
    back_in_use = min(r.t for r in result.records
                      if r.t > stop and r.attempts[-1] == "app2" and r.status == 200)
    assert back_in_use >= 25.0                                         # banned 14 + 10 s, though up at 16
    if next_upstream:
        assert result.metrics["requests"]["failed"] == 0
        assert result.metrics["retries"] == failed_attempts
    else:
        assert result.metrics["requests"]["failed"] == failed_attempts
        assert result.metrics["retries"] == 0


def test_refused_everywhere_is_502_then_no_live_upstreams():
    data = uniform(1.0, requests=3)
    data["server"] = [{"name": "a"}, {"name": "b"}]
    data["event"] = [{"at": 0.0, "server": "a", "action": "stop"}, {"at": 0.0, "server": "b", "action": "stop"}]
    result = sim.run(scenario(data), trace=True)
    assert trail(result) == [(("a", "b"), 502), ((), 502), ((), 502)]
    assert result.metrics["no_live_upstreams"] == 2


def test_hung_server_costs_the_read_timeout_then_fails_over():
    """reference §3.2: `hung; A` with proxy_read_timeout 2s -> 200 after 2.00x s, then A only."""
    data = uniform(0.2, requests=4, read_timeout=2.0)
    data["server"] = [{"name": "hung", "service": FAST}, {"name": "A", "service": FAST}]
    data["event"] = [{"at": 0.0, "server": "hung", "action": "hang"}]
    result = sim.run(scenario(data), trace=True)
    assert trail(result) == [(("hung", "A"), 200)] + [(("A",), 200)] * 3
    assert result.records[0].latency == pytest.approx(2.0 + 0.01)
    assert result.metrics["servers"]["hung"]["timeouts"] == 1


def test_all_hung_is_504_after_both_timeouts_then_502():
    """reference §3.2: two hung servers, read timeout 2s -> 504 after 4 s, then 502 at once."""
    data = uniform(0.2, requests=3, read_timeout=2.0)
    data["server"] = [{"name": "h1"}, {"name": "h2"}]
    data["event"] = [{"at": 0.0, "server": "h1", "action": "hang"}, {"at": 0.0, "server": "h2", "action": "hang"}]
    result = sim.run(scenario(data), trace=True)
    assert trail(result) == [(("h1", "h2"), 504), ((), 502), ((), 502)]
    assert [r.latency for r in result.records] == pytest.approx([4.0, 0.0, 0.0])


def test_poweroff_costs_the_connect_timeout():
    data = uniform(0.5, requests=2, connect_timeout=3.0)
    data["server"] = [{"name": "vm1", "service": FAST}, {"name": "vm2", "service": FAST}]
    data["event"] = [{"at": 0.0, "server": "vm1", "action": "poweroff"}]
    result = sim.run(scenario(data), trace=True)
    assert trail(result) == [(("vm1", "vm2"), 200), (("vm2",), 200)]
    assert result.records[0].latency == pytest.approx(3.01)


def test_poweroff_without_timeout_retry_gives_504():
    data = uniform(0.5, requests=1, connect_timeout=3.0, next_upstream=["error"])
    data["server"] = [{"name": "vm1"}, {"name": "vm2"}]
    data["event"] = [{"at": 0.0, "server": "vm1", "action": "poweroff"}]
    result = sim.run(scenario(data), trace=True)
    assert trail(result) == [(("vm1",), 504)]


@pytest.mark.parametrize("method, expected_errors", [("GET", 0), ("POST", 2)])
def test_post_is_not_retried_once_sent(method, expected_errors):
    """Requests 1, 3, 5, 7 go to app1 (RR); 5 and 7 are in service when it stops at 2.1 s.
    GET is retried on app2; POST already sent fails (502). Request 9 is refused at connect,
    before anything was sent, so even POST is retried."""
    data = uniform(4.0, requests=10, method=method)
    data["server"] = [{"name": "app1", "concurrency": 10, "service": {"dist": "const", "mean": 1.0}},
                      {"name": "app2", "concurrency": 10, "service": {"dist": "const", "mean": 1.0}}]
    data["event"] = [{"at": 2.1, "server": "app1", "action": "stop"}]
    result = sim.run(scenario(data), trace=True)
    by_id = {r.id: r for r in result.records}
    assert [by_id[i].status for i in (5, 7)] == ([200, 200] if method == "GET" else [502, 502])
    assert by_id[9].attempts == ("app2",) and by_id[9].status == 200
    assert result.metrics["requests"]["failed"] == expected_errors


def test_post_refused_at_connect_is_retried():
    """Nothing was sent to a server that refused the connection, so POST moves on too."""
    data = uniform(1.0, requests=2, method="POST")
    data["server"] = [{"name": "app1", "service": FAST}, {"name": "app2", "service": FAST}]
    data["event"] = [{"at": 0.0, "server": "app1", "action": "stop"}]
    result = sim.run(scenario(data), trace=True)
    assert trail(result) == [(("app1", "app2"), 200), (("app2",), 200)]


def test_non_idempotent_flag_retries_post():
    data = uniform(4.0, requests=10, method="POST", next_upstream=["error", "timeout", "non_idempotent"])
    data["server"] = [{"name": "app1", "concurrency": 10, "service": {"dist": "const", "mean": 1.0}},
                      {"name": "app2", "concurrency": 10, "service": {"dist": "const", "mean": 1.0}}]
    data["event"] = [{"at": 2.1, "server": "app1", "action": "stop"}]
    assert sim.run(scenario(data)).metrics["requests"]["failed"] == 0


def flaky(status, next_upstream, requests=6):
    data = uniform(1.0, requests=requests, next_upstream=next_upstream)
    data["server"] = [{"name": "bad", "service": FAST, "fail": {"every": 1, "status": status}},
                      {"name": "good", "service": FAST}]
    return sim.run(scenario(data), trace=True)


def test_backend_500_passes_to_the_client_and_is_not_a_failure():
    result = flaky(500, ["error", "timeout"])
    assert trail(result) == [(("bad",), 500), (("good",), 200)] * 3   # never banned: alternation goes on
    assert result.metrics["requests"]["failed"] == 3


def test_listed_http_500_is_retried_and_bans_the_server():
    result = flaky(500, ["error", "timeout", "http_500"])
    assert trail(result) == [(("bad", "good"), 200)] + [(("good",), 200)] * 5


def test_listed_http_404_is_retried_but_never_bans():
    result = flaky(404, ["http_404"])
    names = [attempts for attempts, _ in trail(result)]
    assert all(status == 200 for _, status in trail(result))
    assert sum(attempts.count("bad") for attempts in names) == 3       # still chosen every other time


def test_unlisted_status_passes_even_when_retries_are_possible():
    result = flaky(503, ["error", "timeout", "http_500"])
    assert trail(result) == [(("bad",), 503), (("good",), 200)] * 3


def test_connection_closed_without_answer_is_an_error():
    result = flaky(0, ["error", "timeout"])
    assert trail(result)[0] == (("bad", "good"), 200)
    assert flaky(0, [], requests=1).records[0].status == 502


def test_single_server_fails_each_time_and_recovers_at_once():
    """The reverse-proxy lesson: one server is never banned; dead -> 502 each time, back -> 200."""
    data = uniform(1.0, requests=6)
    data["server"] = [{"name": "only", "service": FAST}]
    data["event"] = [{"at": 1.5, "server": "only", "action": "stop"}, {"at": 3.5, "server": "only", "action": "start"}]
    result = sim.run(scenario(data), trace=True)
    assert trail(result) == [(("only",), 200), (("only",), 502), (("only",), 502)] + [(("only",), 200)] * 3


def test_backup_only_when_every_primary_fails():
    """reference §3.2: `dead1; dead2; C backup` -> 502, 502, 200 from C, then C directly."""
    data = uniform(1.0, requests=14)
    data["server"] = [{"name": "p1", "service": FAST}, {"name": "p2", "service": FAST},
                      {"name": "C", "backup": True, "service": FAST}]
    data["event"] = [{"at": 2.5, "server": "p1", "action": "stop"}, {"at": 2.5, "server": "p2", "action": "stop"},
                     {"at": 3.5, "server": "p1", "action": "start"}, {"at": 3.5, "server": "p2", "action": "start"}]
    result = sim.run(scenario(data), trace=True)
    got = trail(result)
    assert [names for names, _ in got[:2]] == [("p1",), ("p2",)]
    assert got[2] == (("p1", "p2", "C"), 200)
    assert all(names == ("C",) for names, _ in got[3:13])              # primaries banned until 3 + 10 < 14
    assert got[13][0] != ("C",)
    assert result.metrics["requests"]["failed"] == 0


def test_event_applies_before_a_request_at_the_same_moment():
    data = uniform(1.0, requests=3)
    data["server"] = [{"name": "only", "service": FAST}]
    data["event"] = [{"at": 2.0, "server": "only", "action": "stop"}]
    result = sim.run(scenario(data), trace=True)
    assert [r.status for r in result.records] == [200, 502, 502]


def test_each_worker_discovers_a_dead_server_on_its_own():
    """Without zone, each of N workers keeps its own state: the dead server costs N failed attempts.

    Workers take connections in runs of 16 (sim/accept.py), so every worker needs a run of its own.
    """
    def failed_attempts(workers, zone):
        data = uniform(2.0, requests=80, workers=workers, zone=zone)
        data["server"] = [{"name": "a", "service": FAST},
                          {"name": "dead", "service": FAST, "fail_timeout": 1000.0}]
        data["event"] = [{"at": 0.0, "server": "dead", "action": "stop"}]
        return sim.run(scenario(data)).metrics["servers"]["dead"]["attempts"]

    assert failed_attempts(1, False) == 1
    assert failed_attempts(2, False) == 2
    assert failed_attempts(4, False) == 4
    assert failed_attempts(4, True) == 1


def test_ip_hash_keeps_each_client_on_the_server_the_formula_gives():
    clients = 12
    data = uniform(10.0, requests=60, policy="ip_hash")
    data["traffic"]["clients"] = clients
    data["server"] = [{"name": f"s{i}", "service": FAST} for i in range(3)]
    result = sim.run(scenario(data), trace=True)
    for record in result.records:
        a, b, c, _ = (int(x) for x in record.client.split("."))
        value = 89
        for byte in (a, b, c):
            value = (value * 113 + byte) % 6271
        assert record.attempts == (f"s{value % 3}",)
    assert len({r.attempts for r in result.records}) > 1
    assert client_address(0) == "10.0.0.1" and client_address(257) == "10.1.1.1"


def test_every_nth_answer_fails():
    data = uniform(1.0, requests=30)
    data["server"] = [{"name": "only", "service": FAST, "fail": {"every": 3, "status": 500}}]
    result = sim.run(scenario(data), trace=True)
    assert [r.id for r in result.records if r.status == 500] == list(range(3, 31, 3))


def test_queue_full_refuses_the_connection():
    """One worker, one queue slot, service 10 s, a request per second: requests 3.. are refused."""
    data = uniform(1.0, requests=5)
    data["server"] = [{"name": "only", "concurrency": 1, "queue": 1, "service": {"dist": "const", "mean": 10.0}}]
    result = sim.run(scenario(data), trace=True)
    assert [r.status for r in result.records] == [200, 200, 502, 502, 502]
    assert result.metrics["servers"]["only"]["refused"] == 3
    assert [r.latency for r in result.records[:2]] == pytest.approx([10.0, 19.0])


def test_slow_multiplies_service_time_and_start_restores_it():
    data = uniform(1.0, requests=3)
    data["server"] = [{"name": "only", "service": {"dist": "const", "mean": 0.1}}]
    data["event"] = [{"at": 1.5, "server": "only", "action": "slow", "factor": 5.0},
                     {"at": 2.5, "server": "only", "action": "start"}]
    result = sim.run(scenario(data), trace=True)
    assert [r.latency for r in result.records] == pytest.approx([0.1, 0.5, 0.1])


def test_nginx_latency_is_added_to_every_answer():
    data = uniform(1.0, requests=2)
    data["nginx"]["latency"] = 0.25
    data["server"] = [{"name": "only", "service": {"dist": "const", "mean": 0.1}}]
    result = sim.run(scenario(data), trace=True)
    assert [r.latency for r in result.records] == pytest.approx([0.35, 0.35])


def test_closed_loop_clients_wait_for_their_answer():
    data = {"scenario": {"duration": 10.0}, "traffic": {"pattern": "closed", "clients": 2, "think_time": 0.5},
            "nginx": {"latency": 0.0}, "server": [{"name": "only", "concurrency": 2,
                                                    "service": {"dist": "const", "mean": 0.5}}]}
    result = sim.run(scenario(data), trace=True)
    # each client: send at 0, 1, 2, ... 10 (answer after 0.5 s, think 0.5 s) -> 11 requests each
    assert result.metrics["requests"]["sent"] == 22
    assert sorted({r.t for r in result.records}) == pytest.approx([float(k) for k in range(11)])
