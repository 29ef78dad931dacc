"""The class in the app (Textual pilot): the join dialog lists what is sent, joining reports steps and
hints to a real `tutor class serve`, leaving stops everything; the app's hooks send answers, checks,
steps done and hints; `tutor --join` with a bad URL. (Pushes and Follow: test_class_tmux.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from class_support import ClassProcess
from tutor.app import TutorApp
from tutor.live.result import CheckResult
from tutor.simview import PredictPanel
from tutor.classroom.client import MEMBERSHIP, Membership
from tutor.classroom.events import KINDS
from tutor.classroom.screens import JoinScreen, PushScreen, show_push
from tutor.cli import main
from tutor.i18n import tr
from tui_support import open_first_lesson, wait_for


PREDICT_LESSONS = Path(__file__).parent / "fixtures" / "tui_predict" / "lessons"


@pytest.fixture
def instructor(tmp_path):
    server = ClassProcess(tmp_path / "instructor")
    try:
        yield server
    finally:
        server.close()


def board_row(instructor: ClassProcess) -> dict | None:
    learners = instructor.board()["learners"]
    return learners[0] if learners else None


async def test_join_report_and_leave(instructor, tmp_path, lang="id"):
    app = TutorApp(lang=lang, data_dir=tmp_path / "learner", join=instructor.join_url)
    async with app.run_test(size=(120, 40)) as pilot:
        assert await wait_for(pilot, lambda: isinstance(app.screen, JoinScreen))
        listed = str(app.screen.query_one("#join-what").render())
        for kind in KINDS:  # exactly what is sent, in the learner's language
            assert tr("classroom", f"join.kind.{kind}", lang) in listed
        assert app.screen.query_one("#join-url", Input).value == instructor.join_url
        await pilot.press("enter")  # no name yet: refused with a reason, still open
        assert isinstance(app.screen, JoinScreen)
        assert tr("classroom", "join.bad_name", lang) in str(app.screen.query_one("#join-error").render())
        app.screen.query_one("#join-name", Input).value = "Sari [bold]"
        await pilot.press("enter")
        assert await wait_for(pilot, lambda: app.classroom.joined and not isinstance(app.screen, JoinScreen))
        assert (app.data_dir / MEMBERSHIP).exists()

        lesson = await open_first_lesson(pilot)
        lesson.show_step(1)  # a step with hints
        await pilot.press("h")
        row = await _until(pilot, lambda: (r := board_row(instructor)) and r["events"] >= 3 and r)
        assert (row["name"], row["lesson"], row["step"]) == ("Sari [bold]", lesson.lesson.id, lesson.step.id)

        app.classroom.join(Membership.new(instructor.join_url, "Sari B"))  # a new name, the same class
        await _until(pilot, lambda: (r := board_row(instructor)) and r["name"] == "Sari B")
        assert len(instructor.board()["learners"]) == 1

        app.classroom.leave()
        assert not (app.data_dir / MEMBERSHIP).exists() and not app.classroom.joined
        events = board_row(instructor)["events"]
        await pilot.press("right")  # another step: nothing is sent any more
        await pilot.pause(0.5)
        assert board_row(instructor)["events"] == events


async def test_the_join_dialog_in_english_lists_what_is_sent(tmp_path):
    app = TutorApp(lang="en", data_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_join("http://127.0.0.1:9/join?token=abc")
        assert await wait_for(pilot, lambda: isinstance(app.screen, JoinScreen) and app.screen.ready)
        listed = str(app.screen.query_one("#join-what").render())
        assert all(tr("classroom", f"join.kind.{kind}", "en") in listed for kind in KINDS)
        assert app.focused is app.screen.query_one("#join-name", Input)
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: not isinstance(app.screen, JoinScreen))
        assert not app.classroom.joined and not (tmp_path / MEMBERSHIP).exists()


class Recorder:
    """Stands in for the ClassClient: records what the app would send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    def send(self, kind: str, **fields) -> None:
        self.sent.append((kind, fields))

    def stop(self) -> None:
        pass


async def test_the_app_reports_answers_checks_steps_done_and_hints():
    async with TutorApp(lang="en", lessons_root=PREDICT_LESSONS).run_test(size=(100, 30)) as pilot:
        recorder = app_recorder(pilot.app)
        assert pilot.app.open_lesson("load-balancing", "guess")
        await pilot.pause()
        screen = pilot.app.screen
        assert await wait_for(pilot, lambda: bool(screen.current_view().query(PredictPanel)))
        panel = screen.current_view().query_one(PredictPanel)
        panel.choose(1)  # the right one
        panel.sim.action_fast_forward()
        assert await wait_for(pilot, lambda: ("answer", {"question": "load-balancing/guess/1", "right": True})
                              in recorder.sent)
        pilot.app.classroom.checks_ran([CheckResult("app-up", False, "E_REFUSED", "no")])
        pilot.app.progress.mark_done("load-balancing", "guess")
        pilot.app.progress.mark_done("load-balancing", "guess")  # no change: nothing sent
        pilot.app.progress.reveal_hint("load-balancing", "plain", 2)
        kinds = [kind for kind, _ in recorder.sent]
        assert kinds == ["step_opened", "answer", "check", "step_done", "hint"]
        assert recorder.sent[4] == ("hint", {"rung": 1, "lesson": "load-balancing", "step": "plain"})
        assert recorder.sent[0] == ("step_opened", {"lesson": "load-balancing", "step": "guess"})
        assert recorder.sent[2] == ("check", {"check": "app-up", "ok": False, "code": "E_REFUSED"})


def app_recorder(app) -> Recorder:
    """Join `app` to a pretend class whose client is a Recorder."""
    recorder = Recorder()
    app.classroom.client = recorder
    app.classroom._seen = app.classroom._progress_snapshot()
    return recorder


async def _until(pilot, condition, tries: int = 150):
    """Let the app run while the client talks to the server, until `condition()` holds (~15 s)."""
    for _ in range(tries):
        value = condition()
        if value:
            return value
        await pilot.pause(0.1)
    raise AssertionError("timed out waiting for the class server")


def test_join_with_a_bad_url_is_a_one_line_usage_error(capsys):
    assert main(["--join", "ftp://nowhere", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tutor --join: That is not a join URL")


async def test_hostile_pushes_are_text_or_ignored(tmp_path):
    """A broadcast with Rich markup shows as typed; a push of a lesson or scenario this tutor lacks
    opens nothing; a shipped scenario's banner plays it on Follow."""
    app = TutorApp(lang="en", data_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        show_push(app, {"kind": "broadcast", "text": "[bold red]x[/] [link=file:///etc/passwd]y"})
        show_push(app, {"kind": "step", "lesson": "../../etc", "step": "passwd"})
        show_push(app, {"kind": "scenario", "scenario": "[red]evil"})
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
        assert "Your instructor: [bold red]x[/] [link=file:///etc/passwd]y" in messages
        assert not isinstance(app.screen, PushScreen)
        show_push(app, {"kind": "scenario", "scenario": "lb-one-dies"})
        assert await wait_for(pilot, lambda: isinstance(app.screen, PushScreen) and app.screen.ready)
        assert "lb-one-dies" in str(app.screen.query_one("#push-text").render())
        await pilot.click("#push-follow")  # Follow plays it
        assert await wait_for(pilot, lambda: type(app.screen).__name__ == "SimScreen")
