"""`tutor lint`: check lessons for structure, id/en parity, links, checks and scenarios.

`lint(path)` returns a summary of the lessons and every error as `file:line: message`;
the command (`tutor lint`, its exit codes and output) is tutor/cli/lint.py.
"""

from __future__ import annotations

import re
from difflib import get_close_matches
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import unquote

from tutor.i18n import tr
from tutor.lessons.loader import LESSON_FILE, LessonReading, is_file, language_file, read_lesson, relative_error
from tutor.lessons.model import LessonError
from tutor.lessons.prose import ParsedFile, ParsedStep, Ref, prose_of
from tutor.lessons.values import NAMED_VALUES
from tutor.lessons.vocabulary import CHECK_IDS, COVER_IDS, LANGUAGES, MAX_STEP_CHARS, ROLES, COPYABLE_LANGUAGES

_SCHEME = re.compile(r"^([A-Za-z][\w+.-]*):")
_WEB_SCHEMES = ("http", "https", "mailto")
_FOLDER_NAME = re.compile(r"^\d+-(.+)$")
TEXT = "lint"
"""The catalogue section of the summary line and usage errors (tutor/locale/*.toml)."""
_CLI_TEXT = "cli"  # the command line's section: its `input.no_path` is the one "no such file or folder" text

LANGUAGE_NAMES = {"id": "Indonesian", "en": "English"}
MAX_STEP_LINES = 150  # lessons/README.md: keep a step under ~120 lines, it is rendered alone
MIN_HINTS = 2  # a step with commands has a hint ladder: a nudge, where to look, nearly the answer
MAX_QUESTION_PARAGRAPHS = 2  # a {predict} question asks; its explanation comes after the choices
_CODE_SPAN = re.compile(r"`([^`]+)`")
_NUMBER = re.compile(r"(?<![\w.])\d{2,}(?:\.\d+)?(?![\w.])")


class LintUsageError(Exception):
    """PATH does not exist or holds no lessons (exit code 2). `section`, `key` and `values` name the
    reason in the catalogue (tutor/locale: `[lint] usage.*`, or the CLI's own "no such path" text);
    str() is its English text."""

    def __init__(self, key: str, section: str = TEXT, **values: object) -> None:
        super().__init__(tr(section, key, "en", **values))
        self.section = section
        self.key = key
        self.values = values

    def text(self, lang: str) -> str:
        """The reason in `lang`."""
        return tr(self.section, self.key, lang, **self.values)


def lint(path: Path, scenarios: Path | None = None) -> tuple[list[dict], list[LessonError]]:
    """Lint a lessons root folder or one lesson folder.

    Returns (lessons, errors): one `{"id", "languages", "steps"}` dict per lesson that loads, in
    `order`, and every problem with its file relative to `path`'s parent. Scenarios are looked up in
    `scenarios`, by default the `assets/scenarios` folder beside the lessons folder (else the shipped one).
    """
    path = Path(path)
    try:
        found = path.exists()
    except OSError as exc:  # a name too long (ENAMETOOLONG), ...
        raise LintUsageError("usage.unreadable", path=str(path), reason=exc.strerror or exc) from None
    if not found:
        raise LintUsageError("input.no_path", _CLI_TEXT, path=str(path))
    if path.is_file():
        path = path.parent
    if _is_lesson_folder(path):
        targets, lessons_root = [path], path.parent
        context = [folder for folder in _candidate_folders(lessons_root) if folder != path]
    else:
        targets, lessons_root = _candidate_folders(path), path
        context = []
    if not targets:
        raise LintUsageError("usage.no_lessons", path=str(path), lesson_file=LESSON_FILE)
    scenario_folder = scenarios or _scenarios_beside(lessons_root)
    readings = [read_lesson(folder) for folder in targets]
    known = _lessons_by_id(readings + [read_lesson(folder) for folder in context])
    errors: list[LessonError] = []
    for reading in readings:
        errors.extend(reading.errors)
        errors.extend(_LessonLinter(reading, known, scenario_folder).run())
    base = path.parent
    unique = dict.fromkeys(relative_error(error, base) for error in errors)
    ordered = sorted(unique, key=lambda error: (error.file, error.line))
    return _summary(readings), ordered


