"""The machines screen (typed and multipass-imported addresses) and reading the live nginx config.

multipass is the stand-in tests/bin/multipass, fed from tests/fixtures/multipass/; it logs every
call, so a declined consent dialog is proven to run nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from textual.widgets import Button, OptionList, Static

from live_support import FIXTURES, use_stand_in_multipass
from tui_live_support import SIZE, make_app
from tui_support import wait_for
from tutor.screens.lesson import LessonScreen
from tutor.screens.machines import MachinesScreen
from tutor.screens.nginx_config import NginxConfigScreen
from tutor.screens.role_dialog import RoleDialog
from tutor.screens.modals import ConfirmScreen
from tutor.settings import Settings





async def type_into(pilot, field: str, text: str) -> None:
    screen = pilot.app.screen
    screen.field(field).value = ""
    screen.field(field).focus()
    await pilot.press(*text)


def status(pilot) -> str:
    screen = next(screen for screen in pilot.app.screen_stack if isinstance(screen, MachinesScreen))
    return str(screen.query_one("#machines-status", Static).content)


async def test_machines_screen_rejects_bad_input_and_keeps_good_input_across_restarts():
    async with make_app().run_test(size=SIZE) as pilot:
        await pilot.press("m")  # from the home screen
        screen = pilot.app.screen
        assert isinstance(screen, MachinesScreen)
        await type_into(pilot, "app1", "10.0.0.300")
        await type_into(pilot, "proxy", "10.0.0.5:99999")
        await type_into(pilot, "domain", "hasil xyz")
        await pilot.press("enter")
        reasons = {name: screen.reason(name) for name in ("proxy", "app1", "domain", "app2")}
        assert "not a valid IPv4 address" in reasons["app1"]
        assert "out of range" in reasons["proxy"]
        assert "not a domain name" in reasons["domain"]
        assert reasons["app2"] == ""
        assert all("\n" not in reason and "Traceback" not in reason for reason in reasons.values())
        assert "Not saved" in status(pilot)
        assert pilot.app.settings.hosts == {}
        assert not (Path(os.environ["TUTOR_DATA_DIR"]) / "settings.json").exists() or \
            Settings.load(Path(os.environ["TUTOR_DATA_DIR"]))[0].hosts == {}
        await type_into(pilot, "app1", "10.0.0.3")
        await pilot.pause()
        assert screen.reason("app1") == ""  # the error went with the value it was about, before Save
        assert "out of range" in screen.reason("proxy")  # an untouched field keeps its own
        assert "Not saved" in status(pilot)  # fields are still marked
        await type_into(pilot, "proxy", "10.0.0.5:8080")
        await type_into(pilot, "domain", "lab.test")
        assert await wait_for(pilot, lambda: status(pilot) == "")  # no marked field left: not stale
        await pilot.press("enter")
        assert screen.reason("app1") == "" and "Saved: 2" in status(pilot)
    again = make_app()
    assert again.settings.hosts == {"proxy": "10.0.0.5:8080", "app1": "10.0.0.3"}
    assert again.settings.domain == "lab.test"
    async with again.run_test(size=SIZE) as pilot:
        pilot.app.open_machines()
        await pilot.pause()
        assert pilot.app.screen.field("proxy").value == "10.0.0.5:8080"
        assert pilot.app.screen.field("domain").value == "lab.test"


async def test_multipass_import_asks_the_role_of_an_unclear_vm(monkeypatch, tmp_path):
    log = tmp_path / "multipass.log"
    use_stand_in_multipass(monkeypatch, list=FIXTURES / "list-seed.json", log=log)
    async with make_app().run_test(size=SIZE) as pilot:
        pilot.app.open_machines()
        await pilot.pause()
        screen = pilot.app.screen
        await pilot.press("ctrl+o")
        assert await wait_for(pilot, lambda: isinstance(pilot.app.screen, RoleDialog)
                              and pilot.app.screen.is_mounted and pilot.app.screen.query("#picker-options"))
        dialog = pilot.app.screen
        # the dialog is pushed before its question is filled in: wait for the text, not the dialog
        assert await wait_for(pilot, lambda: "sinambela" in str(dialog.query_one("#picker-title", Static).content))
        options = dialog.query_one("#picker-options", OptionList)
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == ["proxy", "app3", "skip"]
        await pilot.press("enter")  # proxy
        assert await wait_for(pilot, lambda: "From multipass" in status(pilot))
        values = {role: screen.field(role).value for role in ("proxy", "app1", "app2", "app3")}
        assert values == {"proxy": "10.37.19.64", "app1": "10.37.19.46", "app2": "10.37.19.182", "app3": ""}
        await pilot.press("ctrl+s")
        assert pilot.app.settings.vms == {"proxy": "sinambela", "app1": "aplikasi1", "app2": "aplikasi2"}
    assert log.read_text().splitlines() == ["list --format json"]
    assert make_app().settings.vms["proxy"] == "sinambela"


async def test_multipass_failure_is_one_line(monkeypatch, tmp_path):
    use_stand_in_multipass(monkeypatch, exit=1, stderr=FIXTURES / "list-daemon-down.stderr.txt")
    async with make_app().run_test(size=SIZE) as pilot:
        pilot.app.open_machines()
        await pilot.pause()
        await pilot.click("#machines-import")
        assert await wait_for(pilot, lambda: "failed (exit 1)" in status(pilot))
        assert "\n" not in status(pilot)


def save_proxy_vm(vm: str = "sinambela") -> None:
    settings, _ = Settings.load(Path(os.environ["TUTOR_DATA_DIR"]))
    settings.hosts, settings.vms = {"proxy": "127.0.0.1:9"}, {"proxy": vm}
    settings.save()


async def open_consent(pilot) -> ConfirmScreen:
    assert pilot.app.open_lesson("live-lab", "proxy")
    await pilot.pause()
    assert isinstance(pilot.app.screen, LessonScreen)
    await pilot.press("g")
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, ConfirmScreen)
    assert "multipass exec sinambela -- sudo nginx -T" in str(dialog.query_one("#confirm-question", Static).content)
    return dialog


async def test_declining_the_consent_dialog_runs_nothing(monkeypatch, tmp_path):
    log = tmp_path / "multipass.log"
    use_stand_in_multipass(monkeypatch, nginx_t=FIXTURES / "nginx-T-seed.txt", log=log)
    save_proxy_vm()
    async with make_app().run_test(size=SIZE) as pilot:
        await open_consent(pilot)
        await pilot.press("n")
        await pilot.pause(0.3)
        assert isinstance(pilot.app.screen, LessonScreen)
    assert not log.exists()


async def test_accepting_reads_the_config_lints_it_and_opens_the_simulator(monkeypatch, tmp_path):
    log = tmp_path / "multipass.log"
    use_stand_in_multipass(monkeypatch, nginx_t=FIXTURES / "nginx-T-seed.txt", log=log)
    save_proxy_vm()
    async with make_app().run_test(size=SIZE) as pilot:
        await open_consent(pilot)
        await pilot.press("y")
        assert await wait_for(pilot, lambda: isinstance(pilot.app.screen, NginxConfigScreen)
                              and pilot.app.screen.lint is not None)
        screen = pilot.app.screen
        text = str(screen.query_one("#nginx-result", Static).content)
        assert "4 file(s)" in text and "/etc/nginx/dumbways/load_balancer.conf:8" in text
        assert "No errors" in text and "upstream ian" in text and "10.37.19.64:3000" in text
        assert str(screen.lint.folder) not in text
        assert not screen.query_one("#nginx-sim", Button).disabled
        folder = screen.lint.folder
        await pilot.press("s")
        await pilot.pause()
        from tutor.simview import SimScreen

        assert isinstance(pilot.app.screen, SimScreen) and pilot.app.screen.error is None
        servers = [server.address for server in pilot.app.screen.panel.player.scenario.servers]
        assert "10.37.19.46:3000" in servers and "10.37.19.64:3000" in servers
        assert not folder.exists()  # the temporary copy is gone
    assert log.read_text().splitlines() == ["exec sinambela -- sudo nginx -T"]


async def test_a_config_nginx_rejects_is_shown_as_its_one_line_reason(monkeypatch, tmp_path):
    use_stand_in_multipass(monkeypatch, nginx_t_stderr=FIXTURES / "nginx-T-typo.stderr.txt", exit=1)
    save_proxy_vm()
    async with make_app().run_test(size=SIZE) as pilot:
        await open_consent(pilot)
        await pilot.press("y")
        assert await wait_for(pilot, lambda: isinstance(pilot.app.screen, NginxConfigScreen)
                              and pilot.app.screen.failure is not None)
        text = str(pilot.app.screen.query_one("#nginx-result", Static).content)
        assert 'emerg' in text and 'invalid port in upstream "http://10.37.19.64:3000"' in text
        assert "reverse_proxy.conf:5" in text and "\n" not in text
        assert pilot.app.screen.query_one("#nginx-sim", Button).disabled


async def test_palette_offers_machines_and_the_nginx_config():
    async with make_app().run_test(size=SIZE) as pilot:
        from tutor.screens.palette import TutorCommands

        provider = TutorCommands(pilot.app.screen)
        names = [name for name, _callback, _help in provider._commands()]
        assert "Machines for live checks" in names and "Read the nginx config from the proxy VM" in names


async def test_address_reasons_are_in_indonesian():
    async with make_app(lang="id").run_test(size=SIZE) as pilot:
        await pilot.press("m")
        screen = pilot.app.screen
        await type_into(pilot, "app1", "10.0.0.300")
        await type_into(pilot, "proxy", "10.0.0.5:99999")
        await type_into(pilot, "app2", "[fe80::1")
        await type_into(pilot, "domain", "hasil xyz")
        await pilot.press("enter")
        assert screen.reason("app1") == ("'10.0.0.300' bukan alamat IPv4 yang valid (IPv4 ditulis empat angka 0 sampai 255 "
                                         "yang dipisah titik, mis. 10.37.19.46)")
        assert screen.reason("proxy") == "'10.0.0.5:99999': port 99999 di luar rentang (1-65535)"
        assert screen.reason("app2") == "'[fe80::1': tanda ']' setelah alamat IPv6 tidak ada"
        assert screen.reason("domain") == "'hasil xyz' bukan nama domain (mis. hasil.xyz)"


async def test_machines_screen_examples_urls_unsaved_changes_and_code_spans():
    """Each role shows its own example address; a pasted URL keeps its address (and says what
    was left out); Esc with typed, unsaved addresses asks first; `code` is not shown with backticks."""
    async with make_app("id").run_test(size=SIZE) as pilot:
        await pilot.press("m")
        screen = pilot.app.screen
        assert isinstance(screen, MachinesScreen)
        placeholders = [screen.field(role).placeholder for role in ("proxy", "app1", "app2", "app3")]
        assert len(set(placeholders)) == 4 and "10.37.19.64" in placeholders[0]
        for role, placeholder in zip(("proxy", "app1", "app2", "app3"), placeholders):  # whole, not cut
            assert len(placeholder) < screen.field(role).content_region.width, placeholder
        assert "`" not in str(screen.query_one("#machines-intro", Static).render())
        await type_into(pilot, "app1", "http://10.0.0.1:3000/")
        await pilot.press("escape")  # typed, not saved: asks
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("n")
        assert pilot.app.screen is screen
        screen.field("app1").focus()
        await pilot.press("enter")
        assert screen.field("app1").value == "10.0.0.1:3000"
        assert "http://" in screen.reason("app1") and pilot.app.settings.hosts == {"app1": "10.0.0.1:3000"}
        await pilot.press("escape")  # saved: leaves at once
        assert not isinstance(pilot.app.screen, MachinesScreen)


async def test_escape_discards_typed_addresses_after_a_yes():
    async with make_app().run_test(size=SIZE) as pilot:
        await pilot.press("m")
        await type_into(pilot, "proxy", "10.0.0.9")
        await pilot.press("escape", "y")
        assert not isinstance(pilot.app.screen, MachinesScreen)
        assert pilot.app.settings.hosts == {}


async def test_after_saving_machines_the_lesson_no_longer_says_none_are_set(monkeypatch):
    async def answer_nothing(checks, machines, **_kwargs):  # no probe leaves this test
        return []

    monkeypatch.setattr("tutor.live.runner.run_checks", answer_nothing)
    async with make_app("en").run_test(size=SIZE) as pilot:
        assert pilot.app.open_lesson("live-lab", "run-app")
        await pilot.pause()
        lesson = pilot.app.screen
        await pilot.press("k")
        said = lambda: str(lesson.query_one("#status", Static).render())  # noqa: E731
        title = lambda: str(lesson.current_view().check_panel.query_one("#check-title", Static).render())  # noqa: E731
        assert await wait_for(pilot, lambda: "No machines" in said() or "no machines" in said().lower())
        await pilot.press("m")
        await type_into(pilot, "app1", "127.0.0.1:9")
        await pilot.press("enter", "escape")
        assert await wait_for(pilot, lambda: pilot.app.screen is lesson)
        assert await wait_for(pilot, lambda: "app1 127.0.0.1:9" in title())
        assert "no machines" not in said().lower() and "no machines" not in title().lower()
