"""`{when=lab}` blocks: a step shows the lab's command (with its note) when the learner's machines
are the lab's, and hides it otherwise; `c` copies only what is shown. `g` never offers multipass
for the lab's machines."""

from __future__ import annotations

import re

import pytest
from textual.widgets import Markdown

from tui_support import wait_for
from tutor.app import TutorApp
from tutor.i18n import tr
from tutor.lessons.vocabulary import LESSON_TEXT
from tutor.live import lab_machines
from tutor.paths import lessons_dir
from tutor.screens.lesson import LessonScreen, copyable_commands

# Loopback, closed ports: the steps' live checks may run, and are refused at once (network rule).
LAB_HOSTS = {"proxy": "127.0.0.1:1", "app1": "127.0.0.1:2", "app2": "127.0.0.1:3"}


@pytest.fixture(autouse=True)
def outside_any_lab(monkeypatch):
    """The test process is not inside a lab machine, whatever runs beside it."""
    monkeypatch.setattr(lab_machines, "inside_lab", lambda: False)


def make_app(tmp_path, lang: str, lab: bool) -> TutorApp:
    app = TutorApp(lang=lang, lessons_root=lessons_dir(), data_dir=tmp_path)
    app.settings.hosts = dict(LAB_HOSTS)
    app.settings.vms = {role: role for role in LAB_HOSTS}
    app.settings.lab = lab
    return app


async def step_text(pilot, lesson: str, step: str) -> tuple[str, list[str]]:
    """The open step's rendered Markdown and the commands `c` offers."""
    pilot.app.open_lesson(lesson, step)
    assert await wait_for(pilot, lambda: isinstance(pilot.app.screen, LessonScreen) and pilot.app.screen.current_view())
    screen = pilot.app.screen
    view = screen.current_view()
    assert await wait_for(pilot, lambda: view.is_mounted and view.query(Markdown))
    markdown = "\n".join(widget.source for widget in view.query(Markdown))
    return markdown, [command.code for command in copyable_commands(screen.text.commands)]


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_the_labs_command_shows_with_the_labs_machines(tmp_path, lang):
    async with make_app(tmp_path, lang, lab=True).run_test(size=(120, 40)) as pilot:
        markdown, copied = await step_text(pilot, "load-balancing", "one-server-dies")
    assert "sudo tutor lab stop app2" in markdown
    assert tr(LESSON_TEXT, "lab.note", lang) in markdown
    assert "tmux attach -t app" in markdown  # the VM's way stays: the lab's is shown too
    assert "sudo tutor lab stop app2" in copied


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_the_labs_command_hides_with_other_machines(tmp_path, lang):
    async with make_app(tmp_path, lang, lab=False).run_test(size=(120, 40)) as pilot:
        markdown, copied = await step_text(pilot, "load-balancing", "one-server-dies")
    assert "tutor lab" not in markdown
    assert tr(LESSON_TEXT, "lab.note", lang) not in markdown
    assert "<!--" not in markdown  # no mark left behind
    assert "tmux attach -t app" in markdown
    assert not any("tutor lab" in code for code in copied)


async def test_saving_the_labs_machines_shows_the_labs_commands_at_once(tmp_path):
    async with make_app(tmp_path, "en", lab=False).run_test(size=(120, 40)) as pilot:
        markdown, _ = await step_text(pilot, "reverse-proxy", "login-multipass")
        assert "sudo tutor lab shell app1" not in markdown
        pilot.app.settings.lab = True
        pilot.app.screen.on_screen_resume()  # as when the machines screen closes
        markdown, _ = await step_text(pilot, "reverse-proxy", "login-multipass")
    assert "sudo tutor lab status\nsudo tutor lab shell app1" in markdown


async def test_reading_the_nginx_config_of_the_labs_proxy_never_offers_multipass(tmp_path, monkeypatch):
    import tutor.screens.nginx_config as nginx_screen

    monkeypatch.setattr(nginx_screen.os, "geteuid", lambda: 1000)
    async with make_app(tmp_path, "en", lab=True).run_test(size=(120, 40)) as pilot:
        nginx_screen.ask_to_read_nginx_config(pilot.app)
        await pilot.pause()
        said = [notification.message for notification in pilot.app._notifications]
    assert any("sudo tutor lab exec proxy -- sudo nginx -T" in message for message in said), said
    assert not any("multipass" in message for message in said)


