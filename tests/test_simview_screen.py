"""`tutor play`'s screen: scenarios by name or path, a learner's nginx config, bad input, bindings."""

from __future__ import annotations

import pytest

from tutor.cli import main
from tutor.i18n import LANGUAGES, catalogue
from tutor.paths import assets_dir, scenarios_dir
from tutor.keymap import help_rows
from tutor.simview.panel import SimPanel
from support.play_app import PlayApp
from tutor.simview.screen import SimScreen
from tutor.simview.strings import STRINGS


def diagram_text(app) -> str:
    return str(app.screen.query_one("#sv-diagram").content)


async def test_play_opens_a_shipped_scenario_by_name_already_playing():
    app = PlayApp("lb-one-dies", lang="en", timer=False)
    async with app.run_test(size=(100, 30)) as pilot:
        panel = app.screen.panel
        assert panel.playing and panel.player.scenario.name == "lb-one-dies"
        panel.advance_frames(3)
        await pilot.pause()
        assert panel.player.frame.t > 0
        for server in panel.player.scenario.servers:
            assert server.address in diagram_text(app)


async def test_nginx_conf_sets_the_upstream_servers():
    conf = assets_dir() / "nginx" / "load_balancer.conf"
    app = PlayApp(None, str(conf), lang="en", timer=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        addresses = [s.address for s in app.screen.panel.player.scenario.servers]
        assert addresses == ["10.37.19.46:3000", "10.37.19.182:3000"]  # the upstream block of the file
        assert "10.37.19.182:3000" in diagram_text(app)


async def test_a_broken_nginx_conf_is_one_clear_message_on_screen():
    conf = assets_dir() / "nginx" / "reverse_proxy_broken.conf"
    app = PlayApp(None, str(conf), lang="en", timer=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        message = str(app.screen.query_one("#sim-error").content)
        assert message.startswith("Cannot open the scenario:") and "invalid port in upstream" in message
        assert app.screen.panel is None


@pytest.mark.parametrize("argv, reason", [
    (["play", "{bad}"], "traffic.rate"),
    (["play", "no-such-scenario"], "no-such-scenario"),
    (["play", "--nginx-conf", "{broken_conf}"], "invalid port in upstream"),
])
def test_tutor_play_rejects_bad_input_with_exit_2(argv, reason, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[traffic]\nrate = -1\n")
    broken_conf = scenarios_dir().parent / "nginx" / "reverse_proxy_broken.conf"
    argv = [arg.format(bad=bad, broken_conf=broken_conf) for arg in argv]
    code = main(argv + ["--lang", "en"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and reason in err and "Traceback" not in err


def test_every_binding_has_an_id_and_a_description_in_both_languages():
    for binding in SimPanel.BINDINGS:
        assert binding.id and binding.description
        assert all(catalogue(lang)[STRINGS].get(binding.description) for lang in LANGUAGES), binding.description


async def test_f1_help_rows_are_the_panel_keys_in_the_app_language():
    app = PlayApp(None, lang="id", timer=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        own, _ = help_rows(app.screen, "id")
        rows = dict(own)
        assert rows["space"] == "jalan/jeda" and rows["s"].startswith("Hentikan: ")
        assert sum(1 for key, _ in own if key == "1-9") == 1
        assert app.screen.help_title("id") == "Simulator"


async def test_f1_on_tutor_play_lists_the_simulator_keys():
    from tutor.app import TutorApp

    app = TutorApp(lang="en", play=(None, None))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        rows = dict(app.screen.rows)
        assert rows["space"] == "play/pause" and rows["o"].startswith("Power off: ")


async def test_f1_explains_stop_hang_power_off_and_slow():
    app = PlayApp("lb-one-dies", lang="en", timer=False)
    async with app.run_test(size=(100, 30)):
        rows = dict((text.split(":")[0], text) for _key, text in help_rows(app.screen, "en")[0])
        assert "refuses connections at once" in rows["Stop"]
        assert "never answers" in rows["Hang"] and "proxy_read_timeout" in rows["Hang"]
        assert "No route to host" in rows["Power off"] and "proxy_connect_timeout" in rows["Power off"]
        assert "slower" in rows["Slow down"]
        rows_id = [text for _key, text in help_rows(app.screen, "id")[0]]
        assert any("menolak koneksi" in text for text in rows_id)


async def test_esc_in_tutor_play_asks_before_ending_the_run():
    from tutor.app import TutorApp
    from tutor.screens.modals import ConfirmScreen

    app = TutorApp(lang="en", play=("lb-one-dies", None))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SimScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # stay: the run goes on
        assert isinstance(app.screen, SimScreen)
        await pilot.press("escape", "y")
        assert not isinstance(app.screen, SimScreen)


async def test_keys_during_a_fast_forward_give_one_toast_not_one_each():
    app = PlayApp("lb-one-dies", lang="en", timer=False)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        panel = app.screen.panel
        panel.player.busy = True  # a fast-forward worker owns the player
        await pilot.press(*("s" * 10), ".", "r", "f")
        assert len(app._notifications) == 1
        panel.post_message(panel.FastForwarded())  # the worker is done: the next one may say it again
        await pilot.pause()
        panel.player.busy = True
        await pilot.press("s", "s")
        assert len(app._notifications) == 2


async def test_tutor_play_waits_behind_the_help_and_the_leave_dialog():
    """A demo must not reach `finished` behind F1 help or the "Leave the simulator?" dialog."""
    from tutor.app import TutorApp
    from tutor.simview.screen import SimScreen

    app = TutorApp(lang="en", play=("lb-one-dies", None))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        sim = app.screen
        assert isinstance(sim, SimScreen) and sim.panel.playing
        for key, close in (("f1", "escape"), ("escape", "n")):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is not sim and not sim.panel.playing, key
            await pilot.press(close)
            await pilot.pause()
            assert app.screen is sim and sim.panel.playing, key
        sim.panel.playing = False  # paused by the presenter: a dialog does not start it
        await pilot.press("f1")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not sim.panel.playing
