"""`tutor check`, kept running inside a lab machine so that repeated checks skip Python's start-up.

    python -m tutor.cli.check_server      (run by Lab.check inside the laptop's namespace)

Reads one JSON list of `tutor check` arguments per line and answers one JSON line
`{"rc": N, "stdout": "...", "stderr": "..."}`: exactly what `tutor check ARGS` would have printed
and returned. Ends at end of input.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Iterable
from typing import TextIO


def serve(lines: Iterable[str] = sys.stdin, out: TextIO = sys.stdout) -> None:
    """Answer each line of `lines` on `out` (see the module docstring) until the input ends."""
    from tutor.cli.main import main

    for line in lines:
        try:
            args = [str(arg) for arg in json.loads(line)]
        except (ValueError, TypeError):
            args = None
        stdout, stderr = io.StringIO(), io.StringIO()
        if args is None:
            rc = 2
            stderr.write("checker: expected one JSON list of arguments per line\n")
        else:
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                try:
                    rc = main(["check", *args])
                except SystemExit as exc:  # argparse
                    rc = exc.code if isinstance(exc.code, int) else 2
        out.write(json.dumps({"rc": rc, "stdout": stdout.getvalue(), "stderr": stderr.getvalue()}) + "\n")
        out.flush()


if __name__ == "__main__":
    serve()