async def test_as_root_the_labs_proxy_config_is_read_with_the_lab(tmp_path, monkeypatch):
    import tutor.screens.nginx_config as nginx_screen
    from tutor.screens.modals import ConfirmScreen

    monkeypatch.setattr(nginx_screen.os, "geteuid", lambda: 0)
    async with make_app(tmp_path, "en", lab=True).run_test(size=(120, 40)) as pilot:
        nginx_screen.ask_to_read_nginx_config(pilot.app)
        question = lambda: str(pilot.app.screen.query_one("#confirm-question").content)  # noqa: E731
        assert await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen) and question())
        shown = question()
    assert "tutor lab exec proxy -- nginx -T" in shown and "multipass" not in shown


async def test_the_machines_are_the_labs_while_they_are_what_use_the_lab_filled_in(tmp_path):
    from tutor.screens.machines import MachinesScreen

    app = TutorApp(lang="en", lessons_root=lessons_dir(), data_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(MachinesScreen())
        assert await wait_for(pilot, lambda: isinstance(app.screen, MachinesScreen) and app.screen.field("proxy"))
        await pilot.pause()  # its setup has filled the fields from the (empty) settings
        screen = app.screen
        for role, address in LAB_HOSTS.items():  # what "Use the lab" does for each running machine
            screen.field(role).value = address
            screen.imported[role] = (address, role)
            screen.from_lab.add(role)
        assert screen.action_save()
        assert app.settings.lab is True
        screen.field("app2").value = "127.0.0.1:4"  # typed by hand: no longer the lab's machines
        assert screen.action_save()
        assert app.settings.lab is False


def test_a_lab_fence_in_a_list_or_a_hint_is_filled_like_any_other(tmp_path):
    from tutor.lessons.prose import parse_file
    from tutor.lessons.values import Values, fill_step

    (tmp_path / "en.md").write_text(
        "# T\n\n::::{step} s\n## S\n\n- stop it:\n\n  ```bash {role=laptop}\n  multipass stop app2\n  ```\n\n"
        "  ```bash {role=laptop when=lab}\n  sudo tutor lab poweroff app2\n  ```\n\n- then look\n\n"
        ":::{hint}\n```bash {role=laptop when=lab}\nsudo tutor lab status\n```\n:::\n\n:::{hint}\nTwo.\n:::\n::::\n")
    [step] = parse_file(tmp_path / "en.md").steps
    assert [(c.code, c.lab) for c in step.text.commands] == [
        ("multipass stop app2", False), ("sudo tutor lab poweroff app2", True)]
    on, off = fill_step(step.text, Values(lab=True), "en"), fill_step(step.text, Values(), "en")
    note = tr(LESSON_TEXT, "lab.note", "en")
    assert f"  > {note}" in on.body and "  sudo tutor lab poweroff app2" in on.body
    assert "tutor lab" not in off.body and "<!--" not in off.body and "- then look" in off.body
    assert "sudo tutor lab status" in on.hints[0] and "tutor lab" not in off.hints[0]
    assert [c.code for c in off.commands] == ["multipass stop app2"]


VM_ACTION = re.compile(r"multipass (shell|stop|start|list|restart)\b|npm start|tmux attach|/etc/hosts")


def test_every_step_that_acts_on_a_vm_shows_the_labs_command_too():
    """Lessons 2 and 3 (issue 16): each step whose blocks shell into a VM, stop or start it or its
    app, list the VMs or edit the laptop's hosts file has a when=lab block in both languages."""
    from tutor.lessons.loader import load_lessons

    missing, with_lab = [], 0
    for lesson in load_lessons(lessons_dir()).lessons:
        for meta in lesson.steps:
            for lang in ("id", "en"):
                text = lesson.step_text(meta.id, lang)
                acts = [c for c in text.commands if not c.lab and c.language == "bash" and VM_ACTION.search(c.code)]
                labs = [c for c in text.commands if c.lab]
                with_lab += bool(labs)
                if acts and not labs:
                    missing.append(f"{lesson.id}/{meta.id} ({lang}): {acts[0].code.splitlines()[0]}")
    assert missing == []
    assert with_lab == 2 * 21  # the steps of lessons 2 and 3 that act on a VM, in both languages
