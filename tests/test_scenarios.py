"""tutor/scenarios.py is the one door to a runnable scenario: `tutor sim`, `tutor play` and the lesson
simulators play the same servers and give the same numbers, and say the same about unknown names."""

from __future__ import annotations

import json

import pytest

from sim import Simulation
from tui_support import wait_for
from tutor.app import TutorApp
from tutor.cli import main
from tutor.lessons.values import NAMED_VALUES, Values
from tutor.paths import shipped_scenarios
from tutor.scenarios import DEMO, ScenarioOpenError, UnknownScenario, listing, runnable, with_values
from tutor.screens.lesson import LessonScreen
from tutor.simview import PredictPanel

MINE = Values.of({"proxy_ip": "192.168.64.5", "app1_ip": "192.168.64.7", "app2_ip": "192.168.64.9",
                  "app3_ip": "192.168.64.11", "domain": "contoh.test"})


def sim_json(capsys, name: str) -> dict:
    assert main(["sim", name, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_scenarios_own_nginx_config_is_applied():
    scenario = runnable("lb-wrong-server-stopped")  # [nginx] config = the tutorial's load balancer
    assert [server.name for server in scenario.servers] == ["aplikasi1", "sinambela"]


async def test_the_lessons_spot_the_bug_question_plays_what_tutor_sim_reports(capsys):
    """F1: lesson 3's spot-the-bug text says 294/294 and no retry; its on-screen simulator must agree."""
    cli = sim_json(capsys, "lb-wrong-server-stopped")
    async with TutorApp(lang="en").run_test(size=(100, 30)) as pilot:
        assert pilot.app.open_lesson("load-balancing", "spot-the-bug")
        screen = pilot.app.screen
        assert isinstance(screen, LessonScreen)
        assert await wait_for(pilot, lambda: screen.current_view() is not None
                              and bool(screen.current_view().query(PredictPanel)))
        panel = screen.current_view().query_one(PredictPanel)
        player = panel.sim.player
        assert [server.name for server in player.scenario.servers] == list(cli["servers"])
        player.fast_forward()
        assert player.frame.counters.retries == cli["retries"] == 0
        assert {server.name: server.served for server in player.frame.servers} == \
            {name: numbers["ok"] for name, numbers in cli["servers"].items()} == {"aplikasi1": 294, "sinambela": 294}


def test_the_run_is_the_same_whoever_opens_it(capsys):
    for name in ("lb-wrong-server-stopped", "lb-one-dies", DEMO):
        simulation = Simulation(runnable(name))
        simulation.run_to_end()
        assert simulation.result().to_json_dict() == sim_json(capsys, name)


@pytest.mark.parametrize("lang", ["en", "id"])
def test_sim_and_play_say_the_same_about_an_unknown_scenario(capsys, lang):
    assert main(["sim", "nosuch", "--lang", lang]) == 2
    sim_err = capsys.readouterr().err
    assert main(["play", "nosuch", "--lang", lang]) == 2
    play_err = capsys.readouterr().err
    assert sim_err.startswith("tutor sim: ") and play_err.startswith("tutor play: ")
    assert sim_err.removeprefix("tutor sim: ") == play_err.removeprefix("tutor play: ") \
        == UnknownScenario("nosuch").message(lang) + "\n"
    assert all(name in sim_err for name in shipped_scenarios())
    assert ("Shipped scenarios" in sim_err) == (lang == "en")


def test_errors_are_one_line():
    with pytest.raises(UnknownScenario):
        runnable("no-such-scenario")
    with pytest.raises(ScenarioOpenError) as caught:
        runnable("/nonexistent/x.toml")
    assert "\n" not in str(caught.value)
    with pytest.raises(ScenarioOpenError):
        runnable("lb-one-dies", "/nonexistent/nginx.conf")


def test_scenarios_move_to_the_learners_addresses():
    scenario = runnable("rp-app-stopped", values=MINE)
    assert [server.address for server in scenario.servers] == ["192.168.64.7:3000"]
    assert runnable("rp-app-stopped", values=Values()) == runnable("rp-app-stopped")  # nothing known: as shipped
    v6 = with_values(runnable("rp-basic"), Values.of({"app1_ip": "fd00::7"}))
    assert v6.servers[0].address == "[fd00::7]:3000"
    # values apply after the scenario's nginx config (whose addresses are the tutorial's)
    mapped = runnable("lb-wrong-server-stopped", values=MINE)
    assert [server.address.split(":")[0] for server in mapped.servers] == ["192.168.64.7", "192.168.64.5"]  # sinambela is the proxy VM


def test_the_demo_is_the_shipped_file_with_the_tutorials_addresses():
    demo = runnable(None)
    assert demo.name == DEMO and demo.source.endswith(f"{DEMO}.toml")
    examples = {value.role: value.example for value in NAMED_VALUES.values() if value.role}
    assert [server.address for server in demo.servers] == [f"{examples[role]}:3000" for role in ("app1", "app2", "app3")]


@pytest.mark.parametrize("lang", ["en", "id"])
def test_play_list_names_every_shipped_scenario_with_its_title(capsys, lang):
    assert main(["play", "--list", "--lang", lang]) == 0
    out = capsys.readouterr().out
    titles = dict(listing(lang))
    assert list(titles) == shipped_scenarios()
    for name, title in titles.items():
        assert any(line.split()[0] == name and title in line for line in out.splitlines())