def _is_lesson_folder(path: Path) -> bool:
    return is_file(path / LESSON_FILE) or any(is_file(language_file(path, lang)) for lang in LANGUAGES)


def _candidate_folders(root: Path) -> list[Path]:
    """Subfolders that hold a lesson (or look like one that lost its lesson.toml)."""
    try:
        children = sorted(child for child in root.iterdir() if child.is_dir())
    except OSError:
        return []
    return [child for child in children if _is_lesson_folder(child)]


def _scenarios_beside(lessons_root: Path) -> Path:
    beside = lessons_root.parent / "assets" / "scenarios"
    if beside.is_dir():
        return beside
    from tutor.paths import scenarios_dir

    return scenarios_dir()


def _lessons_by_id(readings: list[LessonReading]) -> dict[str, list[LessonReading]]:
    known: dict[str, list[LessonReading]] = {}
    for reading in readings:
        if reading.meta.meta is not None:
            known.setdefault(reading.meta.meta.id, []).append(reading)
    return known


def _summary(readings: list[LessonReading]) -> list[dict[str, object]]:
    loaded = sorted(
        ((reading.lesson, reading) for reading in readings if reading.lesson is not None),
        key=lambda pair: (pair[0].order, pair[1].folder.name),
    )
    return [
        {
            "id": lesson.id,
            "languages": [lang for lang in LANGUAGES if lang in reading.files],
            "steps": [step.id for step in lesson.steps],
        }
        for lesson, reading in loaded
    ]


