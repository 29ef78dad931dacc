"""Headless runs: seeding, determinism, the report shape and the trace format."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parent.parent
BUSY = {"scenario": {"duration": 20.0}, "traffic": {"rate": 50.0, "clients": 5},
        "nginx": {"read_timeout": 0.5, "workers": 2},
        "server": [{"name": "a", "fail": {"rate": 0.05, "status": 503}},
                   {"name": "b", "service": {"dist": "lognormal", "mean": 0.05, "sigma": 1.0}},
                   {"name": "c", "queue": 2, "service": {"dist": "uniform", "low": 0.01, "high": 0.1}}],
        "event": [{"at": 5.0, "server": "b", "action": "hang"}, {"at": 9.0, "server": "b", "action": "start"},
                  {"at": 12.0, "server": "c", "action": "poweroff"}]}


def outputs(seed=None):
    result = sim.run(sim.scenario_from_dict(BUSY, "busy.toml"), seed=seed, trace=True)
    trace = io.StringIO()
    result.write_trace(trace)
    return json.dumps(result.to_json_dict()), trace.getvalue()


def test_same_seed_gives_identical_bytes():
    assert outputs() == outputs()
    assert outputs(seed=7) == outputs(seed=7)


def test_seed_changes_the_run():
    assert outputs(seed=1)[0] != outputs(seed=2)[0]
    report = json.loads(outputs(seed=9)[0])
    assert report["seed"] == 9


def test_identical_across_processes_and_hash_seeds():
    code = ("import json, sim; r = sim.run(sim.default_scenario(), trace=True); "
            "print(json.dumps(r.to_json_dict())); print(r.records[-1])")
    runs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        runs.append(subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                                   capture_output=True, text=True).stdout)
    assert runs[0] == runs[1] and runs[0]


def test_report_has_the_design_shape():
    report = json.loads(outputs()[0])
    assert list(report)[:9] == ["scenario", "seed", "sim_time", "requests", "status", "latency", "wait",
                                "retries", "no_live_upstreams"]
    assert set(report["requests"]) == {"sent", "ok", "failed", "dropped"}
    assert set(report["latency"]) == {"mean", "p50", "p95", "p99", "max"}
    assert set(report["servers"]["a"]) >= {"attempts", "ok", "failed", "utilization"}
    requests = report["requests"]
    assert requests["ok"] + requests["failed"] + requests["dropped"] == requests["sent"]
    assert sum(report["status"].values()) == requests["sent"] - requests["dropped"]
    assert requests["failed"] == sum(n for code, n in report["status"].items() if int(code) >= 500)
    lat = report["latency"]
    assert 0 < lat["p50"] <= lat["p95"] <= lat["p99"] <= lat["max"]


def test_trace_lines_match_the_records():
    result = sim.run(sim.scenario_from_dict(BUSY, "busy.toml"), trace=True)
    trace = io.StringIO()
    result.write_trace(trace)
    lines = [json.loads(line) for line in trace.getvalue().splitlines()]
    assert len(lines) == result.metrics["requests"]["sent"]
    assert [line["id"] for line in lines] == list(range(1, len(lines) + 1))
    assert list(lines[0])[:6] == ["id", "t", "client", "attempts", "status", "latency"]
    assert all(line["worker"] in (0, 1) for line in lines)             # BUSY has 2 workers
    for line in lines:                  # one failure kind per failed attempt; the last may have answered
        failures = line.get("failures", [])
        assert len(line["attempts"]) - 1 <= len(failures) <= len(line["attempts"])
    assert {kind for line in lines for kind in line.get("failures", [])} == {"timed out", "refused"}
    assert {line["client"] for line in lines} == {f"10.0.{k}.1" for k in range(5)}
    retried = sum(len(line["attempts"]) - 1 for line in lines if line["attempts"])
    assert retried == result.metrics["retries"] > 0
    no_attempt = sum(1 for line in lines if not line["attempts"])
    assert 0 < no_attempt <= result.metrics["no_live_upstreams"]         # also after failed tries


def test_trace_needs_records(tmp_path):
    result = sim.run(sim.default_scenario())
    assert result.records is None
    with pytest.raises(ValueError):
        result.write_trace(tmp_path / "t.jsonl")


def test_requests_limit_stops_the_clients():
    data = {"scenario": {"requests": 1000}, "traffic": {"pattern": "uniform", "rate": 100.0},
            "server": [{"name": "only", "service": {"dist": "const", "mean": 0.001}}]}
    result = sim.run(sim.scenario_from_dict(data))
    assert result.metrics["requests"]["sent"] == 1000
    assert result.metrics["sim_time"] == pytest.approx(10.0 + 0.001)      # the last answer leaves nginx


def test_sim_never_imports_the_ui():
    code = ("import sys, sim; sim.run(sim.default_scenario()); "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'tutor')]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
    assert out.strip() == "[]"
