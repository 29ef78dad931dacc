"""What a lab may not change on the host: a snapshot of its files, network and mounts, and a diff.

Files are compared by metadata (type, mode, owner, size, mtime, inode), never by reading them:
`sed -i` replaces a file (new inode), an append changes size and mtime. What other processes on
this machine legitimately change while a test runs is left out, and said here:
- /etc/netns/<name> of other labs (other test workers and worktrees build labs at the same time);
- under /root: the caches and tool folders other processes write (.cache, .config, .local, .npm,
  .pyenv, .claude, .cargo, .rustup, .m2);
- /tmp: only entries this lab could make are looked at: anything owned by the lab's user
  `ubuntu` (a uid the host does not use), `sed*` temp files, and which `tmux-<uid>` socket folders
  exist (not their sockets: other tmux servers of the host start and stop meanwhile); pytest's own
  folders (/tmp/pytest-of-*, where the lab's data folder is) are not walked;
- mounts under /run/netns and /run/tutor-lab of other labs, and /run/tutor-lab itself (the lab's
  namespace folder, made once and kept like /run/netns).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT_SKIP = {".cache", ".config", ".local", ".npm", ".pyenv", ".claude", ".cargo", ".rustup", ".m2"}


def _walk(top: str, skip=lambda path: False) -> dict[str, tuple]:
    found: dict[str, tuple] = {}
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if not skip(os.path.join(root, d))]
        for name in [*dirs, *files]:
            path = os.path.join(root, name)
            if skip(path):
                continue
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if os.path.isdir(path) and not os.path.islink(path):
                found[path] = ("d", info.st_mode, info.st_uid, info.st_gid)
            else:
                found[path] = ("f", info.st_mode, info.st_uid, info.st_gid, info.st_size, info.st_mtime_ns, info.st_ino)
    return found


def snapshot(prefix: str, lab_uid: int | None = None) -> dict[str, object]:
    """The host as the lab of `prefix` must leave it."""
    def etc_skip(path: str) -> bool:
        return path.startswith("/etc/netns/") and not path.startswith(f"/etc/netns/{prefix}-")

    def root_skip(path: str) -> bool:
        return path.count("/") == 2 and os.path.basename(path) in ROOT_SKIP

    files = {**_walk("/etc", etc_skip), **_walk("/var/www"), **_walk("/home"), **_walk("/root", root_skip),
             **_walk("/var/log/nginx"), **_walk("/var/lib/nginx")}
    files.update({path: info for path, info in _walk("/run", lambda p: p.startswith(("/run/netns", "/run/tutor-lab",
                                                                                     "/run/user"))).items()
                  if path.count("/") == 2})
    tmp = {}
    for entry in os.scandir("/tmp"):
        if entry.name.startswith("pytest-of-"):
            continue
        info = entry.stat(follow_symlinks=False)
        if info.st_uid == lab_uid or entry.name.startswith("sed"):
            tmp.update(_walk(entry.path))
            tmp[entry.path] = (info.st_mode, info.st_uid)
        elif entry.name.startswith("tmux-"):  # the folder only: other tmux servers of the host come and go
            tmp[entry.path] = (info.st_mode, info.st_uid)
    return {"files": files, "tmp": tmp, "links": _run("ip", "-o", "link", "show"),
            "addresses": _run("ip", "-o", "addr", "show"), "routes": _run("ip", "route", "show", "table", "all"),
            "mounts": _mounts(prefix)}


def _run(*argv: str) -> list[str]:
    return sorted(subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.splitlines())


def _mounts(prefix: str) -> list[str]:
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4]
        if point == "/run/tutor-lab":
            continue
        if point.startswith(("/run/netns/", "/run/tutor-lab/")) and f"/{prefix}" not in point:
            continue
        points.append(point)
    return sorted(points)


def differences(before: dict, after: dict) -> list[str]:
    """What changed between two snapshots, one line each (empty when nothing did)."""
    lines = []
    for key in before:
        old, new = before[key], after[key]
        if isinstance(old, dict):
            for path in sorted(set(old) | set(new)):
                if old.get(path) != new.get(path):
                    lines.append(f"{key}: {path}: {old.get(path)} -> {new.get(path)}")
        elif old != new:
            lines.append(f"{key}: {sorted(set(old) ^ set(new))}")
    return lines