def _did_you_mean(name: str, known: tuple[str, ...] | list[str]) -> str:
    close = get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _LessonLinter:
    """The checks that need more than one file: names, parity, links, scenarios."""

    def __init__(self, reading: LessonReading, known: dict[str, list[LessonReading]], scenarios: Path) -> None:
        self.reading = reading
        self.meta = reading.meta
        self.known = known
        self.scenarios = scenarios
        self.step_ids = [step.id for step in self.meta.meta.steps] if self.meta.meta is not None else []
        self.meta_steps = {step.id: step for step in reversed(self.meta.meta.steps)} if self.meta.meta else {}
        self.position = {step_id: index for index, step_id in reversed(list(enumerate(self.step_ids)))}
        self.errors: list[LessonError] = []

    def error(self, file: Path | str, line: int, message: str) -> None:
        self.errors.append(LessonError(str(file), line, message))

    def run(self) -> list[LessonError]:
        meta = self.meta.meta
        if meta is None:
            return self.errors
        self.lesson_level(meta)
        for meta_step in meta.steps:
            self.step_names(meta_step)
        for lang in LANGUAGES:
            parsed = self.reading.files.get(lang)
            if parsed is None:
                if not language_file(self.reading.folder, lang).exists():  # else: "cannot read" said why
                    self.missing_file(lang)
                continue
            self.title(lang, parsed)
            self.step_order(lang, parsed)
            for step in parsed.steps:
                self.step_content(parsed, step)
        self.parity()
        return self.errors

    # lesson.toml

    def lesson_level(self, meta) -> None:
        toml = self.meta.path
        match = _FOLDER_NAME.match(self.reading.folder.name)
        if match is None or match[1] != meta.id:
            self.error(toml, self.meta.line("id"),
                       f"the lesson folder {self.reading.folder.name!r} must be named <nn>-{meta.id} (e.g. 01-{meta.id})")
        for other in self.known.get(meta.id, []):
            if other is not self.reading:
                self.error(toml, self.meta.line("id"),
                           f"lesson id {meta.id!r} is also used by {other.folder.name}/{LESSON_FILE}")
        for required in meta.requires:
            if required not in self.known:
                self.error(toml, self.meta.value_line(required, "requires"),
                           f"requires unknown lesson {required!r}{_did_you_mean(required, list(self.known))}")
        self.core_covers(meta)
        cycle = self.requirement_cycle(meta.id)
        if cycle:
            what = "requires itself" if len(cycle) == 2 else f"is part of a cycle of requirements: {' -> '.join(cycle)}"
            self.error(toml, self.meta.line("requires"), f"lesson {meta.id!r} {what}; no one could ever start it")

    def core_covers(self, meta) -> None:
        """Every part of the original tutorial a lesson covers is on its core path: an optional
        step may cover a part again, never alone."""
        on_core = {cover for step in meta.steps if step.core for cover in step.covers}
        for step in meta.steps:
            for cover in step.covers:
                if not step.core and cover not in on_core:
                    self.error(self.meta.path, self.meta.value_line(cover, "covers", step.id),
                               f"step {step.id!r} is optional (core = false) but is the only step covering "
                               f"{cover!r}: every part of the original tutorial stays on the core path")
                    on_core.add(cover)  # said once

    def requirement_cycle(self, start: str) -> list[str]:
        """The shortest path `start -> ... -> start` along `requires`, or [] when there is none."""
        paths = {start: [start]}
        queue = [start]
        while queue:
            current = queue.pop(0)
            readings = self.known.get(current) or []
            requires = readings[0].meta.meta.requires if readings and readings[0].meta.meta else ()
            for required in requires:
                if required == start:
                    return paths[current] + [start]
                if required not in paths:
                    paths[required] = paths[current] + [required]
                    queue.append(required)
        return []

    def step_names(self, step) -> None:
        toml = self.meta.path
        for values, valid, key in ((step.covers, COVER_IDS, "covers"), (step.roles, ROLES, "roles"),
                                 (step.checks, CHECK_IDS, "checks")):
            for value in values:
                if value not in valid:
                    line = self.meta.value_line(value, key, step.id)
                    self.error(toml, line, f"step {step.id!r}: unknown {key[:-1]} {value!r}"
                               f"{_did_you_mean(value, valid)}; known: {_known_list(key, valid)}")
        if step.scenario is not None and not self.scenario_exists(step.scenario):
            self.error(toml, self.meta.line("scenario", step.id), self.unknown_scenario(step.scenario))

    def scenario_exists(self, name: str) -> bool:
        from tutor.paths import is_file

        return bool(name) and "/" not in name and is_file(self.scenarios / f"{name}.toml")

    def unknown_scenario(self, name: str) -> str:
        names = sorted(path.stem for path in self.scenarios.glob("*.toml"))
        return f"unknown scenario {name!r}{_did_you_mean(name, names)}: there is no {self.scenarios.name}/{name}.toml"

    # language files

    def missing_file(self, lang: str) -> None:
        path = language_file(self.reading.folder, lang)
        other = next((other for other in LANGUAGES if other != lang and other in self.reading.files), None)
        fallback = f" (the app falls back to {other}.md)" if other else ""
        self.error(path, 1, f"{path.name} is missing: the lesson has no {LANGUAGE_NAMES[lang]} text{fallback}")

    def title(self, lang: str, parsed: ParsedFile) -> None:
        wanted = self.meta.meta.title.get(lang) if self.meta.meta else None
        if parsed.title is not None and wanted is not None and parsed.title != wanted:
            self.error(parsed.path, parsed.title_line,
                       f"the title {parsed.title!r} differs from lesson.toml title.{lang} {wanted!r}")

    def step_order(self, lang: str, parsed: ParsedFile) -> None:
        """Same steps as lesson.toml, in the same order: report extra, missing and misplaced steps."""
        expected, position = self.step_ids, self.position
        present = [step for step in parsed.steps if step.id in position]
        for step in parsed.steps:
            if step.id not in position:
                self.error(parsed.path, step.line,
                           f"step {step.id!r} is not in lesson.toml{_did_you_mean(step.id, expected)}")
        found = {step.id for step in present}
        following: list[ParsedStep | None] = [None] * len(expected)  # the next step present after each
        after = None
        for index in range(len(expected) - 1, -1, -1):
            following[index] = after
            if expected[index] in found:
                after = parsed.step(expected[index])
        for index, step_id in enumerate(expected):
            if step_id in found:
                continue
            next_step = following[index]
            line = next_step.line if next_step else parsed.line_count
            where = self.elsewhere(lang, step_id)
            self.error(parsed.path, line, f"step {step_id!r} is missing{where}")
        highest = -1
        for step in present:
            place = position[step.id]
            if place < highest:
                before = expected[place + 1]
                self.error(parsed.path, step.line,
                           f"step {step.id!r} is out of order: lesson.toml puts it before {before!r}")
            highest = max(highest, place)

    def elsewhere(self, lang: str, step_id: str) -> str:
        for other in LANGUAGES:
            parsed = self.reading.files.get(other)
            step = parsed.step(step_id) if other != lang and parsed is not None else None
            if step is not None:
                return f" (it is in {other}.md:{step.line})"
        return " (it is in lesson.toml)"

    def step_content(self, parsed: ParsedFile, step: ParsedStep) -> None:
        meta = self.meta_steps.get(step.id)
        text = step.text
        if step.chars > MAX_STEP_CHARS:
            self.error(parsed.path, step.line, f"step {step.id!r} has {step.chars:,} characters: keep a step under "
                       f"{MAX_STEP_CHARS:,} (split it in two), it is rendered alone")
        if step.length > MAX_STEP_LINES:
            self.error(parsed.path, step.line, f"step {step.id!r} is {step.length} lines long: keep a step under "
                       f"{MAX_STEP_LINES} lines (split it in two), it is rendered alone")
        typed = [command for command in text.commands if command.language in COPYABLE_LANGUAGES]
        if typed and len(text.hints) < MIN_HINTS:
            have = "no hint" if not text.hints else f"only {_count(len(text.hints), 'hint')}"
            self.error(parsed.path, step.line,
                       f"step {step.id!r} has commands but {have}: give a hint ladder of at least {MIN_HINTS} "
                       "`:::{hint}` blocks (a nudge, then where to look, then nearly the answer)")
        self.questions(parsed, step)
        for ref in step.refs:
            if ref.kind == "link":
                self.link(parsed, ref)
            elif ref.kind == "scenario" and not self.scenario_exists(ref.value):
                self.error(parsed.path, ref.line, self.unknown_scenario(ref.value))
            elif ref.kind == "role":
                self.role(parsed, step, ref, meta)
            elif ref.kind == "prose-value" and ref.value in NAMED_VALUES:
                self.error(parsed.path, ref.line,
                           f"{{{ref.value}}} stands outside a code fence, where it is shown as written: named values "
                           "are filled in code fences only (say it in words, or write \\{" + ref.value + "} to show the name)")
            elif ref.kind == "lab-command" and lab_command_problem(ref.value):
                self.error(parsed.path, ref.line, f"{ref.value!r}: {lab_command_problem(ref.value)}")
            elif ref.kind == "value" and ref.value not in NAMED_VALUES:
                self.error(parsed.path, ref.line,
                           f"unknown named value {{{ref.value}}}{_did_you_mean(ref.value, list(NAMED_VALUES))}; known: "
                           f"{', '.join(NAMED_VALUES)} (write \\{{{ref.value}}} for a literal {{{ref.value}}})")

    def questions(self, parsed: ParsedFile, step: ParsedStep) -> None:
        """Each {predict} asks before it explains: a short question above the choices, and no
        answer given away by the step's text above it."""
        above: list[str] = []
        for part in step.text.body_parts():
            if part.kind != "predict" or part.predict is None:
                above.append(part.markdown)
                continue
            predict = part.predict
            line = predict.line or step.line
            paragraphs = [p for p in prose_of(predict.question).split("\n\n") if p.strip()]
            if len(paragraphs) > MAX_QUESTION_PARAGRAPHS or not paragraphs or not paragraphs[-1].rstrip("*_ )").endswith("?"):
                self.error(parsed.path, line, f"step {step.id!r}: the {{predict}} question must be a short question "
                           f"(at most {MAX_QUESTION_PARAGRAPHS} paragraphs, ending with '?'); "
                           "its explanation goes after the choices")
            given = _giveaway(predict, "\n".join(above))
            if given:
                self.error(parsed.path, line, f"step {step.id!r}: the text above the {{predict}} question already "
                           f"says the answer ({given}): ask first, explain after the choices")

    def role(self, parsed: ParsedFile, step: ParsedStep, ref: Ref, meta) -> None:
        if ref.value not in ROLES:
            self.error(parsed.path, ref.line,
                       f"unknown role {ref.value!r}{_did_you_mean(ref.value, ROLES)}; known: {', '.join(ROLES)}")
        elif meta is not None and ref.value not in meta.roles:
            listed = ", ".join(meta.roles) or "none"
            self.error(parsed.path, ref.line,
                       f"role {ref.value!r} is not in lesson.toml's roles for step {step.id!r} ({listed})")

    def link(self, parsed: ParsedFile, ref: Ref) -> None:
        target = ref.value.strip()
        scheme = _SCHEME.match(target)
        if not target:
            self.error(parsed.path, ref.line, "empty link target")
        elif target.startswith("#"):
            if target[1:] not in self.step_ids:
                self.error(parsed.path, ref.line, f"link to unknown step {target!r}{_did_you_mean(target[1:], self.step_ids)}")
        elif scheme and scheme[1].lower() == "lesson":
            self.lesson_link(parsed, ref, target[len("lesson:"):])
        elif scheme and scheme[1].lower() in _WEB_SCHEMES:
            return  # web links are not fetched
        elif scheme:
            self.error(parsed.path, ref.line,
                       f"unsupported link {target!r}: use #step, lesson:<id>#<step>, a relative file or https://")
        else:
            self.file_link(parsed, ref, target)

    def lesson_link(self, parsed: ParsedFile, ref: Ref, rest: str) -> None:
        lesson_id, _, step_id = rest.partition("#")
        others = self.known.get(lesson_id)
        if not others:
            self.error(parsed.path, ref.line,
                       f"link to unknown lesson {lesson_id!r}{_did_you_mean(lesson_id, list(self.known))}")
            return
        linked = others[0].meta.meta
        steps = [step.id for step in linked.steps] if linked else []
        if step_id and step_id not in steps:
            self.error(parsed.path, ref.line,
                       f"link to unknown step {step_id!r} of lesson {lesson_id!r}{_did_you_mean(step_id, steps)}")

    def file_link(self, parsed: ParsedFile, ref: Ref, target: str) -> None:
        relative = unquote(target.split("#", 1)[0].split("?", 1)[0])
        if relative.startswith("/"):
            self.error(parsed.path, ref.line, f"link {target!r}: links to files must be relative to the lesson folder")
        elif relative and not (parsed.path.parent / relative).exists():
            self.error(parsed.path, ref.line, f"broken link: {relative!r} does not exist")

    # id / en parity

    def parity(self) -> None:
        """Steps present in both languages must have the same hints, solution, sims, predicts, commands."""
        files = [self.reading.files[lang] for lang in LANGUAGES if lang in self.reading.files]
        if len(files) < 2:
            return
        first, second = files[0], files[1]
        for step in second.steps:
            other = first.step(step.id)
            if other is None:
                continue
            for problem in _differences(other.text, step.text):
                self.error(second.path, step.line,
                           f"step {step.id!r}: {problem} (compare {first.path.name}:{other.line})")


