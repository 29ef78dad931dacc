"""Reading `lesson.toml`: the language-neutral structure of a lesson, with line numbers for errors."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tutor.lessons.model import LessonError, StepMeta
from sim.files import read_text_limited
from tutor.lessons.vocabulary import ID_PATTERN, LANGUAGES, MAX_FILE_BYTES

LESSON_KEYS = ("id", "order", "title", "summary", "requires", "step")
STEP_KEYS = ("id", "covers", "roles", "checks", "scenario", "core", "minutes")
MAX_STEP_MINUTES = 240  # a step longer than a bootcamp afternoon is several steps
_LIST_KEYS = ("covers", "roles", "checks")

_ARRAY_HEADER = re.compile(r"^\[\[\s*([^\]]+?)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\[\s*([^\]]+?)\s*\]")
_KEY = re.compile(r"^\"?([A-Za-z0-9_\-]+)\"?\s*=")
_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)|\(at end of document\)")


class TomlLines:
    """Finds the line of a key in a TOML text, for error messages (tomllib keeps no positions)."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        # (table name, index among [[arrays]] of that name) -> (header line, {key: line})
        self._sections: dict[tuple[str, int], tuple[int, dict[str, int]]] = {("", 0): (1, {})}
        counts: dict[str, int] = {}
        current = ("", 0)
        for number, raw in enumerate(self._lines, 1):
            stripped = raw.strip()
            if match := _ARRAY_HEADER.match(stripped):
                name = match[1]
                current = (name, counts.get(name, 0))
                counts[name] = current[1] + 1
            elif match := _TABLE_HEADER.match(stripped):
                current = (match[1], 0)
            elif match := _KEY.match(stripped):
                self._sections[current][1].setdefault(match[1], number)
                continue
            else:
                continue
            self._sections[current] = (number, {})

    def line(self, key: str | None = None, step: int | None = None) -> int:
        """The line of `key` at the top level, or in the `step`-th `[[step]]` table (0-based)."""
        if step is not None:
            header, keys = self._sections.get(("step", step), (1, {}))
            return keys.get(key, header) if key is not None else header
        header, keys = self._sections[("", 0)]
        if key in keys:
            return keys[key]
        if key is not None and (key, 0) in self._sections:  # `[title]` or `[[step]]` written as a table
            return self._sections[(key, 0)][0]
        return header

    def value_line(self, value: str, key: str, step: int | None = None) -> int:
        """The line where the string `value` of the list `key` is written (multi-line lists)."""
        start = self.line(key, step)
        for number in range(start, len(self._lines) + 1):
            text = self._lines[number - 1]
            if number > start and (_KEY.match(text.strip()) or text.strip().startswith("[")):
                break
            if f'"{value}"' in text or f"'{value}'" in text:
                return number
        return start


@dataclass
class LessonMeta:
    """What lesson.toml says, checked for keys and types."""

    id: str
    order: int
    title: dict[str, str]
    summary: dict[str, str]
    requires: tuple[str, ...]
    steps: list[StepMeta]


@dataclass
class MetaReading:
    """The result of reading lesson.toml: the structure (None when unusable) and every problem."""

    path: Path
    meta: LessonMeta | None
    errors: list[LessonError] = field(default_factory=list)
    lines: TomlLines | None = None
    step_index: dict[str, int] = field(default_factory=dict)  # step id -> its [[step]] table's index

    def line(self, key: str | None = None, step_id: str | None = None) -> int:
        """The line of `key` (top level, or in the table of step `step_id`) for error messages."""
        if self.lines is None:
            return 1
        return self.lines.line(key, None if step_id is None else self.step_index.get(step_id))

    def value_line(self, value: str, key: str, step_id: str | None = None) -> int:
        """The line of the string `value` in the list `key`."""
        if self.lines is None:
            return 1
        return self.lines.value_line(value, key, None if step_id is None else self.step_index.get(step_id))


