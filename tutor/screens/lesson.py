"""The lesson screen: the step list, one step at a time, hints, solution, copy, done, simulator, live checks."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import Button, ContentSwitcher, Markdown, OptionList, Static
from textual.worker import WorkType

from tutor.keymap import Key, bindings
from tutor.lessons.model import Command, Lesson, StepMeta, StepText
from tutor.lessons.values import Values, fill_step, values_from_settings
from tutor.lessons.vocabulary import COPYABLE_LANGUAGES
from tutor.live.saved import saved_machines
from tutor.progress import DONE
from tutor.screens.base import TutorScreen
from tutor.widgets.keybar import KeyBar
from tutor.widgets.step_list import StepList, state_symbol
from tutor.widgets.step_view import SimLink, StepView

PREFETCH_DELAY = 0.3  # seconds after a step opens before the next one is built in the background
NOTE_SECONDS = 5.0  # how long a passing note ("the simulator opened here") stays on the status line
NARROW_WIDTH = 100  # below this the step list starts hidden (t shows it)
COPYABLE = COPYABLE_LANGUAGES  # one list of the fences that can be copied, the lessons'
BUTTONS = ("prev", "next", "hint", "solution", "copy", "done", "sim")
HIDDEN_WHEN_DISABLED = ("hint", "solution", "copy", "sim")  # shown only on steps that have them


def copyable_commands(commands: tuple[Command, ...]) -> list[Command]:
    """The commands the learner can copy (bash/nginx fences, not sample output)."""
    return [command for command in commands if command.language in COPYABLE]


class LessonScreen(TutorScreen):
    """Shows `lesson` at `step_id` (the first step when None or unknown)."""

    DEFAULT_CSS = """
    LessonScreen #lesson-body { height: 1fr; }
    LessonScreen #views { height: 1fr; width: 1fr; }
    LessonScreen #status { height: 1; padding: 0 1; color: $text-muted; }
    LessonScreen #actions { height: 1; padding: 0 1; }
    .-presenter LessonScreen StepView { padding: 0 4; }
    """

    KEYMAP = (
        Key("lesson.next", "n", "next_step", "key.next"),
        Key("lesson.previous", "p", "previous_step", "key.previous"),
        Key("lesson.hint", "h", "hint", "key.hint"),
        Key("lesson.solution", "v", "solution", "key.solution"),
        Key("lesson.copy", "c", "copy", "key.copy"),
        Key("lesson.done", "d", "toggle_done", "key.done"),
        Key("lesson.simulator", "s", "simulator", "key.sim"),
        Key("lesson.steps", "t", "toggle_steps", "key.steps", bar="key.steps"),
        Key("lesson.reset", "r", "reset_step", "key.reset_step"),
        Key("lesson.check", "k", "check", "key.check", bar="key.check_short"),
        Key("lesson.evidence", "e", "evidence", "key.evidence"),
        Key("lesson.check_scenario", "w", "check_scenario", "key.check_scenario"),
        Key("lesson.stopped_app", "a", "stopped_app", "key.stopped_app"),
        Key("lesson.nginx_config", "g", "nginx_config", "key.nginx_config"),
        Key("lesson.machines", "m", "machines", "key.machines", bar="key.machines_short"),
        # Scrolling the step: one help row for the group, written as the first key's display.
        Key("lesson.scroll_up", "up", "scroll('up')", "key.scroll", display="↑ ↓ PgUp PgDn"),
        Key("lesson.scroll_down", "down", "scroll('down')", "key.scroll", in_help=False),
        Key("lesson.page_up", "pageup", "scroll('page_up')", "key.scroll", in_help=False),
        Key("lesson.page_down", "pagedown,space", "scroll('page_down')", "key.scroll", in_help=False),
        Key("lesson.top", "home", "scroll('home')", "key.scroll", in_help=False),
        Key("lesson.bottom", "end", "scroll('end')", "key.scroll", in_help=False),
        Key("lesson.focus", "tab", None, "key.focus", display="Tab"),
        Key("lesson.back", "escape,b", "back", "key.back", bar="key.back_short", display="Esc / b", pin=True),
        Key("lesson.leave_sim", "escape", None, "key.leave_sim", bar="key.leave_sim", display="Esc", pin=True),
    )
    BINDINGS = bindings(KEYMAP)
    AUTO_FOCUS = ""  # nothing focused: keys go to the screen, so arrows scroll the step
    HELP_TITLE = "help.title.lesson"

    def __init__(self, lesson: Lesson, step_id: str | None = None) -> None:
        super().__init__()
        self.lesson = lesson
        ids = [step.id for step in lesson.steps]
        self.index = ids.index(step_id) if step_id in ids else 0
        self._views: dict[tuple[str, str, Values], StepView] = {}  # (step id, language, values) -> view
        self._texts: dict[tuple[str, str, Values], StepText] = {}  # the same key -> the filled text
        self._built = 0  # views built so far: each gets a fresh widget id
        self._prefetch_timer: Timer | None = None
        self._note_timer: Timer | None = None  # clears a passing note from the status line
        self._solution_armed: str | None = None
        self._steps_choice: bool | None = None  # None: follow the width; else what the learner chose

    # Layout
    def compose(self) -> ComposeResult:
        yield Static(id="lesson-title", classes="title-bar")
        with Horizontal(id="lesson-body"):
            yield StepList(id="steps")
            yield ContentSwitcher(id="views")
        yield Static(id="status")
        with Horizontal(id="actions", classes="button-row"):
            for name in BUTTONS:
                yield Button("", id=f"btn-{name}", compact=True)
        yield KeyBar(id="keybar")

    def setup(self) -> None:
        self._apply_step_list_visibility()
        self.show_step(self.index)
        self.app.app_suspend_signal.subscribe(self, lambda _app: self._set_live(False))
        self.app.app_resume_signal.subscribe(self, lambda _app: self._set_live(self.is_current))

    def on_screen_suspend(self) -> None:
        self._set_live(False)  # another screen or a dialog covers the step

    def on_screen_resume(self) -> None:
        if self.lesson.steps and self._views and self.current_view() is None:
            self.show_step(self.index)  # the machines changed: the step again, with the new addresses
        self._set_live(True)

    def _set_live(self, visible: bool) -> None:
        view = self.current_view() if self.lesson.steps else None
        if view is not None:
            view.set_live(visible)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A lesson without steps only allows going back; a closed one allows nothing."""
        if not self.ready:
            return False
        return bool(self.lesson.steps) or action in ("back", "scroll", "machines", "nginx_config")

    def on_resize(self) -> None:
        if not self.closed:
            self._apply_step_list_visibility()

    def _apply_step_list_visibility(self) -> None:
        visible = self._steps_choice
        if visible is None:
            visible = self.size.width >= NARROW_WIDTH and not self.app.settings.presenter
        self.query_one(StepList).set_class(not visible, "-hidden")

    # Steps
    @property
    def step(self) -> StepMeta:
        return self.lesson.steps[self.index]

    @property
    def values(self) -> Values:
        """The learner's named values (their saved machines) that fill the lesson's code fences."""
        return values_from_settings(self.app.settings)

    @property
    def text(self) -> StepText:
        """The open step as shown and copied: filled with the learner's values."""
        return self.step_text(self.step.id, self.app.lang)

    def step_text(self, step_id: str, lang: str) -> StepText:
        """The step's text in `lang` filled with the learner's values (filled once per values)."""
        key = (step_id, lang, self.values)
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = fill_step(self.lesson.step_text(step_id, lang), key[2], lang)
        return text

    def current_view(self) -> StepView | None:
        return self._views.get((self.step.id, self.app.lang, self.values))

    def show_step(self, index: int) -> None:
        """Open step `index` (cached view if built before), mark it visited, update every label."""
        with self.app.batch_update():  # one repaint for all the changes below
            self._show_step(index)

    def _show_step(self, index: int) -> None:
        if not self.lesson.steps:
            self._set_text("#status", self.t("lesson.no_steps"))
            for button in self.query("#actions Button"):
                button.disabled = True
            return
        previous = self.current_view()
        self._drop_stale_focus(previous)
        self.index = max(0, min(index, len(self.lesson.steps) - 1))
        self._solution_armed = None
        lang = self.app.lang
        key = (self.step.id, lang, self.values)
        switcher = self.query_one("#views", ContentSwitcher)
        view = self._views.get(key)
        if previous is not None and previous is not view:
            previous.close_sims()
            previous.set_live(False)
        self._forget_kept_views(keep=view)
        if view is None:
            view = self._build_view(self.index, lang)
            AwaitComplete(self._mount_and_show(view))  # starts now, as ContentSwitcher.add_content does
        else:
            view.sync(self.app.progress)
            view.scroll_home(animate=False)
            if view.parent is switcher:  # else `_mount_and_show` is about to show it
                switcher.current = view.id
        view.set_live(self.is_current)
        version = self.app.progress_version
        self.app.progress.visit(self.lesson.id, self.step.id, background=True)  # no wait for the disk
        self.app.classroom.step_opened(self.lesson.id, self.step.id)
        if self.app.progress_version == version:  # nothing changed, so no refresh happened
            self.refresh_progress()
        self._set_text("#status", "")
        self.refresh_keybar()
        if self._prefetch_timer is not None:
            self._prefetch_timer.stop()
        self._prefetch_timer = self.set_timer(PREFETCH_DELAY, self._prefetch_next)

    def _drop_stale_focus(self, previous: StepView | None) -> None:
        """A button of the bar or of the step being left must not keep the focus on the next step:
        there `↓ ↓ Enter` answers the question, it must not press "Hint" (the step list keeps it)."""
        focused = self.focused
        if focused is None:
            return
        in_actions = any(node.id == "actions" for node in focused.ancestors)
        if in_actions or (previous is not None and previous in focused.ancestors):
            self.set_focus(None)

    def _build_view(self, index: int, lang: str) -> StepView:
        meta = self.lesson.steps[index]
        self._built += 1
        values = self.values
        view = StepView(self.lesson.id, meta, self.step_text(meta.id, lang), lang, values,
                        lesson_roles=self.lesson.roles, id=f"view-{self._built}")
        view.display = False
        self._views[(meta.id, lang, values)] = view
        return view

    async def _mount_and_show(self, view: StepView) -> None:
        """Mount a view built for the step on screen and show it, in one repaint, unless the
        learner has moved on to another step meanwhile."""
        switcher = self.query_one("#views", ContentSwitcher)
        with self.app.batch_update():
            await switcher.mount(view)
            if self.current_view() is view:
                switcher.current = view.id

    def _prefetch_next(self) -> None:
        """Build the next step's view while the learner reads, so `n` shows it at once."""
        index = self.index + 1
        lang = self.app.lang
        if index < len(self.lesson.steps) and (self.lesson.steps[index].id, lang, self.values) not in self._views:
            # mounted hidden: among the switcher's children at once, so `n` can show it any moment
            self.query_one("#views", ContentSwitcher).mount(self._build_view(index, lang))

    def go_to_step(self, step_id: str) -> bool:
        ids = [step.id for step in self.lesson.steps]
        if step_id not in ids:
            return False
        if not self.ready:  # asked again while the screen mounts (a class push, a fast key): setup shows it
            self.index = ids.index(step_id)
            return True
        self.show_step(ids.index(step_id))
        return True

    # Labels
    def sim_has_focus(self) -> bool:
        """Whether the focus is inside a simulator of the step (then its keys act, not the lesson's)."""
        from tutor.simview.panel import SimPanel

        focused = self.focused
        return focused is not None and any(isinstance(node, SimPanel) for node in focused.ancestors_with_self)

    def hidden_keys(self) -> frozenset[str]:
        """Keys left out of the key bar now: `k check` only where the step has live checks; Esc
        says "leave the simulator" while a simulator has focus, else "back"."""
        has_checks = bool(self.lesson.steps) and bool(self.step.checks)
        hidden = self.help_hidden_keys()
        return hidden if has_checks else hidden | {"lesson.check"}

    def help_hidden_keys(self) -> frozenset[str]:
        """What F1 leaves out too: Esc's meaning that does not act now (listed once, as it acts)."""
        return frozenset({"lesson.back"} if self.sim_has_focus() else {"lesson.leave_sim"})

    def refresh_keybar(self) -> None:
        self.query_one(KeyBar).refresh_keys()

    def refresh_language(self) -> None:
        self.refresh_keybar()
        if not (self.is_mounted and self._views and self.lesson.steps):
            return
        shown = self._shown_view()
        if shown is not None and shown.has_open_sims:
            # F2 with a simulator open: it follows the language by itself; the step stays (and its
            # run with it) and is rebuilt in the new language when the learner leaves it
            self._views = {key: view for key, view in self._views.items() if view is not shown}
            key = (self.step.id, self.app.lang, self.values)
            if key in self._views:
                self._views.pop(key).remove()
            self._views[key] = shown
            self.refresh_progress()
            self.say("lesson.lang_sim_kept")
            return
        self.show_step(self.index)  # the step in the new language (built or cached)

    def _shown_view(self) -> StepView | None:
        """The step view on display (after F2 it may be one in the previous language)."""
        current = self.query_one("#views", ContentSwitcher).current
        return next((view for view in self._views.values() if view.id == current), None)

    def _forget_kept_views(self, keep: StepView | None) -> None:
        """Drop a view kept in the previous language after F2 (see refresh_language) once the
        learner has left it: it is built again in the right language next time."""
        for key, view in list(self._views.items()):
            if view is not keep and view.lang != key[1]:
                self._views.pop(key)
                view.remove()

    def refresh_progress(self) -> None:
        if not self.lesson.steps:
            return
        lang = self.app.lang
        progress = self.app.progress
        state = progress.state(self.lesson.id, self.step.id)
        title = self.t(
            "lesson.title",
            lesson=self.lesson.title_in(lang),
            n=self.index + 1,
            total=len(self.lesson.steps),
            step=self.text.title,
        )
        self._set_text("#lesson-title", f"{state_symbol(state)} {title}")
        self.query_one(StepList).fill(self.lesson, progress, lang, self.index)
        text = self.text
        shown = progress.hints_shown(self.lesson.id, self.step.id)
        labels = {
            "prev": self.t("btn.prev"),
            "next": self.t("btn.next"),
            "hint": self.t("btn.hint", n=min(shown, len(text.hints)), total=len(text.hints)),
            "solution": self.t("btn.solution_sure" if self._solution_armed == self.step.id else "btn.solution"),
            "copy": self.t("btn.copy"),
            "done": self.t("btn.undone" if state == DONE else "btn.done"),
            "sim": self.t("btn.sim"),
        }
        view = self.current_view()
        disabled = {
            "prev": self.index == 0,
            "next": self.index == len(self.lesson.steps) - 1,
            "hint": not text.hints,
            "solution": text.solution is None,
            "copy": not self.copy_choices(),
            "done": False,
            "sim": view is None or not view.has_sims,
        }
        for name in BUTTONS:
            button = self.query_one(f"#btn-{name}", Button)
            if str(button.label) != labels[name]:
                button.label = labels[name]
                button.refresh(layout=True)
            button.disabled = disabled[name]
            button.display = name not in HIDDEN_WHEN_DISABLED or not disabled[name]
        view = self.current_view()
        if view is not None and view.is_mounted:
            view.sync(progress)

    def _set_text(self, selector: str, text: str) -> None:
        """Update a one-line Static only when its text changes (each update costs a repaint)."""
        widget = self.query_one(selector, Static)
        if str(widget.content) != text:
            widget.update(text)

    def say(self, key: str, *, passing: bool = False, **values: object) -> None:
        """One line of feedback above the buttons (stays visible, unlike a toast); a `passing` note
        (news only for a moment, like "the simulator opened here") goes after NOTE_SECONDS."""
        text = self.t(key, **values)
        self._set_text("#status", text)
        if self._note_timer is not None:
            self._note_timer.stop()
            self._note_timer = None
        if passing:
            self._note_timer = self.set_timer(NOTE_SECONDS, lambda: self._clear_note(text))

    def _clear_note(self, text: str) -> None:
        """Clear the status line if it still shows the passing note `text` (not a newer line)."""
        self._note_timer = None
        if not self.closed and str(self.query_one("#status", Static).content) == text:
            self._set_text("#status", "")

    # Actions
    def action_next_step(self) -> None:
        if self.index < len(self.lesson.steps) - 1:
            self.show_step(self.index + 1)
        else:
            self.say("lesson.last_step")

    def action_previous_step(self) -> None:
        if self.index > 0:
            self.show_step(self.index - 1)
        else:
            self.say("lesson.first_step")

    def action_hint(self) -> None:
        total = len(self.text.hints)
        if not total:
            self.say("hint.none")
            return
        before = self.app.progress.hints_shown(self.lesson.id, self.step.id)
        shown = self.app.progress.reveal_hint(self.lesson.id, self.step.id, total)
        if shown == before:
            self.say("hint.all_shown", total=total)
        else:
            self.say("hint.shown", n=shown, total=total)
            self.call_after_refresh(self._scroll_to_revealed)

    def _scroll_to_revealed(self) -> None:
        view = self.current_view()
        if view is not None and view.last_revealed is not None:
            view.scroll_when_rendered(view.last_revealed)

    def action_solution(self) -> None:
        if self.text.solution is None:
            self.say("solution.none")
            return
        if self.app.progress.solution_shown(self.lesson.id, self.step.id):
            self.say("solution.already")
            return
        if self._solution_armed != self.step.id:
            self._solution_armed = self.step.id
            self.refresh_progress()
            self.say("solution.confirm")
            return
        self._solution_armed = None
        self.app.progress.show_solution(self.lesson.id, self.step.id)
        self.say("solution.shown")
        self.call_after_refresh(self._scroll_to_revealed)

    def copy_choices(self) -> list[Command]:
        """What `c` offers: the step's commands, then those only in its solution once it is shown."""
        text = self.text
        commands = copyable_commands(text.commands)
        if text.solution is not None and self.app.progress.solution_shown(self.lesson.id, self.step.id):
            known = {command.code for command in commands}
            solution = tuple(fence for fence in text.fences if fence.in_solution)  # the parser's, filled
            commands += [command for command in copyable_commands(solution) if command.code not in known]
        return commands

    def action_copy(self) -> None:
        commands = self.copy_choices()
        if not commands:
            self.say("copy.none")
        elif len(commands) == 1:
            self.copy_command(commands[0])
        else:
            from tutor.screens.modals import CommandPicker

            self.app.push_screen(CommandPicker(commands), self._picked)

    def _picked(self, command: Command | None) -> None:
        if command is not None:
            self.copy_command(command)

    def copy_command(self, command: Command) -> None:
        """Copy to the clipboard (OSC 52) and show the command, for terminals that cannot copy."""
        self.app.copy_to_clipboard(command.code)
        first = command.code.strip().splitlines()[0] if command.code.strip() else ""
        more = " …" if len(command.code.strip().splitlines()) > 1 else ""
        if command.examples:
            self.say("copy.done_example", command=first + more, names=", ".join(command.examples))
        else:
            self.say("copy.done", command=first + more)

    def action_toggle_done(self) -> None:
        done = self.app.progress.state(self.lesson.id, self.step.id) == DONE
        self.app.progress.mark_done(self.lesson.id, self.step.id, not done)
        self.say("done.unmarked" if done else "done.marked")

    async def action_simulator(self) -> None:
        view = self.current_view()
        if view is None or not view.has_sims:
            self.say("sim.none")
            return
        said = await view.open_next_sim()
        if self.closed:
            return  # Esc while the simulator was mounting
        self.say(said, passing=said in ("sim.opened", "sim.opened_here"))
        self.call_after_refresh(view.scroll_to_sims)

    @on(SimLink.Pressed)
    async def _sim_link(self, event: SimLink.Pressed) -> None:
        event.stop()
        view = self.current_view()
        if view is None:
            return
        await view.open_link(event.link)
        if self.closed:
            return  # Esc while the simulator was mounting
        self.say("sim.opened_here", passing=True)
        self.call_after_refresh(view.scroll_to_sims)

    def on_predict_panel_picked(self, event) -> None:
        """Save the learner's answer when it is given: leaving the step or the lesson never loses it."""
        slot = event.panel.parent
        view = slot.parent if slot is not None else None
        if isinstance(view, StepView) and hasattr(slot, "number"):
            self.app.progress.answer(self.lesson.id, view.meta.id, slot.number, event.choice)

    def on_predict_panel_answered(self, event) -> None:
        """The simulator answered the learner's guess. The focus stays where the learner left it
        (a key they press next means what the key bar said a moment ago)."""
        self.say("sim.predict_done")
        self._predict_done_said = True
        view, panel = self.current_view(), event.panel
        if view is not None and panel.region.overlaps(view.region):  # the learner is watching it
            view.scroll_when_rendered(panel.query_one("#pred-result"))

    def on_descendant_focus(self, event) -> None:
        """Focus moved on (to the next question, a button...): the verdict's note is no longer news."""
        if getattr(self, "_predict_done_said", False):
            self._predict_done_said = False
            self._set_text("#status", "")

    def action_toggle_steps(self) -> None:
        steps = self.query_one(StepList)
        self._steps_choice = steps.has_class("-hidden")
        self._apply_step_list_visibility()
        if self._steps_choice:
            steps.focus()

    def action_scroll(self, where: str) -> None:
        """Scroll the step; but ↑/↓ with a question in sight (nothing focused) go to its choices,
        the first thing a learner tries to answer it."""
        view = self.current_view()
        if view is None:
            return
        choices = self.choices_in_sight() if where in ("up", "down") and self.focused is None else []
        if choices:
            (choices[0] if where == "down" else choices[-1]).focus()
            return
        getattr(view, f"scroll_{where}")(animate=False)

    def choices_in_sight(self) -> list:
        """The choice buttons of an unanswered question whose first choice is on screen."""
        view = self.current_view()
        if view is None:
            return []
        for panel in view.query("PredictPanel"):
            if getattr(panel, "picked", 0) is not None:
                continue
            choices = list(panel.query(".pred-choice"))
            if choices and choices[0].region and view.region.contains_region(choices[0].region):
                return choices
        return []

    def focus_next(self, selector="*"):
        """Tab with nothing focused: to the choices of a question in sight, else to the first thing
        of the step on screen (a simulator, a button), never first to the step list beside it."""
        target = None
        if self.focused is None:
            choices = self.choices_in_sight()
            target = choices[0] if choices else self._first_in_sight()
        if target is not None:
            target.focus()
            return target
        return super().focus_next(selector)

    def _first_in_sight(self):
        """The first focusable widget of the open step that is on screen (None if there is none)."""
        view = self.current_view()
        if view is None:
            return None
        for widget in self.focus_chain:
            if view in widget.ancestors and widget.region and view.region.contains_region(widget.region):
                return widget
        return None

    def check_panel(self):
        """The open step's CheckPanel, or None (the status line says the step has no live checks)."""
        view = self.current_view()
        panel = view.check_panel if view is not None else None
        if panel is None:
            self.say("check.none_here")
        return panel

    def action_check(self) -> None:
        panel = self.check_panel()
        if panel is not None:
            panel.run_now()
            _, problem = saved_machines(self.app.settings, panel.checks, self.app.lang, panel.lesson_roles)
            self._set_text("#status", self.t(problem[0], **problem[1]) if problem else self.t("check.started"))
            self.call_after_refresh(self._scroll_to_checks)

    def _scroll_to_checks(self) -> None:
        view = self.current_view()
        if view is not None and (panel := view.check_panel) is not None:
            view.scroll_when_rendered(panel)

    def action_evidence(self) -> None:
        panel = self.check_panel()
        if panel is not None:
            self.say("check.evidence_on" if panel.toggle_evidence() else "check.evidence_off")

    def action_check_scenario(self) -> None:
        """Open the simulator on the scenario that shows what a failed check saw."""
        panel = self.check_panel()
        if panel is None:
            return
        scenario = panel.scenario
        if scenario is None:
            self.say("check.no_scenario")
            return
        from tutor.simview import SimScreen

        self.app.push_screen(SimScreen(scenario, lang=self.app.lang))

    def action_stopped_app(self) -> None:
        panel = self.check_panel()
        if panel is None:
            return
        if "lb-failover" not in panel.checks:
            self.say("check.no_failover")
            return
        stopped = panel.cycle_stopped()
        self.say("check.stopped_set", app=stopped or self.t("check.stopped_auto"))

    def action_nginx_config(self) -> None:
        from tutor.screens.nginx_config import ask_to_read_nginx_config

        ask_to_read_nginx_config(self.app)

    def action_machines(self) -> None:
        self.app.open_machines()

    def action_reset_step(self) -> None:
        self.app.confirm_reset_step(self.lesson.id, self.step.id)

    def action_back(self) -> None:
        """Esc: out of the simulator when it has focus (its keys stop acting), else back home."""
        if self.sim_has_focus():
            self.set_focus(None)
            self.say("sim.left")
            return
        self.app.pop_screen()

    def forget_views(self, step_id: str | None = None) -> None:
        """Drop cached views (of one step, or all) after a reset, then show the step afresh."""
        for key in [key for key in self._views if step_id in (None, key[0])]:
            self._views.pop(key).remove()
        if self.lesson.steps:
            self.show_step(self.index)

    # Events
    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        event.stop()
        action = {
            "btn-prev": self.action_previous_step,
            "btn-next": self.action_next_step,
            "btn-hint": self.action_hint,
            "btn-solution": self.action_solution,
            "btn-copy": self.action_copy,
            "btn-done": self.action_toggle_done,
        }.get(event.button.id or "")
        if action is not None:
            action()
        elif event.button.id == "btn-sim":
            work: WorkType[None] = self.action_simulator  # named: mypy cannot infer WorkType's result
            self.run_worker(work, exclusive=True, group="sim")

    @on(OptionList.OptionSelected, "#steps")
    def _step_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.show_step(event.option_index)
        if self.size.width < NARROW_WIDTH and self._steps_choice:
            self._steps_choice = None  # narrow: the list makes room for the text again
            self._apply_step_list_visibility()
            self.set_focus(None)

    @on(Markdown.LinkClicked)
    def _link(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        self.follow_link(event.href)

    def follow_link(self, href: str) -> None:
        """`#step` and `lesson:id#step` move inside the app; web links and files are shown, never opened."""
        if href.startswith("#"):
            if not self.go_to_step(href[1:]):
                self.say("link.missing", target=href)
        elif href.startswith("lesson:"):
            lesson_id, _, step_id = href[len("lesson:"):].partition("#")
            if not self.app.open_lesson(lesson_id, step_id or None):
                self.say("link.missing", target=href)
        else:
            from tutor.screens.modals import LinkScreen

            if "://" not in href and not href.startswith("mailto:"):
                href = str((self.lesson.folder / href).resolve())
            self.app.push_screen(LinkScreen(href))
