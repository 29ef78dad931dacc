"""Make text from outside (a server, a file, an argument) safe to show: no terminal control sequences,
no Rich/Textual markup. Used wherever such text reaches a terminal or a screen."""

from __future__ import annotations

import re
import unicodedata

# ESC-introduced sequences (7-bit) and their 8-bit C1 forms: CSI, OSC, DCS/SOS/PM/APC, and
# the two-character escapes. A string terminator is BEL, ESC \ or ST (U+009C).
_CONTROL_SEQUENCES = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?                        # CSI ... final byte
  | (?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)  # OSC, DCS, SOS, PM, APC
  | \x1b[ -/]*[0-~]?                                         # other escapes (ESC ( B, ESC c ...)
    """,
    re.VERBOSE | re.DOTALL,
)

# nginx's log levels, as in "nginx: [emerg] invalid port": kept as "emerg:" (not markup).
_NGINX_LEVEL = re.compile(r"\[(emerg|alert|crit|error|warn|notice|info|debug)\]\s*")

# What Rich or Textual would read as a markup tag: [bold], [ bold], [/], [$accent], [@click=...],
# [#ff0000], [link=...], with any backslashes before it.
_MARKUP_TAG = re.compile(r"\\*\[\s*[A-Za-z#/@$][^\[\]]*\]")
# Textual reads any other "[" as the start of a tag (and fails on it), so the only brackets
# kept are those around numbers and IPv6 addresses: [1], [::1].
_LONE_BRACKET = re.compile(r"\[(?![0-9A-Fa-f:.%]*\])")

_WHITESPACE = re.compile(r"[\t\n\r\f\v\x85\u2028\u2029]+")


def sanitize(text: str | bytes | None, limit: int = 200, markup: bool = True) -> str:
    """`text` as one printable line of at most `limit` characters.

    Removes terminal control sequences, every other control or format character (C0, C1,
    bidirectional overrides, zero-width characters) and, unless `markup` is False (plain
    terminal output, where brackets are just text), anything Rich or Textual would take for
    markup (tags are dropped whole; any other "[" is dropped unless it encloses a number or an
    IPv6 address; nginx's `[emerg]` becomes `emerg:`); line breaks and tabs become single
    spaces. Bytes are decoded as UTF-8 (bad bytes replaced).
    """
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = _controls_removed(_WHITESPACE.sub(" ", _CONTROL_SEQUENCES.sub("", text)))
    if markup:
        text = _NGINX_LEVEL.sub(r"\1: ", text)
        while True:
            stripped = _LONE_BRACKET.sub("", _MARKUP_TAG.sub("", text))
            if stripped == text:
                break
            text = stripped
    text = text.strip()
    if len(text) > limit:
        text = text[: max(limit - 1, 0)].rstrip() + "…"
    return text


def terminal_text(text: str) -> str:
    """Several lines for a plain terminal: `sanitize(markup=False)` applied line by line.

    Line breaks and tabs stay; control sequences and other control characters go.
    """
    text = _CONTROL_SEQUENCES.sub("", text.replace("\r\n", "\n"))
    return "\n".join("\t".join(_controls_removed(part) for part in line.split("\t"))
                     for line in text.split("\n"))


def _controls_removed(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) not in _UNSAFE)


_UNSAFE = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
