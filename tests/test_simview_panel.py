"""Pilot tests of the simulator view: controls drive the model, and the screen shows what nginx does.

Every test builds its panel with `timer=False` and advances frames by hand: no wall clock.
"""

from __future__ import annotations

import pytest

from textual.app import App, ComposeResult
from textual.reactive import reactive
from textual.widgets import RichLog

from sim import scenario_from_dict
from tutor.keymap import bar_pairs
from tutor.lessons.model import Choice, Predict
from tutor.simview import PredictPanel, SimPanel
from tutor.simview.diagram import LAYOUTS, server_row
from tutor.scenarios import ScenarioOpenError, runnable

FRAME = 0.1  # simulated seconds per frame at 1x


def three_servers(next_upstream=("error", "timeout"), rate=10.0) -> object:
    """Three steady servers, one request every 1/rate s (uniform), no scheduled events."""
    servers = [{"name": f"app{i}", "address": f"10.0.0.{i}:3000", "service": {"dist": "const", "mean": 0.01}}
               for i in (1, 2, 3)]
    return scenario_from_dict({
        "scenario": {"name": "test", "seed": 7, "duration": 60.0},
        "traffic": {"pattern": "uniform", "rate": rate},
        "nginx": {"next_upstream": list(next_upstream)},
        "server": servers,
    })


class PanelApp(App):
    lang = reactive("en")

    def __init__(self, scenario, lang="en", **panel_args) -> None:
        super().__init__()
        self.set_reactive(PanelApp.lang, lang)
        self.panel = SimPanel(scenario, lang, timer=False, playing=False, **panel_args)

    def compose(self) -> ComposeResult:
        yield self.panel

    def on_mount(self) -> None:
        self.panel.focus()


def log_lines(panel: SimPanel) -> list[str]:
    return [strip.text for strip in panel.query_one(RichLog).lines]


def diagram_lines(panel: SimPanel) -> list[str]:
    return str(panel.query_one("#sv-diagram").content).split("\n")


def run_to(panel: SimPanel, t: float) -> None:
    while panel.player.frame.t < t - 1e-9:
        panel.step()


async def test_stopping_a_server_bans_it_and_nginx_retries_without_errors():
    app = PanelApp(three_servers())
    async with app.run_test(size=(110, 36)) as pilot:
        panel = app.panel
        run_to(panel, 5.0)
        before = panel.player.frame.counters
        assert before.retries == 0 and before.errors == 0
        await pilot.press("2", "s")
        run_to(panel, 7.0)
        await pilot.pause()
        frame = panel.player.frame
        app2 = frame.servers[1]
        assert app2.state == "stopped" and app2.shown_state == "banned"
        assert 1 <= app2.ban_left <= 11  # fail_timeout 10 s on nginx's whole-second clock
        line = diagram_lines(panel)[server_row(1, LAYOUTS[panel._layout_name()])]
        assert f"disabled {app2.ban_left} s" in line and "⊘" in line
        counters = frame.counters
        assert counters.retries >= 1  # the refused request went on to another server
        assert counters.e502 == 0 and counters.e504 == 0
        log = "\n".join(log_lines(panel))
        assert "app2 stopped" in log and "app2 temporarily disabled after 1 failure" in log
        assert "retry: app2 → app3" in log
        assert "app2 is temporarily disabled" in str(panel.query_one("#sv-narration").content)
        # While app2 is banned nobody sends it anything: its attempts stay put.
        served = app2.served
        run_to(panel, 7.0 + app2.ban_left - 1)
        assert panel.player.frame.servers[1].served == served


async def test_without_next_upstream_a_stopped_server_gives_the_client_502():
    app = PanelApp(three_servers(next_upstream=()))
    async with app.run_test(size=(110, 36)) as pilot:
        panel = app.panel
        run_to(panel, 2.0)
        await pilot.press("3", "s")
        run_to(panel, 4.0)
        counters = panel.player.frame.counters
        assert counters.e502 >= 1 and counters.retries == 0
        assert any("client got 502" in line for line in log_lines(panel))


async def test_start_brings_the_server_back_after_its_ban():
    app = PanelApp(three_servers())
    async with app.run_test(size=(110, 36)) as pilot:
        panel = app.panel
        await pilot.press("1", "s")
        run_to(panel, 1.0)
        await pilot.press("t")
        assert panel.player.frame.servers[0].state == "up"
        run_to(panel, 14.0)  # the 10 s ban is over and a probe succeeded
        app1 = panel.player.frame.servers[0]
        assert app1.shown_state == "up" and app1.served > 0


