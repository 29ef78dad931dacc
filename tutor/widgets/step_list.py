"""The list of a lesson's steps with their state as a symbol (not colour alone)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets.option_list import Option

from tutor.lessons.model import Lesson
from tutor.i18n import tr
from tutor.progress import DONE, VISITED, Progress
from tutor.strings import STRINGS
from tutor.widgets.lesson_time import step_time
from tutor.widgets.option_list import SafeOptionList

SYMBOLS = {DONE: "✓", VISITED: "•"}
NOT_STARTED_SYMBOL = "○"
TEXT_WIDTH = 28  # the list's 30 columns less its right border and scrollbar: one line per step


def state_symbol(state: str) -> str:
    return SYMBOLS.get(state, NOT_STARTED_SYMBOL)


class StepList(SafeOptionList):
    """One option per step: `✓ 2 Install nginx`; the highlighted option follows the open step."""

    DEFAULT_CSS = """
    StepList {
        width: 30;
        height: 1fr;
        border: none;
        border-right: vkey $foreground 20%;
        border-bottom: solid $foreground 20%;
        border-subtitle-align: left;
        border-subtitle-color: $text-muted;
        padding: 0;
        scrollbar-size-vertical: 1;
    }
    StepList:focus {  /* not OptionList's tall focus border: it takes a column and wraps every title */
        border: none;
        border-right: vkey $accent;
        border-bottom: solid $accent;
    }
    StepList.-hidden { display: none; }
    StepList > .option-list--option-highlighted { text-style: bold; background: $primary 40%; }
    """

    _shown: list[str] = []  # the prompts on display, to skip rebuilding identical options

    def fill(self, lesson: Lesson, progress: Progress, lang: str, current: int) -> None:
        """Rebuild the options for `lang` and the current progress."""
        prompts = []
        for number, meta in enumerate(lesson.steps, start=1):
            state = progress.state(lesson.id, meta.id)
            title = lesson.step_text(meta.id, lang).title
            time = step_time(meta, lang)
            room = TEXT_WIDTH - len(f"x {number}. ") - (len(time) + 1 if time else 0)
            if len(title) > room:
                title = title[: room - 1] + "…"
            prompt = Text.assemble(
                (state_symbol(state), "bold" if state == DONE else ""), f" {number}. ", title,
                " " * (room - len(title) + 1) if time else "", time,
                no_wrap=True, overflow="ellipsis",  # one line per step, whatever the scrollbar takes
            )
            prompts.append(prompt)
        if [str(prompt) for prompt in prompts] != self._shown:
            self._shown = [str(prompt) for prompt in prompts]
            self.set_options(Option(prompt, id=f"step-{index}") for index, prompt in enumerate(prompts))
        self.highlighted = current
        self.border_subtitle = tr(STRINGS, "steps.legend", lang)  # what ✓ • ○ mean
