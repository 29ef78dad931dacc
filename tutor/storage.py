"""Small JSON files in the user's data folder: atomic writes, and unreadable files moved aside."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any


class Unreadable(Exception):
    """The file exists but is not the JSON we expect; `backup` is where it was moved (None: it could not be)."""

    def __init__(self, backup: Path | None) -> None:
        super().__init__(str(backup))
        self.backup = backup


def write_json_atomic(path: Path, data: Any) -> None:
    """Write `data` as JSON to `path` via a temp file and os.replace, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def move_aside(path: Path) -> Path:
    """Rename `path` to `<name>.bak-<timestamp>` (never overwriting an older backup) and return it."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.name}.bak-{stamp}")
    counter = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.bak-{stamp}-{counter}")
        counter += 1
    os.replace(path, backup)
    return backup


def try_move_aside(path: Path) -> Path | None:
    """`move_aside(path)`, or None when the file cannot be renamed (read-only folder...)."""
    try:
        return move_aside(path)
    except OSError:
        return None


def read_json(path: Path) -> Any | None:
    """The JSON in `path`, None when the file does not exist; raises Unreadable after moving a bad file aside."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        raise Unreadable(try_move_aside(path)) from None
    try:
        return json.loads(text)
    except ValueError:
        raise Unreadable(try_move_aside(path)) from None