def _differences(a, b) -> list[str]:
    """How the structure of two translations of a step differs, as readable phrases (b vs a)."""
    problems = []
    if len(a.hints) != len(b.hints):
        problems.append(f"{_count(len(b.hints), 'hint')} here but {len(a.hints)} in the other language")
    if (a.solution is None) != (b.solution is None):
        problems.append("a {solution} block in only one language")
    if a.sims != b.sims:
        problems.append(f"{{sim}} scenarios {list(b.sims)} here but {list(a.sims)} in the other language")
    scenarios_a = [predict.scenario for predict in a.predicts]
    scenarios_b = [predict.scenario for predict in b.predicts]
    if scenarios_a != scenarios_b:
        problems.append(f"{{predict}} scenarios {scenarios_b} here but {scenarios_a} in the other language")
    else:
        for number, (pa, pb) in enumerate(zip(a.predicts, b.predicts), 1):
            if len(pa.choices) != len(pb.choices):
                problems.append(f"{{predict}} #{number}: {len(pb.choices)} choices here but {len(pa.choices)} "
                                "in the other language")
            elif [c.correct for c in pa.choices] != [c.correct for c in pb.choices]:
                problems.append(f"{{predict}} #{number}: marks another right answer than the other language "
                                f"(here {_marked(pb)}, there {_marked(pa)})")
    shape_a = [(c.language, c.role, c.lab) for c in a.commands]
    shape_b = [(c.language, c.role, c.lab) for c in b.commands]
    if shape_a != shape_b:
        problems.append(f"{_count(len(shape_b), 'command')} here but {len(shape_a)} in the other language"
                        if len(shape_a) != len(shape_b) else
                        "code fences with other languages, roles or when=lab than the other language")
    elif [c.code for c in a.commands if c.lab] != [c.code for c in b.commands if c.lab]:
        problems.append("a {when=lab} block differs from the other language's: the lab's commands are the same in both")
    return problems


