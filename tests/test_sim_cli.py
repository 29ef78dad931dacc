"""`tutor sim`: report for people, --json, --trace, --seed, --nginx-conf, errors, no Textual."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tutor.cli import main
from tutor.paths import assets_dir, scenarios_dir

ROOT = Path(__file__).resolve().parent.parent
DESIGN_KEYS = {"scenario", "seed", "sim_time", "requests", "status", "latency", "wait", "retries", "servers"}


def _sim(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["sim", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_no_arguments_runs_the_demo_report_in_english_and_indonesian(capsys):
    code, out, err = _sim(capsys, "--lang", "en")
    assert code == 0 and err == ""
    assert out.startswith("Scenario: Demo: one of three servers dies (default-demo)")
    for word in ("Requests", "Latency (s)", "p95", "Retries", "app1", "app2", "app3", "Busy"):
        assert word in out
    assert "app2 was temporarily disabled" in out          # the demo stops app2 half way
    code, out_id, _ = _sim(capsys, "--lang", "id")
    assert code == 0 and out_id.startswith("Skenario: Demo: satu dari tiga server mati")
    assert "Permintaan" in out_id and "dinonaktifkan sementara" in out_id


def test_json_is_the_design_object_and_agrees_with_the_trace(capsys, tmp_path):
    trace = tmp_path / "trace.jsonl"
    code, out, err = _sim(capsys, str(scenarios_dir() / "lb-one-dies.toml"), "--json", "--trace", str(trace))
    assert code == 0 and err == ""
    report = json.loads(out)
    assert DESIGN_KEYS <= set(report)
    assert set(report["requests"]) == {"sent", "ok", "failed", "dropped"}
    assert {"mean", "p50", "p95", "p99", "max"} <= set(report["latency"])
    for numbers in report["servers"].values():
        assert {"attempts", "ok", "failed", "utilization"} <= set(numbers)
    lines = [json.loads(line) for line in trace.read_text().splitlines()]
    assert set(lines[0]) == {"id", "t", "client", "attempts", "status", "latency"}
    assert [line["id"] for line in lines] == list(range(1, len(lines) + 1))
    assert report["requests"]["sent"] == len(lines)
    assert report["status"] == {str(k): v for k, v in Counter(line["status"] for line in lines).items()}
    tried = Counter(name for line in lines for name in line["attempts"])
    assert {name: numbers["attempts"] for name, numbers in report["servers"].items()} == dict(tried)
    assert report["retries"] == sum(max(0, len(line["attempts"]) - 1) for line in lines)


def test_seed_option_overrides_the_file_and_runs_are_repeatable(capsys):
    path = str(scenarios_dir() / "lb-tutorial.toml")
    first = json.loads(_sim(capsys, path, "--json", "--seed", "7")[1])
    again = json.loads(_sim(capsys, path, "--json", "--seed", "7")[1])
    other = json.loads(_sim(capsys, path, "--json")[1])
    assert first == again
    assert first["seed"] == 7 and other["seed"] == 1
    assert first["latency"] != other["latency"]


def test_nginx_conf_option_replaces_the_upstream(capsys):
    conf = assets_dir() / "nginx" / "load_balancer_tutorial.conf"
    code, out, _ = _sim(capsys, str(scenarios_dir() / "lb-tutorial.toml"), "--nginx-conf", str(conf), "--json")
    assert code == 0
    report = json.loads(out)
    # .46 keeps the scenario's name app1; .64 takes the place of app2, whose address is not in the config
    assert set(report["servers"]) == {"app1", "app2"}
    code, out, _ = _sim(capsys, str(scenarios_dir() / "lb-tutorial.toml"), "--nginx-conf", str(conf), "--lang", "en")
    assert f"nginx config: {conf}:" in out and "(upstream ian)" in out and "10.37.19.64:3000" in out


def test_scenario_nginx_config_is_relative_to_the_scenario_file(capsys, tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "lb.conf").write_text(
        "upstream pool {\n server 10.0.0.1:3000 weight=2;\n server 10.0.0.2:3000;\n}\n"
        "server {\n listen 80;\n location / { proxy_pass http://pool; }\n}\n")
    scenario = tmp_path / "s.toml"
    scenario.write_text('[scenario]\nname = "rel"\nrequests = 30\n[traffic]\npattern = "uniform"\n'
                        '[nginx]\nconfig = "conf/lb.conf"\n[[server]]\nname = "a"\naddress = "10.0.0.1:3000"\n'
                        '[[server]]\nname = "b"\naddress = "10.0.0.2:3000"\n')
    code, out, err = _sim(capsys, str(scenario), "--json")
    assert code == 0, err
    servers = json.loads(out)["servers"]
    assert servers["a"]["attempts"] == 2 * servers["b"]["attempts"] == 20


@pytest.mark.parametrize("setup,expected", [
    (lambda d: ("missing.toml",), r"^.*missing.toml: (there is no such file|berkas ini tidak ada)$"),
    (lambda d: (_write(d, "bad.toml", "[scenario\n"),), r"^.*bad.toml: toml: .+$"),
    (lambda d: (_write(d, "key.toml", "[scenario]\ncolour = 1\n"),), r"^.*key.toml: scenario.colour: (unknown key|kunci tidak dikenal).*$"),
    (lambda d: ("--nginx-conf", str(assets_dir() / "nginx" / "reverse_proxy_broken.conf")),
     r'^.*reverse_proxy_broken.conf:\d+: invalid port in upstream "http://10.37.19.64:3000"$'),
    (lambda d: ("--nginx-conf", str(d / "none.conf")), r"^.*none.conf: (there is no such file|berkas ini tidak ada)$"),
    (lambda d: ("--trace", str(d / "no-such-dir" / "t.jsonl")), r"^.*t.jsonl: No such file or directory$"),
])
def test_bad_input_is_one_line_on_stderr_and_exit_2(capsys, tmp_path, setup, expected):
    import re

    code, out, err = _sim(capsys, *setup(tmp_path))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert re.match(expected, err.strip()), err


def _write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text)
    return str(path)


def test_tutor_sim_never_imports_textual(tmp_path):
    code = ("import sys\nfrom tutor.cli import main\nrc = main(['sim', '--json'])\n"
            "assert rc == 0\nprint(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'httpx')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("name,phrases", [
    ("rp-app-stopped", ["502 x", "app1 refused", "A group of one server is never disabled"]),
    ("lb-all-down", ["no live upstreams", "app1 was temporarily disabled", "app2 was temporarily disabled"]),
    ("web-server-overload", ["sinambela was busy"]),
    ("lb-poweroff", ["connections to app2 timed out", "the slowest 60.", 'failed with "No route to host"']),
    ("lb-wrong-server-stopped", ["aplikasi2 (10.37.19.182:3000) is not in the nginx upstream",
                                 'The event "stop aplikasi2" at 20 s does not affect nginx']),
])
def test_report_warns_about_what_happened(capsys, name, phrases):
    code, out, _ = _sim(capsys, str(scenarios_dir() / f"{name}.toml"), "--lang", "en")
    assert code == 0
    for phrase in phrases:
        assert phrase in out, phrase


def test_report_stays_quiet_when_nothing_went_wrong(capsys):
    code, out, _ = _sim(capsys, str(scenarios_dir() / "lb-tutorial.toml"), "--lang", "en")
    assert code == 0
    assert "All" in out and "requests succeeded" in out and "Note:" not in out


@pytest.mark.parametrize("lang, help_text", [("en", "list the shipped scenarios with their titles"),
                                             ("id", "tampilkan skenario bawaan beserta judulnya")])
def test_sim_list_names_every_shipped_scenario_as_play_list_does(capsys, lang, help_text):
    from tutor.scenarios import listing, shipped_scenarios

    code, out, err = _sim(capsys, "--list", "--lang", lang)
    assert code == 0 and err == ""
    titles = dict(listing(lang))
    assert [line.split()[0] for line in out.splitlines()] == list(titles) == shipped_scenarios()
    for line, (name, title) in zip(out.splitlines(), titles.items()):
        assert line.startswith(name + " ") and line.endswith("  " + title)
    assert main(["play", "--list", "--lang", lang]) == 0
    assert capsys.readouterr().out == out  # one listing for both commands
    with pytest.raises(SystemExit):
        main(["sim", "--help", "--lang", lang])
    assert any("--list" in line and help_text in line for line in capsys.readouterr().out.splitlines())
