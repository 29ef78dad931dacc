"""Hostile scenario files (`tutor sim`, `tutor play`): one clean line and exit 2, or a correct run.

Every case was a traceback, a hang or an escape sequence on the terminal before (issue 10).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import sim
from hostile import OSC52_TOML, assert_clean, run_cli, run_cli_process
from sim.scenario import MAX_REQUESTS

E = OSC52_TOML
REFUSED = [
    ("deep-arrays", "a = " + "[" * 5000 + "]" * 5000, "nested too deeply"),
    ("not-utf8", b'[scenario]\nname = "\xff\xfe"\n', "not UTF-8 text (bad byte on line 2)"),
    ("huge-integer", "[scenario]\nseed = " + "9" * 5000, "digits"),
    ("latency-1e308", "[nginx]\nlatency = 1e308\n", "nginx.latency: must be at most 1,000,000"),
    ("connect-timeout-1e308", '[nginx]\nconnect_timeout = 1e308\n[[server]]\nname = "a"\n'
     '[[event]]\nat = 1\nserver = "a"\naction = "poweroff"\n', "nginx.connect_timeout: must be at most"),
    ("workers-1e9-zone", "[nginx]\nworkers = 1000000000\nzone = true\n", "at most 1,024 worker processes"),
    ("workers-1e8", "[nginx]\nworkers = 100000000\n", "at most 1,024 worker processes"),
    ("duration-1e12", "[scenario]\nduration = 1e12\n", "scenario.duration: must be at most"),
    ("rate-1e9", "[traffic]\nrate = 1e9\n", "traffic.rate: must be at most 100,000"),
    ("requests-2-63", "[scenario]\nrequests = 9223372036854775807\n", "at most 1,000,000 requests"),
    ("uniform-1e15", '[traffic]\npattern = "uniform"\nrate = 1e15\n', "traffic.rate: must be at most"),
    ("duration-times-rate", "[scenario]\nduration = 100000.0\n[traffic]\nrate = 1000.0\n",
     "duration x rate = 100,000,000 requests"),
    ("closed-zero-time", '[traffic]\npattern = "closed"\n[nginx]\nlatency = 0.0\n[[server]]\nname = "a"\n'
     'service = { dist = "const", mean = 0.0 }\n', "a closed loop needs time"),
    ("too-many-servers", "".join(f'[[server]]\nname = "s{i}"\n' for i in range(1001)), "at most 1,000"),
    ("name-osc52", f'[scenario]\nname = "x{E}"\n', "scenario.name: must be printable text"),
    ("title-osc52", f'[scenario]\ntitle = {{ id = "x{E}", en = "y" }}\n', "scenario.title.id: must be printable"),
    ("server-name-osc52", f'[[server]]\nname = "a{E}"\n', "server[1].name: must be printable"),
    ("address-osc52", f'[[server]]\nname = "a"\naddress = "1.2.3.4{E}"\n', "server[1].address"),
    ("key-osc52", f'[scenario]\n"k{E}" = 1\n', "unknown key"),
    ("event-server-osc52", f'[[server]]\nname = "a"\n[[event]]\nat = 1\nserver = "b{E}"\naction = "stop"\n',
     "event[1].server"),
    ("config-osc52", f'[nginx]\nconfig = "x{E}.conf"\n', "nginx.config"),
    ("port-superscript", '[[server]]\nname = "a"\naddress = "10.0.0.1:\u00b2"\n', "port must be a number"),
    ("port-5000-digits", '[[server]]\nname = "a"\naddress = "10.0.0.1:' + "9" * 5000 + '"\n', "out of range (1-65535)"),
    ("address-hex", '[[server]]\nname = "a"\naddress = "0x7f.0.0.1:80"\n', "dotted-quad"),
    ("address-short", '[[server]]\nname = "a"\naddress = "127.1:80"\n', "not a valid IPv4 address"),
]


def _write(folder: Path, text: str | bytes) -> str:
    path = folder / "scenario.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return str(path)


@pytest.mark.parametrize("case_id,text,phrase", REFUSED, ids=[case[0] for case in REFUSED])
def test_hostile_scenario_is_one_clean_line(tmp_path, case_id, text, phrase):
    code, out, err = run_cli(["sim", _write(tmp_path, text), "--lang", "en"])
    assert_clean(code, out, err, codes=(2,))
    assert phrase in err


def test_every_limit_is_beyond_the_shipped_scenarios():
    """The largest shipped scenario stays at least 50 times below the request limit."""
    from tutor.paths import scenarios_dir

    largest = max(sim.load_scenario(path).duration * sim.load_scenario(path).traffic.rate
                  for path in scenarios_dir().glob("*.toml"))
    assert largest * 50 < MAX_REQUESTS


@pytest.mark.parametrize("kind", ["fifo", "folder", "device"])
def test_a_file_that_is_no_regular_file_is_refused_at_once(tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "s.toml"
        os.mkfifo(path)
    elif kind == "folder":
        path = tmp_path / "s.toml"
        path.mkdir()
    else:
        path = Path("/dev/zero")
    code, out, err = run_cli(["sim", str(path), "--lang", "en"])  # a FIFO used to block open() forever
    assert_clean(code, out, err, codes=(2,))
    assert "file" in err


def test_a_closed_loop_with_tiny_cycles_stops_at_the_request_limit(tmp_path, monkeypatch):
    """No static estimate can see every closed loop: the engine stops at the request limit."""
    monkeypatch.setattr("sim.engine.MAX_REQUESTS", 2000)
    text = ('[traffic]\npattern = "closed"\nclients = 10\n[nginx]\nlatency = 1e-9\n'
            '[[server]]\nname = "a"\nconcurrency = 10\nservice = { dist = "const", mean = 0.0 }\n')
    code, out, err = run_cli(["sim", _write(tmp_path, text), "--lang", "en"])
    assert_clean(code, out, err, codes=(2,))
    assert "requests in one run" in err


def test_a_scenario_just_inside_the_limits_runs(tmp_path):
    text = ('[scenario]\nduration = 10.0\n[traffic]\npattern = "uniform"\nrate = 100000.0\n'
            '[[server]]\nname = "a"\nconcurrency = 1000\nservice = { dist = "const", mean = 0.001 }\n')
    scenario = sim.load_scenario(_write(tmp_path, text))
    assert scenario.duration * scenario.traffic.rate == MAX_REQUESTS


def test_osc52_in_a_scenario_never_reaches_the_terminal_through_tutor_play(tmp_path):
    """`tutor play` checks the file before the TUI starts: one clean line, no clipboard write."""
    path = _write(tmp_path, f'[[server]]\nname = "a{E}"\naddress = "10.0.0.1:3000"\n')
    code, out, err = run_cli_process(["play", path, "--lang", "en"])
    assert_clean(code, out, err, codes=(2,))
    assert "\x1b" not in out + err and "must be printable" in err


def test_a_fifo_through_a_child_process_does_not_hang(tmp_path):
    path = tmp_path / "s.toml"
    os.mkfifo(path)
    code, out, err = run_cli_process(["sim", str(path)], timeout=30)
    assert_clean(code, out, err, codes=(2,))


def test_the_animation_stops_instead_of_crashing_at_the_request_limit(monkeypatch):
    """`tutor play` of a closed loop whose cycles take ~0 s: the step hits the limit and the run ends."""
    from tutor.simview.player import Player

    monkeypatch.setattr("sim.engine.MAX_REQUESTS", 2000)
    scenario = sim.scenario_from_dict({
        "traffic": {"pattern": "closed", "clients": 50}, "nginx": {"latency": 1e-9},
        "server": [{"name": "a", "concurrency": 50, "service": {"dist": "exp", "mean": 1e-9}}]})
    player = Player(scenario)
    for _ in range(5):
        player.tick()
    assert player.frame.finished and player.sim.sent <= 2000
