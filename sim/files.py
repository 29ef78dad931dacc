"""Reading a file someone handed us without blocking, without reading gigabytes, without surprises.

`read_limited(path, limit)` opens without waiting (a FIFO would block `open()` forever), refuses
anything that is not a regular file, and never reads more than `limit` bytes. Errors are
`OSError`s whose `strerror` is one readable line, so callers keep their usual `except OSError`.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


def read_limited(path: str | Path, limit: int, *, devices_as_empty: bool = False) -> bytes:
    """The bytes of the regular file `path`, refusing FIFOs, sockets, devices and more than `limit` bytes.

    `devices_as_empty`: a character or block device reads as empty (nginx takes the size from
    fstat(), which is 0 for /dev/zero) instead of being refused.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(path))
        if not stat.S_ISREG(info.st_mode):
            if devices_as_empty and (stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)):
                return b""
            raise OSError(errno.EINVAL, "not a regular file (a pipe, socket or device)", str(path))
        if info.st_size > limit:
            raise OSError(errno.EFBIG, f"larger than the limit of {limit:,} bytes", str(path))
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise OSError(errno.EFBIG, f"larger than the limit of {limit:,} bytes", str(path))
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text_limited(path: str | Path, limit: int) -> str:
    """`read_limited` decoded as UTF-8; bad bytes raise `OSError` naming the first bad position."""
    data = read_limited(path, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise OSError(errno.EILSEQ, f"not UTF-8 text (bad byte on line {line})", str(path)) from None
