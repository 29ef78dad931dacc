"""Queueing theory (reference/queueing.md §5) as an oracle for the simulator.

Tolerances are not picked: each quantity is estimated by R = 10 independent replications
(different seeds, 10 % warm-up dropped), and the test asserts that the closed-form value lies in
the two-sided 99.9 % Student-t confidence interval of the replication means,
mean ± t(0.9995, 9) · s / √R. A second assertion checks the interval is narrow enough for the
comparison to mean something.
"""

import math

import sim
from sim import Simulation

REPLICATIONS = 10
T_9995_DF9 = 4.781                       # Student t quantile, 9 degrees of freedom


def interval(values):
    n = len(values)
    mean = math.fsum(values) / n
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    return mean, T_9995_DF9 * sd / math.sqrt(n)


def assert_in_interval(values, expected, max_half_width):
    mean, half = interval(values)
    assert abs(mean - expected) <= half, f"{expected} outside {mean:.4f} ± {half:.4f}"
    assert half <= max_half_width, f"interval ± {half:.4f} too wide to test anything"


def replicate(data, measure, requests, trace=False):
    """`measure(result)` for R runs of the scenario with seeds 1..R."""
    data = {**data, "scenario": {"requests": requests, "warmup": 0.1}}
    data["nginx"] = {"latency": 0.0, **data.get("nginx", {})}
    scenario = sim.scenario_from_dict(data, "queueing")
    return [measure(sim.run(scenario, seed=seed, trace=trace)) for seed in range(1, REPLICATIONS + 1)]


def measured(result):
    """Records after the warm-up (the same ones the latency statistics use)."""
    cutoff = 0.1 * result.metrics["requests"]["sent"]
    return [r for r in result.records if r.id > cutoff]


def exp_service(mean=1.0):
    return {"dist": "exp", "mean": mean}


def test_mm1_sojourn_wait_utilization_and_quantiles():
    """M/M/1, λ=0.8, μ=1: W = 5, Wq = 4, utilization 0.8, sojourn ~ Exp(0.2)."""
    data = {"traffic": {"rate": 0.8}, "server": [{"name": "s", "service": exp_service()}]}
    results = replicate(data, lambda r: r, requests=30_000, trace=True)
    assert_in_interval([r.metrics["latency"]["mean"] for r in results], 5.0, 0.75)
    assert_in_interval([r.metrics["wait"]["mean"] for r in results], 4.0, 0.75)
    assert_in_interval([r.metrics["servers"]["s"]["utilization"] for r in results], 0.8, 0.02)
    for q in (0.5, 0.95, 0.99):
        x = -math.log(1 - q) / 0.2                                     # 3.466, 14.979, 23.026
        shares = [sum(rec.latency <= x for rec in measured(r)) / len(measured(r)) for r in results]
        assert_in_interval(shares, q, 0.05)


def test_mmc_erlang_c():
    """M/M/3 (one app with 3 workers), λ=1.5, μ=1: C = 9/38, Wq = 3/19, W = 22/19."""
    data = {"traffic": {"rate": 1.5}, "server": [{"name": "s", "concurrency": 3, "service": exp_service()}]}
    metrics = replicate(data, lambda r: r.metrics, requests=10_000)
    assert_in_interval([m["wait"]["mean"] for m in metrics], 3 / 19, 0.04)
    assert_in_interval([m["latency"]["mean"] for m in metrics], 22 / 19, 0.06)
    assert_in_interval([m["servers"]["s"]["utilization"] for m in metrics], 0.5, 0.02)


def test_mm1k_blocking_is_a_refused_connection():
    """M/M/1/4 (1 worker + 3 queue slots), λ=μ=1: P_block = 1/5 (-> 502), W of the served = 2.5."""
    data = {"traffic": {"rate": 1.0}, "server": [{"name": "s", "queue": 3, "service": exp_service()}]}
    results = replicate(data, measured, requests=10_000, trace=True)
    assert_in_interval([sum(r.status == 502 for r in rs) / len(rs) for rs in results], 0.2, 0.02)
    served = [[r.latency for r in rs if r.status == 200] for rs in results]
    assert_in_interval([math.fsum(ls) / len(ls) for ls in served], 2.5, 0.15)


def erlang_b(servers, load):
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return b


def test_erlang_b_through_nginx_retries():
    """3 single-worker apps with no queue, a refused request retried on the others (max_fails=0):
    a request fails only when all 3 are busy: M/M/3/3, B(3, a=2) = 4/19."""
    app = {"queue": 0, "max_fails": 0, "service": exp_service()}
    data = {"traffic": {"rate": 2.0}, "server": [{"name": f"s{i}", **app} for i in range(3)]}
    results = replicate(data, measured, requests=10_000, trace=True)
    assert abs(erlang_b(3, 2.0) - 4 / 19) < 1e-12
    assert_in_interval([sum(r.status == 502 for r in rs) / len(rs) for rs in results], 4 / 19, 0.02)


def rr_split_sojourn(rate, mu, n):
    """E_n/M/1 per backend: σ = (λ/(λ + μ(1-σ)))^n by fixed-point iteration, W = 1/(μ(1-σ))."""
    sigma = 0.5
    for _ in range(10_000):
        sigma = (rate / (rate + mu * (1 - sigma))) ** n
    return 1 / (mu * (1 - sigma))


def test_round_robin_and_random_splits_of_a_poisson_stream():
    """4 identical FIFO apps, λ=2, μ=1: RR gives Erlang-4 arrivals (W = 1.4325), random gives
    4 independent M/M/1 with λ/4 (W = 1/(1 - 0.5) = 2)."""
    expected_rr = rr_split_sojourn(2.0, 1.0, 4)
    assert abs(expected_rr - 1.4325) < 1e-3
    for policy, expected in (("round_robin", expected_rr), ("random", 2.0)):
        data = {"traffic": {"rate": 2.0}, "nginx": {"policy": policy},
                "server": [{"name": f"s{i}", "service": exp_service()} for i in range(4)]}
        means = replicate(data, lambda r: r.metrics["latency"]["mean"], requests=10_000)
        assert_in_interval(means, expected, 0.15)                      # the two differ by 0.57


def test_littles_law_is_an_exact_identity_on_the_records():
    """∫ requests-in-nginx dt = Σ time each request spent in nginx, over a run that drains,
    with retries, timeouts and an outage in it (the demo plus a hung server)."""
    data = {"scenario": {"duration": 30.0}, "traffic": {"rate": 40.0},
            "nginx": {"read_timeout": 1.0, "latency": 0.002},
            "server": [{"name": "a"}, {"name": "b"}, {"name": "c", "queue": 2}],
            "event": [{"at": 10.0, "server": "b", "action": "stop"},
                      {"at": 12.0, "server": "c", "action": "hang"},
                      {"at": 20.0, "server": "c", "action": "start"}]}
    simulation = Simulation(sim.scenario_from_dict(data, "little"), records=True)
    simulation.run_to_end()
    result = simulation.result()
    assert result.metrics["retries"] > 0 and result.metrics["servers"]["c"]["timeouts"] > 0
    total = math.fsum(r.latency - 0.002 for r in result.records)
    assert math.isclose(simulation.area, total, rel_tol=1e-9)
    span = simulation.now
    assert math.isclose(result.metrics["in_flight"]["mean"], total / span, rel_tol=1e-5)