def read_meta(path: Path) -> MetaReading:
    """Read and check lesson.toml; `meta` is None when the lesson cannot be used at all."""
    file = str(path)
    try:
        text = read_text_limited(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        return MetaReading(path, None, [LessonError(file, 1, "lesson.toml is missing")])
    except OSError as exc:
        return MetaReading(path, None, [LessonError(file, 1, f"cannot read lesson.toml: {exc.strerror or exc}")])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return MetaReading(path, None, [_toml_syntax_error(file, text, exc)])
    except ValueError as exc:  # an integer of thousands of digits
        return MetaReading(path, None, [LessonError(file, 1, f"TOML syntax error: {exc}")])
    except RecursionError:
        return MetaReading(path, None, [LessonError(file, 1, "TOML syntax error: arrays or tables nested too deeply")])
    lines = TomlLines(text)
    checker = _MetaChecker(file, lines)
    meta = checker.check(data)
    return MetaReading(path, meta, checker.errors, lines, checker.step_index)


def _toml_syntax_error(file: str, text: str, exc: tomllib.TOMLDecodeError) -> LessonError:
    message = str(exc)
    match = _TOML_POSITION.search(message)
    line = len(text.splitlines()) or 1
    if match and match[1]:
        line = int(match[1])
    reason = _TOML_POSITION.sub("", message).strip()
    return LessonError(file, line, f"TOML syntax error: {reason}")


class _MetaChecker:
    """Checks the keys and types of a parsed lesson.toml, collecting errors with lines."""

    def __init__(self, file: str, lines: TomlLines) -> None:
        self.file = file
        self.lines = lines
        self.errors: list[LessonError] = []
        self.step_index: dict[str, int] = {}

    def error(self, line: int, message: str) -> None:
        self.errors.append(LessonError(self.file, line, message))

    def check(self, data: dict) -> LessonMeta | None:
        for key in data:
            if key not in LESSON_KEYS:
                self.error(self.lines.line(key), _unknown_key(key, LESSON_KEYS, "lesson.toml"))
        lesson_id = data.get("id")
        usable = True
        if not isinstance(lesson_id, str) or not ID_PATTERN.match(lesson_id):
            self.error(self.lines.line("id"), "`id` must be a lowercase-with-dashes string, e.g. id = \"reverse-proxy\"")
            usable = False
        order = data.get("order")
        if not isinstance(order, int) or isinstance(order, bool):
            self.error(self.lines.line("order"), "`order` must be a whole number, e.g. order = 2")
            order = 999
        title = self.check_texts(data, "title")
        summary = self.check_texts(data, "summary")
        requires = self.check_string_list(data.get("requires", []), "requires", None)
        steps = self.check_steps(data.get("step"))
        if steps is None or not usable or not isinstance(lesson_id, str):
            return None
        return LessonMeta(lesson_id, order, title, summary, requires, steps)

    def check_texts(self, data: dict, key: str) -> dict[str, str]:
        value = data.get(key)
        line = self.lines.line(key)
        if not isinstance(value, dict):
            self.error(line, f"`{key}` must be a table with both languages: {key} = {{ id = \"...\", en = \"...\" }}")
            return {}
        texts = {}
        for lang in value:
            if lang not in LANGUAGES:
                self.error(line, f"`{key}` has an unknown language {lang!r} (use id and en)")
        for lang in LANGUAGES:
            text = value.get(lang)
            if isinstance(text, str) and text.strip() and text.isprintable():
                texts[lang] = text
            elif isinstance(text, str) and text.strip():
                self.error(line, f"`{key}.{lang}` has control or format characters: write plain text")
            else:
                self.error(line, f"`{key}.{lang}` is missing or empty")
        return texts

    def check_string_list(self, value: object, key: str, step: int | None) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.error(self.lines.line(key, step), f"`{key}` must be a list of strings")
            return ()
        return tuple(value)

    def check_steps(self, value: object) -> list[StepMeta] | None:
        if not isinstance(value, list) or not value or not all(isinstance(item, dict) for item in value):
            self.error(self.lines.line("step"), "lesson.toml has no steps: add [[step]] tables with an `id`")
            return None
        steps: list[StepMeta] = []
        seen: dict[str, int] = {}
        for index, table in enumerate(value):
            step = self.check_step(index, table)
            if step is None:
                continue
            line = self.lines.line("id", index)
            if step.id in seen:
                self.error(line, f"step id {step.id!r} is used twice (first at line {seen[step.id]})")
                continue
            seen[step.id] = line
            self.step_index[step.id] = index
            steps.append(step)
        return steps

    def check_step(self, index: int, table: dict) -> StepMeta | None:
        for key in table:
            if key not in STEP_KEYS:
                self.error(self.lines.line(key, index), _unknown_key(key, STEP_KEYS, "[[step]]"))
        step_id = table.get("id")
        if not isinstance(step_id, str) or not ID_PATTERN.match(step_id):
            self.error(self.lines.line("id", index), "step `id` must be a lowercase-with-dashes string")
            return None
        lists = {key: self.check_string_list(table.get(key, []), key, index) for key in _LIST_KEYS}
        scenario = table.get("scenario")
        if scenario is not None and not isinstance(scenario, str):
            self.error(self.lines.line("scenario", index), "`scenario` must be a string (a scenario name)")
            scenario = None
        core, minutes = self.check_time(index, table, step_id)
        return StepMeta(step_id, lists["covers"], lists["roles"], lists["checks"], scenario, core, minutes)

    def check_time(self, index: int, table: dict, step_id: str) -> tuple[bool, int]:
        """`core` (on the core path, or optional) and `minutes` (the time a learner who types
        everything needs): both required on every step; missing or wrong ones default to core, 0."""
        core = table.get("core")
        if not isinstance(core, bool):
            what = "has no `core`" if core is None else f"has `core = {_toml(core)}`"
            self.error(self.lines.line("core" if core is not None else None, index),
                       f"step {step_id!r} {what}: write core = true (on the core path) or core = false (optional)")
            core = True
        minutes = table.get("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_STEP_MINUTES:
            what = "has no `minutes`" if minutes is None else f"has `minutes = {_toml(minutes)}`"
            self.error(self.lines.line("minutes" if minutes is not None else None, index),
                       f"step {step_id!r} {what}: write the minutes a learner who types everything needs, "
                       f"a whole number from 1 to {MAX_STEP_MINUTES} (e.g. minutes = 5)")
            minutes = 0
        return core, minutes


def _toml(value: object) -> str:
    """A parsed TOML value as it is written in the file (`true`, `"5"`), shortened."""
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:39] + "…"


def _unknown_key(key: str, known: tuple[str, ...], where: str) -> str:
    from difflib import get_close_matches

    close = get_close_matches(key, known, n=1)
    suggestion = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key {key!r} in {where}{suggestion}; known keys: {', '.join(known)}"
