"""One step rendered in one language: its Markdown, its live checks, the hints and solution revealed so far.

Each step gets one small Markdown document (Textual's Markdown gets slow on long ones); the
lesson screen keeps the views it built, so going back to a visited step costs nothing.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Markdown, Static

from tutor.i18n import LANGUAGES, other_language, tr
from tutor.lessons.model import StepMeta, StepText
from tutor.progress import Progress
from tutor.strings import STRINGS
from tutor.widgets.check_panel import CheckPanel
from tutor.widgets.optional_sim import simview_class


def scenarios_of(meta: StepMeta, text: StepText) -> list[str]:
    """The scenarios a step plays freely: lesson.toml's `scenario`, then its {sim} blocks.

    A scenario that a {predict} question of the step plays is left to that question, so the
    answer is not shown before the learner has guessed.
    """
    asked = {predict.scenario for predict in text.predicts}
    names: list[str] = []
    for name in (meta.scenario, *text.sims):
        if name and name not in names and name not in asked:
            names.append(name)
    return names


class StepView(VerticalScroll, can_focus=False):
    """A scrollable step: badge (if the text fell back to the other language), body, hints, solution.

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
    StepView MarkdownFence > Label { padding: 0 1; }
    """

    def __init__(self, lesson_id: str, meta: StepMeta, text: StepText, lang: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lesson_id = lesson_id
        self.meta = meta
        self.text = text
        self.lang = lang
        self.scenarios = scenarios_of(meta, text)
        self.sims_open = False
        self.live = False  # the step is visible: its live checks may re-run
        self.last_revealed: Markdown | None = None  # the hint or solution mounted last, to scroll to

    def t(self, key: str, **values: object) -> str:
        return tr(STRINGS, key, self.lang, **values)

    @property
    def has_sims(self) -> bool:
        return bool(self.scenarios or self.text.predicts)

    def compose(self) -> ComposeResult:
        if self.text.fallback:
            source = other_language(self.lang) if self.lang in LANGUAGES else "en"
            yield Static(self.t("badge.fallback", source=source.upper()), classes="badge")
        yield Markdown(f"## {self.text.title}\n\n{self.text.body}", open_links=False, classes="step-body")
        if self.meta.checks:
            yield CheckPanel(self.lesson_id, self.meta.id, self.meta.checks, self.lang)
        if self.has_sims:
            yield Static(self.t("sim.note", count=len(self.scenarios) + len(self.text.predicts)), classes="sim-note")
            yield Vertical(classes="sims")
        yield Vertical(classes="hints")
        yield Vertical(classes="solution-box")

    def on_mount(self) -> None:
        self.sync(self.app.progress)

    @property
    def check_panel(self) -> CheckPanel | None:
        """The step's live checks (None when it has none)."""
        panels = self.query(CheckPanel)
        return panels.first() if panels else None

    def set_live(self, visible: bool) -> None:
        """Start (visible) or pause the step's live re-runs (a panel not mounted yet reads `live`)."""
        self.live = visible
        panel = self.check_panel
        if panel is not None:
            panel.activate() if visible else panel.deactivate()

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
            self.last_revealed = Markdown(f"**{label}**\n\n{self.text.hints[number - 1]}", open_links=False, classes="hint")
            hints_box.mount(self.last_revealed)
        solution_box = self.query_one(".solution-box", Vertical)
        want = self.text.solution is not None and progress.solution_shown(self.lesson_id, self.meta.id)
        if want and not solution_box.children:
            self.last_revealed = Markdown(f"**{self.t('solution.label')}**\n\n{self.text.solution}", open_links=False, classes="solution")
            solution_box.mount(self.last_revealed)
        elif not want and solution_box.children:
            solution_box.remove_children()

    async def open_sims(self) -> bool:
        """Mount a SimPanel per scenario and a PredictPanel per question; False if the simulator view is missing."""
        if self.sims_open:
            return True
        sim_panel = simview_class("SimPanel")
        predict_panel = simview_class("PredictPanel")
        if sim_panel is None or (self.text.predicts and predict_panel is None):
            return False
        box = self.query_one(".sims", Vertical)
        widgets = [sim_panel(name, self.lang) for name in self.scenarios]
        widgets += [predict_panel(predict, self.lang) for predict in self.text.predicts]
        self.sims_open = True
        await box.mount_all(widgets)
        return True

    def scroll_to_sims(self) -> None:
        """Bring the simulator (its note, then the widgets below it) to the top of the view."""
        boxes = self.query(".sim-note")
        if boxes:
            self.scroll_to_widget(boxes.first(), top=True, animate=False)

    def close_sims(self) -> None:
        """Remove the simulator widgets (their timers stop with them) when the step is left."""
        if self.sims_open:
            self.query_one(".sims", Vertical).remove_children()
            self.sims_open = False
