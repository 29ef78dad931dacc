"""The twin on the lab: real nginx in namespaces, real apps, traffic from the lab's laptop.

Each scenario runs a short variant (scenario overrides below: 3-8 s of traffic, its events moved
inside that window, said per case), so the whole module takes well under 90 s on 2 cores. The
measured lane must agree with the predicted lane within the tolerance (no difference listed);
a lab changed behind the twin's back must show a difference with the right cause; a config
change (weight=3) is no difference, since both lanes follow the real config.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

import sim
from support.lab_hooks import add_client
from tutor.paths import scenario_file
from tutor.twin import compare
from tutor.twin.run import LabSide, run_twin

pytestmark = pytest.mark.lab

CLIENT = Path(__file__).with_name("lab_client.py")
BALANCER = """upstream app_servers {{
    server 10.37.19.46:3000{weight};
    server 10.37.19.182:3000;
}}
server {{
    listen 80 default_server;
    server_name _;
    location / {{
        proxy_pass http://app_servers;
{extra}        add_header X-Upstream $upstream_addr always;
    }}
}}
"""
ONE_APP = """server {
    listen 80 default_server;
    server_name _;
    location / {
        proxy_pass http://10.37.19.46:3000;
        add_header X-Upstream $upstream_addr always;
    }
}
"""


def configure(lab, site: str) -> None:
    """The learner's site: the lab's default site replaced, nginx reloaded."""
    (lab.nginx_dir / "sites-available" / "default").write_text(site)
    assert lab.reload().returncode == 0


def short(name: str, duration: float, *event_times: float):
    """Scenario `name` with `duration` s of traffic and its events at `event_times` (in order)."""
    scenario = sim.load_scenario(scenario_file(name))
    events = tuple(dataclasses.replace(event, at=at) for event, at in zip(scenario.events, event_times))
    assert len(events) == len(scenario.events)
    return dataclasses.replace(scenario, events=events), duration


# name -> (site, scenario variant): the lessons' configs; events moved into the short window.
CASES = {
    "lb-tutorial": (BALANCER.format(weight="", extra=""), ("lb-tutorial", 5.0)),
    # stop at 2.5 s, start at 5.5 s (scenario: 20 s and 40 s)
    "lb-one-dies": (BALANCER.format(weight="", extra=""), ("lb-one-dies", 8.0, 2.5, 5.5)),
    # stop at 2 s, start at 4 s (scenario: 20 s and 30 s)
    "rp-app-stopped": (ONE_APP, ("rp-app-stopped", 6.0, 2.0, 4.0)),
    "lb-weights": (BALANCER.format(weight=" weight=3", extra=""), ("lb-weights", 5.0)),
    # power off at 2.5 s (scenario: 10.1 s); the kernel's own ARP timers (30 s) outlast the run
    "lb-poweroff-fast": (BALANCER.format(weight="", extra="        proxy_connect_timeout 2s;\n"),
                         ("lb-poweroff-fast", 8.0, 2.5)),
}


class Behind:
    """How far this machine falls behind its clock while the twin runs: a thread asks for 10 ms
    sleeps and keeps the longest overshoot (on a machine too busy to keep time, every process
    waits longer to run: the apps, nginx and the sender alike)."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            asked = time.monotonic()
            self._stop.wait(0.01)
            self.longest = max(self.longest, time.monotonic() - asked - 0.01)

    def __enter__(self) -> Behind:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()


def unexplained(result: dict, behind: float) -> list[dict]:
    """The differences the run does not explain. A longer wait (p95, longest) that the twin puts down
    to a busy machine (cause busy or late) is explained when the run itself shows the machine fell
    behind: the sender sent late, or its clock ran over by more than the twin's LATE. Counts,
    statuses and order never are."""
    fell_behind = result["sender"]["late"] > 0 or behind > compare.LATE
    return [d for d in result["differences"]
            if not (fell_behind and d["kind"] in ("p95", "longest") and d["cause"] in ("busy", "late"))]


def shown(result: dict) -> str:
    lanes = result["lanes"]
    return (f"\npredicted {lanes['predicted']['strip']}\nmeasured  {lanes['measured']['strip']}\n"
            f"differences {result['differences']}\nevents {result['events']}")


