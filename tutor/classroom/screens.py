"""The class in the app: the join dialog (what is sent, a display name) and the push banner."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from tutor.classroom.client import JoinError, Membership
from tutor.classroom.events import KINDS, MAX_NAME
from tutor.i18n import tr
from tutor.keymap import Key, bindings
from tutor.paths import shipped_scenarios
from tutor.screens.base import ResultType, TutorModal

TEXT = "classroom"


class ClassModal(TutorModal[ResultType]):
    """A dialog whose texts are in the [classroom] catalogue."""

    def t(self, key: str, **values: object) -> str:
        return tr(TEXT, key, self.app.lang, **values)


class JoinScreen(ClassModal[None]):
    """Join a class: the URL, a display name, and the list of exactly what is sent."""

    KEYMAP = (Key("join.cancel", "escape", "cancel", "key.close_dialog", display="Esc"),)
    BINDINGS = bindings(KEYMAP)
    DEFAULT_CSS = """
    JoinScreen Input, JoinScreen Input:focus { height: 1; border: none; padding: 0 1; margin-bottom: 1; }
    JoinScreen Input { background: $boost; }
    JoinScreen Input:focus { background: $primary 40%; }
    JoinScreen #join-what-box { height: auto; }
    JoinScreen #join-error { margin: 0; color: $error; }
    JoinScreen #join-error.-empty { display: none; }
    """
    FIXED_ROWS = 17  # everything but the list of what is sent, with the dialog's border and margins

    def __init__(self, url: str = "", name: str = "") -> None:
        super().__init__(id="class-join")
        self.url, self.name_given = url, name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(classes="dialog-title", id="join-title")
            yield Label(id="join-url-label")
            yield Input(self.url, id="join-url", max_length=500)
            yield Label(id="join-name-label")
            yield Input(self.name_given, id="join-name", max_length=MAX_NAME)
            with VerticalScroll(id="join-what-box"):
                yield Static(id="join-what")
            yield Static(id="join-error", classes="-empty")
            with Horizontal(classes="dialog-buttons"):
                yield Button("", id="join-cancel")
                yield Button("", id="join-ok", variant="primary")

    def setup(self) -> None:
        self.query_one("#join-name" if self.url else "#join-url", Input).focus()
        self.on_resize()

    def on_resize(self) -> None:
        """The list of what is sent scrolls when the terminal is too short for all of it (80x24)."""
        box = self.query("#join-what-box")
        if box:
            box.first().styles.max_height = max(3, self.app.size.height - self.FIXED_ROWS)

    def refresh_language(self) -> None:
        self.query_one("#join-title", Static).update(self.t("join.title"))
        self.query_one("#join-url-label", Label).update(self.t("join.url"))
        self.query_one("#join-name-label", Label).update(self.t("join.name"))
        sent = "\n".join(f" • {self.t(f'join.kind.{kind}')}" for kind in KINDS)
        what = f"{self.t('join.what')}\n{sent}\n{self.t('join.not_sent')}"
        self.query_one("#join-what", Static).update(what)
        self.query_one("#join-cancel", Button).label = self.t("join.cancel")
        self.query_one("#join-ok", Button).label = self.t("join.join")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._join()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "join-ok":
            self._join()
        else:
            self.dismiss(None)

    def _join(self) -> None:
        url, name = self.query_one("#join-url", Input).value, self.query_one("#join-name", Input).value
        try:
            membership = Membership.new(url, name)
        except JoinError as exc:
            error = self.query_one("#join-error", Static)
            error.update(self.t(str(exc)))
            error.remove_class("-empty")
            return
        self.dismiss(None)
        self.app.classroom.join(membership)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PushScreen(ClassModal[bool]):
    """The instructor pushed a step or a scenario: follow it, or not."""

    KEYMAP = (Key("push.dismiss", "escape", "cancel", "key.close_dialog", display="Esc"),)
    BINDINGS = bindings(KEYMAP)

    def __init__(self, push: dict[str, Any], what: str) -> None:
        super().__init__(classes="class-push")
        self.push, self.what = push, what

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.what, classes="dialog-title", id="push-text", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("", id="push-dismiss")
                yield Button("", id="push-follow", variant="primary")

    def setup(self) -> None:
        self.query_one("#push-follow", Button).focus()

    def refresh_language(self) -> None:
        self.query_one("#push-follow", Button).label = self.t("push.follow")
        self.query_one("#push-dismiss", Button).label = self.t("push.dismiss")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "push-follow")

    def action_cancel(self) -> None:
        self.dismiss(False)


def show_push(app: Any, push: dict[str, Any]) -> None:
    """A banner for a push: a dialog with Follow for a step or a scenario, a notice for a message."""
    lang = app.lang
    kind = push.get("kind")
    if kind == "broadcast":
        if push.get("text"):
            app.notify(tr(TEXT, "push.broadcast", lang, text=str(push["text"])), timeout=30, markup=False)
        return
    if kind == "step":
        lesson = app.lessons.get(str(push.get("lesson")))
        step = str(push.get("step"))
        if lesson is None or step not in {s.id for s in lesson.steps}:
            return  # a lesson this learner's tutor does not have
        what = tr(TEXT, "push.step", lang, lesson=lesson.title_in(lang), step=lesson.step_text(step, lang).title)
    elif kind == "scenario":
        if push.get("scenario") not in shipped_scenarios():
            return  # a scenario this learner's tutor does not have
        what = tr(TEXT, "push.scenario", lang, scenario=push["scenario"])
    else:
        return
    for screen in list(app.screen_stack):
        if isinstance(screen, PushScreen):  # a newer push replaces an unanswered one
            screen.dismiss(False)
    app.push_screen(PushScreen(push, what), lambda yes: follow(app, push) if yes else None)


def follow(app: Any, push: dict[str, Any]) -> None:
    """Open what the instructor pushed."""
    if push.get("kind") == "step":
        app.open_lesson(str(push["lesson"]), str(push["step"]))
    elif push.get("kind") == "scenario":
        from tutor.simview import SimScreen
        from tutor.scenarios import ScenarioOpenError, runnable

        try:
            scenario = runnable(push["scenario"])
        except ScenarioOpenError as exc:  # a shipped scenario that does not load
            app.notify(exc.message(app.lang), severity="error", markup=False)
            return
        app.push_screen(SimScreen(scenario, None))


def class_commands(app: Any) -> list[tuple[str, Any, str]]:
    """The command palette's class entries: join, or raise/lower the hand and leave."""
    def t(key: str, **values: object) -> str:
        return tr(TEXT, key, app.lang, **values)

    classroom = app.classroom
    if not classroom.joined:
        return [(t("cmd.join"), app.open_join, t("cmd.join.help"))]
    return [(t("cmd.hand_down" if classroom.hand else "cmd.hand_up"), classroom.toggle_hand, t("cmd.hand.help")),
            (t("cmd.leave", name=escape(classroom.membership.name)), classroom.leave, t("cmd.leave.help"))]
