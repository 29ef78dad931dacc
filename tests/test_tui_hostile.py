"""Hostile input inside the TUI (Pilot, headless): nothing crashes, nothing unsafe reaches the screen."""

from __future__ import annotations

from hostile import OSC52, OSC52_TOML, terminal_safe
from tui_live_support import SIZE, make_app
from support.play_app import PlayApp


async def test_play_shows_a_hostile_scenario_as_one_clean_message(tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'[scenario]\n"k{OSC52_TOML}" = 1\n', encoding="utf-8")
    app = PlayApp(str(scenario), lang="en", timer=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        message = str(app.screen.query_one("#sim-error").content)
        assert "unknown key" in message and terminal_safe(message) and "\x1b" not in message


async def test_play_shows_a_hostile_nginx_config_as_one_clean_message(tmp_path):
    conf = tmp_path / "site.conf"
    conf.write_text('upstream app {\n server "10.0.0.9%s";\n}\nserver {\n listen 80;\n'
                    ' location / { proxy_pass http://app; }\n}\n' % OSC52, encoding="utf-8")
    app = PlayApp(None, str(conf), lang="en", timer=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        message = str(app.screen.query_one("#sim-error").content)
        assert "host not found in upstream" in message and terminal_safe(message)


async def test_odd_ports_on_the_machines_screen_are_reasons_not_crashes():
    """A port `²` passes str.isdigit(); 5,000 digits overflow int(): both used to crash the screen."""
    async with make_app(lang="en").run_test(size=SIZE) as pilot:
        pilot.app.open_machines()
        await pilot.pause()
        screen = pilot.app.screen
        screen.field("app1").value = "10.0.0.3:\u00b2"
        screen.field("app2").value = "10.0.0.4:" + "9" * 5000
        screen.field("app3").value = "0x7f.0.0.1"
        screen.field("app1").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert screen.reason("app1") == "'10.0.0.3:\u00b2': the port must be a number from 1 to 65535"
        assert "is out of range (1-65535)" in screen.reason("app2") and len(screen.reason("app2")) < 200
        assert "dotted-quad" in screen.reason("app3")
        assert pilot.app.settings.hosts == {}  # nothing unusable was saved
        await pilot.press("escape")
        await pilot.press("k")  # a check run afterwards still works
        await pilot.pause()
