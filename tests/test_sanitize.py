"""sanitize(): text from servers is shown without terminal control sequences or markup."""

from __future__ import annotations

import random

import pytest
from rich.markup import render
from textual.markup import to_content

from tutor.sanitize import sanitize


@pytest.mark.parametrize("raw, shown", [
    ("\x1b[31mred\x1b[0m", "red"),                                   # CSI colours
    ("\x1b[2J\x1b[Hcleared", "cleared"),                              # clear screen, cursor home
    ("\x1b]0;new title\x07text", "text"),                             # OSC window title (BEL)
    ("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"),           # OSC 8 hyperlink (ST)
    ("\x9b31mC1\x9b0m", "C1"),                                        # 8-bit CSI
    ("\x1bPq#0;2;0;0;0\x1b\\after", "after"),                          # DCS (sixel)
    ("a\x00b\x07c\x7fd", "abcd"),                                     # other C0 controls and DEL
    ("abc\u202edcba\u200b", "abcdcba"),                               # bidi override, zero width
    ("line1\r\nline2\tend", "line1 line2 end"),                       # one line
    ("[bold red]hi[/bold red]", "hi"),                                # Rich markup
    ("[@click=app.quit]x[/]", "x"),                                   # Textual action
    ("[$accent]x", "x"),                                              # Textual variable
    ("[[b]b]nested", "nested"),                                       # markup revealed by stripping
    ("a [b c", "a b c"),                                              # an unclosed tag opener
    ("\\[b]escaped", "escaped"),
    ("[::1]:3000 and [1]", "[::1]:3000 and [1]"),                      # not markup: kept
    ("Welcome to nginx!", "Welcome to nginx!"),
    ("nginx: [emerg] invalid port", "nginx: emerg: invalid port"),    # nginx's level, kept readable
    (b"bytes \xff\x1b[1m", "bytes \ufffd"),
])
def test_sanitize_removes_what_a_terminal_or_renderer_would_act_on(raw, shown):
    assert sanitize(raw) == shown


def test_sanitize_limits_the_length():
    assert sanitize("x" * 500, limit=10) == "x" * 9 + "…"
    assert sanitize(None) == ""


def test_random_hostile_strings_render_as_plain_text():
    """Whatever a server sends, the result has no markup spans, no controls, and renders as itself."""
    alphabet = ["[", "]", "/", "\\", "b", "$", "@", "#", " ", "a", "=", "\x1b", "\x9b", "\x07", "\u202e",
                "bold", "link", ";", "0", "m", "\n", ":", "1", "'"]
    rng = random.Random(20240521)
    for _ in range(2000):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        clean = sanitize(raw)
        assert not any(ord(ch) < 32 or 0x7f <= ord(ch) <= 0x9f or ch == "\u202e" for ch in clean), repr(raw)
        rich_text = render(clean)
        assert rich_text.spans == [], repr(raw)
        content = to_content(clean)
        assert list(content.spans) == [], repr(raw)
