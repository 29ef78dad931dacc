"""The diagram: clients -> nginx -> servers (or clients -> one server, for a direct scenario),
with requests moving along the links.

Pure drawing code (Rich `Text`), no widgets: `LinkAnimator` keeps the moving glyphs, and
`render_diagram` draws one frame of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from rich.text import Text

from tutor.i18n import tr
from tutor.simview.frame import Frame, ServerView
from tutor.simview.strings import STRINGS
from tutor.simview.style import FAILED_GLYPH, REQUEST_GLYPH, SYMBOLS

GLYPH_STEP = 1 / 3  # a glyph crosses a link in three frames
MAX_NEW_GLYPHS = 3  # new glyphs per link per frame, however many requests went that way
FAILURE_FRAMES = 3  # frames a failed attempt stays marked at the end of its link


class LinkAnimator:
    """Glyph positions (0..1) on the client link and on each nginx -> server link."""

    def __init__(self, servers: int) -> None:
        self.client: list[float] = []
        self.links: list[list[float]] = [[] for _ in range(servers)]
        self.failures: list[int] = [0] * servers

    def advance(self, arrivals: int, attempts: Sequence[int], failures: Sequence[int]) -> None:
        """Move every glyph one step, then start glyphs for this frame's requests."""
        self.client = _moved(self.client, arrivals)
        self.links = [_moved(glyphs, count) for glyphs, count in zip(self.links, attempts)]
        self.failures = [FAILURE_FRAMES if new else max(0, left - 1) for left, new in zip(self.failures, failures)]

    def clear(self) -> None:
        """Remove every glyph (reduced motion, restart)."""
        self.client = []
        self.links = [[] for _ in self.links]
        self.failures = [0] * len(self.failures)

    @property
    def idle(self) -> bool:
        return not self.client and not any(self.links) and not any(self.failures)


def _moved(glyphs: list[float], new: int) -> list[float]:
    kept = [pos + GLYPH_STEP for pos in glyphs if pos + GLYPH_STEP <= 1.0]
    count = min(new, MAX_NEW_GLYPHS)
    kept.extend(GLYPH_STEP * j / count for j in range(count))
    return kept


@dataclass(frozen=True)
class Layout:
    """Column widths and spacing of one diagram layout."""

    client_col: int
    client_link: int
    server_link: int
    row_gap: int  # blank rows between servers (presenter layout)
    compact: bool


LAYOUTS = {
    "normal": Layout(client_col=10, client_link=6, server_link=8, row_gap=0, compact=False),
    "compact": Layout(client_col=8, client_link=3, server_link=4, row_gap=0, compact=True),
    "presenter": Layout(client_col=10, client_link=10, server_link=18, row_gap=3, compact=False),
    "roomy": Layout(client_col=10, client_link=6, server_link=8, row_gap=1, compact=False),  # a tall screen
    "tiny": Layout(client_col=8, client_link=2, server_link=2, row_gap=0, compact=True),  # about 60 columns
    "presenter_narrow": Layout(client_col=8, client_link=3, server_link=4, row_gap=3, compact=True),
}
BOX_INNER = 7


def server_row(index: int, layout: Layout) -> int:
    """The diagram row of server `index` (row 0 is the box's top border)."""
    return 1 + index * (1 + layout.row_gap)


def server_at_row(row: int, servers: int, layout: Layout) -> int | None:
    """The server drawn on `row`, if any (for mouse clicks)."""
    for index in range(servers):
        if server_row(index, layout) == row:
            return index
    return None


def state_text(server: ServerView, lang: str, *, short: bool = False) -> str:
    """The state as words: "temporarily disabled 7s", "stopped", "up · backup"."""
    state = server.shown_state
    if state == "banned":
        word = tr(STRINGS, "state.banned_short" if short else "state.banned", lang, left=server.ban_left)
    else:
        word = tr(STRINGS, f"state.{state}", lang)
    if server.backup:
        word += " · " + tr(STRINGS, "state.backup", lang)
    return word