@lru_cache(maxsize=256)
def lab_command_problem(command: str) -> str:
    """What is wrong with a `sudo tutor ...` line of a when=lab block: it must be `sudo tutor lab ...`
    or `sudo tutor check --lab ...` that `tutor` accepts (its own parser says so); "" when fine."""
    import contextlib
    import io
    import shlex

    try:
        words = shlex.split(command, comments=True)
    except ValueError as exc:
        return f"cannot read it as a shell command ({exc})"
    if words[:2] != ["sudo", "tutor"] or words[2:3] not in (["lab"], ["check"]):
        return "write it as `sudo tutor lab ACTION ...` or `sudo tutor check --lab ...`: the lab needs root"
    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said), contextlib.redirect_stdout(said):
            args = _tutor_parser().parse_args(words[2:])
    except SystemExit:
        reason = said.getvalue().strip().splitlines()
        return f"`tutor` would refuse it: {reason[-1] if reason else 'bad usage'}"
    if args.command == "check" and not args.lab:
        return "a `tutor check` of a when=lab block checks the lab: add --lab"
    return ""


@cache
def _tutor_parser():
    """tutor's own command line (built once: a lesson may quote many lab commands)."""
    from tutor.cli.main import build_parser

    return build_parser("en")


def _marked(predict) -> str:
    """The letters of a question's right choices: "B", "A, C"."""
    return ", ".join(chr(65 + index) for index, choice in enumerate(predict.choices) if choice.correct) or "none"


def _giveaway(predict, above: str) -> str:
    """A `code span` or number that only the right choice(s) hold, that the question itself does not
    name, and that the text above already states; or ""."""
    def marks(text: str) -> set[str]:
        return {span.strip() for span in _CODE_SPAN.findall(text)} | set(_NUMBER.findall(text))

    right = set().union(*(marks(c.text) for c in predict.choices if c.correct)) if predict.choices else set()
    wrong = set().union(*(marks(c.text) for c in predict.choices if not c.correct)) if predict.choices else set()
    shown = marks(prose_of(above)) | set(_NUMBER.findall(prose_of(above)))
    found = sorted(mark for mark in right - wrong - marks(predict.question) if mark in shown or f"`{mark}`" in above)
    return ", ".join(f"`{mark}`" for mark in found)


def _count(number: int, noun: str) -> str:
    """"1 hint", "2 hints" for the (English) error messages."""
    return f"{number} {noun}{'s' if number != 1 else ''}"


def _known_list(key: str, valid: tuple[str, ...]) -> str:
    if key == "covers":
        return "intro-web-server, intro-reverse-proxy, intro-load-balancing, rp-1 ... rp-19, lb-1 ... lb-12"
    return ", ".join(valid)
