"""The lesson parser: one language file of a lesson (`id.md` / `en.md`) into steps, and every
code fence as data.

markdown-it-py with the colon-fence plugin finds the `::::{step} <id>` blocks; each step's content
is parsed again to find its `:::{hint}`, `:::{solution}`, `:::{sim}` and `:::{predict}` blocks, its
code fences and its links. Line numbers come from the tokens' `.map` and are 1-based in errors.
Every fence of a step, wherever it stands (body, hint, solution, sim caption, question), is a
`Fence` (tutor/lessons/model.py) with its options and file lines, in `StepText.fences`; the
lesson self-test, lint and the time estimate read them from here instead of scanning again.
`fence_spans` finds the fences of a piece of a step's Markdown by the same rules, for filling
(tutor/lessons/values.py) and for the prose around them (lint, estimate).
markdown-it-py is imported on the first parse, so importing this module costs almost nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sim.files import read_text_limited
from tutor.lessons.model import Choice, Fence, FenceSpan, LessonError, Predict, StepPart, StepText
from tutor.lessons.values import names_in
from tutor.lessons.vocabulary import COMMAND_LANGUAGES, ID_PATTERN, MAX_FILE_BYTES, STEP_BLOCKS

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

_DIRECTIVE = re.compile(r"^\{([A-Za-z][\w-]*)\}\s*(.*)$")
_FENCE_INFO = re.compile(r"^([^\s{]*)\s*(.*)$")
_FENCE_OPTIONS = re.compile(r"^\{([^{}]*)\}$")
_FENCE_OPTION = re.compile(r"""^([A-Za-z][\w-]*)=(?:"([^"]*)"|'([^']*)'|(\S+))$""")
_TUTOR_LINE = re.compile(r"^\s*(sudo\s+)?tutor\s")  # a `tutor` command line of a when=lab block
_CHOICE = re.compile(r"^\[([ xX])\]\s+(.*)$", re.DOTALL)
_FENCE_OPTION_KEYS = ("role", "file", "example", "when")  # where to type it; where a config block goes;
# example=tutorial; when=lab (shown only when the learner's machines are the lab's)


@dataclass(frozen=True)
class Ref:
    """A name a step uses that lint resolves: a link target, a scenario, a code fence's role, or a
    named value (`{app1_ip}`) written in a code fence."""

    kind: str  # "link" | "scenario" | "role" | "value" | "prose-value" (a `{name}` outside any fence)
    # | "lab-command" (a `sudo tutor ...` line of a when=lab fence)
    value: str
    line: int


@dataclass
class ParsedStep:
    """One `::::{step}` block of a language file."""

    id: str
    line: int
    text: StepText
    refs: list[Ref] = field(default_factory=list)
    length: int = 0  # lines of the whole block, fences included
    chars: int = 0  # characters of the whole block
    source: str = ""  # the block's raw content, as written (the lines between `::::{step}` and `::::`)

    @property
    def fences(self) -> tuple[Fence, ...]:
        """Every code fence of the step in file order: body, hints, solution, sim captions, questions."""
        return self.text.fences


@dataclass
class ParsedFile:
    """A parsed `id.md` / `en.md`: its `#` title, its steps in file order, and its problems."""

    path: Path
    title: str | None
    title_line: int
    steps: list[ParsedStep]
    errors: list[LessonError]
    line_count: int

    def step(self, step_id: str) -> ParsedStep | None:
        """The first step with this id (an index built on first use: lint asks for every step)."""
        index = self.__dict__.get("_index")
        if index is None or len(index[0]) != len(self.steps):
            by_id: dict[str, ParsedStep] = {}
            for step in self.steps:
                by_id.setdefault(step.id, step)
            index = self.__dict__["_index"] = (list(self.steps), by_id)
        return index[1].get(step_id)


@cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.colon_fence import colon_fence_plugin

    return MarkdownIt("commonmark").use(colon_fence_plugin)