async def test_pause_and_speed_control_the_simulated_time_per_tick():
    app = PanelApp(three_servers())
    async with app.run_test(size=(110, 36)) as pilot:
        panel = app.panel
        panel.advance_frames(5)  # paused: nothing moves
        assert panel.player.frame.t == 0.0
        await pilot.press("space")
        assert panel.playing
        panel.advance_frames(5)
        assert panel.player.frame.t == pytest.approx(5 * FRAME)
        await pilot.press("plus", "plus")  # 1x -> 2x -> 4x
        assert panel.player.speed == 4.0
        t = panel.player.frame.t
        panel.advance_frames(3)
        assert panel.player.frame.t == pytest.approx(t + 3 * 4 * FRAME)
        await pilot.press("minus", "minus", "minus")  # -> 0.5x
        t = panel.player.frame.t
        panel.tick()
        assert panel.player.frame.t == pytest.approx(t + 0.5 * FRAME)
        await pilot.press("space")
        t = panel.player.frame.t
        panel.advance_frames(4)
        assert panel.player.frame.t == t
        await pilot.press("full_stop")  # one step while paused
        assert panel.player.frame.t == pytest.approx(t + 0.5 * FRAME)
        assert "paused" in str(panel.query_one("#sv-status").content)


async def test_policy_and_rate_changes_take_effect_while_running():
    app = PanelApp(three_servers(rate=20.0))
    async with app.run_test(size=(110, 36)) as pilot:
        panel = app.panel
        run_to(panel, 2.0)
        await pilot.press("p")
        assert panel.player.frame.policy == "least_conn"
        await pilot.press("p", "p")
        assert panel.player.frame.policy == "random"
        await pilot.press("right_square_bracket")
        assert panel.player.frame.rate == 30.0
        sent = panel.player.frame.counters.sent
        run_to(panel, 12.0)
        assert 299 <= panel.player.frame.counters.sent - sent <= 301  # 10 s at 30 req/s, uniform
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert panel.player.frame.rate == 15.0
        log = "\n".join(log_lines(panel))
        assert "policy changed: least_conn" in log and "rate changed: 30 req/s" in log
        assert "  random  15 req/s" in str(panel.query_one("#sv-status").content)


async def test_round_robin_spreads_evenly_and_ip_hash_sends_one_client_to_one_server():
    app = PanelApp(three_servers(rate=30.0))
    async with app.run_test(size=(110, 36)):
        panel = app.panel
        run_to(panel, 10.0)
        served = [s.served for s in panel.player.frame.servers]
        assert max(served) - min(served) <= 1
        panel.player.cycle_policy()  # least_conn
        panel.player.cycle_policy()  # ip_hash: a single client IP
        before = [s.served for s in panel.player.frame.servers]
        run_to(panel, 20.0)
        gained = [s.served - b for s, b in zip(panel.player.frame.servers, before)]
        assert sorted(gained)[:2] == [0, 0] and max(gained) >= 290


async def test_click_on_a_server_selects_it_and_digits_beyond_the_servers_are_refused():
    app = PanelApp(three_servers())
    async with app.run_test(size=(110, 36)) as pilot:
        panel = app.panel
        row = server_row(2, LAYOUTS[panel._layout_name()])
        await pilot.click("#sv-diagram", offset=(50, row))
        assert panel.selected == 2
        await pilot.press("9")
        assert panel.selected == 2
        await pilot.press("1")
        assert panel.selected == 0
        await pilot.click("#sv-btn-hang")
        assert panel.player.frame.servers[0].state == "hung"


async def test_fast_forward_runs_in_a_worker_and_shows_the_summary():
    app = PanelApp(three_servers())
    messages = []
    async with app.run_test(size=(110, 36), message_hook=messages.append) as pilot:
        panel = app.panel
        await pilot.press("f")
        await app.workers.wait_for_complete()
        await pilot.pause()
        frame = panel.player.frame
        assert frame.finished and frame.t == 60.0
        assert frame.counters.sent in (599, 600)  # uniform 10 req/s for 60 s (the last one at t=60.0)
        assert panel.has_class("-finished")
        assert len({id(m) for m in messages if isinstance(m, SimPanel.Finished)}) == 1
        assert f"{frame.counters.sent} requests" in str(panel.query_one("#sv-sum-line").content)
        await pilot.press("r")  # restart with the same seed
        assert panel.player.frame.t == 0.0 and not panel.has_class("-finished") and panel.playing


async def test_restart_replays_the_same_seeded_run():
    app = PanelApp(runnable(None))
    async with app.run_test(size=(110, 36)) as pilot:
        panel = app.panel
        run_to(panel, 8.0)
        first = panel.player.frame
        await pilot.press("r", "space")
        run_to(panel, 8.0)
        assert panel.player.frame == first


