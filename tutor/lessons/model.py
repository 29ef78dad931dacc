"""Plain data for loaded lessons. The loader fills these; the TUI and lint read them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class LessonError:
    """A problem found while loading or linting, reported as `file:line: message`."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Fence:
    """One code fence of a step, as the parser (tutor/lessons/prose.py) reads it: `language` is
    bash/nginx/text/..., `role` where to type it, `file` where a config block goes
    (`{role=proxy file=/etc/nginx/...}`), so the lab can apply it.

    `examples` names the values (tutor/lessons/values.py) shown with the tutorial's example
    because the learner's own is not known yet (filled fences only); `tutorial` is True for a
    block that shows the tutorial's own addresses on purpose (`{example=tutorial}`). `block` says
    where in the step it stands: "body", or in a "hint", "solution", "sim" (a caption) or "predict"
    block; `line` and `end` are the file lines of its opening
    and last line (its closing fence, or the block's last line when it is not closed).
    """

    language: str
    code: str
    role: str | None = None
    file: str | None = None
    examples: tuple[str, ...] = ()
    tutorial: bool = False
    lab: bool = False  # `{when=lab}`: shown (and copied) only when the learner's machines are the lab's
    block: str = "body"
    line: int = field(default=0, compare=False)  # where it stands, not what it is: equal fences may
    end: int = field(default=0, compare=False)  # stand apart (both languages, a moved step)

    @property
    def in_hint(self) -> bool:
        return self.block == "hint"

    @property
    def in_solution(self) -> bool:
        return self.block == "solution"


@dataclass(frozen=True)
class FenceSpan:
    """Where a code fence stands in a piece of a step's Markdown (0-based line indexes) and what it
    is: what values.fill_markdown needs to fill it (tutor/lessons/prose.py finds them)."""

    start: int  # its opening line
    code: int  # its first code line
    code_end: int  # after its last code line
    end: int  # after its closing line (== code_end when it is not closed)
    prefix: str  # what stands before the fence marker on the opening line (a list's indent, `> `)
    markup: str  # the fence marker: ``` or ```` or ~~~
    language: str
    tutorial: bool  # `{example=tutorial}`: shows the tutorial's own addresses on purpose
    lab: bool  # `{when=lab}`: shown only when the learner's machines are the lab's


Command = Fence
"""A code fence the learner can copy: the screens' name for the fences of `StepText.commands`."""


@dataclass(frozen=True)
class Choice:
    """One answer of a predict-then-observe question."""

    text: str
    correct: bool


@dataclass(frozen=True)
class Predict:
    """A predict-then-observe question tied to a simulator scenario."""

    scenario: str
    question: str
    choices: tuple[Choice, ...]
    explanation: str
    line: int = 0  # line of its `:::{predict}` fence in its file


@dataclass(frozen=True)
class StepPart:
    """One piece of a step's body in reading order: `kind` is "markdown", "sim" or "predict".

    "markdown": `markdown` is text to render. "sim": `scenario` and its caption in `markdown`.
    "predict": the question in `predict`.
    """

    kind: str
    markdown: str = ""
    scenario: str | None = None
    predict: Predict | None = None


@dataclass(frozen=True)
class StepText:
    """The prose of one step in one language."""

    title: str
    body: str  # Markdown: directives removed, fence info reduced to the language (and the flags
    # `{example=tutorial}` / `{when=lab}` that values.fill_markdown reads and removes)
    hints: tuple[str, ...] = ()
    solution: str | None = None
    commands: tuple[Fence, ...] = ()  # the body's fences in COMMAND_LANGUAGES, in order
    sims: tuple[str, ...] = ()  # scenario names of {sim} blocks, in order
    predicts: tuple[Predict, ...] = ()
    line: int = 0  # line of the step's opening fence in its file
    fallback: bool = False  # True when this text comes from the other language
    sim_captions: tuple[str, ...] = ()  # the Markdown caption of each {sim} block, same order as sims
    parts: tuple[StepPart, ...] = ()  # the body with its {sim}/{predict} blocks where they stand
    fences: tuple[Fence, ...] = ()  # every code fence of the step (body, hints, solution, sims, predicts), in file order
    spans: tuple[tuple[str, tuple[FenceSpan, ...]], ...] = ()  # each Markdown text above -> where its fences
    # stand, as the parser found them (values.fill_step fills by them; a filled step has none)

    def body_parts(self) -> tuple[StepPart, ...]:
        """`parts`, or the whole `body` as one Markdown part when the parts were not filled in."""
        if self.parts:
            return self.parts
        return (StepPart("markdown", self.body),) if self.body else ()


@dataclass(frozen=True)
class StepMeta:
    """The language-neutral part of a step, from lesson.toml."""

    id: str
    covers: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    scenario: str | None = None
    core: bool = True  # on the core path (False: an optional deep dive)
    minutes: int = 0  # what a learner who types everything needs (0: not given; lint says so)


@dataclass
class Lesson:
    """A loaded lesson: structure from lesson.toml and prose per language."""

    id: str
    order: int
    folder: Path
    title: dict[str, str]
    summary: dict[str, str]
    steps: list[StepMeta]
    texts: Mapping[str, Mapping[str, StepText]] = field(default_factory=dict)  # lang -> step id -> text
    requires: tuple[str, ...] = ()

    def step_text(self, step_id: str, lang: str) -> StepText:
        """The step's text in `lang`, or in the other language marked `fallback=True`."""
        text = self.texts.get(lang, {}).get(step_id)
        if text is not None:
            return text
        for other, by_id in self.texts.items():
            if other != lang and step_id in by_id:
                found = by_id[step_id]
                return StepText(**{**found.__dict__, "fallback": True})
        return StepText(title=step_id, body="", fallback=True)

    @property
    def roles(self) -> frozenset[str]:
        """Every machine role the lesson's steps have the learner type on (laptop, proxy, app1, ...)."""
        return frozenset(role for step in self.steps for role in step.roles)

    @property
    def core_minutes(self) -> int:
        """The minutes of the core path: the sum over the steps marked `core = true`."""
        return sum(step.minutes for step in self.steps if step.core)

    @property
    def optional_minutes(self) -> int:
        """The minutes of the optional steps (`core = false`), on top of the core path."""
        return sum(step.minutes for step in self.steps if not step.core)

    def title_in(self, lang: str) -> str:
        """The lesson title in `lang`, falling back to any title it has."""
        return self.title.get(lang) or next(iter(self.title.values()), self.id)


@dataclass
class LessonSet:
    """Every lesson found in a folder, plus the errors of those that failed to load."""

    lessons: list[Lesson]
    errors: list[LessonError]
    broken: dict[str, list[LessonError]] = field(default_factory=dict)  # folder name -> errors

    def get(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)
