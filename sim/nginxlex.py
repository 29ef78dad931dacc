"""nginx's config tokenizer, ngx_conf_read_token() of nginx 1.22, byte for byte.

`directives(file, data)` yields each directive as (words, terminator, line): the terminator is
";", "{" (a block opens), "}" (a block closes; no words) or "" (end of file). Errors carry
nginx's own wording and line, including the quirks learners meet: a word (or a comment) that
reaches 4096 bytes is "too long parameter" (nginx reads the file through a 4096-byte buffer),
and a character after a closing quote is "unexpected".
"""

from __future__ import annotations

from collections.abc import Iterator

BUFFER = 4096
"""NGX_CONF_BUFFER: a word, counted from its first byte, must end before this many bytes."""
_SPACE = frozenset(b" \t\r\n")
_ESCAPES = {ord('"'): b'"', ord("'"): b"'", ord("\\"): b"\\", ord("t"): b"\t", ord("r"): b"\r", ord("n"): b"\n"}


class LexError(ValueError):
    """A config nginx cannot tokenise; `line` and `message` as `nginx -t` prints them."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


def text(raw: bytes) -> str:
    """Bytes from a config as text (bad UTF-8 replaced, as a terminal would show them)."""
    return raw.decode("utf-8", errors="replace")


def _word(raw: bytes) -> str:
    """A word with nginx's backslash escapes applied: \\" \\' \\\\ \\t \\r \\n."""
    if b"\\" not in raw:
        return text(raw)
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i] == 0x5C and i + 1 < len(raw) and raw[i + 1] in _ESCAPES:
            out += _ESCAPES[raw[i + 1]]
            i += 2
            continue
        out.append(raw[i])
        i += 1
    return text(bytes(out))


def directives(data: bytes) -> Iterator[tuple[list[str], str, int]]:
    """Yield (words, terminator, line) for each directive of a config file's bytes (see module doc)."""
    size = len(data)
    pos, line = 0, 1
    buffer_end = min(size, BUFFER)
    while True:
        words: list[str] = []
        start, start_line = pos, line
        need_space = sharp_comment = quoted = s_quoted = d_quoted = variable = False
        last_space = True
        while True:
            if pos >= buffer_end:
                if buffer_end >= size:
                    if words or not last_space:
                        raise LexError(line, 'unexpected end of file, expecting ";" or "}"')
                    yield words, "", line
                    return
                length = pos - start
                if length == BUFFER:
                    if d_quoted or s_quoted:
                        quote = '"' if d_quoted else "'"
                        raise LexError(start_line, f'too long parameter, probably missing terminating "{quote}" character')
                    raise LexError(start_line, f'too long parameter "{text(data[start:start + 10])}..." started')
                buffer_end = pos + min(BUFFER - length, size - pos)
            ch = data[pos]
            pos += 1
            if ch == 0x0A:
                line += 1
                sharp_comment = False
            if sharp_comment:
                continue
            if quoted:
                quoted = False
                continue
            if need_space:
                if ch in _SPACE:
                    last_space, need_space = True, False
                    continue
                if ch == 0x3B or ch == 0x7B:  # ; {
                    yield words, chr(ch), line
                    break
                if ch == 0x29:  # )
                    last_space, need_space = True, False
                else:
                    raise LexError(line, f'unexpected "{text(bytes([ch]))}"')
            if last_space:
                start, start_line = pos - 1, line
                if ch in _SPACE:
                    continue
                if ch == 0x3B or ch == 0x7B:
                    if not words:
                        raise LexError(line, f'unexpected "{chr(ch)}"')
                    yield words, chr(ch), line
                    break
                if ch == 0x7D:  # }
                    if words:
                        raise LexError(line, 'unexpected "}"')
                    yield words, "}", line
                    break
                last_space = False
                if ch == 0x23:  # #
                    sharp_comment, last_space = True, True
                elif ch == 0x5C:
                    quoted = True
                elif ch == 0x22:
                    start, d_quoted = start + 1, True
                elif ch == 0x27:
                    start, s_quoted = start + 1, True
                elif ch == 0x24:
                    variable = True
                continue
            if ch == 0x7B and variable:
                continue
            variable = False
            if ch == 0x5C:
                quoted = True
                continue
            if ch == 0x24:
                variable = True
                continue
            found = False
            if d_quoted:
                if ch == 0x22:
                    d_quoted, need_space, found = False, True, True
            elif s_quoted:
                if ch == 0x27:
                    s_quoted, need_space, found = False, True, True
            elif ch in _SPACE or ch == 0x3B or ch == 0x7B:
                last_space, found = True, True
            if found:
                words.append(_word(data[start:pos - 1]))
                if ch == 0x3B or ch == 0x7B:
                    yield words, chr(ch), line
                    break
