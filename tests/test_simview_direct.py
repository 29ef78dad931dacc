"""A direct scenario (clients -> one web server, no proxy) never speaks of nginx's 502/504: the event
log, the end summary, the narration and `tutor sim` say refused / timed out."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from sim import scenario_from_dict
from tutor.i18n import tr
from tutor.cli.sim import format_report
from tutor.simview.eventlog import entry_text
from tutor.simview.narration import narrate
from tutor.simview.player import Player
from tutor.simview.strings import STRINGS
from tutor.simview.summary import report_line

NGINX_CODES = re.compile(r"\b50[24]\b|nginx|upstream|retr|coba lagi", re.IGNORECASE)


def stopped_then_hung(direct: bool = True):
    """One web server that stops at 5 s, starts at 8 s and hangs at 12 s (read_timeout 2 s)."""
    return scenario_from_dict({
        "scenario": {"seed": 3, "duration": 20.0, "direct": direct},
        "traffic": {"rate": 10.0},
        "nginx": {"read_timeout": 2.0},
        "server": [{"name": "sinambela", "address": "10.37.19.64:3000"}],
        "event": [{"at": 5.0, "server": "sinambela", "action": "stop"},
                  {"at": 8.0, "server": "sinambela", "action": "start"},
                  {"at": 12.0, "server": "sinambela", "action": "hang"}],
    })


def played(direct: bool = True) -> Player:
    player = Player(stopped_then_hung(direct))
    player.fast_forward()
    return player


@pytest.mark.parametrize("lang", ["en", "id"])
def test_the_event_log_says_refused_and_timed_out_not_502(lang):
    player = played()
    counters = player.frame.counters
    assert counters.e502 > 0 and counters.e504 > 0  # the run really failed both ways
    lines = [entry_text(entry, lang) for entry in player.log]
    assert not [line for line in lines if NGINX_CODES.search(line.split(" ", 1)[1])], lines
    keys = {entry.key for entry in player.log}
    assert {"ev.client_refused", "ev.client_timeout"} <= keys and "ev.error" not in keys
    # the same run behind nginx does speak of 502/504
    assert "ev.error" in {entry.key for entry in played(direct=False).log}


@pytest.mark.parametrize("lang", ["en", "id"])
def test_the_summary_and_the_report_say_refused_and_timed_out(lang):
    from sim import run

    scenario = stopped_then_hung()
    report = run(scenario).to_json_dict()
    line = report_line(report, True, lang)
    assert not NGINX_CODES.search(line), line
    assert tr(STRINGS, "big.e504_direct", lang).split()[-1] in line
    text = format_report(scenario, report, [], [], lang)
    assert not NGINX_CODES.search(text.split("\n", 1)[1]), text
    assert "502" in report_line(report, False, lang)  # behind nginx the codes are right


def test_a_paused_direct_scenario_at_the_start_says_nothing_wrong():
    player = Player(stopped_then_hung())
    for lang in ("en", "id"):
        text = narrate(player.frame, player.serving, lang)
        assert "sinambela" in text
        assert tr(STRINGS, "nar.all_up", lang) not in text and tr(STRINGS, "nar.serves_none", lang) not in text


DIRECT_STOP = """
[scenario]
name = "direct-stop"
seed = 3
duration = 20.0
direct = true
[traffic]
rate = 10.0
[nginx]
read_timeout = 2.0
[[server]]
name = "sinambela"
address = "10.37.19.64:3000"
[[event]]
at = 5.0
server = "sinambela"
action = "stop"
[[event]]
at = 8.0
server = "sinambela"
action = "start"
[[event]]
at = 12.0
server = "sinambela"
action = "hang"
"""


def _sim_json(capsys, path) -> dict:
    from tutor.cli import main

    assert main(["sim", str(path), "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return json.loads(out)


def test_sim_json_of_a_direct_scenario_counts_refused_and_timeouts_not_502_504(capsys, tmp_path):
    from sim import run

    path = tmp_path / "direct-stop.toml"
    path.write_text(DIRECT_STOP, encoding="utf-8")
    report = _sim_json(capsys, path)
    inside = run(stopped_then_hung()).metrics["status"]  # the simulator's own counts stay nginx's
    assert inside["502"] > 0 and inside["504"] > 0
    assert report["status"] == {"200": inside["200"]}
    assert report["failures"] == {"refused": inside["502"], "timeouts": inside["504"]}
    assert not re.search(r"\b50[24]\b", json.dumps({"status": report["status"], "failures": report["failures"]}))
    assert sum(report["status"].values()) + sum(report["failures"].values()) == report["requests"]["sent"]
    # the text report and the summary line count the same requests as before
    for lang in ("en", "id"):
        assert f"{tr('sim_report', 'direct_504', lang)} x{inside['504']}" in format_report(
            stopped_then_hung(), report, [], [], lang)
        assert str(inside["502"]) in report_line(report, True, lang)


def test_sim_json_of_a_proxied_scenario_keeps_nginx_codes_and_no_failures_key(capsys, tmp_path):
    path = tmp_path / "proxied-stop.toml"
    path.write_text(DIRECT_STOP.replace("direct = true", "direct = false"), encoding="utf-8")
    report = _sim_json(capsys, path)
    assert "failures" not in report and report["status"]["502"] > 0 and report["status"]["504"] > 0


def test_sim_trace_of_a_direct_scenario_has_no_502_504_status(capsys, tmp_path):
    from tutor.cli import main

    for direct in (True, False):
        path = tmp_path / f"stop-{direct}.toml"
        path.write_text(DIRECT_STOP.replace("direct = true", f"direct = {str(direct).lower()}"), encoding="utf-8")
        trace = tmp_path / f"trace-{direct}.jsonl"
        assert main(["sim", str(path), "--json", "--trace", str(trace)]) == 0
        report = json.loads(capsys.readouterr()[0])
        lines = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines()]
        statuses = Counter(line["status"] for line in lines)
        if direct:  # no answer: no HTTP status; "failures" says why, as the client saw it
            assert statuses == {200: report["status"]["200"], None: sum(report["failures"].values())}
            assert {line["failures"][-1] for line in lines if line["status"] is None} <= {
                "refused", "timed out", "reset", "closed"}
        else:
            assert statuses == {int(code): n for code, n in report["status"].items()}


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_f1_words_the_server_keys_without_nginx_in_a_direct_scenario(lang):
    """F1 on a direct scenario says what stopping, hanging, powering off and starting do to the
    clients; on a proxied scenario the same keys speak of nginx."""
    from support.play_app import PlayApp
    from tutor.keymap import help_rows

    texts = {}
    for name in ("web-server-basic", "lb-one-dies"):
        app = PlayApp(name, lang=lang, timer=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            own, _ = help_rows(app.screen, lang)
            texts[name] = {key: text for key, text in own if key in ("s", "h", "o", "t")}
    assert len(texts["web-server-basic"]) == 4
    assert not [text for text in texts["web-server-basic"].values() if NGINX_CODES.search(text)]
    assert all("nginx" in texts["lb-one-dies"][key] for key in ("s", "h", "o", "t"))