async def test_language_follows_the_app_and_translates_bindings():
    app = PanelApp(three_servers(), lang="id")
    async with app.run_test(size=(110, 36)) as pilot:
        panel = app.panel
        await pilot.press("1", "s")
        run_to(panel, 1.0)
        await pilot.pause()
        assert any("app1 dihentikan" in line for line in log_lines(panel))
        assert "jeda" in str(panel.query_one("#sv-status").content)
        app.lang = "en"
        await pilot.pause()
        assert panel.lang == "en"
        assert any("app1 stopped" in line for line in log_lines(panel))
        assert "paused" in str(panel.query_one("#sv-status").content)
        assert ("space", "play/pause") in bar_pairs(app.screen, app.lang)
        app.lang = "id"
        await pilot.pause()
        assert ("space", "jalan/jeda") in bar_pairs(app.screen, app.lang)


async def test_reduced_motion_draws_no_moving_glyphs():
    app = PanelApp(three_servers(rate=50.0))
    async with app.run_test(size=(110, 36)) as pilot:
        panel = app.panel
        run_to(panel, 1.0)
        assert "▸" in "\n".join(diagram_lines(panel))
        panel.reduced_motion = True
        run_to(panel, 2.0)
        await pilot.pause()
        assert "▸" not in "\n".join(diagram_lines(panel))
        assert panel.player.frame.counters.sent in (99, 100)  # 50 req/s, uniform


async def test_compact_layout_at_80_columns_keeps_every_server_and_its_numbers():
    """At 80 columns the addresses make way for the numbers a step teaches (active, queued,
    stuck, served): each server row ends in four numbers under four headings."""
    for lang in ("en", "id"):
        app = PanelApp(three_servers(), lang=lang)
        async with app.run_test(size=(80, 24)) as pilot:
            panel = app.panel
            run_to(panel, 1.0)
            await pilot.pause()
            assert panel.has_class("-compact")
            lines = diagram_lines(panel)
            assert len(lines[0].split()[-4:]) == 4 and not any(word.endswith("…") for word in lines[0].split())
            for index, server in enumerate(panel.player.frame.servers):
                row = lines[server_row(index, LAYOUTS["compact"])]
                assert server.name in row and all(word.isdigit() for word in row.split()[-4:])
                assert row.split()[-1] == str(server.served)
            assert max(len(line) for line in lines) <= 80


async def test_predict_panel_reveals_the_answer_after_the_run():
    predict = Predict(
        scenario="unused",  # replaced below by a seeded scenario object
        question="app2 stops. What do clients see?",
        choices=(Choice("Some 502 errors", False), Choice("Only 200 OK", True)),
        explanation="nginx retries the refused request on the next server.",
    )
    predict = Predict(three_servers(), predict.question, predict.choices, predict.explanation)
    messages = []

    class PredictApp(App):
        def compose(self) -> ComposeResult:
            yield PredictPanel(predict, "en", timer=False)

    app = PredictApp()
    async with app.run_test(size=(110, 50), message_hook=messages.append) as pilot:
        panel = app.query_one(PredictPanel)
        assert not panel.sim.playing
        assert not panel.query_one("#pred-explanation").display  # the answer stays hidden until the run
        await pilot.click("#pred-choice-1")
        assert panel.picked == 1 and panel.sim.playing
        panel.sim.action_fast_forward()
        await app.workers.wait_for_complete()
        await pilot.pause()
        answered = list({id(m): m for m in messages if isinstance(m, PredictPanel.Answered)}.values())
        assert len(answered) == 1 and answered[0].correct is True
        result = str(panel.query_one("#pred-result").content)
        assert "You predicted right" in result and "Only 200 OK" in result
        explanation = panel.query_one("#pred-explanation")
        assert explanation.display and "nginx retries" in explanation.source


def test_unknown_scenario_is_one_clear_error():
    with pytest.raises(ScenarioOpenError) as caught:
        runnable("no-such-scenario")
    assert "no-such-scenario" in str(caught.value) and "\n" not in str(caught.value)


async def test_language_switch_during_a_fast_forward_rewords_the_whole_log():
    app = PanelApp(runnable(None), lang="id")
    async with app.run_test(size=(110, 36)) as pilot:
        panel = app.panel
        panel.action_fast_forward()
        app.lang = "en"  # while the worker may still be running
        await app.workers.wait_for_complete()
        await pilot.pause()
        lines = log_lines(panel)
        assert any("app2 stopped" in line for line in lines)
        assert not any("dihentikan" in line or "mulai" in line for line in lines)
        assert panel.player.frame.finished


