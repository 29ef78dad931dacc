"""`PredictPanel`: predict-then-observe. The learner picks an answer; the whole run is played
headless in a thread (well under a second, even for a 600 s scenario), so the verdict, the right
answer and the explanation show at once, while the animation plays on below for those who watch."""

from __future__ import annotations

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Markdown, Static

from tutor.i18n import tr
from tutor.lessons.model import Predict
from tutor.simview.panel import SimPanel
from tutor.simview.strings import STRINGS
from tutor.simview.summary import report_line
from tutor.widgets.code_text import code_text
from tutor.widgets.lifecycle import being_removed

PREDICT_SPEED = 4.0  # the scenario plays faster here: the learner waits for the answer


class PredictPanel(Vertical):
    """A question, its choices as buttons, a paused simulator that plays once a choice is made."""

    DEFAULT_CSS = """
    PredictPanel { height: auto; border: round $accent; padding: 0 1; }
    PredictPanel #pred-question { text-style: bold; margin: 0; padding: 0; }
    PredictPanel .pred-choice { width: 1fr; height: auto; margin: 0 0 0 2; text-align: left; }
    PredictPanel .pred-choice.-picked { text-style: bold reverse; }
    PredictPanel #pred-status { color: $text-muted; margin: 1 0 0 0; }
    PredictPanel.-revealed #pred-status { display: none; }
    PredictPanel #pred-result, PredictPanel #pred-explanation { display: none; margin: 1 0 0 0; }
    PredictPanel.-revealed #pred-result, PredictPanel.-revealed #pred-explanation { display: block; }
    PredictPanel #pred-explanation { padding: 0; }
    PredictPanel #pred-again { display: none; margin: 0 0 1 0; }
    PredictPanel.-revealed #pred-again { display: block; }
    """

    BINDINGS = [Binding("up", "move_choice(-1)", show=False), Binding("down", "move_choice(1)", show=False)]

    lang = reactive("id")

    class Picked(Message):
        """The learner picked `choice` (the run starts now; the lesson saves the pick)."""

        def __init__(self, panel: PredictPanel, choice: int) -> None:
            super().__init__()
            self.panel = panel
            self.choice = choice

        @property
        def control(self) -> PredictPanel:
            return self.panel

    class Answered(Message):
        """The learner's pick was judged (right after the pick): `correct` tells whether it was right."""

        def __init__(self, panel: PredictPanel, choice: int, correct: bool) -> None:
            super().__init__()
            self.panel = panel
            self.choice = choice
            self.correct = correct

        @property
        def control(self) -> PredictPanel:
            return self.panel

    def __init__(self, predict: Predict, lang: str = "id", *, timer: bool = True, scenario: object = None,
                 answered: int | None = None, **kwargs) -> None:
        """`scenario` (a name or a `sim.Scenario`) plays instead of `predict.scenario`: the lesson
        passes the question's scenario with the learner's own machine addresses. `answered` is the
        choice saved earlier: shown picked with its verdict at once (the run waits, "Again" plays it)."""
        super().__init__(**kwargs)
        self.predict = predict
        self.picked: int | None = None
        self._answered = answered if answered is not None and 0 <= answered < len(predict.choices) else None
        self._result: dict | None = None  # the headless run's report (sim's JSON object), once judged
        self.sim = SimPanel(predict.scenario if scenario is None else scenario, lang, playing=False,
                            speed=PREDICT_SPEED, timer=timer)
        self.set_reactive(PredictPanel.lang, lang)

    def compose(self) -> ComposeResult:
        yield Markdown(self.predict.question, id="pred-question", open_links=False)
        for index, choice in enumerate(self.predict.choices):
            yield Button(code_text(f"{chr(65 + index)}. {choice.text}"), id=f"pred-choice-{index}",
                         classes="pred-choice", compact=True)
        yield Static(id="pred-status")
        # the verdict stands right under the choices, above the (long) finished run and its charts
        yield Static(id="pred-result")
        yield Markdown(self.predict.explanation, id="pred-explanation", open_links=False)
        yield Button("", id="pred-again", compact=True)
        yield self.sim

    def on_mount(self) -> None:
        if being_removed(self):  # fast keys left the step while it mounted: its children are gone
            return
        app_lang = getattr(self.app, "lang", None)
        if isinstance(app_lang, str):
            self.lang = app_lang
            self.watch(self.app, "lang", self._app_lang_changed, init=False)
        if self._answered is not None:
            self._show_pick(self._answered)
            self.add_class("-revealed")
        self._translate()
        if self._result is not None:  # judged before it was mounted
            self.call_after_refresh(self._judged, None)

    def _app_lang_changed(self, lang: str) -> None:
        self.lang = lang

    def watch_lang(self, lang: str) -> None:
        if self.is_mounted and not being_removed(self):
            self.sim.lang = lang
            self._translate()

    def _translate(self) -> None:
        lang = self.lang
        status = "pred.prompt" if self.picked is None else "pred.watch"
        self.query_one("#pred-status", Static).update(tr(STRINGS, status, lang))
        self.query_one("#pred-again", Button).label = tr(STRINGS, "pred.again", lang)
        if self.has_class("-revealed"):
            self._reveal()

    def action_move_choice(self, step: int) -> None:
        """↑/↓ move between the choices while one of them has focus (else the keys scroll as usual)."""
        choices = list(self.query(".pred-choice").results(Button))
        focused = self.app.focused
        if self.picked is not None or focused not in choices:
            raise SkipAction()
        choices[(choices.index(focused) + step) % len(choices)].focus()

    @on(Button.Pressed, ".pred-choice")
    def _choice(self, event: Button.Pressed) -> None:
        event.stop()
        self.choose(int((event.button.id or "").rsplit("-", 1)[1]))

    def choose(self, index: int) -> None:
        """Record the learner's prediction and start the simulation."""
        if self.picked is not None:
            return
        self._show_pick(index)
        self.query_one("#pred-status", Static).update(tr(STRINGS, "pred.watch", self.lang))
        self.post_message(self.Picked(self, index))
        self.sim.playing = True
        self._judge(self.sim.player.scenario)

    def _show_pick(self, index: int) -> None:
        self.picked = index
        for button in self.query(".pred-choice").results(Button):
            button.disabled = True
        picked = self.query_one(f"#pred-choice-{index}", Button)
        picked.add_class("-picked")
        picked.label = code_text(f"» {chr(65 + index)}. {self.predict.choices[index].text}")

    @work(thread=True, exclusive=True, group="pred-judge", exit_on_error=False)
    def _judge(self, scenario) -> None:
        """Play the whole run headless (the animation goes on at its own pace), then give the verdict."""
        from sim import run

        result = run(scenario).to_json_dict()
        self.app.call_from_thread(self._judged, result)

    def _judged(self, result: dict | None) -> None:
        """Reveal the verdict (once); the headless run's totals join it whenever they arrive."""
        if result is not None:
            self._result = result
        if self.picked is None or not self.is_mounted or being_removed(self):
            return  # picked before it was mounted: on_mount gives the verdict
        if self.has_class("-revealed"):
            if result is not None:
                self._reveal()
                # Textual 8.2 may lose the layout this longer text asks for when it lands right after the
                # reveal (seen under load: the whole-run line stayed cut off): ask once more after the repaint
                result_text = self.query_one("#pred-result", Static)
                self.call_after_refresh(result_text.refresh, layout=True)
            return
        self.add_class("-revealed")
        self._reveal()
        self.post_message(self.Answered(self, self.picked, self.predict.choices[self.picked].correct))

    @on(SimPanel.Finished)
    def _finished(self, event: SimPanel.Finished) -> None:
        """The animation reached the end (also after `f`): judge now if the headless run has not yet."""
        event.stop()
        self._judged(None)

    @property
    def correct(self) -> bool | None:
        """Whether the pick was right (None before a pick)."""
        return None if self.picked is None else self.predict.choices[self.picked].correct

    def _reveal(self) -> None:
        lang = self.lang
        answers = [c.text for c in self.predict.choices if c.correct]
        verdict = tr(STRINGS, "pred.right" if self.correct else "pred.wrong", lang)
        answer = tr(STRINGS, "pred.answer", lang, answer=" / ".join(answers))
        lines = [verdict, answer]
        if self._result is not None:
            lines.append(tr(STRINGS, "pred.whole_run", lang,
                            line=report_line(self._result, self.sim.player.scenario.direct, lang)))
        self.query_one("#pred-result", Static).update(code_text("\n".join(lines)))

    @on(Button.Pressed, "#pred-again")
    def _again(self, event: Button.Pressed) -> None:
        event.stop()
        self.sim.action_restart()