@pytest.mark.parametrize("name", list(CASES))
def test_measured_lane_agrees_with_the_predicted_lane(netlab, name):
    site, variant = CASES[name]
    configure(netlab, site)
    scenario, duration = short(*variant)
    with Behind() as behind:
        result = run_twin(scenario, LabSide(netlab), duration=duration)
    print(shown(result), f"\nclock ran over by up to {behind.longest:.3f} s")
    assert unexplained(result, behind.longest) == [], f"{shown(result)}\nclock ran over by up to {behind.longest:.3f} s"
    assert result["sender"]["sent"] == result["plan"]["requests"] > 0
    assert [e["planned"] for e in result["events"]] == [e.at for e in scenario.events]
    assert result["lanes"]["measured"]["requests"] == result["lanes"]["predicted"]["requests"]
    if scenario.events:   # the events did something both lanes show
        strip = result["lanes"]["measured"]["strip"]
        assert ("x" in strip) if name == "rp-app-stopped" else (strip != "12" * (len(strip) // 2))
    assert netlab.app_pid("app1") is not None and netlab.powered("app2")   # the twin put the lab back


def test_an_app_stopped_by_hand_is_a_difference_with_its_cause(netlab):
    configure(netlab, BALANCER.format(weight="", extra=""))
    scenario, duration = short("lb-tutorial", 5.0)
    timer = threading.Timer(2.0, netlab.stop, args=("app2",))   # behind the twin's back
    timer.start()
    try:
        result = run_twin(scenario, LabSide(netlab), duration=duration)
    finally:
        timer.join()
    print(shown(result))
    assert result["differences"], shown(result)
    assert {(d["cause"], d.get("app")) for d in result["differences"]} == {("stopped", "app2")}
    assert result["evidence"]["apps_down"] == ["app2"]


def test_a_second_client_is_a_difference_with_its_cause(netlab):
    configure(netlab, BALANCER.format(weight="", extra=""))
    scenario, duration = short("lb-tutorial", 5.0)
    add_client(netlab, "client2")
    other = subprocess.Popen(netlab.command("client2", [sys.executable, str(CLIENT), netlab.address("proxy"), "x",
                                                        f"{time.time() + 1.5:.3f}", "4", "16", "5"]))
    try:
        result = run_twin(scenario, LabSide(netlab), duration=duration)
    finally:
        other.wait(30)
    print(shown(result))
    assert result["differences"], shown(result)
    assert {d["cause"] for d in result["differences"]} == {"other_traffic"}
    # counted from nginx's access log: what client2 sent while the twin ran (its last request may land after)
    assert 1 <= result["evidence"]["other_clients"] <= 16
    assert result["evidence"]["other_addresses"] == [netlab.address("client2")]


def test_a_config_change_is_no_difference_both_lanes_follow_the_real_config(netlab):
    configure(netlab, BALANCER.format(weight=" weight=3", extra=""))
    scenario, duration = short("lb-tutorial", 5.0)    # the scenario says 1:1; the config says 3:1
    result = run_twin(scenario, LabSide(netlab), duration=duration)
    print(shown(result))
    assert result["differences"] == []
    assert result["config"]["servers"][0]["weight"] == 3
    for lane in result["lanes"].values():
        app1, app2 = lane["servers"]["app1"]["answered"], lane["servers"]["app2"]["answered"]
        assert abs(app1 - 3 * app2) <= 3


def test_cli_prints_both_lanes_and_the_differences_as_json(netlab):
    configure(netlab, BALANCER.format(weight="", extra=""))
    env = {**os.environ, "TUTOR_LAB_PREFIX": netlab.prefix}
    done = subprocess.run([sys.executable, "-m", "tutor", "twin", "lb-one-dies", "--lab", "--json", "--duration", "3",
                           "--lang", "en"], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) >= {"scenario", "config", "plan", "lanes", "requests", "events", "differences", "tolerance",
                           "left_out", "sender", "evidence", "ready_after"}
    assert set(result["lanes"]) == {"predicted", "measured"}
    assert set(result["lanes"]["measured"]["servers"]) == {"app1", "app2"}
    assert len(result["requests"]) == result["sender"]["sent"] == result["plan"]["requests"]
    assert all(note["text"] for note in result["left_out"])


@pytest.fixture
def seen_from_the_lab():
    """A folder the lab's machines can read (each machine has its own /tmp: tmp_path is not seen there)."""
    folder = Path(tempfile.mkdtemp(prefix=".twin-", dir=Path(__file__).parent))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_on_the_learners_machines_the_twin_tells_the_events_and_finds_them_in_the_answers(netlab, seen_from_the_lab):
    """`--host` as for VMs, run from the lab's laptop (the lab's addresses): the config comes from a
    file (what `sudo nginx -T` printed), each event is told on stderr, this test does it like a
    learner, and the twin finds its moment in the answers. lb-one-dies, 8 s, stop at 2.5 s, start at 5.5 s."""
    configure(netlab, BALANCER.format(weight="", extra=""))
    dump = seen_from_the_lab / "nginx-T.txt"
    dump.write_text(netlab.exec("proxy", ["nginx", "-T"]).stdout)
    scenario = seen_from_the_lab / "short.toml"
    text = scenario_file("lb-one-dies").read_text()
    scenario.write_text(text.replace("at = 20.0", "at = 2.5").replace("at = 40.0", "at = 5.5"))
    hosts = [word for spec in netlab.host_specs(("proxy", "app1", "app2")) for word in ("--host", spec)]
    proc = subprocess.Popen(netlab.command("laptop", [sys.executable, "-m", "tutor", "twin", str(scenario), *hosts,
                                                      "--nginx-conf", str(dump), "--duration", "8", "--json",
                                                      "--lang", "en"]),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    told = []
    for line in proc.stderr:     # the learner: does what the twin says, when it says it
        told.append(line.strip())
        if "NOW: stop the app on app2" in line:
            netlab.stop("app2")
        elif "NOW: start the app on app2" in line:
            netlab.start("app2")
    out = proc.stdout.read()
    assert proc.wait(60) == 0, (told, out[-500:])
    result = json.loads(out)
    print(shown(result))
    assert result["side"] == "hosts" and result["differences"] == []
    assert [(e["action"], e["planned"]) for e in result["events"]] == [("stop", 2.5), ("start", 5.5)]
    stop, start = result["events"]
    assert not stop["assumed"] and stop["told"] <= stop["at"] < stop["told"] + 1.0    # found in the answers
    # nginx left app2 alone for fail_timeout (10 s): no answer shows the restart within 8 s
    assert start["assumed"] and start["at"] == start["told"]
    codes = {note["code"] for note in result["left_out"]}
    assert {"timers_default", "not_seen"} <= codes