async def test_arrow_keys_move_between_the_choices_before_a_pick():
    predict = Predict(three_servers(), "app2 stops. What do clients see?",
                      (Choice("Some 502 errors", False), Choice("Only 200 OK", True), Choice("A hang", False)),
                      "nginx retries the refused request on the next server.")

    class PredictApp(App):
        def compose(self) -> ComposeResult:
            yield PredictPanel(predict, "en", timer=False)

    app = PredictApp()
    async with app.run_test(size=(110, 50)) as pilot:
        app.query_one("#pred-choice-0").focus()
        await pilot.press("down", "down")
        assert app.focused.id == "pred-choice-2"
        await pilot.press("down", "up", "up")  # wraps: 2 -> 0 -> 2 -> 1
        assert app.focused.id == "pred-choice-1"
        await pilot.press("enter")
        panel = app.query_one(PredictPanel)
        assert panel.picked == 1 and panel.sim.playing


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_a_direct_scenario_shows_no_balancing_policy_and_no_nginx_error_codes(lang):
    """Clients -> one web server (no nginx): the header and counters speak of the lone server."""
    app = PanelApp("web-server-overload", lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.panel
        run_to(panel, 2.0)
        await pilot.pause()
        status = str(panel.query_one("#sv-status").content)
        counters = str(panel.query_one("#sv-counters").content)
        assert panel.player.frame.direct
        assert panel.player.frame.policy not in status
        assert "502" not in counters and "504" not in counters
        assert ("ditolak" if lang == "id" else "refused") in counters
        assert "kebijakan" not in " ".join(log_lines(panel)) and "policy" not in " ".join(log_lines(panel))
        panel.presenter = True
        await pilot.pause()
        big = " ".join(str(label.content) for label in panel.query(".sv-big-box Label"))
        assert "502" not in big and "504" not in big


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_abbreviated_column_headings_point_to_f1_and_f1_spells_them_out(lang):
    """At 80 columns the headings are short ("akt ant thn lyn"): the heading line says where they are
    explained, and F1 (help of the focused simulator) gives each one's meaning."""
    from tutor.i18n import tr
    from tutor.screens.modals import HelpScreen

    app = PanelApp(three_servers(), lang=lang)
    async with app.run_test(size=(80, 30)) as pilot:
        panel = app.panel
        await pilot.pause()
        heading = next(line for line in diagram_lines(panel) if tr("simview", "col.active_short", lang) in line)
        assert "F1" in heading
        app.push_screen(HelpScreen(app.screen))
        await pilot.pause()
        help_text = " ".join(text for _key, text in app.screen.rows)
        for name in ("active", "queued", "stuck", "served"):
            assert tr("simview", f"col.{name}", lang) in help_text


async def test_a_direct_scenario_has_no_policy_key_or_button():
    """No nginx, no balancing: `p` does nothing there, and neither the bar nor the buttons offer it."""
    app = PanelApp("web-server-overload", lang="en")
    async with app.run_test(size=(160, 40)) as pilot:
        panel = app.panel
        policy = panel.player.frame.policy
        await pilot.press("p")
        await pilot.pause()
        assert panel.player.frame.policy == policy
        assert "p" not in dict(bar_pairs(app.screen, app.lang))
        assert not panel.query_one("#sv-btn-policy").display


async def test_the_verdict_comes_from_the_headless_run_without_waiting_for_the_animation():
    """Lesson 1's quiz played a 600 s scenario at 4x before judging (150 s): the verdict now comes
    from the whole run played headless in a worker, while the animation has not moved."""
    long_run = scenario_from_dict({"scenario": {"seed": 2, "duration": 600.0, "direct": True},
                                   "traffic": {"rate": 10.0}, "server": [{"name": "sinambela"}]})
    predict = Predict(long_run, "Ten requests a second for ten minutes: what do clients see?",
                      (Choice("Errors", False), Choice("Every request answered", True)), "It keeps up.")
    messages = []

    class PredictApp(App):
        def compose(self) -> ComposeResult:
            yield PredictPanel(predict, "id", timer=False)

    app = PredictApp()
    async with app.run_test(size=(110, 50), message_hook=messages.append) as pilot:
        panel = app.query_one(PredictPanel)
        panel.choose(1)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert panel.has_class("-revealed") and panel.sim.player.frame.t == 0.0  # the animation did not advance
        assert not panel.sim.player.frame.finished
        answered = list({id(m): m for m in messages if isinstance(m, PredictPanel.Answered)}.values())
        assert len(answered) == 1 and answered[0].correct is True
        result = str(panel.query_one("#pred-result").content)
        assert "Tebakanmu benar" in result and "Seluruh simulasi:" in result
        from sim import run

        sent = run(long_run).to_json_dict()["requests"]["sent"]
        assert f"{sent} permintaan" in result and "502" not in result
        panel.sim.action_fast_forward()  # the animation reaching the end judges nothing twice
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len({id(m) for m in messages if isinstance(m, PredictPanel.Answered)}) == 1
