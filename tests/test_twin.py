"""The twin without a lab: its bounds, its tolerance, its causes, the twin it builds from a
config, its report at 80 columns in both languages, and its command line's refusals."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

import sim
from tutor.paths import scenario_file
from tutor.twin import build, compare
from tutor.twin.build import Note, TwinError
from tutor.twin.compare import Evidence, Row
from tutor.twin.report import format_report
from tutor.twin.run import _compare, down_spans, measured_service

DUMP = """# configuration file /etc/nginx/nginx.conf:
worker_processes 1;
events {{ worker_connections 768; }}
http {{
    include /etc/nginx/sites-enabled/*;
}}

# configuration file /etc/nginx/sites-enabled/default:
upstream app_servers {{
    {policy}
    server 10.37.19.46:3000 weight=3;
    server 10.37.19.182:3000;
}}
server {{
    listen 80;
    location / {{
        proxy_pass http://app_servers;
        proxy_connect_timeout 2s;
        {extra}
    }}
}}
"""


def dump(policy: str = "", extra: str = "") -> dict[str, str]:
    from tutor.live.nginx_config import split_nginx_dump

    return split_nginx_dump(DUMP.format(policy=policy, extra=extra))


# ---- bounds --------------------------------------------------------------------------------------

def test_thinning_never_puts_more_than_20_requests_in_one_second():
    rng = random.Random(7)
    times = sorted(rng.uniform(0, 10) for _ in range(600))     # 60 a second wanted
    kept = build.thin(times)
    from tutor.twin.sender import busiest_second

    assert busiest_second(kept) == 20
    assert busiest_second(times) > 20
    assert kept == sorted(kept) and set(kept) <= set(times)


@pytest.mark.parametrize("plan", [
    {"times": [0.01 * k for k in range(21)], "max_requests": 100},     # 21 in one second
    {"times": [1.0 * k for k in range(11)], "max_requests": 10},       # more than it said
])
def test_the_sender_refuses_a_plan_beyond_its_bounds(plan):
    from tutor.twin import run

    full = {"address": "127.0.0.1", "port": 9, "host": "x", "start_delay": 0, "timeout": 1, "max_rate": 20, **plan}
    done = subprocess.run([sys.executable, str(run.SENDER)], input=json.dumps(full) + "\n", capture_output=True, check=False,
                          text=True, timeout=30)
    assert done.returncode == 2 and done.stdout == ""
    assert "more than it may" in done.stderr


# ---- tolerance ------------------------------------------------------------------------------------

def test_counts_agree_within_10_percent_or_2_requests():
    assert not compare.count_differs(10, 12) and compare.count_differs(10, 13)
    assert not compare.count_differs(100, 110) and compare.count_differs(100, 112)


def test_times_agree_within_20_percent_or_100_ms():
    assert not compare.time_differs(0.002, 0.100) and compare.time_differs(0.002, 0.110)
    assert not compare.time_differs(2.0, 2.4) and compare.time_differs(2.0, 2.6)


# ---- causes ---------------------------------------------------------------------------------------

SERVERS = ["app1", "app2"]


def alternate(n: int, down_from: float | None = None) -> list[Row]:
    """Round robin at 10/s; from `down_from` on app2 refuses and nginx retries on app1."""
    rows = []
    for k in range(n):
        t = k / 10
        name = SERVERS[k % 2]
        if down_from is not None and t >= down_from and name == "app2":
            rows.append(Row(t, "app1", 200, 0.003, ("app2", "app1")))
        else:
            rows.append(Row(t, name, 200, 0.002, (name,)))
    return rows


def test_identical_lanes_have_no_difference():
    assert compare.differences(alternate(60), alternate(60), SERVERS, Evidence()) == []


def test_an_app_failing_while_the_scenario_keeps_it_up_is_stopped_by_hand():
    found = compare.differences(alternate(60), alternate(60, down_from=2.0), SERVERS, Evidence())
    assert found and {(d.kind, d.cause, d.values["app"]) for d in found} == {
        ("answered", "stopped", "app2")}
    assert found[0].values["at"] == 2.1   # the first request app2 failed


def test_an_app_the_scenario_stops_is_no_stop_by_hand():
    evidence = Evidence(scenario_down={"app2": [(2.0, 99.0)]})
    assert compare.stopped_outside(alternate(60, 2.0), alternate(60, 2.0), evidence) is None


def test_requests_from_elsewhere_are_named_as_the_cause():
    measured = [Row(r.t, SERVERS[(k // 2) % 2], 200, 0.002, (SERVERS[(k // 2) % 2],))
                for k, r in enumerate(alternate(60))]
    found = compare.differences(alternate(60), measured, SERVERS, Evidence(other_clients=12,
                                                                           other_addresses=("10.37.20.2",)))
    assert [(d.kind, d.cause, d.values["count"]) for d in found] == [("order", "other_traffic", 12)]
    guessed = compare.differences(alternate(60), measured, SERVERS, Evidence())
    assert [d.cause for d in guessed] == ["elsewhere_guess"]


def test_a_slow_first_answer_is_a_compile_wait_and_a_poweroff_points_at_arp():
    measured = [Row(r.t, r.server, r.status, 3.0 if k == 1 else r.latency, r.tried)
                for k, r in enumerate(alternate(60))]
    assert {d.cause for d in compare.differences(alternate(60), measured, SERVERS, Evidence())} == {"compile"}
    evidence = Evidence(poweroff=True, timers={"reachable_time": 20.0, "delay_first_probe_time": 5.0})
    later = [Row(r.t, r.server, r.status, 3.0 if k == 41 else r.latency, r.tried) for k, r in enumerate(alternate(60))]
    assert {d.cause for d in compare.differences(alternate(60), later, SERVERS, evidence)} == {"arp"}


def test_the_spans_the_events_keep_a_server_down():
    events = [{"at": 2.0, "server": "app2", "action": "stop"}, {"at": 5.0, "server": "app2", "action": "start"},
              {"at": 6.0, "server": "app1", "action": "poweroff"}]
    assert down_spans(events, 10.0) == {"app2": [(2.0, 5.0)], "app1": [(6.0, 3610.0)]}


# ---- the twin of a config ----------------------------------------------------------------------------

def test_the_twin_follows_the_real_config_and_names_what_it_leaves_out():
    scenario = sim.load_scenario(scenario_file("lb-one-dies"))
    twin = build.build_twin(scenario, dump(extra="limit_req zone=one;"))
    servers = {s.name: (s.address, s.weight) for s in twin.scenario.servers}
    assert servers == {"app1": ("10.37.19.46:3000", 3), "app2": ("10.37.19.182:3000", 1)}
    assert twin.scenario.nginx.connect_timeout == 2.0 and twin.scenario.nginx.workers == 1
    assert twin.config_where == "/etc/nginx/sites-enabled/default:9"
    assert Note("directive", {"name": "limit_req", "count": 1}) in twin.notes


def test_a_config_the_simulator_cannot_model_stops_the_twin_with_the_reason():
    with pytest.raises(TwinError) as caught:
        build.build_twin(sim.load_scenario(scenario_file("lb-tutorial")), dump(policy="hash $remote_addr;"))
    assert caught.value.code == "config" and "hash" in str(caught.value)


def test_events_the_lab_cannot_do_are_left_out_of_both_sides():
    scenario = sim.scenario_from_dict({
        "scenario": {"name": "x", "duration": 10},
        "server": [{"name": "app1", "address": "10.37.19.46:3000"}, {"name": "app2", "address": "10.37.19.182:3000"}],
        "event": [{"at": 1, "server": "app2", "action": "hang"}, {"at": 2, "server": "app2", "action": "poweroff"},
                  {"at": 3, "server": "app2", "action": "start"}]})
    kept, real, notes = build.real_events(scenario)
    assert [e.action for e in kept.events] == ["poweroff", "start"]
    assert real == [(2.0, "app2", "poweroff"), (3.0, "app2", "poweron")]
    assert [n.code for n in notes] == ["not_real"]
    short, notes = build.shorten(scenario, 2.5)
    assert [e.at for e in short.events] == [1.0, 2.0] and [n.code for n in notes] == ["shortened", "after_end"]


def test_the_kernel_timers_are_read_from_ip_ntable():
    text = ("inet arp_cache\n    dev eth0\n    refcnt 2 reachable 41356 base_reachable 30000 retrans 1000\n"
            "    gc_stale 60000 delay_probe 5000 queue 101\n    app_probes 0 ucast_probes 3 mcast_probes 3\n")
    assert build.parse_ntable(text) == {"base_reachable_time": 30.0, "reachable_time": 41.356,
                                        "delay_first_probe_time": 5.0, "retrans_time": 1.0,
                                        "ucast_solicit": 3, "mcast_solicit": 3}


def test_the_apps_measured_time_is_the_median_of_the_answered_probes():
    probes = [{"probe": "a:1", "latency": 0.003, "status": 200}, {"probe": "a:1", "latency": 0.5, "status": 200},
              {"probe": "a:1", "latency": 0.002, "status": 200}, {"probe": "b:1", "latency": 2.0, "status": 0}]
    assert measured_service(probes) == {"a:1": 0.003}


# ---- the report -------------------------------------------------------------------------------------

def canned(differ: bool) -> dict:
    """A whole result as run_twin makes it, from made-up real lines (no lab): the real side does
    what the simulator predicts, or (`differ`) app2 goes quiet after 2 s."""
    scenario = sim.load_scenario(scenario_file("lb-one-dies"))
    twin = build.build_twin(scenario, dump())
    replay, _ = build.with_service(twin.scenario, {s.address: 0.002 for s in twin.scenario.servers})
    lines = [{"t": k / 10, "late": 0.0, "status": 200, "latency": 0.002, "served_by": "app1",
              "upstream": "", "page": ""} for k in range(80)]
    for line, row in zip(lines, _compare(replay, lines, [], Evidence())["requests"]):
        if not (differ and line["t"] > 2.0):
            line["served_by"] = row["predicted"]["server"]
    result = _compare(replay, lines, [], Evidence())
    result.update({"scenario": "lb-one-dies", "side": "lab",
                   "config": {"where": twin.config_where, "upstream": "app_servers", "policy": "round_robin",
                              "servers": [{"name": s.name, "address": s.address, "weight": s.weight}
                                          for s in twin.scenario.servers], "workers": 1},
                   "plan": {"requests": 80, "duration": 8.0, "max_rate": 20.0},
                   "sender": {"sent": 80, "late": 0, "stopped": False},
                   "left_out": [n.to_json() for n in [Note("shortened", {"duration": 8.0, "full": 70.0}),
                                                      *twin.notes]]})
    return result


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("differ", [False, True])
def test_the_report_fits_80_columns_in_both_languages(lang, differ):
    result = canned(differ)
    text = format_report(result, lang)
    print(text)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert bool(result["differences"]) == differ
    marks = [line for line in text.splitlines() if line.startswith(" ") and set(line.strip()) <= {"^", " "} and line.strip()]
    assert bool(marks) == differ
    assert "{" not in text and "note." not in text and "cause." not in text
    words = " ".join(text.split())
    if differ:
        assert "app2 stopped answering" in words or "app2 berhenti menjawab" in words


# ---- the command line -------------------------------------------------------------------------------

def tutor(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("args, words", [
    (("twin", "lb-one-dies"), {"en": "--lab", "id": "--lab"}),
    (("twin", "lb-one-dies", "--host", "app1=10.37.19.46"), {"en": "--host proxy=", "id": "--host proxy="}),
    (("twin", "lb-one-dies", "--host", "proxy=10.37.19.64", "--nginx-conf", "/no/such/file"),
     {"en": "/no/such/file", "id": "/no/such/file"}),
    (("twin", "lb-one-dies", "--host", "proxy=10.37.19.64", "--prefix", "x"), {"en": "--prefix", "id": "--prefix"}),
    (("twin", "lb-one-dies", "--lab", "--host", "proxy=10.37.19.64"), {"en": "leave out", "id": "jangan"}),
    (("twin", "no-such-scenario", "--lab"), {"en": "cannot be read", "id": "tidak bisa dibaca"}),
    (("twin", "lb-one-dies", "--lab", "--duration", "0"), {"en": "--duration", "id": "--duration"}),
    (("twin", "lb-one-dies", "--lab", "--duration", "71"), {"en": "70", "id": "70"}),
])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_command_refuses_bad_input_in_one_line(args, words, lang):
    done = tutor(*args, "--lang", lang)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert words[lang] in done.stderr


def test_a_config_server_the_scenario_lacks_is_named_after_its_machine_and_its_answers_count():
    scenario = sim.load_scenario(scenario_file("rp-app-stopped"))     # app1 only; the config has app2 too
    machines = {"10.37.19.46:3000": "app1", "10.37.19.182:3000": "app2"}
    twin = build.build_twin(scenario, dump(), machines.get)
    assert [s.name for s in twin.scenario.servers] == ["app1", "app2"]
    assert [n.code for n in twin.notes] == ["map_added_server"]
    lines = [{"t": 0.1, "latency": 0.002, "status": 200, "served_by": "aplikasi2", "upstream": "", "page": ""}]
    rows = compare.rows_from_sender(lines, {}, {"aplikasi2": "app2"})
    assert rows[0].server == "app2" and compare.strip(rows, ["app1", "app2"]) == "2"


def test_a_round_robin_that_starts_elsewhere_is_no_difference_but_is_said():
    predicted = alternate(60)
    measured = [Row(r.t, SERVERS[(k + 1) % 2], 200, 0.002, (SERVERS[(k + 1) % 2],)) for k, r in enumerate(predicted)]
    evidence = Evidence(period=2)
    assert compare.differences(predicted, measured, SERVERS, evidence) == []
    assert evidence.phase == 1
    assert [d.kind for d in compare.differences(predicted, measured, SERVERS, Evidence(period=1))] == ["order"]


def test_the_strips_mark_what_differs_at_round_robins_phase():
    from tutor.twin.report import strips

    assert strips("1212", "2121", 80, "en")[2].strip() == "^^^^"
    assert strips("1212", "2121", 80, "en", phase=1) == ["predicted 1212", "measured  2121"]


def test_a_scenario_of_exactly_20_a_second_is_sent_whole():
    times = [k / 20 for k in range(1, 200)]
    assert build.thin(times) == times


# ---- errors, each written once (the catalogue) ------------------------------------------------------

def test_every_twin_error_has_its_text_in_both_catalogues_and_says_it_in_english_by_default():
    import re
    from pathlib import Path

    from tutor.i18n import catalogue

    source = "".join(path.read_text(encoding="utf-8") for path in Path(build.__file__).parent.glob("*.py"))
    codes = set(re.findall(r'TwinError\(\s*"(\w+)"', source))
    assert {"nginx_t", "config", "sender", "no_proxy", "no_config", "config_file"} <= codes
    for code in codes:
        assert all(f"err.{code}" in catalogue(lang)["twin"] for lang in ("en", "id")), code
    error = TwinError("config", why="hash is not modelled")
    assert str(error) == catalogue("en")["twin"]["err.config"].format(why="hash is not modelled")
    assert error.message("id") == catalogue("id")["twin"]["err.config"].format(why="hash is not modelled")


class _DeadSender:
    """A real side whose sender fails before it starts (the lab's namespace gone, a bad plan)."""

    kind = "hosts"
    proxy = ("127.0.0.1", 9)

    def __init__(self, code: str) -> None:
        self.code = code

    def config_files(self): return dump()
    def timers(self): return {}
    def role(self, address): return None
    def sender(self): return [sys.executable, "-c", self.code]
    def apply(self, action, role): raise AssertionError("no event may run")
    def begin(self): pass
    def other_clients(self): return 0, ()
    def restores(self): return False
    def detect(self, applied, rows): return applied
    def apps_down(self): return []


@pytest.mark.parametrize("code", [
    "import sys; sys.stdin.read(); sys.stderr.write('bad plan: no times'); sys.exit(2)",   # reads the plan first
    "import sys; sys.stderr.write('bad plan: no times'); sys.exit(2)",                     # gone before the plan
])
def test_a_sender_that_does_not_start_is_a_twin_error_with_its_own_reason(code):
    from tutor.twin.run import run_twin

    scenario = sim.scenario_from_dict({   # 10 minutes at 20/s: a plan larger than a pipe holds (64 KiB)
        "scenario": {"name": "x", "duration": 600}, "traffic": {"rate": 20},
        "server": [{"name": "app1", "address": "10.37.19.46:3000"}, {"name": "app2", "address": "10.37.19.182:3000"}]})
    with pytest.raises(TwinError) as caught:
        run_twin(scenario, _DeadSender(code))
    assert caught.value.code == "sender" and caught.value.values["why"] == "bad plan: no times"
    assert "bad plan: no times" in caught.value.message("id")


def test_the_learners_machines_without_a_running_proxy_are_refused_in_their_language():
    from tutor.live.hosts import Machine, Machines
    from tutor.twin.hosts import HostSide

    def tell(key: str, **values: object) -> None:
        raise AssertionError("nothing to tell")

    with pytest.raises(TwinError) as caught:
        HostSide(Machines(by_role={"app1": Machine("app1", "10.37.19.46", 3000)}), None, tell)
    assert caught.value.code == "no_proxy" and "--host proxy=" in caught.value.message("id")
    stopped = Machine("proxy", None, 80, vm="proxy", state="Stopped")
    with pytest.raises(TwinError) as caught:
        HostSide(Machines(by_role={"proxy": stopped}), None, tell)
    assert caught.value.code == "proxy_stopped" and "multipass start proxy" in caught.value.message("id")
    side = HostSide(Machines(by_role={"proxy": Machine("proxy", "10.37.19.64", 80, vm="proxy")}), None, tell)
    assert side.proxy == ("10.37.19.64", 80)


# ---- numbers in the learner's language --------------------------------------------------------------

@pytest.mark.parametrize("lang, mark", [("id", ","), ("en", ".")])
def test_the_twins_numbers_are_whole_when_whole_and_use_the_languages_decimal_mark(lang, mark):
    from tutor.twin.report import difference_text, note_text, wait_text

    shortened = note_text({"code": "shortened", "duration": 8.0, "full": 70.0}, lang)
    assert " 8 " in shortened and " 70 " in shortened and "8.0" not in shortened and "8,0" not in shortened
    assert f" 2{mark}5" in note_text({"code": "not_seen", "server": "app2", "action": "stop", "at": 2.5}, lang)
    assert " 20 " in note_text({"code": "thinned", "wanted": 900, "sent": 600, "rate": 20.0}, lang)
    arp = {"kind": "p95", "server": "app1", "predicted": 0.2, "measured": 1.5, "cause": "arp",
           "reachable": 41.356, "delay": 5.0}
    text = difference_text(arp, lang)
    assert f"41{mark}356" in text and " 5 " in text and f"1{mark}50 s" in text
    assert wait_text(1.5, lang, compact=True) == f"1{mark}5s" and wait_text(0.12, lang) == "120 ms"


def test_a_poweroff_without_the_proxys_timers_says_the_simulator_took_the_defaults():
    later = [Row(r.t, r.server, r.status, 3.0 if k == 41 else r.latency, r.tried) for k, r in enumerate(alternate(60))]
    found = compare.differences(alternate(60), later, SERVERS, Evidence(poweroff=True))
    assert {d.cause for d in found} == {"arp_default"}
