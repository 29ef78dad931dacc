"""One step rendered in one language: its text in reading order, its live checks, the hints and solution revealed so far.

The body is mounted part by part, as the author placed them: Markdown, a `{predict}` question
(always shown: guess first, then the simulator plays), more Markdown, a `{sim}` block as one
line that opens the simulator in place. Each part is a small Markdown document (Textual's
Markdown gets slow on long ones); the lesson screen keeps the views it built, so going back
to a visited step costs nothing. A question's panel (with its simulator, the costly part) is
mounted a moment after the step is shown, so the text shows at once and steps flicked past
never build one; until then the text after the question stays hidden, so the answer never
shows before the question.
"""

from __future__ import annotations

import asyncio
import time
from functools import partial

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Markdown, Static
from textual.worker import WorkType

from tutor.i18n import tr
from tutor.lessons.model import Predict, StepMeta, StepPart, StepText
from tutor.lessons.vocabulary import LANGUAGES as LESSON_LANGUAGES
from tutor.lessons.values import Values
from tutor.scenarios import runnable
from tutor.progress import Progress
from tutor.strings import STRINGS
from tutor.widgets.check_panel import CheckPanel
from tutor.widgets.code_block import StepMarkdown
from tutor.widgets.typed_app import TutorAppProperty
from tutor.widgets.lifecycle import being_removed

PREDICT_DELAY = 0.1  # seconds a step is shown before its questions' panels are built
RENDER_WAIT = 2.0  # longest wait for the step's Markdown to lay out before scrolling anyway


def extra_scenarios(meta: StepMeta, text: StepText) -> list[str]:
    """lesson.toml's `scenario` when no {sim} or {predict} block of the text plays it (opened with `s`)."""
    placed = {part.scenario for part in text.body_parts() if part.kind != "markdown"}
    return [meta.scenario] if meta.scenario and meta.scenario not in placed else []


class SimLink(Markdown):
    """A `{sim}` block: one line "▶ Watch it in the simulator: caption (press s)"; a click opens it here."""

    class Pressed(Message):
        def __init__(self, link: SimLink) -> None:
            super().__init__()
            self.link = link

    def __init__(self, scenario: str, caption: str, lang: str) -> None:
        label = tr(STRINGS, "sim.link", lang)
        press = tr(STRINGS, "sim.link_key", lang)
        super().__init__(f"▶ **{label}:** {caption} *({press})*".strip(), open_links=False, classes="sim-link")
        self.scenario = scenario
        self.panel: Widget | None = None  # the SimPanel once opened

    def on_click(self) -> None:
        self.post_message(self.Pressed(self))


class PredictSlot(Vertical):
    """Where a `{predict}` question stands; its PredictPanel is mounted after the step's first frame."""

    def __init__(self, predict: Predict, number: int) -> None:
        super().__init__(classes="predict-slot")
        self.predict = predict
        self.number = number  # the step's question number (0 = first): its answer is saved under it
        self.panel: Widget | None = None
        self.paused = False  # its run was paused because the step was hidden


