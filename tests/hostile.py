"""What every hostile input must give: exit 0/1/2, no traceback, nothing a terminal would obey.

`run_cli(argv)` runs `tutor` in-process (fast) and `run_cli_process(argv)` in a child process
with a time bound (a hang detector, not a speed test); `assert_clean(...)` checks the outcome.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HANG_BOUND = 60.0
OSC52 = "\x1b]52;c;SGVsbG8=\x07"
"""A terminal escape that writes to the clipboard: the classic hostile text."""
OSC52_TOML = r"\u001b]52;c;SGVsbG8=\u0007"
"""The same, as a TOML string escape (TOML refuses raw control characters)."""


def terminal_safe(text: str) -> bool:
    """No byte below 0x20 but newline and tab, no DEL, no C1 control (0x80-0x9f)."""
    return not any((ord(c) < 0x20 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f for c in text)


def assert_clean(code: int, out: str, err: str, codes=(0, 1, 2)) -> None:
    assert code in codes, (code, out[-500:], err[-2000:])
    assert "Traceback" not in err and "Traceback" not in out, err[-2000:]
    assert terminal_safe(out), repr(out[:500])
    assert terminal_safe(err), repr(err[:500])
    if code == 2:
        assert len(err.strip().splitlines()) == 1, err


def run_cli(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    """`tutor ARGV` in this process; returns (exit code, stdout, stderr)."""
    from tutor.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def run_cli_process(argv: list[str], env: dict | None = None, timeout: float = HANG_BOUND
                    ) -> tuple[int, str, str]:
    """`python -m tutor ARGV` in a child process, killed (and failed) after `timeout` seconds."""
    environment = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
    try:
        done = subprocess.run([sys.executable, "-m", "tutor", *argv], capture_output=True, text=True,
                              cwd=ROOT, timeout=timeout, env=environment, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"tutor {' '.join(argv)} did not finish within {timeout:g} s (a hang)") from None
    return done.returncode, done.stdout, done.stderr