@cache
def _blocks() -> MarkdownIt:
    """The same rules without the inline pass: enough to find fences, and about twice as fast."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.colon_fence import colon_fence_plugin

    return MarkdownIt("commonmark").use(colon_fence_plugin).disable(["inline", "text_join"])


def parse_file(path: Path) -> ParsedFile:
    """Parse a lesson language file. Raises OSError when it cannot be read (not a regular file,
    over MAX_FILE_BYTES, not UTF-8)."""
    return _FileParser(path, read_text_limited(path, MAX_FILE_BYTES)).parse()


@dataclass
class _Chunk:
    """A hint, solution or caption: Markdown to render, cleaned, its fences and the names it uses."""

    markdown: str
    fences: list[Fence]
    refs: list[Ref]


@dataclass
class _Source:
    """Lines being parsed (a step's content, a hint's, a question's), the fence info lines reduced
    (index -> new line), and where their fences stand (FenceSpan, 0-based indexes in `lines`)."""

    lines: list[str]
    rewrites: dict[int, str] = field(default_factory=dict)
    spans: list[FenceSpan] = field(default_factory=list)


@lru_cache(maxsize=1024)
def fence_spans(markdown: str) -> tuple[FenceSpan, ...]:
    """The code fences of a piece of a step's Markdown (a body, a hint, a question), by the parser's
    rules: a ```` fence holding a ``` block is one fence. Options other than the flags are ignored.
    A parsed step already knows them (`StepText.spans`): this is for Markdown from elsewhere."""
    if "```" not in markdown and "~~~" not in markdown:
        return ()
    lines = markdown.split("\n")
    spans: list[FenceSpan] = []
    for token in _blocks().parse(markdown):
        if token.type == "fence" and token.map:
            language, found, _ = _fence_info(token.info)
            spans.append(_fence_span(token, lines, language, found))
    return tuple(spans)


def _fence_span(token: Token, lines: list[str], language: str, found: dict[str, str]) -> FenceSpan:
    start, end = _span(token)
    content = token.content  # its last line has no newline when it runs to the end of the text
    code_end = min(start + 1 + content.count("\n") + (1 if content and not content.endswith("\n") else 0), end)
    source = lines[start]
    return FenceSpan(start, start + 1, code_end, end, source[:source.find(token.markup)], token.markup, language,
                     found.get("example") == "tutorial", "when" in found)


def prose_of(markdown: str) -> str:
    """`markdown` without its code fences' lines: the words a learner reads."""
    spans = fence_spans(markdown)
    if not spans:
        return markdown
    inside = {index for span in spans for index in range(span.start, span.end)}
    return "\n".join(line for index, line in enumerate(markdown.split("\n")) if index not in inside)


def _fence_info(info: str) -> tuple[str, dict[str, str], list[str]]:
    """A fence's info string -> (language, options, problems): ```bash {role=proxy file=/etc/x}."""
    match = _FENCE_INFO.match(info.strip())
    language, options = (match[1], match[2]) if match else ("", "")
    found: dict[str, str] = {}
    problems: list[str] = []
    if not options:
        return language, found, problems
    braced = _FENCE_OPTIONS.match(options)
    if not braced:
        return language, found, [f"cannot read the code fence options {options!r}: write e.g. ```bash {{role=proxy}}"]
    for option in braced[1].split():
        parsed = _FENCE_OPTION.match(option)
        if not parsed or parsed[1] not in _FENCE_OPTION_KEYS:
            problems.append(f"unknown code fence option {option!r}: the options are "
                            "role=<role>, file=<absolute path>, example=tutorial and when=lab")
            continue
        if parsed[1] in found:
            problems.append(f"the code fence option {parsed[1]!r} is given twice")
        found[parsed[1]] = next(value for value in parsed.groups()[1:] if value is not None)
    return language, found, problems


class _FileParser:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text.lstrip("\ufeff").replace("\r\n", "\n")
        self.lines = self.text.split("\n")
        self.errors: list[LessonError] = []
        self.spans: dict[str, tuple[FenceSpan, ...]] = {}  # the step being parsed: its texts -> their fences

    def error(self, line: int, message: str) -> None:
        self.errors.append(LessonError(str(self.path), line, message))

    def assemble(self, source: _Source, drops: list[tuple[int, int]]) -> str:
        """`_assemble`, remembering where the fences of the text stand (for `StepText.spans`)."""
        text, spans = _assemble(source, drops)
        if spans is not None:
            self.spans[text] = spans
        return text

    def parse(self) -> ParsedFile:
        tokens = _markdown().parse(self.text)
        title, title_line = None, 0
        steps: list[ParsedStep] = []
        seen: dict[str, int] = {}
        outside_run = False
        first = True
        for block, group in _top_blocks(tokens):
            line = _span(block)[0] + 1 if block.map else 0
            if block.type == "html_block" and block.content.lstrip().startswith("<!--"):
                continue  # comments for authors and translators may stand anywhere
            if first:
                first = False
                if block.type == "heading_open" and block.tag == "h1":
                    title, title_line = group[1].content.strip(), line
                    continue
                self.error(line, "the file must start with the lesson title as a `# ` heading")
                outside_run = block.type != "colon_fence"
            if block.type == "colon_fence":
                outside_run = False
                step = self.top_level_block(block)
                if step is None:
                    continue
                if step.id in seen:
                    self.error(step.line, f"step {step.id!r} appears twice (first at line {seen[step.id]})")
                    continue
                seen[step.id] = step.line
                steps.append(step)
            elif not outside_run:
                outside_run = True
                self.error(line, "text outside a step block: only the `#` title may stand outside `::::{step}` blocks")
        if first:
            self.error(1, "the file is empty: it must start with the lesson title as a `# ` heading")
        return ParsedFile(self.path, title, title_line, steps, self.errors, len(self.text.splitlines()) or 1)

    def top_level_block(self, block: Token) -> ParsedStep | None:
        line = _span(block)[0] + 1
        name, arg = _directive(block.info)
        if name != "step":
            if name in STEP_BLOCKS:
                self.error(line, f"a {{{name}}} block must be inside a `::::{{step}}` block")
            else:
                self.error(line, f"unknown block {block.info.strip()!r}: lesson files hold `::::{{step}} <id>` blocks")
            return None
        if len(block.markup) < 4:
            self.error(line, "open a step with four colons (`::::{step} <id>`) so the `:::` blocks inside it can nest")
        if not _is_closed(block, self.lines):
            self.error(line, f"step {arg or '?'!r} is not closed: end it with a line `{block.markup}`")
        if not ID_PATTERN.match(arg):
            self.error(line, f"the step block needs a lowercase-with-dashes id: `::::{{step}} my-step` (got {arg!r})")
            return None
        return self.step(block, arg)

    def step(self, block: Token, step_id: str) -> ParsedStep:
        first, end = _span(block)
        line = first + 1
        offset = first + 1  # index (0-based) in the file of the step's first content line
        lines = block.content.split("\n")
        tokens = _markdown().parse(block.content)
        source = _Source(lines)
        self.spans = {}
        fences, refs = self.scan(tokens, offset, source, "a step", "body")
        drops: list[tuple[int, int]] = []
        title: str | None = None
        hints: list[str] = []
        solutions: list[str] = []
        sims: list[str] = []
        captions: list[str] = []
        predicts: list[Predict] = []
        placed: list[tuple[int, int, StepPart]] = []  # (first line, end line, part) of sim/predict blocks
        for inner, group in _top_blocks(tokens):
            if inner.type == "heading_open" and inner.tag == "h2" and title is None:
                title = group[1].content.strip()
                drops.append(_span(inner))
            if inner.type != "colon_fence":
                continue
            drops.append(_span(inner))
            inner_line = offset + _span(inner)[0] + 1
            name, arg = _directive(inner.info)
            if name == "step":
                self.error(inner_line, f"step {arg!r} starts inside step {step_id!r}: close {step_id!r} with `::::` first")
                continue
            if not _is_closed(inner, lines):
                self.error(inner_line, f"the {{{name}}} block is not closed: end it with a line `{inner.markup}`")
            if name not in STEP_BLOCKS:
                self.error(inner_line, f"unknown block {inner.info.strip()!r}: use hint, solution, sim or predict")
                continue
            if name in ("sim", "predict"):
                if not arg:
                    self.error(inner_line, f"the {{{name}}} block needs a scenario name: `:::{{{name}}} <scenario>`")
                else:
                    refs.append(Ref("scenario", arg, inner_line))
            if name == "predict":
                predict, predict_fences, predict_refs = self.predict(arg, inner.content, inner_line)
                fences.extend(predict_fences)
                refs.extend(predict_refs)
                if predict is not None:
                    predicts.append(predict)
                    placed.append((*_span(inner), StepPart("predict", scenario=arg, predict=predict)))
                continue
            chunk = self.chunk(inner.content, inner_line, name)
            fences.extend(chunk.fences)
            refs.extend(chunk.refs)
            if name == "hint":
                if not chunk.markdown:
                    self.error(inner_line, "the hint is empty")
                hints.append(chunk.markdown)
            elif name == "solution":
                if solutions:
                    self.error(inner_line, f"step {step_id!r} has more than one {{solution}} block (at most one)")
                solutions.append(chunk.markdown)
            else:
                sims.append(arg)
                captions.append(chunk.markdown)
                if arg:
                    placed.append((*_span(inner), StepPart("sim", chunk.markdown, scenario=arg)))
        if title is None:
            self.error(line, f"step {step_id!r} has no `## ` title")
        fences.sort(key=lambda fence: fence.line)
        refs.extend(_prose_values(lines, offset, fences))
        text = StepText(
            title=title or step_id,
            body=self.assemble(source, drops),
            hints=tuple(hints),
            solution=solutions[0] if solutions else None,
            commands=tuple(fence for fence in fences if fence.block == "body" and fence.language in COMMAND_LANGUAGES),
            sims=tuple(sims),
            predicts=tuple(predicts),
            line=line,
            sim_captions=tuple(captions),
            parts=self.parts(source, drops, placed),
            fences=tuple(fences),
        )
        text = replace(text, spans=tuple(self.spans.items()))
        chars = sum(len(written) for written in self.lines[first:end])
        return ParsedStep(step_id, line, text, refs, end - first, chars, block.content)

    def chunk(self, content: str, first_line: int, where: str) -> _Chunk:
        """Clean the Markdown of a hint/solution/sim caption: `first_line` is its opening fence's line."""
        source = _Source(content.split("\n"))
        fences, refs = self.scan(_markdown().parse(content), first_line, source, f"a {{{where}}} block", where)
        return _Chunk(self.assemble(source, []), fences, refs)

    def scan(
        self, tokens: list[Token], offset: int, source: _Source, where: str, block: str
    ) -> tuple[list[Fence], list[Ref]]:
        """Collect code fences and links; `offset` + 1 is the file line of `source.lines[0]`,
        `block` is where in the step the tokens stand (`Fence.block`)."""
        fences: list[Fence] = []
        refs: list[Ref] = []
        for token in tokens:
            line = offset + token.map[0] + 1 if token.map else offset + 1
            if token.type == "fence":
                fence = self.fence(token, line, source, block, offset)
                if fence.role:
                    refs.append(Ref("role", fence.role, line))
                for offset_line, code_line in enumerate(fence.code.split("\n"), line + 1):
                    refs.extend(Ref("value", name, offset_line) for name in names_in(code_line))
                    if fence.lab and _TUTOR_LINE.match(code_line):
                        refs.append(Ref("lab-command", code_line.strip(), offset_line))
                fences.append(fence)
            elif token.type == "inline":
                refs.extend(_links(token, line))
            elif token.type == "colon_fence" and (token.level > 0 or where != "a step"):
                name, _ = _directive(token.info)
                self.error(line, f"a {{{name}}} block cannot stand inside {where} or inside a list or quote")
        return fences, refs

    def fence(self, token: Token, line: int, source: _Source, block: str, offset: int) -> Fence:
        """Read a code fence's language and options (role, file, ...), and reduce its info string to
        the language and the flags filling reads (`{example=tutorial}`, `{when=lab}`)."""
        info = token.info.strip()
        language, found, problems = _fence_info(info)
        for problem in problems:
            self.error(line, problem)
        if "file" in found:
            self.file_option(line, found)
        tutorial = found.get("example") == "tutorial"
        if "example" in found and not tutorial:
            self.error(line, f"example={found['example']} is not known: write example=tutorial for a block that "
                       "shows the tutorial's own addresses on purpose")
        lab = "when" in found
        if lab:
            self.lab_option(line, language, found, token.content)
        flags = " ".join(flag for flag, on in (("example=tutorial", tutorial), ("when=lab", lab)) if on)
        reduced = f"{language} {{{flags}}}" if flags else language
        index, end = _span(token)
        if info != reduced:
            written = source.lines[index]
            source.rewrites[index] = written[: written.find(token.markup) + len(token.markup)] + reduced
        source.spans.append(_fence_span(token, source.lines, language, found))
        return Fence(language, token.content.rstrip("\n"), found.get("role"), found.get("file"), tutorial=tutorial,
                     lab=lab, block=block, line=line, end=offset + end)

    def parts(self, source: _Source, drops: list[tuple[int, int]], placed: list[tuple[int, int, StepPart]]
              ) -> tuple[StepPart, ...]:
        """The step body cut at its {sim}/{predict} blocks: Markdown parts with those blocks between them."""
        parts: list[StepPart] = []
        start = 0
        end_of_text = len(source.lines)
        for first, end, part in [*placed, (end_of_text, end_of_text, None)]:
            outside = [(0, start), (first, end_of_text)]
            markdown = self.assemble(source, [*drops, *outside])
            if markdown:
                parts.append(StepPart("markdown", markdown))
            if part is not None:
                parts.append(part)
            start = end
        return tuple(parts)

    def lab_option(self, line: int, language: str, found: dict[str, str], code: str) -> None:
        """`when=lab`: a `bash` block the learner types on their own computer (role=laptop) when the
        machines are the lab's; every `tutor lab` line in it is a real `sudo tutor lab` command."""
        if found["when"] != "lab":
            self.error(line, f"when={found['when']} is not known: write when=lab for a block shown only when "
                       "the learner's machines are the lab's (`tutor lab`)")
            return
        if language != "bash" or found.get("role") != "laptop" or "file" in found or "example" in found:
            self.error(line, "a when=lab block is a ```bash {role=laptop when=lab} block: the lab's commands run "
                       "on the learner's own computer (no file= or example=)")
        if not any(_TUTOR_LINE.match(text) for text in code.split("\n")):
            self.error(line, "a when=lab block holds the lab's command: `sudo tutor lab ...` (or `sudo tutor check --lab`)")

    def file_option(self, line: int, found: dict[str, str]) -> None:
        """`file=` says where a config block goes: an absolute, plain path on the machine `role=` names."""
        path = found["file"]
        if "role" not in found:
            self.error(line, f"file={path} needs role=<machine> too: on which machine does the file go?")
        parts = path.split("/")
        if not path.startswith("/") or path.endswith("/") or ".." in parts or "" in parts[1:]:
            self.error(line, f"file={path!r} must be an absolute path to a file, e.g. file=/etc/nginx/dumbways/reverse_proxy.conf")
        elif not path.isprintable():
            self.error(line, f"file={path!r} holds control characters")

    def predict(self, scenario: str, content: str, first_line: int) -> tuple[Predict | None, list[Fence], list[Ref]]:
        """Split a predict block into question, task-list choices and explanation."""
        lines = content.split("\n")
        tokens = _markdown().parse(content)
        source = _Source(lines)
        fences, refs = self.scan(tokens, first_line, source, "a {predict} block", "predict")
        choices_list = next(
            ((block, group) for block, group in _top_blocks(tokens)
             if block.type in ("bullet_list_open", "ordered_list_open")),
            None,
        )
        if choices_list is None:
            self.error(first_line, "the {predict} block has no choices: add a task list (`- [x] right`, `- [ ] wrong`)")
            return None, fences, refs
        block, group = choices_list
        choices: list[Choice] = []
        for index, token in enumerate(group):
            if token.type != "list_item_open" or token.level != block.level + 1:
                continue
            inline = next((t for t in group[index:] if t.type == "inline"), None)
            match = _CHOICE.match(inline.content) if inline is not None else None
            if match is None:
                self.error(first_line + _span(token)[0] + 1, "each choice must be a task list item: `- [x] right` or `- [ ] wrong`")
                continue
            choices.append(Choice(match[2].strip(), match[1] in "xX"))
        question = self.assemble(source, [(_span(block)[0], len(lines))])
        explanation = self.assemble(source, [(0, _span(block)[1])])
        if choices and not any(choice.correct for choice in choices):
            self.error(first_line, "the {predict} block has no correct choice: mark the right one(s) with `- [x]`")
        if not question:
            self.error(first_line, "the {predict} block has no question before its choices")
        if not explanation:
            self.error(first_line, "the {predict} block has no explanation after its choices")
        return Predict(scenario, question, tuple(choices), explanation, first_line), fences, refs


def _prose_values(lines: list[str], offset: int, fences: list[Fence]) -> list[Ref]:
    """`{name}` tokens outside the step's code fences (in prose, a hint, a question): shown raw, never filled."""
    inside = {number for fence in fences for number in range(fence.line, fence.end + 1)}
    return [Ref("prose-value", name, number) for number, line in enumerate(lines, offset + 1)
            if number not in inside for name in names_in(line)]


def _span(token: Token) -> tuple[int, int]:
    """The (first, end) line indexes of a block token (markdown-it gives every block token a map)."""
    return (token.map[0], token.map[1]) if token.map else (0, 0)


def _directive(info: str) -> tuple[str, str]:
    """`{step} my-id` -> ("step", "my-id"); anything else -> ("", info)."""
    match = _DIRECTIVE.match(info.strip())
    return (match[1], match[2].strip()) if match else ("", info.strip())


def _top_blocks(tokens: list[Token]) -> Iterator[tuple[Token, list[Token]]]:
    """Yield (first token, all tokens) of each outermost block in a token stream."""
    index = 0
    while index < len(tokens):
        start = index
        depth = 0
        while True:
            depth += tokens[index].nesting
            index += 1
            if depth <= 0:
                break
        yield tokens[start], tokens[start:index]


def _is_closed(block: Token, lines: list[str]) -> bool:
    """True when a colon fence ends with its closing line (markdown-it closes it at the end otherwise)."""
    last = _span(block)[1] - 1
    if last <= _span(block)[0] or last >= len(lines):
        return False
    closing = lines[last].strip()
    return len(closing) >= len(block.markup) and set(closing) == {":"}


def _links(inline: Token, line: int) -> list[Ref]:
    """The link and image targets of an inline token, each with its own line."""
    refs: list[Ref] = []
    for child in inline.children or ():
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type == "link_open":
            refs.append(Ref("link", str(child.attrs.get("href", "")), line))
        elif child.type == "image":
            refs.append(Ref("link", str(child.attrs.get("src", "")), line))
    return refs


def _assemble(source: _Source, drops: list[tuple[int, int]]) -> tuple[str, tuple[FenceSpan, ...] | None]:
    """The Markdown left after dropping line ranges, without the blank lines they leave behind, and
    where its fences stand (None when a fence lost a line, so that only a parse can say)."""
    lines = source.lines
    dropped: set[int] = set()
    for start, end in drops:
        dropped.update(range(start, end))
    kept: list[int] = []  # indexes in `lines`
    after_drop = False
    for index, written in enumerate(lines):
        if index in dropped:
            after_drop = True
            continue
        blank = not written.strip()
        if blank and after_drop and (not kept or not lines[kept[-1]].strip()):
            continue
        after_drop = after_drop and blank
        kept.append(index)
    while kept and not lines[kept[0]].strip():
        kept.pop(0)
    while kept and not lines[kept[-1]].strip():
        kept.pop()
    text = "\n".join(source.rewrites.get(index, lines[index]) for index in kept)
    moved = {index: place for place, index in enumerate(kept)}
    spans: list[FenceSpan] = []
    for span in source.spans:
        left = sum(index in moved for index in range(span.start, span.end))
        if left == 0:  # dropped with its block, or in another part
            continue
        if left != span.end - span.start:
            return text, None
        shift = moved[span.start] - span.start
        spans.append(replace(span, start=span.start + shift, code=span.code + shift, code_end=span.code_end + shift,
                             end=span.end + shift))
    return text, tuple(spans)