def render_diagram(
    frame: Frame,
    animator: LinkAnimator | None,
    *,
    lang: str,
    layout: Layout,
    palette: dict[str, str],
    selected: int | None = None,
    width: int = 200,
) -> Text:
    """The whole diagram as text, fitted to `width` columns (shorter words, fewer columns when
    narrow); `animator=None` draws no moving glyphs (reduced motion)."""
    servers = frame.servers
    rows = server_row(len(servers) - 1, layout) + 2 if servers else 3
    middle = rows // 2
    columns = _columns(servers, lang, layout, width, frame.direct)
    lines: list[Text] = []
    for row in range(rows):
        line = Text(no_wrap=True, overflow="ellipsis")
        _client_part(line, row, middle, frame, animator, lang, layout, palette)
        index = server_at_row(row, len(servers), layout)
        if not frame.direct:  # a direct scenario: the client link ends at the server, no nginx box
            _box_part(line, row, rows, middle, index is not None)
        if index is not None:
            failed = animator.failures[index] > 0 if animator else False
            if not frame.direct:
                _link(line, layout.server_link, animator.links[index] if animator else [], failed, palette)
            line.append(" ")
            _server_part(line, index, servers[index], selected == index, columns, lang, palette)
        elif row == 0:
            line.append(" " * (1 if frame.direct else layout.server_link + 1))
            _heading(line, columns, lang)
        lines.append(line)
    return Text("\n", no_wrap=True).join(lines)


@dataclass(frozen=True)
class _Columns:
    name: int
    address: int  # 0: left out (narrow)
    state: int
    short: bool  # short state words
    short_headings: bool
    served: bool
    digits: tuple[int, ...] = (3, 3, 3, 3)  # the widest value of each number column

    def number_keys(self) -> tuple[str, ...]:
        keys = _SHORT_NUMBER_KEYS if self.short_headings else _NUMBER_KEYS
        return keys if self.served else keys[:3]

    def number_widths(self, lang: str) -> list[int]:
        """Each number column's width: its heading or its widest value, plus one space before it."""
        return [max(len(tr(STRINGS, key, lang)), digits) + 1 for key, digits in zip(self.number_keys(), self.digits)]


# active, queued, stuck (no answer coming), served: the numbers a step teaches come first
_NUMBER_KEYS = ("col.active", "col.queued", "col.stuck", "col.served")
_SHORT_NUMBER_KEYS = ("col.active_short", "col.queued_short", "col.stuck_short", "col.served_short")


def _digits(servers: Sequence[ServerView]) -> tuple[int, ...]:
    """The widest active, queued, stuck and served value (at least 3 digits, so columns rarely move)."""
    columns = zip(*((s.active, s.queued, s.stuck, s.served) for s in servers)) if servers else ()
    return tuple(max(3, *(len(str(value)) for value in column)) for column in columns) or (3, 3, 3, 3)


def _columns(servers: Sequence[ServerView], lang: str, layout: Layout, width: int, direct: bool = False) -> _Columns:
    """Column widths: when `width` is narrow, first shorter words and headings, then no addresses,
    then state words cut short (each state has its own symbol); the numbers (active, queued,
    stuck, served) stay as long as anything can."""
    name_w = max((len(s.name) for s in servers), default=0)
    addr_w = max((len(s.address) for s in servers), default=0)
    left = layout.client_col + layout.client_link + 1 + 5  # + the marker and symbol
    if not direct:  # the nginx box and the links to the servers
        left += BOX_INNER + 2 + layout.server_link
    backup = any(s.backup for s in servers)
    digits = _digits(servers)
    for short, address, short_headings in (
            (False, True, False), (True, True, False), (True, True, True), (True, False, False), (True, False, True)):
        address_w = addr_w + 1 if address and addr_w else 0
        state_w = _state_width(lang, short, backup)
        columns = _Columns(name_w, address_w, state_w, short, short_headings, True, digits)
        if left + name_w + 1 + address_w + state_w + sum(columns.number_widths(lang)) <= width:
            return columns
    columns = _Columns(name_w, 0, 0, True, True, True, digits)
    if left + name_w + 1 + sum(columns.number_widths(lang)) > width:  # not even every number fits
        columns = replace(columns, served=False)
    room = width - (left + name_w + 1 + sum(columns.number_widths(lang)))  # what is left for the state words
    return replace(columns, state=max(0, room))


