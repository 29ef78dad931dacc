"""Small JSON files in the user's data folder: atomic writes, a lock between processes, and
unreadable files moved aside.

Two processes may share a data folder (`tutor` in a terminal and a `tutor serve` tab, by design):
each change is made under `locked(path)` to the file as it is on disk right now, never by writing
one process's memory over another's saves.
"""

from __future__ import annotations

import glob
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from sim.files import read_text_limited

MAX_BYTES = 2_000_000
"""Progress and settings files stay a few kilobytes; a bigger one is not ours and is moved aside."""
ORPHAN_AGE = 60.0


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


LOCK_RETRY = 0.05  # seconds between tries where the lock cannot wait by itself (Windows)


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the lock of `path` (the file `<name>.lock` beside it) against every other process.

    fcntl.flock on Linux and macOS, msvcrt.locking on Windows; the lock goes with the process, so
    one that dies holding it blocks no one. OSError when the lock file cannot be opened.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a+b") as handle:
        _lock(handle)
        try:
            yield
        finally:
            _unlock(handle)


if sys.platform == "win32":
    import msvcrt

    def _lock(handle: IO[bytes]) -> None:
        handle.seek(0)
        while True:
            try:
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
                return
            except OSError:
                time.sleep(LOCK_RETRY)

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)

    def _unlock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


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


def read_json(path: Path) -> dict | None:
    """The JSON object in `path`, None when the file does not exist.

    Anything else (not a regular file, over MAX_BYTES, not UTF-8, not JSON, nested too deeply,
    or JSON that is no object, such as `null`) raises Unreadable after moving the file aside.
    Temporary files left by interrupted saves are removed first.
    """
    remove_orphans(path)
    try:
        text = read_text_limited(path, MAX_BYTES)
    except FileNotFoundError:
        return None
    except OSError:
        raise Unreadable(try_move_aside(path)) from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise Unreadable(try_move_aside(path)) from None
    if not isinstance(data, dict):
        raise Unreadable(try_move_aside(path))
    return data


def remove_orphans(path: Path, older_than: float = ORPHAN_AGE) -> int:
    """Delete `.<name>.*.tmp` files next to `path` that an interrupted save left; returns how many.

    Only files older than `older_than` seconds go, so a save running right now keeps its file.
    """
    removed = 0
    now = time.time()
    try:
        candidates = list(path.parent.glob(f".{glob.escape(path.name)}.*.tmp"))
    except OSError:
        return 0
    for candidate in candidates:
        try:
            if now - candidate.lstat().st_mtime > older_than:
                candidate.unlink()
                removed += 1
        except OSError:
            continue
    return removed
