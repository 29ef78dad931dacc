"""Code blocks of a step that wrap to the width they have, with every wrapped row marked `↪`.

A long command (a `sed` with a path, a `for` loop) wraps; a continuation row that looks like
a line of its own reads as a second command. Here the first row of a code line uses the whole
width and each continuation row starts with a dim `↪ `, so it cannot be mistaken for one.
Copying (`c`) takes the command from the lesson, never from the screen, so it stays exact.
"""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownFence

CONTINUATION = "↪ "


def wrapped_rows(code: Content, width: int) -> list[Content]:
    """`code` cut into rows of at most `width` cells: a line's first row whole, its continuation
    rows after a dim `↪ ` (so each line's rows are 1 + its overflow over width - 2)."""
    width = max(width, len(CONTINUATION) + 1)
    mark = Content.styled(CONTINUATION, "dim")
    rows: list[Content] = []
    for line in code.split("\n", allow_blank=True):
        if line.cell_length <= width:
            rows.append(line)
            continue
        head, tail = line.divide([width])[:2]
        rows.append(head)
        rows.extend(mark + part for part in tail.fold(width - len(CONTINUATION)))
    return rows


class CodeLines(Widget):
    """The rows of one code block (highlighted), wrapped to the widget's width."""

    DEFAULT_CSS = "CodeLines { height: auto; width: 1fr; }"

    def __init__(self, code: Content, **kwargs) -> None:
        super().__init__(**kwargs)
        self.code = code

    def update(self, code: Content) -> None:
        """What MarkdownFence calls when the code or the theme changes."""
        self.code = code
        self.refresh(layout=True)

    def get_content_width(self, container, viewport) -> int:
        return container.width

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(wrapped_rows(self.code, width))

    def render(self) -> Content:
        return Content("\n").join(wrapped_rows(self.code, self.content_region.width))


class CodeFence(MarkdownFence):
    """A Markdown code fence drawn by CodeLines (Textual's own scrolls or wraps without a mark)."""

    def set_content(self, content: Content) -> None:
        self._content = content
        for lines in self.query(CodeLines):
            lines.update(content)

    def compose(self):
        yield CodeLines(self._highlighted_code, id="code-content")


@cache
def shared_parser() -> MarkdownIt:
    """One Markdown parser for every step (Textual builds a new one, ~2 ms, for each document).
    Parsing keeps its state per call; the rules are compiled here, before threads share it."""
    parser = MarkdownIt("gfm-like")
    parser.parse("")
    return parser


class StepMarkdown(Markdown):
    """Markdown whose code fences are CodeFences, read by the shared parser."""

    BLOCKS = {**Markdown.BLOCKS, "fence": CodeFence, "code_block": CodeFence}

    def __init__(self, markdown: str | None = None, **kwargs) -> None:
        super().__init__(markdown, parser_factory=shared_parser, **kwargs)
