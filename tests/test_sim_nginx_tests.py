"""Cases from nginx's own test suite (github.com/nginx/nginx-tests) replayed as scenarios.

Each test names the .t file and case; the expected counts are the ones those tests assert on a
real nginx. Their backends are modelled with the scenario's knobs: a perl daemon that closes
every 3rd connection is `fail = {every = 3, status = 0}`, one that holds answers is a long
constant service time, "sequential" requests are spaced so that none overlap.
"""

from collections import Counter

import pytest

import sim

QUICK = {"dist": "const", "mean": 0.001}
HOLD = {"dist": "const", "mean": 5.0}          # answers held until the test closes them


def play(servers, requests, *, rate=10.0, policy="round_robin", **nginx):
    data = {"scenario": {"requests": requests}, "traffic": {"pattern": "uniform", "rate": rate},
            "nginx": {"latency": 0.0, "policy": policy, **nginx}, "server": servers}
    return sim.run(sim.scenario_from_dict(data, "nginx-tests"), trace=True)


def answered_by(result, alias=lambda name: name):
    """Like the tests' many()/parallel(): successful answers counted by the server that gave them."""
    return Counter(alias(r.attempts[-1]) for r in result.records if r.status == 200)


def peers_order(result):
    """Like upstream_max_conns.t peers(): the answering server per request, '' if none."""
    return [r.attempts[-1] if r.status == 200 else "" for r in result.records]


# -- upstream.t ---------------------------------------------------------------------------------

def test_upstream_t_balanced():
    result = play([{"name": "p1", "service": QUICK}, {"name": "p2", "service": QUICK}], 30)
    assert answered_by(result) == {"p1": 15, "p2": 15}


@pytest.mark.parametrize("gap", [0.1, 0.2])      # 'failures' and 'failures delay'
def test_upstream_t_failures(gap):
    """p1 closes every 3rd connection unanswered; max_fails=3 fail_timeout=10s -> p1: 6, p2: 24."""
    servers = [{"name": "p1", "max_fails": 3, "fail_timeout": 10.0, "service": QUICK,
                "fail": {"every": 3, "status": 0}},
               {"name": "p2", "max_fails": 3, "fail_timeout": 10.0, "service": QUICK}]
    result = play(servers, 30, rate=1 / gap)
    assert answered_by(result) == {"p1": 6, "p2": 24}
    assert result.metrics["requests"]["failed"] == 0


# -- upstream_least_conn.t ----------------------------------------------------------------------

def test_upstream_least_conn_t_balanced():
    result = play([{"name": "p1", "service": QUICK}, {"name": "p2", "service": QUICK}], 10,
                  policy="least_conn")
    assert answered_by(result) == {"p1": 5, "p2": 5}


def test_upstream_least_conn_t_least_conn():
    """p1 sleeps 2.5 s on /w: after two parallel /w requests, the next 10 all go to p2."""
    servers = [{"name": "p1", "concurrency": 10, "service": {"dist": "const", "mean": 2.5}},
               {"name": "p2", "concurrency": 10, "service": QUICK}]
    result = play(servers, 12, rate=50.0, policy="least_conn")
    assert [r.attempts for r in result.records[:2]] == [("p1",), ("p2",)]
    assert Counter(r.attempts[-1] for r in result.records[2:]) == {"p2": 10}


# -- proxy_next_upstream.t ----------------------------------------------------------------------

def returns(status):
    return {"name": "p1", "service": QUICK, "fail": {"every": 1, "status": status}}


OK_P2 = {"name": "p2", "service": QUICK}


def test_proxy_next_upstream_t_404_falls_back_and_is_not_down():
    """'proxy request', 'second request' and 'not down' (http_404 never marks a server failed)."""
    result = play([returns(404), OK_P2], 4, next_upstream=["http_500", "http_404"])
    assert [r.status for r in result.records] == [200] * 4
    assert sum(r.attempts.count("p1") for r in result.records) == 2    # p1 still chosen