class StepView(VerticalScroll, can_focus=False):
    """A scrollable step: badge (if the text fell back to the other language), body parts, checks, hints, solution.

    It never takes focus: a focus change restyles every widget inside it, which costs more than
    the step itself; the lesson screen scrolls it with its own keys instead.
    """

    DEFAULT_CSS = """
    StepView { height: 1fr; padding: 0 1; }
    StepView > .badge { background: $warning 30%; color: $text; padding: 0 1; width: auto; margin-top: 1; }
    StepView > .sim-note { color: $text-muted; margin: 0 0 1 0; }
    StepView .hint, StepView .solution { height: auto; border-left: thick $accent; margin: 0 0 1 0; }
    StepView .solution { border-left: thick $success; }
    StepView Markdown { margin: 0; padding: 0; }
    StepView > Vertical { height: auto; }
    StepView > .sim-link { border-left: thick $accent; padding: 0 0 0 1; color: $text-muted; }
    StepView > .sim-link:hover { background: $boost; }
    StepView > .predict-slot { margin: 0 0 1 0; }
    StepView .sim-broken { color: $text-error; }
    StepView.-unfilled > .-after-question { display: none; }
    StepView > SimPanel { margin: 0 0 1 0; }
    StepView SimPanel { height: auto; }
    /* its keys act now (Esc leaves): a tinted panel under a highlighted status row. No outline: the
       panel's parts cover it, so it showed only in the gaps between them, as lone `┃ … ┃` rows */
    StepView SimPanel:focus-within { background: $boost; }
    StepView SimPanel:focus-within > #sv-status { background: $accent 35%; text-style: bold; }
    StepView SimPanel.-finished SimSummary { height: 20; }  /* readable charts, not three rows */
    StepView SimPanel #sv-log { height: 6; min-height: 0; }
    StepView .pred-choice { content-align: left middle; text-align: left; }
    StepView MarkdownFence { overflow-x: hidden; }  /* a long command wraps (rows marked ↪), never cut */
    StepView MarkdownFence > CodeLines { padding: 0 1; }
    """
    app = TutorAppProperty()

    def __init__(self, lesson_id: str, meta: StepMeta, text: StepText, lang: str, values: Values | None = None,
                 lesson_roles: frozenset[str] = frozenset(), **kwargs) -> None:
        """`text` is shown as given (the lesson screen fills it with `values`); `values` also put
        the simulator's servers at the learner's own addresses; `lesson_roles` (the machines the
        whole lesson uses) limit which saved app VMs the live checks look at."""
        super().__init__(**kwargs)
        self.lesson_id = lesson_id
        self.lesson_roles = lesson_roles
        self.meta = meta
        self.text = text
        self.lang = lang
        self.values = values or Values()
        self.scenarios = extra_scenarios(meta, text)
        self.sims_open = False  # the extra scenarios' panels are mounted
        self.live = False  # the step is visible: its live checks may re-run
        self.last_revealed: Markdown | None = None  # the hint or solution mounted last, to scroll to
        self.sim_target: Widget | None = None  # what `scroll_to_sims` brings into view
        self.scrolled_to: Widget | None = None  # what the last `scroll_when_rendered` brought up (None: pending)
        self._fill_timer: Timer | None = None
        self._fill_deadline = 0.0  # the questions' panels wait for the text until then (monotonic)
        self._ready = False

    def t(self, key: str, **values: object) -> str:
        return tr(STRINGS, key, self.lang, **values)

    @property
    def has_open_sims(self) -> bool:
        """Whether a simulator opened with `s` or a click runs in the step now."""
        return self.sims_open or any(link.panel is not None for link in self.query(SimLink))

    @property
    def has_sims(self) -> bool:
        return bool(self.scenarios) or any(part.kind != "markdown" for part in self.text.body_parts())

    def compose(self) -> ComposeResult:
        if self.text.fallback:
            source = next(lang for lang in LESSON_LANGUAGES if lang != self.lang)
            yield Static(self.t("badge.fallback", source=source.upper()), classes="badge")
        parts = list(self.text.body_parts())
        heading = f"## {self.text.title}"
        if parts and parts[0].kind == "markdown":
            parts[0] = StepPart("markdown", f"{heading}\n\n{parts[0].markdown}")
        else:
            parts.insert(0, StepPart("markdown", heading))
        asked = False
        self._questions = 0
        for part in parts:
            widget = self._part_widget(part)
            widget.set_class(asked, "-after-question")
            asked = asked or isinstance(widget, PredictSlot)
            yield widget
        self.set_class(asked, "-unfilled")
        if self.meta.checks:
            yield CheckPanel(self.lesson_id, self.meta.id, self.meta.checks, self.lang, lesson_roles=self.lesson_roles)
        if self.scenarios:
            yield Static(self.t("sim.note"), classes="sim-note")
            yield Vertical(classes="sims")
        yield Vertical(classes="hints")
        yield Vertical(classes="solution-box")

    def _part_widget(self, part: StepPart) -> Widget:
        if part.kind == "predict" and part.predict is not None:
            self._questions += 1
            return PredictSlot(part.predict, self._questions - 1)
        if part.kind == "sim" and part.scenario:
            return SimLink(part.scenario, part.markdown, self.lang)
        return StepMarkdown(part.markdown, open_links=False, classes="step-body")

    def on_mount(self) -> None:
        self._ready = True  # is_mounted is still False here
        self.sync(self.app.progress)
        self._plan_fill()

    def _plan_fill(self) -> None:
        """Build the questions' panels soon if the step is shown and they are not built yet."""
        if self._fill_timer is not None:
            self._fill_timer.stop()
            self._fill_timer = None
        if self.live and self._ready and self.has_class("-unfilled"):
            self._fill_deadline = time.monotonic() + RENDER_WAIT
            self._fill_timer = self.set_timer(PREDICT_DELAY, self._fill_when_drawn)

    def _fill_when_drawn(self) -> None:
        """The questions' panels once the step's text is on screen (a slow open must not wait for them)."""
        self._fill_timer = None
        if time.monotonic() < self._fill_deadline and any(
                part.source.strip() and not part.children for part in self.query(StepMarkdown)):
            self._fill_timer = self.set_timer(PREDICT_DELAY / 2, self._fill_when_drawn)  # its blocks still mount
        else:
            self.call_after_refresh(self._fill_if_shown)

    def _fill_if_shown(self) -> None:
        if self.live and self.has_class("-unfilled") and not being_removed(self):
            self._fill_predicts()

    def _fill_predicts(self) -> None:
        """Mount each question's PredictPanel (its simulator waits, paused, for the learner's guess)."""
        self._fill_timer = None
        self.remove_class("-unfilled")
        from tutor.simview import PredictPanel

        answers = self.app.progress.answers(self.lesson_id, self.meta.id)
        for slot in self.query(PredictSlot):
            if slot.panel is not None:
                continue
            slot.panel = self._simulator(partial(PredictPanel, answered=answers.get(slot.number)), slot.predict)
            slot.mount(slot.panel)

    def _simulator(self, widget_class, what: object) -> Widget:
        """`widget_class(what, lang)` on the learner's machines, or one line saying why the scenario cannot be opened."""
        try:
            if isinstance(what, Predict):
                return widget_class(what, self.lang, scenario=runnable(what.scenario, values=self.values))
            return widget_class(runnable(what, values=self.values) if isinstance(what, str) else what, self.lang)
        except Exception as exc:  # a missing or broken scenario file must not break the lesson
            reason = " ".join(str(exc).split()) or type(exc).__name__
            return Static(self.t("sim.broken", reason=reason), classes="sim-broken")

    @property
    def check_panel(self) -> CheckPanel | None:
        """The step's live checks (None when it has none)."""
        panels = self.query(CheckPanel)
        return panels.first() if panels else None

    def set_live(self, visible: bool) -> None:
        """Start (visible) or pause the step's live re-runs and its predict runs (a panel not mounted yet reads `live`)."""
        self.live = visible
        self._plan_fill()
        panel = self.check_panel
        if panel is not None:
            panel.activate() if visible else panel.deactivate()
        for slot in self.query(PredictSlot):
            sim = getattr(slot.panel, "sim", None)
            if sim is None:
                continue
            if not visible and sim.playing:
                slot.paused, sim.playing = True, False
            elif visible and slot.paused:
                slot.paused, sim.playing = False, True

    def sync(self, progress: Progress) -> None:
        """Mount the hints and the solution that progress says are shown and are not mounted yet."""
        if not self.query(".hints"):
            return  # not composed yet: on_mount syncs
        hints_box = self.query_one(".hints", Vertical)
        total = len(self.text.hints)
        shown = min(progress.hints_shown(self.lesson_id, self.meta.id), total)
        mounted = len(hints_box.children)
        if mounted > shown:  # the step was reset
            hints_box.remove_children()
            mounted = 0
        for number in range(mounted + 1, shown + 1):
            label = self.t("hint.label", n=number, total=total)
            self.last_revealed = StepMarkdown(f"**{label}**\n\n{self.text.hints[number - 1]}", open_links=False, classes="hint")
            hints_box.mount(self.last_revealed)
        solution_box = self.query_one(".solution-box", Vertical)
        want = self.text.solution is not None and progress.solution_shown(self.lesson_id, self.meta.id)
        if want and not solution_box.children:
            self.last_revealed = StepMarkdown(f"**{self.t('solution.label')}**\n\n{self.text.solution}", open_links=False, classes="solution")
            solution_box.mount(self.last_revealed)
        elif not want and solution_box.children:
            solution_box.remove_children()

    async def open_link(self, link: SimLink) -> None:
        """Open a {sim} block's simulator just below its line (once)."""
        self.sim_target = link
        if link.panel is not None:
            return
        from tutor.simview import SimPanel

        link.panel = self._simulator(SimPanel, link.scenario)
        await self.mount(link.panel, after=link)

    async def open_next_sim(self) -> str:
        """What `s` does, in reading order: point at an unanswered question or open a closed {sim}
        block; else open lesson.toml's scenario below the text. Returns the status key to show."""
        if self.has_class("-unfilled"):
            self._plan_fill()  # stops the timer: build the questions now
            self._fill_predicts()
        for widget in self.children:
            if isinstance(widget, SimLink) and widget.panel is None:
                await self.open_link(widget)
                return "sim.opened_here"
            if isinstance(widget, PredictSlot) and getattr(widget.panel, "picked", 0) is None:
                self.sim_target = widget
                self.call_after_refresh(self._focus_first_choice, widget.panel)
                return "sim.predict_first"
        if self.scenarios and not self.sims_open:
            from tutor.simview import SimPanel

            await self.query_one(".sims", Vertical).mount_all([self._simulator(SimPanel, name) for name in self.scenarios])
            self.sims_open = True
        if self.sims_open:
            self.sim_target = self.query_one(".sim-note")
            return "sim.opened"
        targets = self.query("SimLink, PredictSlot")
        self.sim_target = targets.first() if targets else None
        return "sim.opened_here"

    @staticmethod
    def _focus_first_choice(panel: Widget) -> None:
        choices = panel.query(".pred-choice")
        if choices:
            choices.first().focus()

    def scroll_to_sims(self) -> None:
        """Bring what `open_next_sim` or a click opened to the top of the view."""
        if self.sim_target is not None:
            self.scroll_when_rendered(self.sim_target)

    def scroll_when_rendered(self, target: Widget) -> None:
        """Bring `target` to the top once the step's Markdown has laid out (the latest request wins).

        Markdown builds its blocks after it is mounted, so scrolling at once (say, to a hint asked
        for right after the step opened) would land short when the text above grows later.
        """
        self.scrolled_to = None
        work: WorkType[None] = partial(self._scroll_when_rendered, target)  # named: mypy cannot infer it
        self.run_worker(work, group="scroll", exclusive=True)

    async def _scroll_when_rendered(self, target: Widget) -> None:
        deadline = time.monotonic() + RENDER_WAIT
        while time.monotonic() < deadline and not self._laid_out(target):
            await asyncio.sleep(0.01)
        await asyncio.sleep(0)  # let the new blocks be laid out before measuring
        self.call_after_refresh(self._scroll_now, target)

    def _laid_out(self, target: Widget) -> bool:
        """Whether the step's Markdown has built its blocks and `target` has its place in the layout
        (on a busy machine the layout comes a while after the blocks; scrolling before it does nothing)."""
        return target.region.area > 0 and not any(
            markdown.source.strip() and not markdown.children for markdown in self.query(Markdown))

    def _scroll_now(self, target: Widget) -> None:
        if target.is_attached:
            self.scroll_to_widget(target, top=True, animate=False)
            self.scrolled_to = target

    def close_sims(self) -> None:
        """Remove the simulators opened with `s` (their timers stop with them) when the step is left."""
        for link in self.query(SimLink):
            if link.panel is not None:
                link.panel.remove()
                link.panel = None
        if self.sims_open:
            self.query_one(".sims", Vertical).remove_children()
            self.sims_open = False