def _state_width(lang: str, short: bool, backup: bool) -> int:
    """The widest state word in `lang`, so columns stay put when a state changes."""
    words = [tr(STRINGS, "state.banned_short" if short else "state.banned", lang, left=10)]
    words += [tr(STRINGS, f"state.{name}", lang) for name in ("up", "stopped", "hung", "poweroff", "slow", "down")]
    suffix = " · " + tr(STRINGS, "state.backup", lang) if backup else ""
    return max(len(word) for word in words) + len(suffix)


def _heading(line: Text, columns: _Columns, lang: str) -> None:
    left = 5 + columns.name + 1 + columns.address + columns.state
    hint = tr(STRINGS, "col.legend_hint", lang) if columns.short_headings else ""
    if hint and len(hint) + 1 <= left:  # short headings: say where they are spelled out
        line.append((hint + " ").rjust(left), style="dim italic")
    else:
        line.append(" " * left)
    for key, width in zip(columns.number_keys(), columns.number_widths(lang)):
        line.append(tr(STRINGS, key, lang).rjust(width), style="dim")


def _client_part(line, row, middle, frame, animator, lang, layout, palette) -> None:
    width = layout.client_col + layout.client_link
    if row == middle:
        line.append(tr(STRINGS, "diagram.clients", lang).ljust(layout.client_col)[: layout.client_col])
        _link(line, layout.client_link, animator.client if animator else [], False, palette)
    elif row == middle + 1:
        rate = tr(STRINGS, "diagram.rate", lang, rate=frame.rate)
        if len(rate) >= width:  # the tiny layout: "10/dtk" (a space before the box)
            rate = tr(STRINGS, "diagram.rate_short", lang, rate=frame.rate)
        line.append(rate.ljust(width)[:width], style="dim")
    else:
        line.append(" " * width)


def _box_part(line: Text, row: int, rows: int, middle: int, has_link: bool) -> None:
    if row == 0:
        line.append("╭" + "─" * BOX_INNER + "╮")
    elif row == rows - 1:
        line.append("╰" + "─" * BOX_INNER + "╯")
    else:
        label = "nginx" if row == middle else ""
        line.append("┤" if row == middle else "│")
        line.append(label.center(BOX_INNER), style="bold" if label else "")
        line.append("├" if has_link else "│")


def _cut(word: str, width: int) -> str:
    """`word` in at most `width` cells, ending in "…" when cut."""
    return word if len(word) <= width else word[: max(0, width - 1)].rstrip() + "…"[:width]


def _link(line: Text, width: int, glyphs: Sequence[float], failed: bool, palette: dict[str, str]) -> None:
    cells = ["─"] * width
    styles = [palette["link"]] * width
    for pos in glyphs:
        cell = min(width - 1, int(pos * (width - 1)))
        cells[cell] = REQUEST_GLYPH
        styles[cell] = palette["glyph"]
    if failed:
        cells[-1] = FAILED_GLYPH
        styles[-1] = palette["failed"]
    for char, style in zip(cells, styles):
        line.append(char, style=style)


def _server_part(line, index, server, is_selected, columns: _Columns, lang, palette) -> None:
    state = server.shown_state
    style = palette[state]
    marker = f"{index + 1}" if index < 9 else " "
    line.append(("»" if is_selected else " ") + marker, style=palette["selected"] if is_selected else "bold")
    line.append(" ")
    line.append(SYMBOLS[state], style=style)
    line.append(" ")
    line.append(server.name.ljust(columns.name), style="bold")
    line.append(" ")
    if columns.address:
        line.append(server.address.ljust(columns.address), style="dim")
    line.append(_cut(state_text(server, lang, short=columns.short), columns.state).ljust(columns.state), style=style)
    for width, value in zip(columns.number_widths(lang), (server.active, server.queued, server.stuck, server.served)):
        line.append(str(value).rjust(width))