def test_proxy_next_upstream_t_500_falls_back_and_is_down():
    """'request 500', 'request 500 second' and 'down after 500'."""
    result = play([returns(500), OK_P2], 4, next_upstream=["http_500", "http_404"])
    assert [r.status for r in result.records] == [200] * 4
    assert sum(r.attempts.count("p1") for r in result.records) == 1    # switched off after the 500


def test_proxy_next_upstream_t_all_tried_once():
    result = play([returns(404), {**returns(404), "name": "p2"}], 1, next_upstream=["http_500", "http_404"])
    assert result.records[0].attempts in (("p1", "p2"), ("p2", "p1"))
    assert result.records[0].status == 404


def test_proxy_next_upstream_t_all_tried_with_down():
    result = play([returns(404), {"name": "p2", "down": True}], 1, next_upstream=["http_404"])
    assert result.records[0].attempts == ("p1",) and result.records[0].status == 404


# -- proxy_next_upstream_tries.t ----------------------------------------------------------------

@pytest.mark.parametrize("backups, tries, expected", [
    (0, 2, 2),        # 'tries'
    (2, 2, 2),        # 'tries backup'
    (0, 0, 3),        # 'tries zero'
])
def test_proxy_next_upstream_tries_t(backups, tries, expected):
    servers = [{**returns(404), "name": f"s{i}", "backup": i >= 3 - backups} for i in range(3)]
    result = play(servers, 1, next_upstream=["http_404"], next_upstream_tries=tries)
    assert len(result.records[0].attempts) == expected
    assert result.records[0].status == 404


# -- upstream_max_conns.t -----------------------------------------------------------------------

def held(name, **options):
    return {"name": name, "concurrency": 50, "service": HOLD, **options}


@pytest.mark.parametrize("case, servers, count, policy, expected", [
    ("unlimited", [held("p1", max_conns=0), held("p2")], 4, "round_robin", {"p1": 2, "p2": 2}),
    ("single", [held("p1", max_conns=3)], 4, "round_robin", {"p1": 3}),
    ("all peers", [held("p1", max_conns=1), held("p2", max_conns=1)], 4, "round_robin", {"p1": 1, "p2": 1}),
    ("some peers", [held("p1", max_conns=1), held("p2")], 4, "round_robin", {"p1": 1, "p2": 3}),
    ("weight", [held("p1", weight=2, max_conns=1), held("p2")], 4, "round_robin", {"p1": 1, "p2": 3}),
    ("equal peer", [held("p1a", max_conns=1), held("p1b", max_conns=1), held("p2")], 6, "round_robin",
     {"p1": 2, "p2": 4}),
    ("proxy_next_upstream", [{"name": "closer", "service": QUICK, "fail": {"every": 1, "status": 0}},
                             held("p1", max_conns=1), held("p2", max_conns=2)], 4, "round_robin",
     {"p1": 1, "p2": 2}),
    ("least_conn", [held("p1", max_conns=1), held("p2")], 4, "least_conn", {"p1": 1, "p2": 3}),
    ("ip_hash", [held("p1", max_conns=1), held("p2", max_conns=2)], 4, "ip_hash", {"p1": 1, "p2": 2}),
])
def test_upstream_max_conns_t_parallel(case, servers, count, policy, expected):
    result = play(servers, count, rate=100.0, policy=policy)
    assert answered_by(result, alias=lambda name: name[:2]) == expected, case


@pytest.mark.parametrize("policy", ["round_robin", "least_conn"])
@pytest.mark.parametrize("backup_limit, expected", [
    (0, ["p1", "p1", "p2", "p2", "p2", "p2"]),     # 'backup', 'least_conn backup'
    (3, ["p1", "p1", "p2", "p2", "p2", ""]),       # 'backup limited', 'least_conn backup limited'
])
def test_upstream_max_conns_t_backup(policy, backup_limit, expected):
    servers = [held("p1", max_conns=2), held("p2", backup=True, max_conns=backup_limit)]
    result = play(servers, 6, rate=100.0, policy=policy)
    assert peers_order(result) == expected
